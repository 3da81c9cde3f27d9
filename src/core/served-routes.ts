import { gatewayBackendClient, withBackendTls } from './backend-tls';
import { gatewayApiToProxyConfig, type CompileWarning, type GatewayApiCompileOptions, type RouteAcceptance } from './compile';
import { INVALID_CLUSTER_PREFIX } from './compile/backend-clusters';
import * as d from './defaults';
import { absoluteDnsName } from './dns-name';
import { formatIssue, formatWarning, GrpcMeshValidationError, type ValidationIssue } from './errors';
import { gatewayParentRef, type GrpcGatewayModel } from './grpc-gateway';
import { balancerOf, type GrpcMeshServiceModel, type ResolvedTier } from './grpc-mesh-service';
import type { GrpcRouteModel } from './grpc-route';
import type { KubeObject } from './kube';
import { clientCaFile, listenerTlsFiles } from './listener-tls';
import type { ProxyConfig, ProxyDiscoveryConfig } from './proxy-config';
import { findShadowedMatches } from '../routing';
import type { TierPort } from './render/balancer-tier';
import { renderGatewayObject } from './render/grpc-gateway';
import { renderGrpcRoute } from './render/grpc-route';
import { renderServices } from './render/services';
import type { RouteParentRef } from './route-refs';
import { resolveTrafficPolicy, type ResolvedTrafficPolicy } from './traffic-policy';
import { IssueCollector } from './validation';
import type { GRPCRouteFilter, GRPCRouteRule } from '../routing/gateway-api';

/**
 * The route-related objects of a whole app, which self-hosted tiers compile their routes from. Adapters collect
 * them from the app once every construct exists, so a route may be declared before or after its parent.
 */
export interface RoutingScope {
  /** Every `GrpcMeshService` of the app. */
  readonly services: readonly GrpcMeshServiceModel[];
  /** Every `GrpcGateway` of the app. */
  readonly gateways: readonly GrpcGatewayModel[];
  /** Every `GrpcRoute` and `CanaryGrpcRoute` of the app. */
  readonly routes: readonly GrpcRouteModel[];
  /**
   * Other objects of the app the compile reads: Services not made by a `GrpcMeshService`, ReferenceGrants,
   * Namespaces, BackendTLSPolicies and their CA ConfigMaps.
   * @default - none
   */
  readonly objects?: readonly KubeObject[];
}

/** A service whose balancer serves the routes attached to it (GAMMA). */
export interface ServedService {
  /** Discriminant. */
  readonly kind: 'service';
  /** The service. */
  readonly model: GrpcMeshServiceModel;
}

/** A self-hosted Gateway whose tier serves the routes attached to it. */
export interface ServedGateway {
  /** Discriminant. */
  readonly kind: 'gateway';
  /** The Gateway. */
  readonly model: GrpcGatewayModel;
}

/** A self-hosted tier whose routes to compile: a service's balancer (GAMMA) or a Gateway's tier. */
export type ServedParent = ServedService | ServedGateway;

/** What a self-hosted tier serves, compiled from the app's routes. */
export interface TierRoutes {
  /** The tier. */
  readonly tier: ResolvedTier;
  /** The compiled config: listeners on the tier's container ports, plain clusters (no traffic policy yet). */
  readonly compiled: ProxyConfig;
  /** The traffic policy of each cluster: that of the `GrpcMeshService` it reaches, else the defaults. */
  readonly policies: ReadonlyMap<string, ResolvedTrafficPolicy>;
  /**
   * The clusters whose service chose its own traffic policy (a data plane other than `DataPlane.none()`, which
   * takes none): where Envoy sets retries and timeouts per route, only these decide a route's.
   */
  readonly ownPolicy: ReadonlySet<string>;
  /** `namespace/name` of every route compiled in. */
  readonly routes: readonly string[];
  /** What fails synthesis: routes the tier cannot serve as written, conflicts, unresolved backends. */
  readonly issues: readonly ValidationIssue[];
  /** What deserves attention but is served. */
  readonly warnings: readonly string[];
}

