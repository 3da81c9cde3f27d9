import type { KubeObject } from './kube';
import { isLabelKey, isLabelValue, type IssueCollector } from './validation';

/**
 * Where the pods of a Deployment grpc-mesh writes (the server's, or a balancer tier's) run, and as whom: scheduling
 * (node selector, tolerations, affinity, topology spread, priority), image pull secrets and identity. Field names
 * and shapes are Kubernetes' own (`PodSpec`), so they can be pasted from a manifest.
 *
 * Identity: grpc-mesh creates a ServiceAccount for the pods, named like their Deployment, unless
 * `serviceAccountName` names an existing one. Istio and Linkerd derive a workload's mesh identity (its SPIFFE ID, its
 * mTLS certificate) from its ServiceAccount, so the ServiceAccount of each workload gives its server an identity of
 * its own that authorization policies can name. Neither mesh needs the API token mounted: both request their own
 * projected token.
 */
export interface PodProps {
  /**
   * Node labels the pods must run on (`spec.nodeSelector`), e.g. `{ 'kubernetes.io/arch': 'arm64' }`.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Taints the pods tolerate (`spec.tolerations`), e.g. a dedicated node pool's.
   * @default - none
   */
  readonly tolerations?: readonly Toleration[];
  /**
   * Node affinity, pod affinity and pod anti-affinity. `nodeAffinity` and `podAffinity` are added to the pods;
   * `podAntiAffinity` replaces grpc-mesh's own (a balancer tier prefers one pod per node), which is kept otherwise.
   * @default - a balancer tier prefers its pods on different nodes; the server has no affinity
   */
  readonly affinity?: Affinity;
  /**
   * Topology spread constraints, replacing grpc-mesh's own; a constraint without `labelSelector` counts the pods
   * of this Deployment. An empty list writes none.
   * @default - the server spreads over nodes and zones, a balancer tier over zones, neither blocking scheduling
   */
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[];
  /**
   * PriorityClass of the pods (`spec.priorityClassName`).
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Secrets (`kubernetes.io/dockerconfigjson`, in the pods' namespace) the kubelet pulls the images with. They are
   * set on the pods, not on the ServiceAccount, so the Deployment shows them.
   * @default - none
   */
  readonly imagePullSecrets?: readonly string[];
  /**
   * An existing ServiceAccount for the pods: none is created then.
   * @default - a ServiceAccount named like the Deployment, created with it
   */
  readonly serviceAccountName?: string;
  /**
   * Annotations on the ServiceAccount grpc-mesh creates, e.g. `eks.amazonaws.com/role-arn` (IAM roles for service
   * accounts) or `iam.gke.io/gcp-service-account` (GKE workload identity). Not allowed with `serviceAccountName`.
   * @default - none
   */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /**
   * Mounts the ServiceAccount's API token in the pods (set on the pods, and on the ServiceAccount grpc-mesh creates).
   * Leave it off unless the server calls the Kubernetes API; a `projected` volume with a `serviceAccountToken` source
   * gives an audience-bound token without it.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
}

/** A taint the pods tolerate (Kubernetes' `Toleration`). */
export interface Toleration {
  /**
   * Taint key; empty matches every key (with `operator: 'Exists'` only).
   * @default - every key
   */
  readonly key?: string;
  /**
   * `Equal` matches `value`; `Exists` matches any value.
   * @default 'Equal'
   */
  readonly operator?: 'Equal' | 'Exists';
  /**
   * Taint value, with `operator: 'Equal'`.
   * @default ''
   */
  readonly value?: string;
  /**
   * Taint effect to match.
   * @default - every effect
   */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /**
   * Seconds a pod stays on a node after a `NoExecute` taint appears (with `effect: 'NoExecute'` only).
   * @default - forever
   */
  readonly tolerationSeconds?: number;
}

/** Node affinity, pod affinity and pod anti-affinity of the pods (Kubernetes' `Affinity`). */
export interface Affinity {
  /**
   * Nodes the pods must or would rather run on.
   * @default - none
   */
  readonly nodeAffinity?: NodeAffinity;
  /**
   * Pods these pods must or would rather run near.
   * @default - none
   */
  readonly podAffinity?: PodAffinity;
  /**
   * Pods these pods must or would rather not run near.
   * @default - grpc-mesh's own, if any
   */
  readonly podAntiAffinity?: PodAffinity;
}

/** Nodes the pods must or would rather run on (Kubernetes' `NodeAffinity`). */
export interface NodeAffinity {
  /**
   * Nodes the pods must run on: at least one term must match.
   * @default - none
   */
  readonly requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  /**
   * Nodes the pods would rather run on, each term with a weight.
   * @default - none
   */
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly PreferredSchedulingTerm[];
}

/** Terms of which a node must match one (Kubernetes' `NodeSelector`). */
export interface NodeSelector {
  /** The terms, ORed (at least one). */
  readonly nodeSelectorTerms: readonly NodeSelectorTerm[];
}

/** Requirements a node must all meet (Kubernetes' `NodeSelectorTerm`). */
export interface NodeSelectorTerm {
  /**
   * Requirements on node labels.
   * @default - none
   */
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  /**
   * Requirements on node fields (only `metadata.name`, with `In` or `NotIn` and one value).
   * @default - none
   */
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

/** A requirement on a node label or field (Kubernetes' `NodeSelectorRequirement`). */
export interface NodeSelectorRequirement {
  /** Label key (or field path, in `matchFields`). */
  readonly key: string;
  /** How the key relates to the values; `Gt` and `Lt` compare one integer value. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  /**
   * Values: some for `In` and `NotIn`, none for `Exists` and `DoesNotExist`, one integer for `Gt` and `Lt`.
   * @default - none
   */
  readonly values?: readonly string[];
}

/** A weighted node selector term (Kubernetes' `PreferredSchedulingTerm`). */
export interface PreferredSchedulingTerm {
  /** Weight, 1 to 100. */
  readonly weight: number;
  /** The term. */
  readonly preference: NodeSelectorTerm;
}

/** Pod (anti-)affinity: pods to run near, or away from (Kubernetes' `PodAffinity` and `PodAntiAffinity`). */
export interface PodAffinity {
  /**
   * Terms every node the pods run on must meet.
   * @default - none
   */
  readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTerm[];
  /**
   * Weighted terms the scheduler prefers nodes by.
   * @default - none
   */
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly WeightedPodAffinityTerm[];
}

/** A set of pods, and the topology domain to run in (or away from) with them (Kubernetes' `PodAffinityTerm`). */
export interface PodAffinityTerm {
  /** Node label whose value is the topology domain, e.g. `kubernetes.io/hostname` or `topology.kubernetes.io/zone`. */
  readonly topologyKey: string;
  /**
   * The pods; without it, the term matches no pod.
   * @default - no pod
   */
  readonly labelSelector?: LabelSelector;
  /**
   * Namespaces the pods are looked for in, with `namespaceSelector`'s.
   * @default - the pods' own namespace (unless `namespaceSelector` is given)
   */
  readonly namespaces?: readonly string[];
  /**
   * Namespaces the pods are looked for in, by label; `{}` is every namespace.
   * @default - the namespaces of `namespaces`
   */
  readonly namespaceSelector?: LabelSelector;
}

/** A weighted pod affinity term (Kubernetes' `WeightedPodAffinityTerm`). */
export interface WeightedPodAffinityTerm {
  /** Weight, 1 to 100. */
  readonly weight: number;
  /** The term. */
  readonly podAffinityTerm: PodAffinityTerm;
}

/** A label query (Kubernetes' `LabelSelector`): `matchLabels` and `matchExpressions` must all hold. */
export interface LabelSelector {
  /**
   * Labels that must have these values.
   * @default - none
   */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /**
   * Requirements on labels.
   * @default - none
   */
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** A requirement on a label (Kubernetes' `LabelSelectorRequirement`). */
export interface LabelSelectorRequirement {
  /** Label key. */
  readonly key: string;
  /** How the label relates to the values. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /**
   * Values: some for `In` and `NotIn`, none for `Exists` and `DoesNotExist`.
   * @default - none
   */
  readonly values?: readonly string[];
}

/** How the pods spread over a topology (Kubernetes' `TopologySpreadConstraint`). */
export interface TopologySpreadConstraint {
  /** Largest allowed difference of matching pods between two domains (at least 1). */
  readonly maxSkew: number;
  /** Node label whose value is the domain, e.g. `topology.kubernetes.io/zone`. */
  readonly topologyKey: string;
  /** What the scheduler does when no node keeps the skew: wait (`DoNotSchedule`) or schedule anyway. */
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  /**
   * The pods counted.
   * @default - the pods of this Deployment
   */
  readonly labelSelector?: LabelSelector;
  /**
   * Fewest eligible domains, with `DoNotSchedule`.
   * @default - Kubernetes' default: one domain
   */
  readonly minDomains?: number;
  /**
   * Pod label keys whose values, taken from the incoming pod, narrow the pods counted, e.g. `pod-template-hash` to
   * spread each rollout's pods on their own. A key must not also be in `labelSelector`.
   * @default - none
   */
  readonly matchLabelKeys?: readonly string[];
  /**
   * Whether the pods' node affinity and selector decide which nodes count.
   * @default 'Honor'
   */
  readonly nodeAffinityPolicy?: 'Honor' | 'Ignore';
  /**
   * Whether node taints decide which nodes count.
   * @default 'Ignore'
   */
  readonly nodeTaintsPolicy?: 'Honor' | 'Ignore';
}

/** Pod props with their defaults applied, for the render functions. */
export interface ResolvedPod {
  /** The pods' ServiceAccount: the given one, or the one grpc-mesh creates. */
  readonly serviceAccountName: string;
  /** Whether grpc-mesh creates the ServiceAccount (no `serviceAccountName` was given). */
  readonly createServiceAccount: boolean;
  /** Annotations of the created ServiceAccount. */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /** Whether the API token is mounted. */
  readonly automountServiceAccountToken: boolean;
  /** The scheduling fields as given. */
  readonly props: PodProps;
}

/** The fields of {@link PodProps}, to tell them from the other props of an object that extends it. */
export const POD_PROP_KEYS = [
  'nodeSelector', 'tolerations', 'affinity', 'topologySpreadConstraints', 'priorityClassName', 'imagePullSecrets',
  'serviceAccountName', 'serviceAccountAnnotations', 'automountServiceAccountToken',
] as const;

const TOLERATION_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const SPREAD_POLICIES = ['Honor', 'Ignore'];
const NODE_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
const LABEL_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const MAX_ANNOTATIONS_BYTES = 256 * 1024;
/** The label keys of the selector of every Deployment grpc-mesh writes: a spread constraint without `labelSelector` gets them. */
const OWN_SELECTOR_KEYS: ReadonlySet<string> = new Set(['app.kubernetes.io/name', 'app.kubernetes.io/component']);

/** Checks pod props found at `path` (e.g. `workload`, `dataPlane`) for what Kubernetes would refuse at apply time. */
export function validatePod(issues: IssueCollector, path: string, p: PodProps): void {
  issues.labels(`${path}.nodeSelector`, p.nodeSelector);
  (p.tolerations ?? []).forEach((t, i) => validateToleration(issues, `${path}.tolerations[${i}]`, t));
  validateAffinity(issues, `${path}.affinity`, p.affinity);
  (p.topologySpreadConstraints ?? []).forEach((c, i) => validateSpread(issues, `${path}.topologySpreadConstraints[${i}]`, c));
  if (p.priorityClassName !== undefined) issues.dns1123Subdomain(`${path}.priorityClassName`, p.priorityClassName);
  validateNames(issues, `${path}.imagePullSecrets`, p.imagePullSecrets ?? []);
  if (p.serviceAccountName !== undefined) issues.dns1123Subdomain(`${path}.serviceAccountName`, p.serviceAccountName);
  if (p.serviceAccountAnnotations !== undefined) {
    issues.require(p.serviceAccountName === undefined, {
      code: 'SERVICE_ACCOUNT_ANNOTATIONS_UNUSED',
      path: `${path}.serviceAccountAnnotations`,
      value: p.serviceAccountAnnotations,
      message: `would be dropped: ${path}.serviceAccountName names an existing ServiceAccount, which grpc-mesh does not create`,
      hint: `Annotate the existing ServiceAccount, or remove ${path}.serviceAccountName to have one created.`,
    });
    validateAnnotations(issues, `${path}.serviceAccountAnnotations`, p.serviceAccountAnnotations);
  }
}

/** Applies the defaults: a ServiceAccount named `ownName` unless one is given, no API token. */
export function resolvePod(p: PodProps, ownName: string): ResolvedPod {
  return {
    serviceAccountName: p.serviceAccountName ?? ownName,
    createServiceAccount: p.serviceAccountName === undefined,
    ...(p.serviceAccountAnnotations !== undefined && { serviceAccountAnnotations: p.serviceAccountAnnotations }),
    automountServiceAccountToken: p.automountServiceAccountToken ?? false,
    props: Object.fromEntries(POD_PROP_KEYS.flatMap((k) => (p[k] === undefined ? [] : [[k, p[k]]]))) as PodProps,
  };
}

/** What grpc-mesh puts in a pod spec by itself, which the pod props combine with. */
export interface PodDefaults {
  /** Labels that select the Deployment's pods, for a spread constraint without `labelSelector`. */
  readonly selector: Readonly<Record<string, string>>;
  /** grpc-mesh's pod anti-affinity, kept unless the props give `affinity.podAntiAffinity`. */
  readonly podAntiAffinity?: PodAffinity;
  /** grpc-mesh's topology spread constraints, kept unless the props give `topologySpreadConstraints`. */
  readonly topologySpreadConstraints: readonly TopologySpreadConstraint[];
}

/**
 * The pod spec fields of the pod props, combined with grpc-mesh's defaults: the ServiceAccount and token mount,
 * scheduling and image pull secrets. The props' `nodeAffinity` and `podAffinity` are added; their `podAntiAffinity`
 * and `topologySpreadConstraints` replace grpc-mesh's.
 */
export function renderPodFields(pod: ResolvedPod, defaults: PodDefaults): Record<string, unknown> {
  const p = pod.props;
  const affinity = plain({ ...(defaults.podAntiAffinity && { podAntiAffinity: defaults.podAntiAffinity }), ...p.affinity });
  const spread = (p.topologySpreadConstraints ?? defaults.topologySpreadConstraints)
    .map((c) => plain({ ...c, labelSelector: c.labelSelector ?? { matchLabels: defaults.selector } }));
  return {
    serviceAccountName: pod.serviceAccountName,
    automountServiceAccountToken: pod.automountServiceAccountToken,
    ...(p.priorityClassName !== undefined && { priorityClassName: p.priorityClassName }),
    ...(p.nodeSelector !== undefined && Object.keys(p.nodeSelector).length > 0 && { nodeSelector: p.nodeSelector }),
    ...(p.tolerations?.length && { tolerations: plain(p.tolerations) }),
    ...(Object.keys(affinity).length > 0 && { affinity }),
    ...(spread.length > 0 && { topologySpreadConstraints: spread }),
    ...(p.imagePullSecrets?.length && { imagePullSecrets: p.imagePullSecrets.map((name) => ({ name })) }),
  };
}

/**
 * The ServiceAccount grpc-mesh creates for the pods, named like their Deployment, with the token mount off unless
 * asked; undefined when the props name an existing one.
 */
export function renderServiceAccount(
  pod: ResolvedPod, metadata: { name: string; namespace: string; labels: Readonly<Record<string, string>> },
): KubeObject | undefined {
  if (!pod.createServiceAccount) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      labels: metadata.labels,
      ...(pod.serviceAccountAnnotations && Object.keys(pod.serviceAccountAnnotations).length > 0 && { annotations: pod.serviceAccountAnnotations }),
    },
    automountServiceAccountToken: pod.automountServiceAccountToken,
  };
}

/** A deep copy without `undefined` fields: what both adapters write out the same way. */
export function plain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(plain) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, plain(v)])) as T;
}

