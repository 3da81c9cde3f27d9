import * as d from './defaults';
import { checkLinkerdServiceRouteConflicts } from './dialects/linkerd-route';
import { crossNamespaceReferences, resolveReferenceGrantsProp, type CrossNamespaceReference } from './reference-grants';
import { resolveRoutePolicy, type ResolvedRoutePolicy, type RouteImplementation } from './route-policy';
import {
  parentNeedsGatewayApiObjects,
  toBackendRef,
  toParentRef,
  type GrpcBackendTarget,
  type RouteParent,
  type RouteParentRef,
  type ServiceBackendRef,
} from './route-refs';
import type { TrafficPolicy } from './traffic-policy';
import { IssueCollector } from './validation';
import { findShadowedMatches, hostnamesIntersect, isValidHostname, validateRouteMatch } from '../routing';
import type { GRPCRouteMatch, GRPCRouteRule, MatchType } from '../routing/gateway-api';

/** Matches one request header. */
export interface GrpcHeaderMatchProps {
  /** Header name (compared case-insensitively). */
  readonly name: string;
  /** Expected value, or a regular expression that must match the whole value. */
  readonly value: string;
  /**
   * How `value` is compared.
   * @default 'Exact'
   */
  readonly type?: MatchType;
}

/** One match of a rule: the service/method and every header match must hold. */
export interface GrpcRouteMatchProps {
  /**
   * Fully qualified gRPC service, e.g. `user.v1.UserService`. Alone, it matches every method of the service.
   * @default - any service
   */
  readonly service?: string;
  /**
   * Method name, e.g. `GetUser`.
   * @default - any method
   */
  readonly method?: string;
  /**
   * How `service` and `method` are compared.
   * @default 'Exact'
   */
  readonly type?: MatchType;
  /**
   * Header matches (at most 16), all of which must hold.
   * @default - none
   */
  readonly headers?: readonly GrpcHeaderMatchProps[];
}

/** Headers to set, add or remove. */
export interface HeaderModifierProps {
  /**
   * Headers that replace any existing value.
   * @default - none
   */
  readonly set?: Readonly<Record<string, string>>;
  /**
   * Headers appended to any existing value.
   * @default - none
   */
  readonly add?: Readonly<Record<string, string>>;
  /**
   * Header names to remove.
   * @default - none
   */
  readonly remove?: readonly string[];
}

/** Mirrors calls to another backend; its responses are ignored. */
export interface RequestMirrorProps {
  /** Where calls are mirrored. */
  readonly backend: GrpcBackendTarget;
  /**
   * Share of the calls mirrored, in percent.
   * @default 100
   */
  readonly percent?: number;
}

/** Filters applied to every call a rule matches. */
export interface GrpcRouteFiltersProps {
  /**
   * Request headers to change.
   * @default - none
   */
  readonly requestHeaders?: HeaderModifierProps;
  /**
   * Response headers to change.
   * @default - none
   */
  readonly responseHeaders?: HeaderModifierProps;
  /**
   * Backends to mirror calls to.
   * @default - none
   */
  readonly mirrors?: readonly RequestMirrorProps[];
}

/** A weighted backend of a rule. */
export interface GrpcRouteBackendProps {
  /** The backend: a `GrpcMeshService` or a plain `{ name, namespace, port }` Service reference. */
  readonly service: GrpcBackendTarget;
  /**
   * Proportion of the rule's calls (not a percentage): weights 9 and 1 send 90 % and 10 %. 0 gets nothing.
   * @default 1
   */
  readonly weight?: number;
}

/** One rule of a route. */
export interface GrpcRouteRuleProps {
  /**
   * Rule name, unique in the route.
   * @default - none
   */
  readonly name?: string;
  /**
   * Matches (at most 64), any of which selects the rule.
   * @default - every call
   */
  readonly matches?: readonly GrpcRouteMatchProps[];
  /** Backends (1 to 16) that share the matched calls by weight. */
  readonly backends: readonly GrpcRouteBackendProps[];
  /**
   * Filters.
   * @default - none
   */
  readonly filters?: GrpcRouteFiltersProps;
}