/** Compile warnings that concern other parents or were reported by the route itself. */
const IRRELEVANT_WARNINGS = new Set(['PARENT_NOT_FOUND', 'MESH_HOSTNAMES']);
/** Compile warnings a self-hosted tier serves anyway: reported, not fatal. */
const SERVED_WARNINGS = new Set(['CLUSTER_IP_BACKEND']);

/** Whether a parent is a plain reference to a Gateway, which may be a self-hosted Gateway of the app. */
export function isPlainGatewayRef(parent: RouteParentRef): boolean {
  return parent.kind === 'Gateway' && parent.servedBy === undefined && parent.listeners === undefined;
}

/**
 * A route's parents with each plain Gateway reference replaced by what the app knows of that Gateway (who serves
 * it, whether it is written out), so a route declared before its Gateway, by name, is treated like one declared
 * with the construct.
 */
export function knownParents(route: GrpcRouteModel, scope: RoutingScope): RouteParentRef[] {
  return route.parents.map((p) => {
    if (p.kind !== 'Gateway' || !isPlainGatewayRef(p)) return p;
    const gateway = scope.gateways.find((g) => g.name === p.name && g.namespace === (p.namespace ?? route.namespace));
    return gateway === undefined ? p : { ...gatewayParentRef(gateway), ...(p.sectionName !== undefined && { sectionName: p.sectionName }) };
  });
}

/**
 * The gRPC ports of a self-hosted Gateway: one per distinct listener port, on container ports from 8080 up.
 * @internal
 */
export function gatewayTierPorts(model: GrpcGatewayModel): TierPort[] {
  const ports: TierPort[] = [];
  for (const listener of model.listeners) {
    if (ports.some((p) => p.port === listener.port)) continue;
    ports.push({ name: `grpc-${listener.port}`, port: listener.port, containerPort: d.PROXY_LISTENER_PORT + ports.length, tls: listener.tls !== undefined });
  }
  return ports;
}

/**
 * Compiles the routes a self-hosted tier serves from the whole app's routing objects, with the Gateway API
 * semantics of `gatewayApiToProxyConfig`, and says what the tier cannot serve as written. Strict where a
 * controller would only write a status: a route that is not accepted, a backend that does not resolve, or two
 * routes with the same match (which only their names would order) fail synthesis.
 */