/** Checks a list of object names (DNS subdomains), each given once. */
export function validateNames(issues: IssueCollector, path: string, names: readonly string[]): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (issues.dns1123Subdomain(`${path}[${i}]`, name)) {
      issues.require(!seen.has(name), { code: 'DUPLICATE_NAME', path: `${path}[${i}]`, value: name, message: 'is listed twice' });
    }
    seen.add(name);
  });
}

function validateAnnotations(issues: IssueCollector, path: string, annotations: Readonly<Record<string, string>>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    issues.require(isLabelKey(key), {
      code: 'INVALID_LABEL', path: `${path}["${key}"]`, value: key, message: 'must be an annotation key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 characters',
    });
    bytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  issues.require(bytes <= MAX_ANNOTATIONS_BYTES, {
    code: 'TOO_LONG', path, value: bytes, message: `must total at most ${MAX_ANNOTATIONS_BYTES} bytes`,
  });
}

function validateToleration(issues: IssueCollector, path: string, t: Toleration): void {
  const operator = t.operator ?? 'Equal';
  const problem = (field: string, value: unknown, message: string, hint?: string) =>
    issues.add({ code: 'INVALID_TOLERATION', path: `${path}.${field}`, value, message, hint });
  if (t.key !== undefined && t.key !== '') {
    issues.require(isLabelKey(t.key), {
      code: 'INVALID_LABEL', path: `${path}.key`, value: t.key, message: 'must be a taint key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 characters',
    });
  } else if (operator !== 'Exists') {
    problem('operator', t.operator, "must be 'Exists' when key is empty (which tolerates every taint)", 'Give the taint\'s key, or operator: \'Exists\' to tolerate every taint.');
  }
  if (operator !== 'Equal' && operator !== 'Exists') {
    problem('operator', t.operator, "must be 'Equal' or 'Exists'");
  } else if (operator === 'Exists' && t.value !== undefined && t.value !== '') {
    problem('value', t.value, "must be empty with operator 'Exists', which matches every value", "Remove value, or use operator: 'Equal'.");
  } else if (operator === 'Equal' && t.value !== undefined && !isLabelValue(t.value)) {
    problem('value', t.value, 'must be a taint value: at most 63 characters of letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit');
  }
  if (t.effect !== undefined && !TOLERATION_EFFECTS.includes(t.effect)) problem('effect', t.effect, `must be one of ${TOLERATION_EFFECTS.join(', ')} (or unset for every effect)`);
  if (t.tolerationSeconds !== undefined && issues.integerInRange(`${path}.tolerationSeconds`, t.tolerationSeconds, 0, Number.MAX_SAFE_INTEGER)) {
    if (t.effect !== 'NoExecute') problem('tolerationSeconds', t.tolerationSeconds, "only applies with effect 'NoExecute'", "Set effect: 'NoExecute', or remove tolerationSeconds.");
  }
}

