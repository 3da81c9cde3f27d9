/**
 * Strict validation of Kubernetes manifests against the Kubernetes 1.35 OpenAPI v3 schemas vendored in
 * test/fixtures/kubernetes-1.35, plus the rules the API server enforces that those schemas do not express.
 *
 * Structural checks come first: every object schema that lists `properties` is closed, so an unknown field
 * is an error at any depth. The semantic rules (names, selectors, ports, probes...) run only on objects
 * that passed them, as the API server only validates what it could decode.
 */
import * as fs from 'fs';
import { isIPv4, isIPv6 } from 'net';
import * as path from 'path';
import Ajv, { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

const SCHEMA_DIR = path.join(__dirname, '..', 'fixtures', 'kubernetes-1.35');
const SCHEMA_FILE_SUFFIX = '_openapi.json';
const QUANTITY_SCHEMA = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
/** A resource.Quantity string: signed decimal number, then a binary-SI, decimal-SI or exponent suffix. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const MAX_CONFIG_MAP_BYTES = 1024 * 1024;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
/**
 * Closed value sets the API server enforces but the 1.35 schemas do not list (they carry no `enum`),
 * by component schema and property. They are added to the schemas before compiling.
 */
const ENUMS: Record<string, Record<string, string[]>> = {
  'io.k8s.api.core.v1.ContainerPort': { protocol: PROTOCOLS },
  'io.k8s.api.core.v1.ServicePort': { protocol: PROTOCOLS },
  'io.k8s.api.core.v1.ServiceSpec': {
    type: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
    sessionAffinity: ['None', 'ClientIP'],
    externalTrafficPolicy: ['Cluster', 'Local'],
    internalTrafficPolicy: ['Cluster', 'Local'],
    ipFamilyPolicy: ['SingleStack', 'PreferDualStack', 'RequireDualStack'],
  },
  'io.k8s.api.core.v1.Container': {
    imagePullPolicy: ['Always', 'IfNotPresent', 'Never'],
    terminationMessagePolicy: ['File', 'FallbackToLogsOnError'],
  },
  'io.k8s.api.core.v1.PodSpec': {
    restartPolicy: ['Always', 'OnFailure', 'Never'],
    dnsPolicy: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'],
  },
  'io.k8s.api.core.v1.HTTPGetAction': { scheme: ['HTTP', 'HTTPS'] },
  'io.k8s.api.core.v1.SeccompProfile': { type: ['RuntimeDefault', 'Localhost', 'Unconfined'] },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement': { operator: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
  'io.k8s.api.apps.v1.DeploymentStrategy': { type: ['Recreate', 'RollingUpdate'] },
  'io.k8s.api.apps.v1.StatefulSetSpec': { podManagementPolicy: ['OrderedReady', 'Parallel'] },
  'io.k8s.api.apps.v1.StatefulSetUpdateStrategy': { type: ['RollingUpdate', 'OnDelete'] },
  'io.k8s.api.apps.v1.DaemonSetUpdateStrategy': { type: ['RollingUpdate', 'OnDelete'] },
  'io.k8s.api.policy.v1.PodDisruptionBudgetSpec': { unhealthyPodEvictionPolicy: ['IfHealthyBudget', 'AlwaysAllow'] },
  'io.k8s.api.networking.v1.NetworkPolicyPort': { protocol: PROTOCOLS },
};

/** Options of {@link validateManifests}. */
export interface ValidateManifestsOptions {
  /**
   * Skip the schema and kind rules of objects whose apiVersion is not a vendored group/version (custom
   * resources such as Gateway API routes); their metadata is still checked. Defaults to false, which
   * reports them. An unknown kind in a vendored group/version (`apps/v1 Deploymnt`) is always reported.
   */
  readonly allowUnknownKinds?: boolean;
}

type JsonObject = Record<string, unknown>;
/** Records a problem at a JSON path of the object being checked. */
type Report = (path: string, message: string) => void;

/** The vendored schemas: which kinds they define and where, and the ajv instance holding them. */
interface SchemaCatalogue {
  /** `<apiVersion> <kind>` to the ajv reference of its component schema. */
  readonly kinds: Map<string, string>;
  /** The apiVersions with a vendored schema file, e.g. `v1`, `apps/v1`. */
  readonly groupVersions: Set<string>;
  readonly ajv: Ajv;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Validates Kubernetes objects (plain JSON, as synthesized or parsed from YAML) against the Kubernetes 1.35
 * schemas and API-server rules. Returns one line per problem, `<Kind>/<namespace>/<name>: <path>: <message>`
 * (`-` for a missing namespace or name); an empty array means every object is valid.
 */
export function validateManifests(objects: readonly unknown[], options: ValidateManifestsOptions = {}): string[] {
  const problems: string[] = [];
  const firstIndexByIdentity = new Map<string, number>();
  objects.forEach((object, index) => {
    if (!isJsonObject(object)) {
      problems.push(`objects[${index}]: must be an object`);
      return;
    }
    const label = objectLabel(object);
    const report: Report = (at, message) => problems.push(`${label}: ${at}: ${message}`);
    checkObject(object, options, report);
    checkUniqueIdentity(object, index, firstIndexByIdentity, report);
  });
  return problems;
}

/** Throws an error listing every problem {@link validateManifests} finds, if any. */
export function assertValidManifests(objects: readonly unknown[], options: ValidateManifestsOptions = {}): void {
  const problems = validateManifests(objects, options);
  if (problems.length > 0) {
    throw new Error(`${problems.length} invalid manifest field(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Whether the vendored Kubernetes 1.35 schemas define `kind` in `apiVersion` (e.g. `apps/v1`, `Deployment`). */
export function isBuiltInKind(apiVersion: string, kind: string): boolean {
  return schemaCatalogue().kinds.has(kindKey(apiVersion, kind));
}

/** `<Kind>/<namespace>/<name>` of a manifest object, with `-` for whatever is missing. */
export function objectLabel(object: unknown): string {
  const kind = isJsonObject(object) ? object.kind : undefined;
  const metadata = isJsonObject(object) && isJsonObject(object.metadata) ? object.metadata : {};
  return [kind, metadata.namespace, metadata.name].map((part) => (typeof part === 'string' && part !== '' ? part : '-')).join('/');
}

function checkObject(object: JsonObject, options: ValidateManifestsOptions, report: Report): void {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    report('apiVersion', 'apiVersion and kind must both be set');
    return;
  }
  const catalogue = schemaCatalogue();
  const schemaRef = catalogue.kinds.get(kindKey(apiVersion, kind));
  if (schemaRef === undefined) {
    if (catalogue.groupVersions.has(apiVersion)) {
      report('kind', `${apiVersion} has no kind "${kind}" in Kubernetes 1.35`);
    } else if (options.allowUnknownKinds) {
      checkMetadata(kind, object.metadata, report);
    } else {
      report('apiVersion', `no Kubernetes 1.35 schema for ${apiVersion} ${kind} (pass { allowUnknownKinds: true } to skip custom resources)`);
    }
    return;
  }
  const schemaProblems = schemaErrors(catalogue, schemaRef, object);
  schemaProblems.forEach(([at, message]) => report(at, message));
  if (schemaProblems.length === 0) {
    checkMetadata(kind, object.metadata, report);
    KIND_RULES[kind]?.(object as never, report);
  }
}

/** Reports an object with the same API group, kind, namespace and name as an earlier one. */
function checkUniqueIdentity(object: JsonObject, index: number, firstIndexByIdentity: Map<string, number>, report: Report): void {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  if (typeof metadata.name !== 'string' || typeof object.apiVersion !== 'string') return;
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  const identity = JSON.stringify([group, object.kind, metadata.namespace ?? '', metadata.name]);
  const first = firstIndexByIdentity.get(identity);
  if (first === undefined) {
    firstIndexByIdentity.set(identity, index);
  } else {
    report('metadata.name', `duplicate of objects[${first}] (same API group, kind, namespace and name)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Structural validation with the vendored OpenAPI schemas
// ---------------------------------------------------------------------------------------------

let cachedCatalogue: SchemaCatalogue | undefined;

/** Loads the vendored schema files once, closed and with {@link ENUMS} added; ajv compiles each kind on first use. */
function schemaCatalogue(): SchemaCatalogue {
  cachedCatalogue ??= loadSchemaCatalogue();
  return cachedCatalogue;
}

function loadSchemaCatalogue(): SchemaCatalogue {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv, ['int32', 'int64', 'double', 'byte', 'date-time']);
  ajv.addFormat('int-or-string', true);
  ajv.addFormat('quantity', QUANTITY);
  const kinds = new Map<string, string>();
  const groupVersions = new Set<string>();
  for (const file of fs.readdirSync(SCHEMA_DIR).filter((name) => name.endsWith(SCHEMA_FILE_SUFFIX))) {
    const documentId = file.slice(0, -SCHEMA_FILE_SUFFIX.length);
    // api__v1 -> v1, apis__apps__v1 -> apps/v1
    const apiVersion = documentId.split('__').slice(1).join('/');
    const document = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8'));
    const schemas: Record<string, JsonObject> = document.components.schemas;
    groupVersions.add(apiVersion);
    for (const [name, schema] of Object.entries(schemas)) {
      for (const gvk of groupVersionKinds(schema)) {
        const gvkApiVersion = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
        if (gvkApiVersion === apiVersion) kinds.set(kindKey(apiVersion, gvk.kind), `${documentId}#/components/schemas/${name}`);
      }
    }
    ajv.addSchema({ $id: documentId, components: { schemas: mapValues(schemas, (schema, name) => strictSchema(withExtraRules(name, schema))) } });
  }
  return { kinds, groupVersions, ajv };
}

function groupVersionKinds(schema: JsonObject): Array<{ group: string; version: string; kind: string }> {
  const gvks = schema['x-kubernetes-group-version-kind'];
  return Array.isArray(gvks) ? gvks : [];
}

/** Adds the {@link ENUMS} of a component schema, and the Quantity string format. */
function withExtraRules(name: string, schema: JsonObject): JsonObject {
  if (name === QUANTITY_SCHEMA) return { ...schema, format: 'quantity' };
  const enums = ENUMS[name];
  if (enums === undefined || !isJsonObject(schema.properties)) return schema;
  const withEnum = (property: unknown, key: string) => (enums[key] ? { ...(property as JsonObject), enum: enums[key] } : property);
  return { ...schema, properties: mapValues(schema.properties, withEnum) };
}

/**
 * Rewrites a schema for strict validation: object schemas with `properties` and no `additionalProperties`
 * are closed (maps, which have `additionalProperties`, stay open), and type unions written as `oneOf`
 * (IntOrString, Quantity) or `x-kubernetes-int-or-string` become a `type` list, which ajv reports as one error.
 */
function strictSchema(schema: JsonObject): JsonObject {
  const result: JsonObject = { ...schema };
  if (isJsonObject(schema.properties)) {
    result.properties = mapValues(schema.properties, (property) => strictSchema(property as JsonObject));
    result.additionalProperties ??= false;
  }
  if (isJsonObject(schema.additionalProperties)) result.additionalProperties = strictSchema(schema.additionalProperties);
  if (isJsonObject(schema.items)) result.items = strictSchema(schema.items);
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const branches = schema[keyword];
    if (Array.isArray(branches)) result[keyword] = branches.map(strictSchema);
  }
  if (schema['x-kubernetes-int-or-string'] === true) result.type = ['integer', 'string'];
  const union = typeUnion(schema.oneOf);
  if (union !== undefined) {
    result.type = union;
    delete result.oneOf;
  }
  return result;
}

/** The types of a `oneOf` whose branches are bare `{ type }` schemas, e.g. `['integer', 'string']`. */
function typeUnion(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches)) return undefined;
  const isBareType = (branch: unknown) => isJsonObject(branch) && Object.keys(branch).length === 1 && typeof branch.type === 'string';
  return branches.every(isBareType) ? branches.map((branch: { type: string }) => branch.type) : undefined;
}

/** Validates `object` against the component schema `schemaRef` (ajv compiles and caches it on first use). */
function schemaErrors(catalogue: SchemaCatalogue, schemaRef: string, object: JsonObject): Array<[path: string, message: string]> {
  const validate = catalogue.ajv.getSchema(schemaRef);
  if (validate === undefined) throw new Error(`cannot resolve schema ${schemaRef}`);
  return validate(object) ? [] : (validate.errors ?? []).map(describeSchemaError);
}

function describeSchemaError(error: ErrorObject): [path: string, message: string] {
  const at = jsonPath(error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties':
      return [childPath(at, error.params.additionalProperty), 'unknown field'];
    case 'required':
      return [childPath(at, error.params.missingProperty), 'required field is missing'];
    case 'type':
      return [at, `must be ${String(error.params.type).split(',').join(' or ')}`];
    case 'enum':
      return [at, `must be one of ${error.params.allowedValues.join(', ')}`];
    default:
      return [at, error.message ?? error.keyword];
  }
}

/** A JSON pointer as a readable path: `/spec/containers/0/name` to `spec.containers[0].name`. */
export function jsonPath(pointer: string): string {
  return pointer.split('/').slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((at, segment) => (/^\d+$/.test(segment) ? `${at}[${segment}]` : childPath(at, segment)), '');
}

/** The path of field `key` under `at`, quoting keys that are not identifiers (label keys, for one). */
export function childPath(at: string, key: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${at}[${JSON.stringify(key)}]`;
  return at === '' ? key : `${at}.${key}`;
}

// ---------------------------------------------------------------------------------------------
// The parts of the built-in kinds the semantic rules read (valid per schema when they run)
// ---------------------------------------------------------------------------------------------

interface Manifest {
  readonly kind: string;
}

interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: string[] }>;
}

interface WorkloadSpec {
  readonly replicas?: number;
  readonly minReadySeconds?: number;
  readonly revisionHistoryLimit?: number;
  readonly selector: LabelSelector;
  readonly template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
  readonly strategy?: UpdateStrategy;
  readonly updateStrategy?: UpdateStrategy;
  readonly progressDeadlineSeconds?: number;
}

interface UpdateStrategy {
  readonly type?: string;
  readonly rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
}

interface PodSpec {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly ephemeralContainers?: readonly unknown[];
  readonly volumes?: ReadonlyArray<{ name: string; [source: string]: unknown }>;
  readonly restartPolicy?: string;
  readonly terminationGracePeriodSeconds?: number;
}

interface Container {
  readonly name: string;
  readonly ports?: ReadonlyArray<{ name?: string; containerPort: number }>;
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly lifecycle?: { postStart?: Handler; preStop?: Handler };
  readonly volumeMounts?: ReadonlyArray<{ name: string; mountPath: string }>;
}

interface Handler {
  readonly exec?: unknown;
  readonly httpGet?: { port: number | string };
  readonly tcpSocket?: { port: number | string };
  readonly grpc?: { port: number };
  readonly sleep?: unknown;
}

interface Probe extends Handler {
  readonly initialDelaySeconds?: number;
  readonly timeoutSeconds?: number;
  readonly periodSeconds?: number;
  readonly successThreshold?: number;
  readonly failureThreshold?: number;
}

interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly protocol?: string;
  readonly targetPort?: number | string;
  readonly nodePort?: number;
  readonly appProtocol?: string;
}

interface ServiceSpec {
  readonly type?: string;
  readonly clusterIP?: string;
  readonly externalName?: string;
  readonly ports?: readonly ServicePort[];
  readonly selector?: Record<string, string>;
}

interface PodDisruptionBudgetSpec {
  readonly minAvailable?: number | string;
  readonly maxUnavailable?: number | string;
  readonly selector?: LabelSelector;
}

// ---------------------------------------------------------------------------------------------
// Semantic rules: names and metadata, shared by every kind
// ---------------------------------------------------------------------------------------------

/** A name syntax the API server checks: a pattern, a length limit and how to explain it. */
interface NameSyntax {
  readonly pattern: RegExp;
  readonly maxLength: number;
  readonly description: string;
}

const DNS1123_LABEL: NameSyntax = {
  pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  maxLength: 63,
  description: 'a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)',
};
const DNS1035_LABEL: NameSyntax = {
  pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
  maxLength: 63,
  description: 'a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, ending with a letter or digit, at most 63 characters)',
};
const DNS1123_SUBDOMAIN: NameSyntax = {
  pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  maxLength: 253,
  description: 'a DNS-1123 subdomain (dot-separated DNS-1123 labels, at most 253 characters)',
};
const IANA_SVC_NAME: NameSyntax = {
  pattern: /^(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
  maxLength: 15,
  description: 'an IANA service name (lowercase letters, digits and "-", at least one letter, no "--", at most 15 characters)',
};
const QUALIFIED_NAME_PART: NameSyntax = {
  pattern: /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/,
  maxLength: 63,
  description: 'a qualified name (alphanumerics, "-", "_" and ".", starting and ending with an alphanumeric, at most 63 characters, optionally prefixed by a DNS subdomain and "/")',
};
const LABEL_VALUE: NameSyntax = {
  pattern: /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/,
  maxLength: 63,
  description: 'a label value (empty, or alphanumerics, "-", "_" and ".", starting and ending with an alphanumeric, at most 63 characters)',
};
const CONFIG_MAP_KEY: NameSyntax = {
  pattern: /^(?!\.\.?$)(?!\.\.)[-._a-zA-Z0-9]+$/,
  maxLength: 253,
  description: 'a ConfigMap/Secret key (alphanumerics, "-", "_" and ".", not "." or starting with "..", at most 253 characters)',
};

/** metadata.name syntax by kind; every other kind, custom resources included, takes DNS-1123 subdomains. */
const NAME_SYNTAX_BY_KIND: Record<string, NameSyntax> = {
  Service: DNS1035_LABEL,
  Namespace: DNS1123_LABEL,
};

/** Reports `value` unless it matches `syntax`; returns whether it did. */
function checkSyntax(value: string, syntax: NameSyntax, at: string, report: Report): boolean {
  const valid = value.length <= syntax.maxLength && syntax.pattern.test(value);
  if (!valid) report(at, `${JSON.stringify(value)} is not ${syntax.description}`);
  return valid;
}

/** A label or annotation key: an optional DNS-subdomain prefix and `/`, then a qualified name. */
function checkQualifiedName(key: string, at: string, report: Report): void {
  const parts = key.split('/');
  const name = parts[parts.length - 1];
  const valid = parts.length <= 2
    && name.length <= QUALIFIED_NAME_PART.maxLength && QUALIFIED_NAME_PART.pattern.test(name)
    && (parts.length === 1 || (parts[0].length <= DNS1123_SUBDOMAIN.maxLength && DNS1123_SUBDOMAIN.pattern.test(parts[0])));
  if (!valid) report(at, `${JSON.stringify(key)} is not ${QUALIFIED_NAME_PART.description}`);
}

/** Reports the first `value` seen twice; `seen` collects the values across calls. */
function checkUnique(value: string, seen: Set<string>, at: string, report: Report): void {
  if (seen.has(value)) report(at, `duplicate value ${JSON.stringify(value)}`);
  seen.add(value);
}

/**
 * The metadata of an object of any kind. Custom resources reach here without schema validation,
 * so it is read defensively.
 */
function checkMetadata(kind: string, rawMetadata: unknown, report: Report): void {
  const metadata = isJsonObject(rawMetadata) ? rawMetadata : {};
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    report('metadata.name', 'required field is missing');
  } else {
    checkSyntax(metadata.name, NAME_SYNTAX_BY_KIND[kind] ?? DNS1123_SUBDOMAIN, 'metadata.name', report);
  }
  if (typeof metadata.namespace === 'string') checkSyntax(metadata.namespace, DNS1123_LABEL, 'metadata.namespace', report);
  checkLabels(metadata.labels, 'metadata.labels', report);
  checkAnnotations(metadata.annotations, report);
}

/** A label map: qualified-name keys and label values. */
function checkLabels(labels: unknown, at: string, report: Report): void {
  for (const [key, value] of Object.entries(isJsonObject(labels) ? labels : {})) {
    checkQualifiedName(key, at, report);
    if (typeof value !== 'string') {
      report(childPath(at, key), 'must be a string');
    } else {
      checkSyntax(value, LABEL_VALUE, childPath(at, key), report);
    }
  }
}

function checkAnnotations(annotations: unknown, report: Report): void {
  let totalBytes = 0;
  for (const [key, value] of Object.entries(isJsonObject(annotations) ? annotations : {})) {
    checkQualifiedName(key, 'metadata.annotations', report);
    totalBytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (totalBytes > MAX_ANNOTATIONS_BYTES) report('metadata.annotations', `total size ${totalBytes} bytes exceeds ${MAX_ANNOTATIONS_BYTES}`);
}

// ---------------------------------------------------------------------------------------------
// Semantic rules by kind
// ---------------------------------------------------------------------------------------------

/** The API-server rules of each built-in kind, applied after schema validation. */
const KIND_RULES: Record<string, (object: never, report: Report) => void> = {
  Deployment: checkDeployment,
  StatefulSet: checkWorkload,
  DaemonSet: checkWorkload,
  ReplicaSet: checkWorkload,
  Pod: checkPod,
  Service: checkService,
  PodDisruptionBudget: checkPodDisruptionBudget,
  ConfigMap: checkConfigMap,
  Secret: checkSecret,
  NetworkPolicy: checkNetworkPolicy,
};

/** Deployment, StatefulSet, DaemonSet and ReplicaSet: counts, selector, update strategy and pod template. */
function checkWorkload(workload: Manifest & { spec?: WorkloadSpec }, report: Report): void {
  const spec = workload.spec;
  if (spec === undefined) {
    report('spec', 'required field is missing');
    return;
  }
  checkNonNegative(spec, ['replicas', 'minReadySeconds', 'revisionHistoryLimit'], 'spec', report);
  checkWorkloadSelector(spec, report);
  const strategyField = spec.strategy ? 'strategy' : 'updateStrategy';
  const strategy = spec[strategyField];
  if (strategy?.rollingUpdate && strategy.type !== undefined && strategy.type !== 'RollingUpdate') {
    report(`spec.${strategyField}.rollingUpdate`, `may not be specified when the strategy type is ${strategy.type}`);
  }
  if (spec.template === undefined) return;
  const restartPolicy = spec.template.spec.restartPolicy;
  if (restartPolicy !== undefined && restartPolicy !== 'Always') {
    report('spec.template.spec.restartPolicy', `must be Always for a ${workload.kind}`);
  }
  checkPodSpec(spec.template.spec, 'spec.template.spec', { inTemplate: true }, report);
}

function checkDeployment(deployment: Manifest & { spec?: WorkloadSpec }, report: Report): void {
  checkWorkload(deployment, report);
  const spec = deployment.spec;
  const rollingUpdate = spec?.strategy?.rollingUpdate;
  if (rollingUpdate) checkRollingUpdate(rollingUpdate, report);
  if (spec?.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
    report('spec.progressDeadlineSeconds', 'must be greater than minReadySeconds');
  }
}

/** maxSurge and maxUnavailable: counts or percentages, not both zero (each defaults to 25%). */
function checkRollingUpdate(rollingUpdate: NonNullable<UpdateStrategy['rollingUpdate']>, report: Report): void {
  const at = 'spec.strategy.rollingUpdate';
  const { maxSurge, maxUnavailable } = rollingUpdate;
  if (maxSurge !== undefined) checkCountOrPercent(maxSurge, `${at}.maxSurge`, Infinity, report);
  if (maxUnavailable !== undefined) checkCountOrPercent(maxUnavailable, `${at}.maxUnavailable`, 100, report);
  if (isZero(maxSurge) && isZero(maxUnavailable)) report(`${at}.maxUnavailable`, 'may not be 0 when maxSurge is 0');
}

/** A selector that is present, not empty, well formed and matching the pod template's labels. */
function checkWorkloadSelector(spec: WorkloadSpec, report: Report): void {
  const selector = spec.selector;
  if (Object.keys(selector.matchLabels ?? {}).length === 0 && !selector.matchExpressions?.length) {
    report('spec.selector', 'empty selector is invalid for a workload');
    return;
  }
  checkLabelSelector(selector, 'spec.selector', report);
  const labels = spec.template?.metadata?.labels ?? {};
  if (spec.template && !selectorMatches(selector, labels)) {
    report('spec.template.metadata.labels', `do not match spec.selector ${JSON.stringify(selector)}`);
  }
}

/** Label keys and values, and the values each matchExpressions operator requires. */
function checkLabelSelector(selector: LabelSelector, at: string, report: Report): void {
  checkLabels(selector.matchLabels, `${at}.matchLabels`, report);
  selector.matchExpressions?.forEach((requirement, index) => {
    const requirementAt = `${at}.matchExpressions[${index}]`;
    checkQualifiedName(requirement.key, `${requirementAt}.key`, report);
    const needsValues = requirement.operator === 'In' || requirement.operator === 'NotIn';
    if (needsValues !== (requirement.values?.length ?? 0) > 0) {
      report(`${requirementAt}.values`, needsValues ? `must be non-empty for operator ${requirement.operator}` : `must be empty for operator ${requirement.operator}`);
    }
  });
}

function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return labelsMatch && (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In': return key in labels && values.includes(labels[key]);
      case 'NotIn': return !(key in labels) || !values.includes(labels[key]);
      case 'Exists': return key in labels;
      default: return !(key in labels); // DoesNotExist
    }
  });
}

function checkPod(pod: Manifest & { spec?: PodSpec }, report: Report): void {
  if (pod.spec === undefined) {
    report('spec', 'required field is missing');
  } else {
    checkPodSpec(pod.spec, 'spec', { inTemplate: false }, report);
  }
}

/** Containers, their ports, probes, hooks and mounts, and the volumes of a pod spec at `at`. */
function checkPodSpec(spec: PodSpec, at: string, { inTemplate }: { inTemplate: boolean }, report: Report): void {
  checkNonNegative(spec, ['terminationGracePeriodSeconds'], at, report);
  if (spec.ephemeralContainers?.length) {
    report(`${at}.ephemeralContainers`, inTemplate ? 'not allowed in a pod template' : 'cannot be set on create');
  }
  const volumeNames = checkVolumes(spec.volumes ?? [], `${at}.volumes`, report);
  const containerNames = new Set<string>();
  const portNames = new Set<string>();
  const containers = [
    ...(spec.initContainers ?? []).map((container, index) => ({ container, at: `${at}.initContainers[${index}]` })),
    ...spec.containers.map((container, index) => ({ container, at: `${at}.containers[${index}]` })),
  ];
  for (const { container, at: containerAt } of containers) {
    if (checkSyntax(container.name, DNS1123_LABEL, `${containerAt}.name`, report)) {
      checkUnique(container.name, containerNames, `${containerAt}.name`, report);
    }
    checkContainerPorts(container, containerAt, portNames, report);
    checkProbes(container, containerAt, report);
    checkLifecycle(container, containerAt, report);
    checkVolumeMounts(container, containerAt, volumeNames, report);
  }
}

/**
 * Port names and numbers. Names must be IANA service names and, stricter than the API server (which only
 * warns across containers), unique in the whole pod, since probes and Services select ports by name.
 */
function checkContainerPorts(container: Container, at: string, portNames: Set<string>, report: Report): void {
  container.ports?.forEach((port, index) => {
    const portAt = `${at}.ports[${index}]`;
    if (port.name !== undefined && checkSyntax(port.name, IANA_SVC_NAME, `${portAt}.name`, report)) {
      checkUnique(port.name, portNames, `${portAt}.name`, report);
    }
    checkPortNumber(port.containerPort, `${portAt}.containerPort`, report);
  });
}

const PROBE_HANDLERS: ReadonlyArray<keyof Handler> = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS: ReadonlyArray<keyof Handler> = ['exec', 'httpGet', 'tcpSocket', 'sleep'];
const PROBE_COUNTS: ReadonlyArray<keyof Probe> = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'];

/** Each probe: one handler, non-negative counts, successThreshold 1 for liveness and startup probes. */
function checkProbes(container: Container, at: string, report: Report): void {
  for (const probeName of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const probe = container[probeName];
    if (probe === undefined) continue;
    const probeAt = `${at}.${probeName}`;
    checkHandler(probe, PROBE_HANDLERS, probeAt, container, report);
    checkNonNegative(probe, PROBE_COUNTS, probeAt, report);
    if (probeName !== 'readinessProbe' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
      report(`${probeAt}.successThreshold`, `must be 1 for a ${probeName}`);
    }
  }
}

function checkLifecycle(container: Container, at: string, report: Report): void {
  for (const hookName of ['postStart', 'preStop'] as const) {
    const hook = container.lifecycle?.[hookName];
    if (hook !== undefined) checkHandler(hook, LIFECYCLE_HANDLERS, `${at}.lifecycle.${hookName}`, container, report);
  }
}

/** Exactly one of `handlerTypes`; named ports must be ports of the container, numbered ones in range. */
function checkHandler(handler: Handler, handlerTypes: ReadonlyArray<keyof Handler>, at: string, container: Container, report: Report): void {
  const present = handlerTypes.filter((type) => handler[type] !== undefined);
  if (present.length === 0) report(at, `must specify a handler: one of ${handlerTypes.join(', ')}`);
  if (present.length > 1) report(at, `may not specify more than one handler type (found ${present.join(', ')})`);
  for (const type of ['httpGet', 'tcpSocket'] as const) {
    const port = handler[type]?.port;
    if (typeof port === 'number') checkPortNumber(port, `${at}.${type}.port`, report);
    if (typeof port === 'string' && checkSyntax(port, IANA_SVC_NAME, `${at}.${type}.port`, report)
      && !container.ports?.some((containerPort) => containerPort.name === port)) {
      report(`${at}.${type}.port`, `container "${container.name}" has no port named "${port}"`);
    }
  }
  if (handler.grpc) checkPortNumber(handler.grpc.port, `${at}.grpc.port`, report);
}

/** Volume names (unique DNS-1123 labels) and one source each; returns the names. */
function checkVolumes(volumes: NonNullable<PodSpec['volumes']>, at: string, report: Report): Set<string> {
  const names = new Set<string>();
  volumes.forEach((volume, index) => {
    const volumeAt = `${at}[${index}]`;
    if (checkSyntax(volume.name, DNS1123_LABEL, `${volumeAt}.name`, report)) checkUnique(volume.name, names, `${volumeAt}.name`, report);
    const sources = Object.keys(volume).filter((key) => key !== 'name');
    if (sources.length !== 1) {
      report(volumeAt, sources.length === 0 ? 'must specify a volume type' : `may not specify more than one volume type (found ${sources.join(', ')})`);
    }
  });
  return names;
}

/** Mounts of declared volumes, at distinct paths. */
function checkVolumeMounts(container: Container, at: string, volumeNames: Set<string>, report: Report): void {
  const mountPaths = new Set<string>();
  container.volumeMounts?.forEach((mount, index) => {
    const mountAt = `${at}.volumeMounts[${index}]`;
    if (!volumeNames.has(mount.name)) report(`${mountAt}.name`, `no volume named "${mount.name}" in the pod`);
    checkUnique(mount.mountPath, mountPaths, `${mountAt}.mountPath`, report);
  });
}

function checkService(service: Manifest & { spec?: ServiceSpec }, report: Report): void {
  const spec = service.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  const headless = spec.clusterIP === 'None';
  if (headless && (type === 'LoadBalancer' || type === 'NodePort')) {
    report('spec.clusterIP', `may not be "None" (headless) for type ${type}`);
  }
  if (type === 'ExternalName' && !spec.externalName) report('spec.externalName', 'required for type ExternalName');
  if (!spec.ports?.length && !headless && type !== 'ExternalName') report('spec.ports', 'required unless the Service is headless or ExternalName');
  checkServicePorts(spec.ports ?? [], type, report);
  checkLabels(spec.selector, 'spec.selector', report);
}

/** Port names (required and unique when several), numbers, target ports, node ports and app protocols. */
function checkServicePorts(ports: readonly ServicePort[], type: string, report: Report): void {
  const names = new Set<string>();
  const portsAndProtocols = new Set<string>();
  ports.forEach((port, index) => {
    const at = `spec.ports[${index}]`;
    if (port.name === undefined || port.name === '') {
      if (ports.length > 1) report(`${at}.name`, 'required when a Service has more than one port');
    } else if (checkSyntax(port.name, DNS1123_LABEL, `${at}.name`, report)) {
      checkUnique(port.name, names, `${at}.name`, report);
    }
    checkPortNumber(port.port, `${at}.port`, report);
    checkUnique(`${port.port}/${port.protocol ?? 'TCP'}`, portsAndProtocols, `${at}.port`, report);
    if (typeof port.targetPort === 'number') checkPortNumber(port.targetPort, `${at}.targetPort`, report);
    if (typeof port.targetPort === 'string') checkSyntax(port.targetPort, IANA_SVC_NAME, `${at}.targetPort`, report);
    if (port.nodePort !== undefined && port.nodePort !== 0) {
      if (type === 'NodePort' || type === 'LoadBalancer') {
        checkPortNumber(port.nodePort, `${at}.nodePort`, report);
      } else {
        report(`${at}.nodePort`, `may not be used when type is ${type}`);
      }
    }
    if (port.appProtocol !== undefined) checkQualifiedName(port.appProtocol, `${at}.appProtocol`, report);
  });
}

function checkPodDisruptionBudget(pdb: Manifest & { spec?: PodDisruptionBudgetSpec }, report: Report): void {
  const spec = pdb.spec ?? {};
  const { minAvailable, maxUnavailable } = spec;
  if (minAvailable !== undefined && maxUnavailable !== undefined) {
    report('spec', 'minAvailable and maxUnavailable cannot both be set');
  } else if (minAvailable === undefined && maxUnavailable === undefined) {
    report('spec', 'one of minAvailable or maxUnavailable must be set');
  }
  if (minAvailable !== undefined) checkCountOrPercent(minAvailable, 'spec.minAvailable', 100, report);
  if (maxUnavailable !== undefined) checkCountOrPercent(maxUnavailable, 'spec.maxUnavailable', 100, report);
  if (spec.selector === undefined) {
    report('spec.selector', 'required field is missing');
  } else {
    checkLabelSelector(spec.selector, 'spec.selector', report);
  }
}

function checkConfigMap(configMap: Manifest & { data?: Record<string, string>; binaryData?: Record<string, string> }, report: Report): void {
  const keys = new Set<string>();
  checkDataKeys(configMap.data, 'data', keys, report);
  checkDataKeys(configMap.binaryData, 'binaryData', keys, report);
  const dataBytes = Object.values(configMap.data ?? {}).reduce((sum, value) => sum + Buffer.byteLength(value), 0);
  const binaryBytes = Object.values(configMap.binaryData ?? {}).reduce((sum, value) => sum + Buffer.from(value, 'base64').length, 0);
  if (dataBytes + binaryBytes > MAX_CONFIG_MAP_BYTES) {
    report('data', `total size ${dataBytes + binaryBytes} bytes exceeds ${MAX_CONFIG_MAP_BYTES} (1 MiB)`);
  }
}

function checkSecret(secret: Manifest & { data?: Record<string, string>; stringData?: Record<string, string> }, report: Report): void {
  checkDataKeys(secret.data, 'data', new Set(), report);
  checkDataKeys(secret.stringData, 'stringData', new Set(), report);
}

/** Keys of a data map: ConfigMap-key syntax, and not already in `keys` (which collects them). */
function checkDataKeys(data: Record<string, string> | undefined, at: string, keys: Set<string>, report: Report): void {
  for (const key of Object.keys(data ?? {})) {
    if (checkSyntax(key, CONFIG_MAP_KEY, childPath(at, key), report)) checkUnique(key, keys, childPath(at, key), report);
  }
}

// ---------------------------------------------------------------------------------------------
// Small value checks
// ---------------------------------------------------------------------------------------------

interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface NetworkPolicyPort {
  port?: number | string;
  endPort?: number;
}
interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: Array<{ from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
  egress?: Array<{ to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
}

/**
 * NetworkPolicy, as the API server validates it (pkg/apis/networking/validation): the selectors, `policyTypes` from
 * Ingress and Egress, each peer exactly one of `ipBlock` or the selectors, CIDRs in canonical form with `except`
 * blocks strictly inside, ports as numbers or IANA service names, `endPort` only after a numeric port and not below it.
 */
function checkNetworkPolicy(policy: Manifest & { spec?: NetworkPolicySpec }, report: Report): void {
  const spec = policy.spec;
  if (spec === undefined) return;
  checkLabelSelector(spec.podSelector, 'spec.podSelector', report);
  const types = spec.policyTypes ?? [];
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') report(`spec.policyTypes[${i}]`, `${JSON.stringify(t)} must be Ingress or Egress`);
  });
  if (new Set(types).size !== types.length) report('spec.policyTypes', 'must not repeat a type');
  const rules = [
    ...(spec.ingress ?? []).map((r, i) => ({ at: `spec.ingress[${i}]`, peers: r.from, peersAt: 'from', ports: r.ports })),
    ...(spec.egress ?? []).map((r, i) => ({ at: `spec.egress[${i}]`, peers: r.to, peersAt: 'to', ports: r.ports })),
  ];
  for (const { at, peers, peersAt, ports } of rules) {
    peers?.forEach((peer, i) => checkNetworkPolicyPeer(peer, `${at}.${peersAt}[${i}]`, report));
    ports?.forEach((port, i) => checkNetworkPolicyPort(port, `${at}.ports[${i}]`, report));
  }
}

function checkNetworkPolicyPeer(peer: NetworkPolicyPeer, at: string, report: Report): void {
  const selectors = [peer.podSelector, peer.namespaceSelector].filter((s) => s !== undefined).length;
  if (peer.ipBlock !== undefined && selectors > 0) report(at, 'may not specify both ipBlock and another peer');
  if (peer.ipBlock === undefined && selectors === 0) report(at, 'must specify a peer');
  if (peer.podSelector) checkLabelSelector(peer.podSelector, `${at}.podSelector`, report);
  if (peer.namespaceSelector) checkLabelSelector(peer.namespaceSelector, `${at}.namespaceSelector`, report);
  if (peer.ipBlock === undefined) return;
  const block = parseCanonicalCidr(peer.ipBlock.cidr);
  if (block === undefined) report(`${at}.ipBlock.cidr`, `${JSON.stringify(peer.ipBlock.cidr)} must be a valid CIDR in canonical form`);
  peer.ipBlock.except?.forEach((cidr, i) => {
    const inner = parseCanonicalCidr(cidr);
    if (inner === undefined) {report(`${at}.ipBlock.except[${i}]`, `${JSON.stringify(cidr)} must be a valid CIDR in canonical form`);} else if (block !== undefined && !(inner.v === block.v && inner.bits > block.bits && inner.n / block.size === block.n / block.size)) {
      report(`${at}.ipBlock.except[${i}]`, `must be a strict subset of \`cidr\` ${peer.ipBlock!.cidr}`);
    }
  });
}