export function compileTierRoutes(scope: RoutingScope, parent: ServedParent): TierRoutes {
  const tier = tierOf(parent);
  const owner = `${parent.kind === 'service' ? 'GrpcMeshService' : 'GrpcGateway'} "${parent.model.namespace}/${parent.model.name}"`;
  const services = new Map(scope.services.map((s) => [`${s.namespace}/${s.name}:${s.port}`, s]));
  const options: GatewayApiCompileOptions = {
    ...(parent.kind === 'service'
      ? { mesh: [{ namespace: parent.model.namespace, name: parent.model.name }], meshPort: d.PROXY_LISTENER_PORT }
      : { gateway: { namespace: parent.model.namespace, name: parent.model.name }, listenerPort: containerPortOf(gatewayTierPorts(parent.model)) }),
    clusterDomain: clusterDomainOf(scope),
    // Where the tier mounts them (listenerTlsMounts): a Secret or ConfigMap of the tier's own namespace.
    secretFiles: (ref) => listenerTlsFiles(ref.name, undefined),
    clientCaBundleFile: (ref, key) => clientCaFile({ kind: 'ConfigMap', name: ref.name, key }),
    backendDiscovery: (ref): ProxyDiscoveryConfig | undefined => {
      const service = services.get(`${ref.namespace}/${ref.name}:${ref.port}`);
      return service && { type: 'dns', hostname: absoluteDnsName(service.headlessFqdn), port: service.targetPort, refreshIntervalMs: tier.dnsRefreshMs };
    },
  };
  let result;
  try {
    result = gatewayApiToProxyConfig(gatewayApiObjectsOf(scope), options);
  } catch (error) {
    if (!GrpcMeshValidationError.isValidationError(error)) throw error;
    return { tier, compiled: emptyConfig(), policies: new Map(), ownPolicy: new Set(), routes: [], issues: error.issues, warnings: [] };
  }
  // A service's own pods keep the cluster name its balancer gives them without routes (stats and alerts go by it).
  const own = parent.kind === 'service' ? `${parent.model.namespace}/${parent.model.name}:${parent.model.port}` : undefined;
  const ownName = tier.tierStrategy.serviceCluster;
  const refreshed = withDnsRefresh(result.config, tier.dnsRefreshMs);
  const renamed = own === undefined ? refreshed : renameCluster(refreshed, own, ownName);
  if (own !== undefined && services.has(own)) services.set(ownName, services.get(own)!);
  const tls = withBackendTls(renamed, {
    ownCluster: own && ownName,
    ownTls: parent.kind === 'service' ? parent.model.backendTls : undefined,
    client: parent.kind === 'gateway' ? gatewayBackendClient(parent.model) : undefined,
    tlsOf: (cluster) => {
      const service = services.get(cluster);
      return service?.backendTls && { namespace: service.namespace, name: service.name, tls: service.backendTls };
    },
    owner: `the ${tier.kind} tier of ${owner}`,
  });
  const compiled = tls.config;
  const issues: ValidationIssue[] = [...acceptanceIssues(result.routes, tier, owner), ...tls.issues];
  const warnings: string[] = [];
  for (const w of result.warnings) sortWarning(w, issues, warnings);
  // A service's default route (calls no route matches go to the service) loses every tie by design.
  const meshDefault = parent.kind === 'service' ? `${parent.model.namespace}/${parent.model.name}-default` : undefined;
  issues.push(...conflicts(compiled, meshDefault));
  const policies = new Map<string, ResolvedTrafficPolicy>();
  const ownPolicy = new Set<string>();
  for (const cluster of compiled.clusters) {
    if (cluster.name.startsWith(INVALID_CLUSTER_PREFIX)) continue;
    const service = services.get(cluster.name);
    policies.set(cluster.name, service?.trafficPolicy ?? resolveTrafficPolicy());
    if (service !== undefined && service.dataPlane.strategy.appliesTrafficPolicy) ownPolicy.add(cluster.name);
    if (service) issues.push(...unsupportedPolicy(service, tier));
  }
  const attached = new Set(result.routes.filter((r) => r.parents.some((p) => p.accepted)).map((r) => r.route));
  const served: TierRoutes = { tier, compiled, policies, ownPolicy, routes: [...attached], issues: [], warnings };
  // What the balancer cannot express is known only once the routes are translated (Envoy's route settings).
  issues.push(...tier.tierStrategy.servedIssues(served));
  return { ...served, issues: dedupe(issues) };
}

/** The tier serving a parent's routes: a service's balancer, or a self-hosted Gateway's tier. */
function tierOf(parent: ServedParent): ResolvedTier {
  const tier = parent.kind === 'service' ? balancerOf(parent.model) : parent.model.tier;
  if (tier === undefined) throw new Error(`${parent.model.namespace}/${parent.model.name} has no tier of grpc-mesh to serve routes.`);
  return tier;
}