/** Properties of a `GrpcRoute`: a Gateway API GRPCRoute. */
export interface GrpcRouteProps {
  /**
   * Name of the GRPCRoute.
   * @default - the construct id (cdk8s) or the resource name (Pulumi)
   */
  readonly name?: string;
  /**
   * Namespace of the GRPCRoute.
   * @default - the cdk8s chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /**
   * Where the route attaches: `GrpcGateway`s (north-south), `GrpcMeshService`s (GAMMA, east-west) or plain references.
   */
  readonly parents: readonly RouteParent[];
  /**
   * Hostnames (at most 16) the route serves; a leading `*.` matches subdomains. Ignored by mesh (Service) parents.
   * @default - every hostname of the listeners
   */
  readonly hostnames?: readonly string[];
  /** Rules (1 to 16). */
  readonly rules: readonly GrpcRouteRuleProps[];
  /**
   * Generates a ReferenceGrant in the namespace of every backend the route reaches across namespaces (`true`). With
   * `false`, each such reference must be allowed by a ReferenceGrant defined elsewhere in the app (with Pulumi, which
   * sees no other: one another component of the stack generates), or the route fails (`MISSING_REFERENCE_GRANT`).
   * With `'external'`, the grants are left to the owners of the target namespaces (as the Gateway API intends): none
   * is generated or checked, and a missing one shows only in the cluster, where the backend's calls get UNAVAILABLE.
   * @default true
   */
  readonly referenceGrants?: boolean | 'external';
  /**
   * Load balancing, retries, timeouts and the rest for the calls of this route, in the dialect of the route's
   * implementation (see `implementation`).
   * @default - the implementation's defaults
   */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * Who implements the route, which decides the dialect of `trafficPolicy`: an Envoy Gateway
   * BackendTrafficPolicy, or Linkerd's annotations on the GRPCRoute.
   * @default - inferred from the parents' GatewayClass (`eg`, `istio`) or mesh
   */
  readonly implementation?: RouteImplementation;
  /**
   * Extra labels on every object.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Codes of warnings not to print (e.g. `SHADOWED_MATCH`).
   * @default - none
   */
  readonly silenceWarnings?: readonly string[];
}

/** A `GrpcRoute` after validation: the GRPCRoute spec in Gateway API form and what surrounds it. */
export interface GrpcRouteModel {
  /** Route name. */
  readonly name: string;
  /** Route namespace. */
  readonly namespace: string;
  /** Labels of every object. */
  readonly labels: Readonly<Record<string, string>>;
  /** Parents, with namespaces filled in. */
  readonly parents: readonly RouteParentRef[];
  /** Hostnames. */
  readonly hostnames?: readonly string[];
  /** Rules in Gateway API form. */
  readonly rules: readonly GRPCRouteRule[];
  /** References to Services in other namespaces. */
  readonly crossNamespaceRefs: readonly CrossNamespaceReference[];
  /** Whether ReferenceGrants are generated for them. */
  readonly generateReferenceGrants: boolean;
  /** Whether a cross-namespace reference must be allowed by a grant of the app (not with `referenceGrants: 'external'`). */
  readonly checkReferenceGrants: boolean;
  /** The traffic policy, resolved for the implementation's dialect. */
  readonly policy: ResolvedRoutePolicy;
  /**
   * Whether the GRPCRoute (with its ReferenceGrants and policy objects) is written out: false when every parent
   * is a self-hosted tier that compiles the route in and writes no Gateway API objects.
   */
  readonly gatewayApiObjects: boolean;
  /** Warnings to show the user. */
  readonly warnings: readonly string[];
  /** Codes of the warnings the props silence, for the checks made at synthesis. */
  readonly silencedWarnings: readonly string[];
}

/** Context of resolution (see `resolveGrpcMeshService`). */
export interface RouteResolveContext {
  /** Name when the props give none. */
  readonly defaultName: string;
  /** Namespace when the props give none. */
  readonly defaultNamespace?: string;
  /** How errors name the construct. */
  readonly subject?: string;
  /** More checks to run with the route's own, so that every problem is reported in one error. */
  readonly validateAlso?: (issues: IssueCollector) => void;
}

/** Gateway API limits of a GRPCRoute, enforced by its CRD at apply time and by grpc-mesh at synthesis. */
export const GRPC_ROUTE_LIMITS = {
  /** Parents of a route. */
  parents: 32,
  /** Hostnames of a route. */
  hostnames: 16,
  /** Rules of a route. */
  rules: 16,
  /** Matches of one rule. */
  matchesPerRule: 64,
  /** Matches of all rules together. */
  matchesPerRoute: 128,
  /** Header matches of one match. */
  headersPerMatch: 16,
  /** Filters of one rule. */
  filtersPerRule: 16,
  /** Backends of one rule. */
  backendsPerRule: 16,
  /** Largest backend weight. */
  maxWeight: 1_000_000,
} as const;