function validateAffinity(issues: IssueCollector, path: string, a: Affinity | undefined): void {
  if (a === undefined) return;
  const node = a.nodeAffinity;
  if (node?.requiredDuringSchedulingIgnoredDuringExecution !== undefined) {
    const terms = node.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    const termsPath = `${path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    if (issues.require((terms?.length ?? 0) > 0, { code: 'TOO_FEW', path: termsPath, value: terms, message: 'must have at least one term' })) {
      terms.forEach((term, i) => validateNodeSelectorTerm(issues, `${termsPath}[${i}]`, term));
    }
  }
  (node?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
    const termPath = `${path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    issues.integerInRange(`${termPath}.weight`, term.weight, 1, 100);
    validateNodeSelectorTerm(issues, `${termPath}.preference`, term.preference);
  });
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pods = a[kind];
    (pods?.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
      validatePodAffinityTerm(issues, `${path}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`, term);
    });
    (pods?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
      const termPath = `${path}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      issues.integerInRange(`${termPath}.weight`, term.weight, 1, 100);
      validatePodAffinityTerm(issues, `${termPath}.podAffinityTerm`, term.podAffinityTerm);
    });
  }
}

function validateNodeSelectorTerm(issues: IssueCollector, path: string, term: NodeSelectorTerm): void {
  (term.matchExpressions ?? []).forEach((r, i) => validateRequirement(issues, `${path}.matchExpressions[${i}]`, r, NODE_OPERATORS, false));
  (term.matchFields ?? []).forEach((r, i) => {
    const rPath = `${path}.matchFields[${i}]`;
    issues.require(r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn') && r.values?.length === 1, {
      code: 'INVALID_SELECTOR_REQUIREMENT',
      path: rPath,
      value: r,
      message: "must be key 'metadata.name', operator 'In' or 'NotIn' and exactly one value (a node name): the only node field Kubernetes selects on",
    });
  });
}

function validatePodAffinityTerm(issues: IssueCollector, path: string, term: PodAffinityTerm): void {
  issues.require(typeof term.topologyKey === 'string' && isLabelKey(term.topologyKey), {
    code: 'INVALID_LABEL', path: `${path}.topologyKey`, value: term.topologyKey, message: 'must be a node label key, e.g. kubernetes.io/hostname or topology.kubernetes.io/zone',
  });
  validateLabelSelector(issues, `${path}.labelSelector`, term.labelSelector);
  validateLabelSelector(issues, `${path}.namespaceSelector`, term.namespaceSelector);
  (term.namespaces ?? []).forEach((ns, i) => issues.dns1123Label(`${path}.namespaces[${i}]`, ns));
}

/** Checks a label selector: its labels, and each requirement's operator and values. */
export function validateLabelSelector(issues: IssueCollector, path: string, s: LabelSelector | undefined): void {
  if (s === undefined) return;
  issues.labels(`${path}.matchLabels`, s.matchLabels);
  (s.matchExpressions ?? []).forEach((r, i) => validateRequirement(issues, `${path}.matchExpressions[${i}]`, r, LABEL_OPERATORS, true));
}

function validateRequirement(
  issues: IssueCollector, path: string, r: NodeSelectorRequirement | LabelSelectorRequirement, operators: readonly string[], labelValues: boolean,
): void {
  issues.require(typeof r.key === 'string' && isLabelKey(r.key), {
    code: 'INVALID_LABEL', path: `${path}.key`, value: r.key, message: 'must be a label key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 characters',
  });
  const values = r.values ?? [];
  const requirement = (message: string, hint?: string) => issues.add({ code: 'INVALID_SELECTOR_REQUIREMENT', path: `${path}.values`, value: r.values, message, hint });
  if (!operators.includes(r.operator)) {
    issues.add({ code: 'INVALID_SELECTOR_REQUIREMENT', path: `${path}.operator`, value: r.operator, message: `must be one of ${operators.join(', ')}` });
  } else if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 0) {
    requirement(`must not be empty with operator '${r.operator}'`);
  } else if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length > 0) {
    requirement(`must be empty with operator '${r.operator}'`, 'Remove values, or use In or NotIn.');
  } else if ((r.operator === 'Gt' || r.operator === 'Lt') && (values.length !== 1 || !/^-?\d+$/.test(values[0]))) {
    requirement(`must be one integer with operator '${r.operator}'`);
  } else if (labelValues) {
    values.forEach((v, i) => issues.require(isLabelValue(v), {
      code: 'INVALID_LABEL',
      path: `${path}.values[${i}]`,
      value: v,
      message: 'must be a label value: at most 63 characters of letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit',
    }));
  }
}

function validateSpread(issues: IssueCollector, path: string, c: TopologySpreadConstraint): void {
  issues.integerInRange(`${path}.maxSkew`, c.maxSkew, 1, 0x7fffffff);
  issues.require(typeof c.topologyKey === 'string' && isLabelKey(c.topologyKey), {
    code: 'INVALID_LABEL', path: `${path}.topologyKey`, value: c.topologyKey, message: 'must be a node label key, e.g. topology.kubernetes.io/zone',
  });
  const spread = (field: string, value: unknown, message: string, hint?: string) =>
    issues.add({ code: 'INVALID_TOPOLOGY_SPREAD', path: `${path}.${field}`, value, message, hint });
  if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway') {
    spread('whenUnsatisfiable', c.whenUnsatisfiable, "must be 'DoNotSchedule' or 'ScheduleAnyway'");
  }
  if (c.minDomains !== undefined && issues.integerInRange(`${path}.minDomains`, c.minDomains, 1, 0x7fffffff) && c.whenUnsatisfiable !== 'DoNotSchedule') {
    spread('minDomains', c.minDomains, "only applies with whenUnsatisfiable: 'DoNotSchedule'", 'Remove minDomains, or make the constraint DoNotSchedule.');
  }
  for (const field of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
    if (c[field] !== undefined && !SPREAD_POLICIES.includes(c[field])) spread(field, c[field], "must be 'Honor' or 'Ignore'");
  }
  validateLabelSelector(issues, `${path}.labelSelector`, c.labelSelector);
  const selected = c.labelSelector === undefined
    ? OWN_SELECTOR_KEYS
    : new Set([...Object.keys(c.labelSelector.matchLabels ?? {}), ...(c.labelSelector.matchExpressions ?? []).map((e) => e.key)]);
  (c.matchLabelKeys ?? []).forEach((key, i) => {
    if (issues.require(typeof key === 'string' && isLabelKey(key), {
      code: 'INVALID_LABEL', path: `${path}.matchLabelKeys[${i}]`, value: key, message: 'must be a label key',
    })) {
      issues.require(!selected.has(key), {
        code: 'INVALID_TOPOLOGY_SPREAD',
        path: `${path}.matchLabelKeys[${i}]`,
        value: key,
        message: 'is also in labelSelector, which Kubernetes refuses',
        hint: 'Keep the key in one of the two.',
      });
    }
  });
}