/** Every route-related object of the scope, each once: the models' own objects first, then the app's others. */
function gatewayApiObjectsOf(scope: RoutingScope): KubeObject[] {
  const all = [
    ...scope.services.flatMap((s) => Object.values(renderServices(s))),
    ...scope.gateways.map(renderGatewayObject),
    ...scope.routes.flatMap((r) => {
      const manifests = renderGrpcRoute(r);
      return [manifests.route, ...manifests.referenceGrants];
    }),
    ...(scope.objects ?? []),
  ];
  const seen = new Set<string>();
  return all.filter((o) => {
    const key = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every DNS cluster re-resolved at the tier's rate, Services found by the compile's default discovery included. */
function withDnsRefresh(config: ProxyConfig, refreshIntervalMs: number): ProxyConfig {
  return {
    ...config,
    clusters: config.clusters.map((c) => (c.discovery.type === 'dns' && c.discovery.refreshIntervalMs === undefined
      ? { ...c, discovery: { ...c.discovery, refreshIntervalMs } }
      : c)),
  };
}

/** The config with cluster `from` named `to`: in the clusters, and in every backendRef and mirror of the routes. */
function renameCluster(config: ProxyConfig, from: string, to: string): ProxyConfig {
  const renamed = <T extends { readonly name: string }>(ref: T): T => (ref.name === from ? { ...ref, name: to } : ref);
  const inFilters = (filters: readonly GRPCRouteFilter[] | undefined) => filters?.map((f) => (f.requestMirror === undefined ? f
    : { ...f, requestMirror: { ...f.requestMirror, backendRef: renamed(f.requestMirror.backendRef) } }));
  return {
    ...config,
    clusters: config.clusters.map(renamed),
    routes: config.routes.map((route) => ({
      ...route,
      rules: route.rules.map((rule) => ({
        ...rule,
        ...(rule.filters !== undefined && { filters: inFilters(rule.filters) }),
        ...(rule.backendRefs !== undefined && {
          backendRefs: rule.backendRefs.map((b) => ({ ...renamed(b), ...(b.filters !== undefined && { filters: inFilters(b.filters) }) })),
        }),
      })),
    })),
  };
}

function containerPortOf(ports: readonly TierPort[]): (gatewayPort: number) => number {
  return (gatewayPort) => ports.find((p) => p.port === gatewayPort)?.containerPort ?? gatewayPort;
}

function clusterDomainOf(scope: RoutingScope): string {
  const fqdn = scope.services[0]?.serviceFqdn;
  return fqdn === undefined ? d.DEFAULT_CLUSTER_DOMAIN : fqdn.split('.').slice(3).join('.');
}

function emptyConfig(): ProxyConfig {
  return { version: 2, listeners: [], admin: { address: '0.0.0.0', port: d.PROXY_ADMIN_PORT }, clusters: [], routes: [] };
}

/** Routes naming the parent that it would not serve, or whose backends do not resolve. */
function acceptanceIssues(routes: readonly RouteAcceptance[], tier: ResolvedTier, owner: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const { route, parents } of routes) {
    for (const status of parents) {
      if (!status.accepted) {
        issues.push({
          code: 'ROUTE_NOT_SERVED',
          path: `GRPCRoute "${route}"`,
          value: status.reason,
          message: `is not served by the ${tier.kind} tier of ${owner}: ${status.message}`,
        });
      } else if (!status.resolvedRefs) {
        issues.push({
          code: 'BACKEND_NOT_RESOLVED',
          path: `GRPCRoute "${route}"`,
          value: status.resolvedRefsReason,
          message: `has backends the ${tier.kind} tier of ${owner} cannot reach: ${status.resolvedRefsMessage}`,
          hint: 'Send calls to a GrpcMeshService, or declare the Service in this app, so the tier knows its endpoints.',
        });
      }
    }
  }
  return issues;
}

function sortWarning(w: CompileWarning, issues: ValidationIssue[], warnings: string[]): void {
  if (IRRELEVANT_WARNINGS.has(w.code)) return;
  if (SERVED_WARNINGS.has(w.code)) warnings.push(formatIssue(w));
  else issues.push({ code: w.code, path: w.path, value: undefined, message: w.message });
}

/**
 * Two routes on the same hosts with the same match: the Gateway API orders them by age, then by name, and routes
 * synthesized together have no age, so their names would decide. A self-hosted tier refuses that.
 */
function conflicts(config: ProxyConfig, meshDefault: string | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const routes = new Map(config.routes.map((r) => [`${r.namespace ?? 'default'}/${r.name}`, r]));
  for (const listener of config.listeners) {
    for (const host of listener.virtualHosts ?? []) {
      const byHostnames = new Map<string, Array<{ route: string; index: number; rule: GRPCRouteRule }>>();
      for (const key of host.routes) {
        const route = routes.get(key);
        if (route === undefined) continue;
        const hostnames = [...route.hostnames ?? []].sort().join(',');
        const rules = byHostnames.get(hostnames) ?? [];
        route.rules.forEach((rule, index) => rules.push({ route: key, index, rule }));
        byHostnames.set(hostnames, rules);
      }
      for (const rules of byHostnames.values()) {
        for (const s of findShadowedMatches(rules.map((r) => r.rule))) {
          const loser = rules[s.ruleIndex];
          const winner = rules[s.shadowedBy];
          if (loser.route === winner.route || loser.route === meshDefault) continue; // the route's own SHADOWED_MATCH warning said it
          issues.push({
            code: 'CONFLICTING_ROUTES',
            path: `GRPCRoute "${loser.route}".rules[${loser.index}]`,
            value: s.matchIndex < 0 ? 'every call' : loser.rule.matches?.[s.matchIndex],
            message: `has the same match as GRPCRoute "${winner.route}".rules[${winner.index}] on listener "${listener.name}": `
              + 'only their names would decide which one serves the calls',
            hint: 'Merge the two rules into one route, or make their matches differ (a header, a method).',
          });
        }
      }
    }
  }
  return issues;
}

/** Traffic-policy settings of a backend service that the serving tier cannot apply to its cluster. */
function unsupportedPolicy(service: GrpcMeshServiceModel, tier: ResolvedTier): readonly ValidationIssue[] {
  if (service.givenTrafficPolicy === undefined) return [];
  const issues = new IssueCollector(tier.name);
  tier.tierStrategy.checkPolicySupport(issues, service.givenTrafficPolicy, `GrpcMeshService "${service.namespace}/${service.name}".trafficPolicy`);
  return issues.problems.map((issue) => ({ ...issue, message: `${issue.message} (the ${tier.kind} tier "${tier.name}" routes calls to it)` }));
}

function dedupe(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.code} ${i.path} ${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What {@link checkMeshParents} found. */
export interface MeshParentFindings {
  /** What fails synthesis. */
  readonly issues: readonly ValidationIssue[];
  /** What deserves attention, formatted like every warning (not those the route silences). */
  readonly warnings: readonly string[];
}

/**
 * Checks the Service parents (GAMMA) of a route that names them by plain reference, against the services of the app,
 * once every construct exists. A GAMMA route does something only where a mesh or a balancer serves its parent;
 * otherwise it is ignored, and clients reach the Service around it.
 *
 * - the headless Service of a `GrpcMeshService`: a GAMMA parent must be ClusterIP (error `HEADLESS_MESH_PARENT`);
 * - a Service no balancer or mesh of grpc-mesh serves (no `GrpcMeshService` of the app, or one with
 *   `DataPlane.none()`), on a reference that names no `mesh`: a warning, `GAMMA_PARENT_NOT_SERVED`, since a mesh
 *   installed outside grpc-mesh may serve it; `mesh: 'istio' | 'linkerd'` on the reference says one does.
 *
 * Parents given as `GrpcMeshService`s, or with `dataPlane` set, are checked when the route is resolved.
 * @param subject how messages name the route, e.g. `GrpcRoute "shop/orders"`
 */
export function checkMeshParents(route: GrpcRouteModel, services: readonly GrpcMeshServiceModel[], subject: string): MeshParentFindings {
  const issues: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  route.parents.forEach((parent, i) => {
    if (parent.kind !== 'Service' || parent.dataPlane !== undefined) return;
    const namespace = parent.namespace ?? route.namespace;
    const path = `parents[${i}]`;
    const value = `${namespace}/${parent.name}`;
    const service = services.find((s) => s.namespace === namespace && s.name === parent.name);
    const headlessOf = services.find((s) => s.namespace === namespace && s.headlessServiceName === parent.name);
    if (headlessOf !== undefined) {
      issues.push({
        code: 'HEADLESS_MESH_PARENT',
        path,
        value,
        message: `is the headless Service of GrpcMeshService "${headlessOf.namespace}/${headlessOf.name}", which cannot be the parent of a mesh (GAMMA) route`,
        hint: 'Attach the route to the GrpcMeshService itself (its ClusterIP Service).',
      });
    } else if (parent.mesh === undefined && (service === undefined || !service.dataPlane.strategy.servesRoutes)) {
      const what = service === undefined ? 'is no GrpcMeshService of this app' : 'is a GrpcMeshService with DataPlane.none()';
      warnings.push({
        code: 'GAMMA_PARENT_NOT_SERVED',
        path,
        value,
        message: `${what}, and the reference names no mesh: unless a mesh serves this Service, the route does nothing and clients reach the Service around it`,
        hint: 'Attach the route to a GrpcMeshService whose data plane serves routes, or, when Istio or Linkerd serves the Service, '
          + "say so with mesh: 'istio' or 'linkerd' on the reference.",
      });
    }
  });
  const shown = warnings.filter((w) => !route.silencedWarnings.includes(w.code));
  return { issues, warnings: shown.map((w) => formatWarning(subject, w)) };
}