function checkNetworkPolicyPort(port: NetworkPolicyPort, at: string, report: Report): void {
  if (typeof port.port === 'number') checkPortNumber(port.port, `${at}.port`, report);
  if (typeof port.port === 'string') checkSyntax(port.port, IANA_SVC_NAME, `${at}.port`, report);
  if (port.endPort === undefined) return;
  if (typeof port.port !== 'number') report(`${at}.endPort`, 'may not be specified without a numeric port');
  else if (port.endPort < port.port) report(`${at}.endPort`, `must be greater than or equal to port (${port.port})`);
}

/** An IPv4 or IPv6 CIDR without host bits, as the API server's strict validation requires; undefined when it is not one. */
function parseCanonicalCidr(text: string): { v: 4 | 6; bits: number; n: bigint; size: bigint } | undefined {
  const [ip, prefix, extra] = text.split('/');
  const v = isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : undefined;
  if (v === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefix ?? '')) return undefined;
  const width = v === 4 ? 32 : 128;
  const bits = Number(prefix);
  if (bits > width) return undefined;
  let n: bigint;
  if (v === 4) {
    const bytes = ip.split('.');
    if (bytes.some((b) => String(Number(b)) !== b)) return undefined;
    n = bytes.reduce((acc, b) => acc * 256n + BigInt(b), 0n);
  } else {
    const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
    const h = head === '' ? [] : head.split(':');
    const t = tail === undefined || tail === '' ? [] : tail.split(':');
    if ([...h, ...t].some((g) => g.includes('.'))) return undefined;
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    n = groups.reduce((acc, g) => acc * 65536n + BigInt(parseInt(g, 16)), 0n);
  }
  const size = 2n ** BigInt(width - bits);
  return n % size === 0n ? { v, bits, n, size } : undefined;
}

function checkPortNumber(port: number, at: string, report: Report): void {
  if (port < 1 || port > 65535) report(at, `${port} is not a port number between 1 and 65535`);
}

/** Reports the numeric `fields` of `object` that are negative. */
function checkNonNegative<T extends object>(object: T, fields: ReadonlyArray<keyof T & string>, at: string, report: Report): void {
  for (const field of fields) {
    const value = object[field];
    if (typeof value === 'number' && value < 0) report(`${at}.${field}`, `${value} must be greater than or equal to 0`);
  }
}

/** A non-negative count, or a percentage `N%` of at most `maxPercent`. */
function checkCountOrPercent(value: number | string, at: string, maxPercent: number, report: Report): void {
  if (typeof value === 'number') {
    if (value < 0) report(at, `${value} must be greater than or equal to 0`);
  } else if (!/^\d+%$/.test(value)) {
    report(at, `${JSON.stringify(value)} must be a count or a percentage such as "25%"`);
  } else if (parseInt(value, 10) > maxPercent) {
    report(at, `${value} must not be greater than ${maxPercent}%`);
  }
}

function isZero(value: number | string | undefined): boolean {
  return value === 0 || (typeof value === 'string' && /^0+%$/.test(value));
}

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T, key: string) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value, key)]));
}