const RULE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Validates `GrpcRoute` props, collecting every problem, and returns the resolved model. */
export function resolveGrpcRoute(props: GrpcRouteProps, context: RouteResolveContext): GrpcRouteModel {
  const name = props.name ?? context.defaultName;
  const namespace = props.namespace ?? context.defaultNamespace ?? d.DEFAULT_NAMESPACE;
  const issues = new IssueCollector(context.subject ?? `GrpcRoute "${name}"`, props.silenceWarnings);
  context.validateAlso?.(issues);
  issues.dns1123Subdomain('name', name);
  issues.dns1123Label('namespace', namespace);
  issues.labels('labels', props.labels);
  const parents = (props.parents ?? []).map((p) => withNamespace(toParentRef(p), namespace));
  validateHostnames(issues, props.hostnames);
  if (issues.count('parents', parents, 1, GRPC_ROUTE_LIMITS.parents, 'parents')) {
    parents.forEach((p, i) => validateParent(issues, `parents[${i}]`, p, namespace, props.hostnames));
  }
  const rules = (props.rules ?? []).map((r) => toGatewayRule(r, namespace));
  if (issues.count('rules', props.rules, 1, GRPC_ROUTE_LIMITS.rules, 'rules')) validateRules(issues, props.rules, rules);
  checkLinkerdServiceRouteConflicts(issues, parents, rules);
  const policy = resolveRoutePolicy(issues, { name, namespace, labels: props.labels }, parents, props.trafficPolicy, props.implementation);
  issues.throwIfAny();

  return {
    name,
    namespace,
    labels: { ...props.labels, 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': d.MANAGED_BY },
    parents,
    hostnames: props.hostnames,
    rules,
    crossNamespaceRefs: crossNamespaceReferences(rules.flatMap((rule) => referencedServices(rule)).map((ref) => ({
      fromKind: 'GRPCRoute' as const, fromNamespace: namespace, toKind: 'Service' as const, toNamespace: ref.namespace ?? namespace, toName: ref.name,
    }))),
    ...resolveReferenceGrantsProp(props.referenceGrants),
    policy,
    gatewayApiObjects: parents.some(parentNeedsGatewayApiObjects),
    warnings: issues.warnings,
    silencedWarnings: props.silenceWarnings ?? [],
  };
}

function withNamespace(ref: RouteParentRef, namespace: string): RouteParentRef {
  return { ...ref, namespace: ref.namespace ?? namespace };
}

function validateHostnames(issues: IssueCollector, hostnames: readonly string[] | undefined): void {
  issues.count('hostnames', hostnames, 0, GRPC_ROUTE_LIMITS.hostnames, 'hostnames');
  (hostnames ?? []).forEach((h, i) => issues.require(isValidHostname(h, { allowWildcard: true }), {
    code: 'INVALID_HOSTNAME',
    path: `hostnames[${i}]`,
    value: h,
    message: 'must be a DNS name, optionally with a leading "*." wildcard label (no wildcard elsewhere, no IP address)',
  }));
}

function validateParent(issues: IssueCollector, path: string, parent: RouteParentRef, namespace: string, hostnames?: readonly string[]): void {
  if (parent.kind === 'Service') {
    issues.require(parent.dataPlane !== 'none', {
      code: 'ROUTE_PARENT_NOT_SERVED',
      path,
      value: parent.name,
      message: 'has DataPlane.none(): nothing grpc-mesh deploys serves a route attached to it, so it would be ignored',
      hint: 'Give the service a data plane that serves routes (DataPlane.proxy(), envoy(), istio() or linkerd()); for a mesh '
        + 'grpc-mesh does not configure, attach the route with a plain reference { kind: \'Service\', name, namespace, port, mesh }.',
    });
    issues.require(!parent.headless, {
      code: 'HEADLESS_MESH_PARENT',
      path,
      value: parent.name,
      message: 'is a headless Service, which cannot be the parent of a mesh (GAMMA) route',
      hint: 'Attach the route to the ClusterIP Service: pass the GrpcMeshService itself.',
    });
    // A plain reference does not say whether its Service is headless unless asked; the name does.
    issues.require(parent.headless !== undefined || parent.dataPlane !== undefined || !parent.name.endsWith(d.HEADLESS_SERVICE_SUFFIX), {
      code: 'HEADLESS_MESH_PARENT',
      path: `${path}.name`,
      value: parent.name,
      message: `is named like a headless Service ("${d.HEADLESS_SERVICE_SUFFIX}"), which cannot be the parent of a mesh (GAMMA) route`,
      hint: 'Attach the route to the ClusterIP Service (for a GrpcMeshService, pass the construct itself); '
        + 'if this Service does have a cluster IP, say so with headless: false.',
    });
    if (hostnames?.length) {
      issues.warn({ code: 'HOSTNAMES_IGNORED_IN_MESH', path: 'hostnames', value: hostnames, message: `are ignored for the mesh parent ${parent.name}` });
    }
    return;
  }
  const listeners = parent.listeners;
  if (!listeners) return;
  const candidates = parent.sectionName === undefined ? listeners : listeners.filter((l) => l.name === parent.sectionName);
  if (!issues.require(candidates.length > 0, {
    code: 'UNKNOWN_LISTENER',
    path: `${path}.sectionName`,
    value: parent.sectionName,
    message: `names no listener of Gateway "${parent.name}" (it has ${listeners.map((l) => l.name).join(', ')})`,
  })) return;
  const allowed = candidates.filter((l) => l.allowedRoutesFrom !== 'Same' || parent.namespace === namespace);
  if (!issues.require(allowed.length > 0, {
    code: 'ROUTE_NOT_ALLOWED',
    path,
    value: parent.name,
    message: `allows only routes of namespace "${parent.namespace}", and this route is in "${namespace}"`,
    hint: "Set allowedRoutes: { from: 'All' } (or a Selector) on the listener, or move the route.",
  })) return;
  if (hostnames?.length) {
    const reachable = hostnames.filter((h) => allowed.some((l) => l.hostname === undefined || hostnamesIntersect(h, l.hostname)));
    issues.require(reachable.length > 0, {
      code: 'NO_MATCHING_LISTENER_HOSTNAME',
      path: 'hostnames',
      value: hostnames,
      message: `intersect no listener hostname of Gateway "${parent.name}" (${allowed.map((l) => l.hostname ?? '*').join(', ')})`,
      hint: 'The route would never be attached.',
    });
  }
}

function validateRules(issues: IssueCollector, props: readonly GrpcRouteRuleProps[], rules: readonly GRPCRouteRule[]): void {
  const total = props.reduce((n, r) => n + (r.matches?.length ?? 0), 0);
  issues.require(total <= GRPC_ROUTE_LIMITS.matchesPerRoute, {
    code: 'TOO_MANY', path: 'rules', value: total, message: `must have at most ${GRPC_ROUTE_LIMITS.matchesPerRoute} matches in total`,
  });
  const names = new Set<string>();
  props.forEach((rule, i) => {
    const path = `rules[${i}]`;
    if (rule.name !== undefined) {
      issues.require(rule.name.length <= 253 && RULE_NAME.test(rule.name), {
        code: 'INVALID_NAME', path: `${path}.name`, value: rule.name, message: 'must be a DNS-1123 label',
      });
      issues.require(!names.has(rule.name), { code: 'DUPLICATE_RULE_NAME', path: `${path}.name`, value: rule.name, message: 'repeats the name of an earlier rule' });
      names.add(rule.name);
    }
    issues.count(`${path}.matches`, rule.matches, 0, GRPC_ROUTE_LIMITS.matchesPerRule, 'matches');
    (rules[i].matches ?? []).forEach((m, j) => validateMatch(issues, `${path}.matches[${j}]`, m));
    issues.count(`${path}.filters`, rules[i].filters, 0, GRPC_ROUTE_LIMITS.filtersPerRule, 'filters');
    validateBackends(issues, path, rule);
  });
  for (const { ruleIndex, matchIndex, shadowedBy } of findShadowedMatches(rules)) {
    const catchAll = matchIndex < 0; // a rule without matches matches every call
    issues.warn({
      code: 'SHADOWED_MATCH',
      path: catchAll ? `rules[${ruleIndex}]` : `rules[${ruleIndex}].matches[${matchIndex}]`,
      value: catchAll ? 'every call' : rules[ruleIndex].matches?.[matchIndex],
      message: `can never be reached: rules[${shadowedBy}] has the same match and comes first`,
    });
  }
}

/** Checks one match with the routing engine's rules; the props flatten `method.service` to `service`. */
function validateMatch(issues: IssueCollector, path: string, match: GRPCRouteMatch): void {
  for (const p of validateRouteMatch(match)) {
    issues.add({ code: p.code, path: `${path}.${p.field.replace(/^method\./, '')}`, value: p.value, message: p.message });
  }
}

function validateBackends(issues: IssueCollector, path: string, rule: GrpcRouteRuleProps): void {
  if (!issues.count(`${path}.backends`, rule.backends, 1, GRPC_ROUTE_LIMITS.backendsPerRule, 'backends')) return;
  rule.backends.forEach((b, k) => {
    // A construct (a GrpcMeshService) reports a bad name or port of its own, once.
    if (!('backendRef' in b.service)) {
      issues.dns1035Label(`${path}.backends[${k}].service.name`, b.service.name);
      issues.port(`${path}.backends[${k}].service.port`, b.service.port);
    }
    issues.integerInRange(`${path}.backends[${k}].weight`, b.weight, 0, GRPC_ROUTE_LIMITS.maxWeight);
  });
  if (rule.backends.every((b) => b.weight === 0)) {
    issues.warn({
      code: 'ALL_WEIGHTS_ZERO',
      path: `${path}.backends`,
      value: rule.backends.map(() => 0),
      message: 'all have weight 0: every matched call fails with UNAVAILABLE',
    });
  }
  (rule.filters?.mirrors ?? []).forEach((m, k) => issues.integerInRange(`${path}.filters.mirrors[${k}].percent`, m.percent, 0, 100));
}

/** A rule in Gateway API form. */
function toGatewayRule(rule: GrpcRouteRuleProps, namespace: string): GRPCRouteRule {
  return {
    ...(rule.name !== undefined && { name: rule.name }),
    ...(rule.matches?.length && { matches: rule.matches.map(toGatewayMatch) }),
    ...(rule.filters && filtersOf(rule.filters, namespace)),
    backendRefs: (rule.backends ?? []).map((b) => ({ ...serviceRef(toBackendRef(b.service), namespace), weight: b.weight ?? 1 })),
  };
}

function toGatewayMatch(m: GrpcRouteMatchProps): GRPCRouteMatch {
  const hasMethod = m.service !== undefined || m.method !== undefined;
  return {
    ...(hasMethod && {
      method: {
        type: m.type ?? 'Exact',
        ...(m.service !== undefined && { service: m.service }),
        ...(m.method !== undefined && { method: m.method }),
      },
    }),
    ...(m.headers?.length && { headers: m.headers.map((h) => ({ type: h.type ?? 'Exact', name: h.name, value: h.value })) }),
  };
}

function filtersOf(f: GrpcRouteFiltersProps, namespace: string): Pick<GRPCRouteRule, 'filters'> {
  const filters = [
    ...(f.requestHeaders ? [{ type: 'RequestHeaderModifier' as const, requestHeaderModifier: headerFilter(f.requestHeaders) }] : []),
    ...(f.responseHeaders ? [{ type: 'ResponseHeaderModifier' as const, responseHeaderModifier: headerFilter(f.responseHeaders) }] : []),
    ...(f.mirrors ?? []).map((m) => ({
      type: 'RequestMirror' as const,
      requestMirror: { backendRef: serviceRef(toBackendRef(m.backend), namespace), ...(m.percent !== undefined && { percent: m.percent }) },
    })),
  ];
  return filters.length ? { filters } : {};
}

function headerFilter(h: HeaderModifierProps) {
  const pairs = (r?: Readonly<Record<string, string>>) => Object.entries(r ?? {}).map(([name, value]) => ({ name, value }));
  return {
    ...(h.set && { set: pairs(h.set) }),
    ...(h.add && { add: pairs(h.add) }),
    ...(h.remove?.length && { remove: h.remove }),
  };
}

function serviceRef(ref: ServiceBackendRef, namespace: string) {
  return { group: '', kind: 'Service', name: ref.name, namespace: ref.namespace ?? namespace, port: ref.port };
}

/** Every Service a rule sends calls to, mirrors included. */
function referencedServices(rule: GRPCRouteRule): Array<{ name: string; namespace?: string }> {
  const mirrors = (rule.filters ?? []).flatMap((f) => (f.requestMirror ? [f.requestMirror.backendRef] : []));
  return [...(rule.backendRefs ?? []), ...mirrors];
}
