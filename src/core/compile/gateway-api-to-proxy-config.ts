import { BackendClusters, type BackendServiceRef } from './backend-clusters';
import { compareAge, compareText, GatewayApiObjects, keyOf, type GatewayListener, type GatewayObject, type ObjectKey, type RouteObject } from './gateway-api-objects';
import { allowsKind, allowsNamespace } from './listener-attachment';
import type { AcceptedReason, CompileWarning, ParentStatus, ResolvedRefsReason, RouteAcceptance } from './route-acceptance';
import {
  GATEWAY_API_GROUP, type BackendObjectReference, type GRPCRouteFilter, type GRPCRouteRule, type ParentReference,
} from '../../routing/gateway-api';
import { listenerScopedHostnames } from '../../routing/hostname-intersection';
import { RouteTable } from '../../routing/route-table';
import { RouteTableError } from '../../routing/route-table-error';
import * as d from '../defaults';
import { absoluteDnsName } from '../dns-name';
import { GrpcMeshValidationError, type ValidationIssue } from '../errors';
import {
  PROXY_CONFIG_VERSION,
  type ProxyAdminConfig, ProxyConfig, ProxyDiscoveryConfig, ProxyListenerConfig, ProxyRouteConfig, ProxyTlsConfig, ProxyVirtualHostConfig,
} from '../proxy-config';
import { grantAllows } from '../reference-grants';

export type { BackendServiceRef } from './backend-clusters';
export type { ObjectKey } from './gateway-api-objects';

/** Options of {@link gatewayApiToProxyConfig}: which parent to compile, and how backends and files are found. */
export interface GatewayApiCompileOptions {
  /**
   * The Gateway to compile (north-south): its listeners become the proxy's listeners, with the routes attached to
   * each. Exactly one of `gateway` and `mesh`.
   * @default - none
   */
  readonly gateway?: ObjectKey;
  /**
   * The Services whose east-west traffic to compile (GAMMA): the routes whose parentRef is one of them. A Service
   * without routes gets a default route to itself, as in a mesh. Exactly one of `gateway` and `mesh`.
   * @default - none
   */
  readonly mesh?: readonly ObjectKey[];
  /**
   * Where a backend Service port's endpoints come from; undefined for the default.
   * @default - DNS: on the Service when it is headless, on its `<name>-headless` twin when there is one (what
   * `GrpcMeshService` emits), else on the ClusterIP Service itself with a warning (kube-proxy then pins calls to
   * pods per connection)
   */
  readonly backendDiscovery?: (ref: BackendServiceRef) => ProxyDiscoveryConfig | undefined;
  /**
   * The cluster's DNS domain, for the default discovery.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * The port the proxy binds for a Gateway listener port (tests bind free ports).
   * @default - the listener's port
   */
  readonly listenerPort?: (gatewayPort: number) => number;
  /**
   * The port the proxy listens on in a mesh compile.
   * @default 8080
   */
  readonly meshPort?: number;
  /**
   * Address the proxy's listeners bind.
   * @default '0.0.0.0'
   */
  readonly address?: string;
  /**
   * The proxy's admin listener.
   * @default - 0.0.0.0:9901
   */
  readonly admin?: ProxyAdminConfig;
  /**
   * Where a listener's certificate Secret (`tls.crt`, `tls.key`) is mounted in the proxy's pod.
   * @default - `/etc/grpc-mesh-proxy/secrets/<namespace>/<name>/tls.crt` and `tls.key`
   */
  readonly secretFiles?: (ref: ObjectKey) => CertificateFiles;
  /**
   * Where a CA bundle (key `key` of a ConfigMap named by a BackendTLSPolicy) is mounted in the proxy's pod.
   * @default - `/etc/grpc-mesh-proxy/ca/<namespace>/<name>/<key>`
   */
  readonly caBundleFile?: (ref: ObjectKey, key: string) => string;
  /**
   * Where the CA bundle of a Gateway's client-certificate validation (key `ca.crt` of a ConfigMap named by
   * `spec.tls.frontend`) is mounted in the proxy's pod.
   * @default - where `caBundleFile` puts it
   */
  readonly clientCaBundleFile?: (ref: ObjectKey, key: string) => string;
}

/** Where a listener certificate Secret's files are in the proxy's pod. */
export interface CertificateFiles {
  /** PEM certificate chain (`tls.crt`). */
  readonly certFile: string;
  /** PEM private key (`tls.key`). */
  readonly keyFile: string;
}

/** What {@link gatewayApiToProxyConfig} produces. */
export interface GatewayApiCompileResult {
  /** The proxy config (schema version 2) serving the parent's routes. */
  readonly config: ProxyConfig;
  /** What could not be honoured exactly, or deserves attention. */
  readonly warnings: readonly CompileWarning[];
  /** Each route that names the parent: attached or not, and why, as a controller would write its status. */
  readonly routes: readonly RouteAcceptance[];
}

const FILES_DIR = '/etc/grpc-mesh-proxy';
/** The latest time RFC 3339 writes: given to mesh routes that have no creation time, so the default route is younger. */
const LAST_TIMESTAMP = '9999-12-31T23:59:59Z';
const SUBJECT = 'gatewayApiToProxyConfig';

/**
 * Compiles Gateway API objects (plain Kubernetes objects, as parsed from YAML or rendered by the constructs) into a
 * grpc-mesh-proxy config with the Gateway API's semantics: listener attachment (sectionName, port, allowedRoutes
 * namespaces and kinds, hostname intersection), route precedence, weights, filters and mirrors (applied by the
 * proxy's routing engine), ReferenceGrants, missing Services (their share gets UNAVAILABLE) and BackendTLSPolicy
 * (TLS to the backend). Pure: no I/O. The one path from Gateway API to the proxy, used by the constructs, the
 * `grpc-mesh compile` and `explain` commands and the tests.
 * @param objects the objects: Gateways, GRPCRoutes, Services, ReferenceGrants, BackendTLSPolicies, ConfigMaps
 *   (CA bundles) and Namespaces (for `allowedRoutes` selectors); other kinds are ignored
 * @throws GrpcMeshValidationError naming the object and field, for malformed objects, a parent that is not among
 *   them, or options that name no parent or both kinds
 */
export function gatewayApiToProxyConfig(objects: readonly unknown[], options: GatewayApiCompileOptions): GatewayApiCompileResult {
  const index = new GatewayApiObjects(objects);
  const issues: ValidationIssue[] = [...index.issues];
  if ((options.gateway === undefined) === (options.mesh === undefined)) {
    issues.push({ code: 'PARENT_REQUIRED', path: 'options', value: Object.keys(options), message: 'must name exactly one of gateway and mesh' });
  }
  const gateway = options.gateway === undefined ? undefined : index.gateways.get(keyOf(options.gateway));
  if (options.gateway !== undefined && gateway === undefined) {
    issues.push({
      code: 'GATEWAY_NOT_FOUND',
      path: 'options.gateway',
      value: keyOf(options.gateway),
      message: 'must name a Gateway among the objects',
      hint: `Gateways found: ${[...index.gateways.keys()].join(', ') || 'none'}.`,
    });
  }
  for (const service of options.mesh ?? []) {
    if (!index.services.has(keyOf(service))) {
      issues.push({ code: 'SERVICE_NOT_FOUND', path: 'options.mesh', value: keyOf(service), message: 'must name Services among the objects' });
    }
  }
  if (issues.length > 0) throw new GrpcMeshValidationError(SUBJECT, issues);

  const warnings: CompileWarning[] = [];
  const domain = options.clusterDomain ?? d.DEFAULT_CLUSTER_DOMAIN;
  const backends = new BackendClusters(index, {
    backendDiscovery: (ref) => options.backendDiscovery?.(ref) ?? defaultDiscovery(index, ref, domain, warnings),
    caBundleFile: options.caBundleFile ?? defaultCaBundleFile,
  }, warnings);
  warnUnknownGateways(index, warnings);
  const compiled = gateway !== undefined
    ? compileGateway(index, gateway, options, backends, warnings)
    : compileMesh(index, options.mesh ?? [], options, backends, warnings);
  return {
    config: {
      version: PROXY_CONFIG_VERSION,
      listeners: compiled.listeners,
      admin: options.admin ?? { address: '0.0.0.0', port: d.PROXY_ADMIN_PORT },
      clusters: backends.all,
      routes: compiled.routes,
    },
    warnings,
    routes: compiled.acceptance,
  };
}

interface Compiled {
  readonly listeners: ProxyListenerConfig[];
  readonly routes: ProxyRouteConfig[];
  readonly acceptance: RouteAcceptance[];
}

function compileGateway(
  index: GatewayApiObjects, gateway: GatewayObject, options: GatewayApiCompileOptions, backends: BackendClusters, warnings: CompileWarning[],
): Compiled {
  const ports = servedPorts(index, gateway, options, warnings);
  const served = [...ports.values()].flatMap((p) => p.listeners);
  if (served.length === 0) {
    throw new GrpcMeshValidationError(SUBJECT, [{
      code: 'NO_LISTENERS',
      path: `Gateway "${keyOf(gateway.key)}".spec.listeners`,
      value: gateway.listeners.map((l) => `${l.name} (${l.protocol} ${l.port})`),
      message: 'must have an HTTP or HTTPS listener the proxy can serve',
      hint: `Left out: ${warnings.filter((w) => w.code.startsWith('LISTENER_')).map((w) => `${w.path} ${w.message}`).join('; ')}.`,
    }]);
  }
  const attached = new Map<GatewayListener, string[]>(served.map((l) => [l, []]));
  const routes: ProxyRouteConfig[] = [];
  const acceptance: RouteAcceptance[] = [];
  for (const route of sortedRoutes(index.routes)) {
    const parents: ParentStatus[] = [];
    const listenersOfRoute = new Set<GatewayListener>();
    for (const parentRef of route.spec.parentRefs ?? []) {
      if (!namesGateway(parentRef, route, gateway)) continue;
      const outcome = attachToGateway(index, route, parentRef, gateway, served);
      for (const listener of outcome.listeners) listenersOfRoute.add(listener);
      parents.push(parentStatus(parentRef, outcome.reason, outcome.message));
    }
    if (parents.length === 0) continue;
    const compiledRoute = listenersOfRoute.size > 0 ? compileRoute(route, backends, warnings) : undefined;
    if (compiledRoute?.route !== undefined) {
      routes.push(compiledRoute.route);
      for (const listener of listenersOfRoute) attached.get(listener)?.push(keyOf(route.key));
    }
    acceptance.push({ route: keyOf(route.key), parents: parents.map((p) => withRefs(p, compiledRoute)) });
  }
  const listeners = [...ports].map(([port, { listeners: onPort, tls }]): ProxyListenerConfig => ({
    name: `${gateway.key.name}-${port}`,
    address: options.address ?? d.DEFAULT_LISTENER_ADDRESS,
    port: options.listenerPort?.(port) ?? port,
    ...(tls !== undefined && { tls }),
    virtualHosts: onPort.map((l) => ({ name: l.name, ...(l.hostname !== undefined && { hostname: l.hostname }), routes: attached.get(l) ?? [] })),
  }));
  return { listeners, routes, acceptance };
}

function compileMesh(
  index: GatewayApiObjects, services: readonly ObjectKey[], options: GatewayApiCompileOptions, backends: BackendClusters, warnings: CompileWarning[],
): Compiled {
  const domain = options.clusterDomain ?? d.DEFAULT_CLUSTER_DOMAIN;
  const routes: ProxyRouteConfig[] = [];
  const acceptance: RouteAcceptance[] = [];
  const routesOf = new Map<string, string[]>(services.map((s) => [keyOf(s), []]));
  for (const route of sortedRoutes(index.routes)) {
    const parents: ParentStatus[] = [];
    const attachedTo: ObjectKey[] = [];
    for (const parentRef of route.spec.parentRefs ?? []) {
      const service = services.find((s) => namesService(parentRef, route, s));
      if (service === undefined) continue;
      const ports = index.services.get(keyOf(service))?.ports ?? [];
      if (parentRef.port !== undefined && !ports.some((p) => p.port === parentRef.port)) {
        parents.push(parentStatus(parentRef, 'NoMatchingParent', `Service "${keyOf(service)}" has no port ${parentRef.port}`));
      } else if (route.key.namespace !== service.namespace) {
        // A consumer route governs only the calls of clients in its own namespace, which a shared balancer cannot tell apart.
        parents.push(parentStatus(parentRef, 'UnsupportedValue', `a route in namespace "${route.key.namespace}" for Service "${keyOf(service)}" `
          + 'is a consumer route (it governs the calls of its own namespace only); the balancer serves every caller, so only routes in '
          + `"${service.namespace}" apply`));
      } else {
        attachedTo.push(service);
        parents.push(parentStatus(parentRef, 'Accepted', `attached to Service "${keyOf(service)}"`));
      }
    }
    if (parents.length === 0) continue;
    if (attachedTo.length > 0 && (route.spec.hostnames ?? []).length > 0) {
      warnings.push({
        code: 'MESH_HOSTNAMES',
        path: `GRPCRoute "${keyOf(route.key)}".spec.hostnames`,
        message: 'are ignored: a route attached to a Service serves the calls to that Service, whatever their host',
      });
    }
    // Without a creation time, a route would tie with the Service's default route and only names would order them.
    const creationTimestamp = route.creationTimestamp ?? LAST_TIMESTAMP;
    const withoutHostnames = { ...route, creationTimestamp, spec: { ...route.spec, hostnames: undefined } };
    const compiledRoute = attachedTo.length > 0 ? compileRoute(withoutHostnames, backends, warnings) : undefined;
    if (compiledRoute?.route !== undefined) {
      routes.push(compiledRoute.route);
      for (const service of attachedTo) routesOf.get(keyOf(service))?.push(keyOf(route.key));
    }
    acceptance.push({ route: keyOf(route.key), parents: parents.map((p) => withRefs(p, compiledRoute)) });
  }
  const meshPort = options.meshPort ?? d.PROXY_LISTENER_PORT;
  for (const service of services) {
    // Calls no route matches go to the Service itself, as in a mesh: a default route younger than every other
    // (it has no creation time), so that it loses every tie with a route that also matches every call.
    const ports = index.services.get(keyOf(service))?.ports ?? [];
    const port = (ports.find((p) => p.port === meshPort) ?? ports[0])?.port;
    const resolved = backends.resolve({ name: service.name, namespace: service.namespace, port }, service.namespace, `options.mesh "${keyOf(service)}"`);
    const name = `${service.name}-default`;
    routes.push({ name, namespace: service.namespace, rules: [{ backendRefs: [{ name: resolved.cluster }] }] });
    routesOf.get(keyOf(service))?.push(`${service.namespace}/${name}`);
  }
  // One Service: every call to the balancer is a call to it. Several: each by the names clients dial it by.
  const virtualHosts: ProxyVirtualHostConfig[] = services.length === 1
    ? [{ name: services[0].name, routes: routesOf.get(keyOf(services[0])) as string[] }]
    : services.flatMap((s) => serviceHostnames(s, domain).map((hostname) => ({ name: `${s.namespace}/${s.name} ${hostname}`, hostname, routes: routesOf.get(keyOf(s)) as string[] })));
  const listener: ProxyListenerConfig = { name: 'mesh', address: options.address ?? d.DEFAULT_LISTENER_ADDRESS, port: meshPort, virtualHosts };
  return { listeners: [listener], routes, acceptance };
}

/** The DNS names a Service is dialled by inside the cluster: `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.domain`. */
function serviceHostnames(service: ObjectKey, domain: string): string[] {
  const { name, namespace } = service;
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.${domain}`];
}

function parentStatus(parentRef: ParentReference, reason: AcceptedReason, message: string): ParentStatus {
  return { parentRef, accepted: reason === 'Accepted', reason, message, ...UNRESOLVED_PLACEHOLDER };
}

/** Routes oldest first, then by `namespace/name`: the order the Gateway API breaks precedence ties in. */
function sortedRoutes(routes: readonly RouteObject[]): RouteObject[] {
  return [...routes].sort((a, b) => compareAge(a, b) || compareText(keyOf(a.key), keyOf(b.key)));
}

function namesGateway(ref: ParentReference, route: RouteObject, gateway: GatewayObject): boolean {
  return (ref.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP && (ref.kind ?? 'Gateway') === 'Gateway'
    && (ref.namespace ?? route.key.namespace) === gateway.key.namespace && ref.name === gateway.key.name;
}

function namesService(ref: ParentReference, route: RouteObject, service: ObjectKey): boolean {
  return (ref.group ?? GATEWAY_API_GROUP) === '' && ref.kind === 'Service'
    && (ref.namespace ?? route.key.namespace) === service.namespace && ref.name === service.name;
}

interface Attachment {
  readonly listeners: readonly GatewayListener[];
  readonly reason: AcceptedReason;
  readonly message: string;
}

/** The listeners of `gateway` a route attaches to through one parentRef, or why none. */
function attachToGateway(
  index: GatewayApiObjects, route: RouteObject, ref: ParentReference, gateway: GatewayObject, served: readonly GatewayListener[],
): Attachment {
  const named = gateway.listeners.filter((l) => (ref.sectionName === undefined || l.name === ref.sectionName)
    && (ref.port === undefined || l.port === ref.port));
  if (named.length === 0) {
    const which = [ref.sectionName !== undefined && `sectionName "${ref.sectionName}"`, ref.port !== undefined && `port ${ref.port}`].filter(Boolean).join(' and ');
    return { listeners: [], reason: 'NoMatchingParent', message: `Gateway "${keyOf(gateway.key)}" has no listener with ${which}` };
  }
  const live = named.filter((l) => served.includes(l));
  if (live.length === 0) {
    return { listeners: [], reason: 'NotAllowedByListeners', message: `${describeListeners(named)} ${named.length === 1 ? 'is' : 'are'} left out (see the warnings)` };
  }
  const kindAllowed = live.filter((l) => allowsKind(l));
  if (kindAllowed.length === 0) {
    return { listeners: [], reason: 'NotAllowedByListeners', message: `${describeListeners(live)} ${live.length === 1 ? 'does' : 'do'} not allow the kind GRPCRoute` };
  }
  const allowed = kindAllowed.filter((l) => allowsNamespace(index, gateway, l, route));
  if (allowed.length === 0) {
    return { listeners: [], reason: 'NotAllowedByListeners', message: `${describeListeners(kindAllowed)} ${kindAllowed.length === 1 ? 'does' : 'do'} not allow routes from namespace "${route.key.namespace}"` };
  }
  const hostMatched = allowed.filter((l) => listenerScopedHostnames(route.spec.hostnames, l.hostname)?.length !== 0);
  if (hostMatched.length === 0) {
    return {
      listeners: [],
      reason: 'NoMatchingListenerHostname',
      message: `no hostname of the route (${(route.spec.hostnames ?? []).join(', ')}) intersects the hostname of ${describeListeners(allowed)}`,
    };
  }
  return { listeners: hostMatched, reason: 'Accepted', message: `attached to ${describeListeners(hostMatched)}` };
}

function describeListeners(listeners: readonly GatewayListener[]): string {
  return listeners.map((l) => `listener "${l.name}"${l.hostname === undefined ? '' : ` (${l.hostname})`}`).join(', ');
}

/** A route ready for the proxy, and how its backends resolved. */
interface CompiledRoute {
  /** The route for the proxy; undefined when the routing engine refuses it (then it is not accepted). */
  readonly route: ProxyRouteConfig | undefined;
  readonly refused?: string;
  readonly unresolved: ReadonlyArray<{ readonly reason: Exclude<ResolvedRefsReason, 'ResolvedRefs'>; readonly message: string }>;
}

/** The fields of a GRPCRoute rule the proxy implements. */
const RULE_FIELDS = new Set(['name', 'matches', 'filters', 'backendRefs']);

/**
 * Checks a route with the routing engine (what the proxy would refuse is left out, with the reason), then rewrites
 * its backendRefs and mirror backends to cluster names. Rule fields the proxy does not implement are reported.
 */
function compileRoute(route: RouteObject, backends: BackendClusters, warnings: CompileWarning[]): CompiledRoute {
  const label = `GRPCRoute "${keyOf(route.key)}"`;
  const unresolved: Array<{ reason: Exclude<ResolvedRefsReason, 'ResolvedRefs'>; message: string }> = [];
  const refused = refusal(route, label);
  if (refused !== undefined) {
    warnings.push({ code: 'ROUTE_INVALID', path: label, message: `${refused}; the route is left out` });
    return { route: undefined, refused, unresolved };
  }
  const backendOf = (ref: BackendObjectReference, path: string): string => {
    const resolved = backends.resolve(ref, route.key.namespace, `${label}.${path}`);
    if (!resolved.ok) unresolved.push({ reason: resolved.reason, message: resolved.message });
    return resolved.cluster;
  };
  const filtersOf = (filters: readonly GRPCRouteFilter[], path: string): GRPCRouteFilter[] => filters.map((filter, i) => {
    const { type, requestHeaderModifier, responseHeaderModifier, requestMirror } = filter;
    if (type === 'RequestMirror' && requestMirror !== undefined) {
      const backendRef = { name: backendOf(requestMirror.backendRef, `${path}[${i}].requestMirror.backendRef`) };
      return { type, requestMirror: { ...requestMirror, backendRef } };
    }
    return type === 'RequestHeaderModifier' ? { type, requestHeaderModifier } : { type, responseHeaderModifier };
  });
  const rules: GRPCRouteRule[] = (route.spec.rules ?? []).map((rule, r) => {
    for (const field of Object.keys(rule)) {
      if (RULE_FIELDS.has(field)) continue;
      warnings.push({
        code: 'UNSUPPORTED_FIELD',
        path: `${label}.spec.rules[${r}].${field}`,
        message: 'is not implemented by grpc-mesh-proxy and is ignored; the rule is served without it',
      });
    }
    return {
      ...(rule.name !== undefined && { name: rule.name }),
      ...(rule.matches !== undefined && { matches: rule.matches }),
      ...(rule.filters !== undefined && { filters: filtersOf(rule.filters, `spec.rules[${r}].filters`) }),
      ...(rule.backendRefs !== undefined && {
        backendRefs: rule.backendRefs.map((ref, b) => ({
          name: backendOf(ref, `spec.rules[${r}].backendRefs[${b}]`),
          ...(ref.weight !== undefined && { weight: ref.weight }),
          ...(ref.filters !== undefined && { filters: filtersOf(ref.filters, `spec.rules[${r}].backendRefs[${b}].filters`) }),
        })),
      }),
    };
  });
  return {
    route: {
      name: route.key.name,
      namespace: route.key.namespace,
      ...(route.creationTimestamp !== undefined && { creationTimestamp: route.creationTimestamp }),
      ...(route.spec.hostnames !== undefined && route.spec.hostnames.length > 0 && { hostnames: route.spec.hostnames }),
      rules,
    },
    unresolved,
  };
}

/** Why the proxy would refuse a route (the routing engine's checks, and filters it does not implement), if it would. */
function refusal(route: RouteObject, label: string): string | undefined {
  const extension = (route.spec.rules ?? []).flatMap((rule, r) => [
    ...(rule.filters ?? []).map((f, i) => ({ f, at: `spec.rules[${r}].filters[${i}]` })),
    ...(rule.backendRefs ?? []).flatMap((b, k) => (b.filters ?? []).map((f, i) => ({ f, at: `spec.rules[${r}].backendRefs[${k}].filters[${i}]` }))),
  ]).find(({ f }) => f.type === 'ExtensionRef');
  if (extension !== undefined) return `${label}.${extension.at} is an ExtensionRef filter, which grpc-mesh-proxy does not implement`;
  try {
    // eslint-disable-next-line no-new -- the routing engine's checks are the proxy's: a route it refuses is not emitted
    new RouteTable([{ metadata: { name: route.key.name, namespace: route.key.namespace }, spec: route.spec }]);
  } catch (error) {
    if (error instanceof RouteTableError) return error.message;
    throw error;
  }
  return undefined;
}

const UNRESOLVED_PLACEHOLDER = { resolvedRefs: true, resolvedRefsReason: 'ResolvedRefs', resolvedRefsMessage: '' } as const;

/** A parent status completed with the route's `ResolvedRefs` outcome (and refusal by the routing engine). */
function withRefs(status: ParentStatus, compiled: CompiledRoute | undefined): ParentStatus {
  if (compiled === undefined) return status;
  if (compiled.refused !== undefined) {
    // A refused route's backends are not looked at: its ResolvedRefs stays the placeholder.
    return status.accepted ? { ...status, accepted: false, reason: 'UnsupportedValue', message: compiled.refused } : status;
  }
  const refused = {};
  const first = compiled.unresolved[0];
  const refs = first === undefined
    ? { resolvedRefs: true, resolvedRefsReason: 'ResolvedRefs' as const, resolvedRefsMessage: 'every backend resolved' }
    : { resolvedRefs: false, resolvedRefsReason: first.reason, resolvedRefsMessage: compiled.unresolved.map((u) => u.message).join('; ') };
  return { ...status, ...refused, ...refs };
}

/** The Gateway listeners on one port that the proxy serves, and the certificate of the port. */
interface ServedPort {
  readonly listeners: readonly GatewayListener[];
  readonly tls: ProxyTlsConfig | undefined;
}

/**
 * The Gateway's listeners the proxy can serve, by port: HTTP and HTTPS listeners (GRPCRoutes attach to no other),
 * except on a port whose listeners mix HTTP and HTTPS, lack a terminating certificate, or refer to a certificate
 * in another namespace without a ReferenceGrant. Each left-out listener is a warning.
 */
function servedPorts(
  index: GatewayApiObjects, gateway: GatewayObject, options: GatewayApiCompileOptions, warnings: CompileWarning[],
): Map<number, ServedPort> {
  const label = `Gateway "${keyOf(gateway.key)}"`;
  const byPort = new Map<number, GatewayListener[]>();
  gateway.listeners.forEach((listener, i) => {
    if (listener.protocol === 'HTTP' || listener.protocol === 'HTTPS') {
      byPort.set(listener.port, [...(byPort.get(listener.port) ?? []), listener]);
      return;
    }
    warnings.push({
      code: 'LISTENER_PROTOCOL',
      path: `${label}.spec.listeners[${i}].protocol`,
      message: `is ${JSON.stringify(listener.protocol)}; GRPCRoutes attach to HTTP and HTTPS listeners only, so listener "${listener.name}" is left out`,
    });
  });
  const served = new Map<number, ServedPort>();
  for (const [port, onPort] of byPort) {
    const tls = portTls(index, gateway, port, onPort, options);
    if (tls !== null && 'code' in tls) {
      warnings.push({ ...tls, path: `${label}.spec.listeners` });
      continue;
    }
    const clientCa = tls === null ? undefined : portClientCa(index, gateway, port, onPort, options, warnings);
    if (clientCa !== undefined && typeof clientCa !== 'string') {
      warnings.push({ ...clientCa, path: `${label}.spec.tls.frontend` });
      continue;
    }
    served.set(port, { listeners: onPort, tls: tls === null ? undefined : { ...tls, ...(clientCa !== undefined && { clientCaFile: clientCa }) } });
  }
  return served;
}

/**
 * The certificate of the listeners sharing a port: null for HTTP, the files of the Secret for HTTPS, or why they
 * cannot be served.
 */
function portTls(
  index: GatewayApiObjects, gateway: GatewayObject, port: number, onPort: readonly GatewayListener[], options: GatewayApiCompileOptions,
): ProxyTlsConfig | null | Pick<CompileWarning, 'code' | 'message'> {
  const names = onPort.map((l) => `"${l.name}"`).join(', ');
  const https = onPort.filter((l) => l.protocol === 'HTTPS');
  if (https.length === 0) return null;
  if (https.length !== onPort.length) return { code: 'LISTENER_PROTOCOL_CONFLICT', message: `mix HTTP and HTTPS on port ${port}; listeners ${names} are left out` };
  const refs = https.map((l) => l.tls?.certificateRefs?.[0]);
  const first = refs[0];
  if (first === undefined || refs.includes(undefined) || https.some((l) => (l.tls?.mode ?? 'Terminate') !== 'Terminate')) {
    return { code: 'LISTENER_TLS', message: `on port ${port} need tls.mode Terminate and a certificateRef; listeners ${names} are left out` };
  }
  if ((first.group ?? '') !== '' || (first.kind ?? 'Secret') !== 'Secret') {
    return { code: 'LISTENER_TLS', message: `on port ${port} refer to a ${first.kind ?? 'Secret'} of group "${first.group ?? ''}"; only core Secrets hold certificates; listeners ${names} are left out` };
  }
  const secret = { namespace: first.namespace ?? gateway.key.namespace, name: first.name };
  if (refs.some((r) => r?.name !== secret.name || (r.namespace ?? gateway.key.namespace) !== secret.namespace)) {
    return { code: 'LISTENER_CERTIFICATES', message: `on port ${port} use different certificates, and the proxy serves one certificate per port; listeners ${names} are left out` };
  }
  const refused = refusedReference(index, gateway, 'Secret', secret);
  if (refused !== undefined) return { code: 'LISTENER_CERTIFICATE_NOT_PERMITTED', message: `on port ${port} refer to ${refused}; listeners ${names} are left out` };
  return options.secretFiles?.(secret) ?? {
    certFile: `${FILES_DIR}/secrets/${secret.namespace}/${secret.name}/tls.crt`,
    keyFile: `${FILES_DIR}/secrets/${secret.namespace}/${secret.name}/tls.key`,
  };
}

/**
 * The CA bundle file that verifies client certificates on an HTTPS port (GEP-91 frontend validation: the port's
 * `perPort` entry, else the `default`), undefined when the port asks for none, or why its listeners cannot be served:
 * a reference that is not a core ConfigMap, one in another namespace no ReferenceGrant opens, or a ConfigMap among
 * the objects without `ca.crt` (the specification's `InvalidCACertificateRef` and `RefNotPermitted`; with its only
 * reference invalid, a listener is not accepted). A ConfigMap that is not among the objects is used as named: the
 * pod that mounts it does not start without it. The proxy always requires a valid certificate, so
 * `AllowInsecureFallback` is served as `AllowValidOnly`, with a warning; of several references, the first is used.
 */
function portClientCa(
  index: GatewayApiObjects, gateway: GatewayObject, port: number, onPort: readonly GatewayListener[], options: GatewayApiCompileOptions,
  warnings: CompileWarning[],
): string | undefined | Pick<CompileWarning, 'code' | 'message'> {
  const perPort = gateway.frontend?.perPort?.findIndex((p) => p.port === port) ?? -1;
  const validation = perPort >= 0 ? gateway.frontend?.perPort?.[perPort].tls.validation : gateway.frontend?.default?.validation;
  if (validation === undefined) return undefined;
  const label = `Gateway "${keyOf(gateway.key)}"`;
  const at = perPort >= 0 ? `${label}.spec.tls.frontend.perPort[${perPort}].tls.validation` : `${label}.spec.tls.frontend.default.validation`;
  const names = onPort.map((l) => `"${l.name}"`).join(', ');
  if (validation.mode === 'AllowInsecureFallback') {
    warnings.push({
      code: 'FRONTEND_VALIDATION_MODE',
      path: `${at}.mode`,
      message: `is AllowInsecureFallback; the proxy requires a valid client certificate on port ${port} anyway (AllowValidOnly)`,
    });
  }
  if (validation.caCertificateRefs.length > 1) {
    warnings.push({ code: 'FRONTEND_ONE_CA', path: `${at}.caCertificateRefs`, message: `lists several CA bundles; the proxy trusts the first one only on port ${port}` });
  }
  const ref = validation.caCertificateRefs[0];
  const configMap = { namespace: ref.namespace ?? gateway.key.namespace, name: ref.name };
  if ((ref.group ?? '') !== '' || ref.kind !== 'ConfigMap') {
    return { code: 'LISTENER_CLIENT_CA', message: `of port ${port} refers to a ${ref.kind} of group "${ref.group ?? ''}", and only core ConfigMaps hold CA bundles; listeners ${names} are left out` };
  }
  const refused = refusedReference(index, gateway, 'ConfigMap', configMap);
  if (refused !== undefined) return { code: 'LISTENER_CLIENT_CA', message: `of port ${port} refers to ${refused}; listeners ${names} are left out` };
  const data = index.configMaps.get(keyOf(configMap));
  if (data !== undefined && data[d.CA_BUNDLE_KEY] === undefined) {
    return { code: 'LISTENER_CLIENT_CA', message: `of port ${port} refers to ConfigMap "${keyOf(configMap)}", which has no "${d.CA_BUNDLE_KEY}" key; listeners ${names} are left out` };
  }
  return (options.clientCaBundleFile ?? options.caBundleFile ?? defaultCaBundleFile)(configMap, d.CA_BUNDLE_KEY);
}

/** Why a Gateway may not refer to an object in another namespace (no ReferenceGrant there allows it), or undefined. */
function refusedReference(index: GatewayApiObjects, gateway: GatewayObject, toKind: 'Secret' | 'ConfigMap', target: ObjectKey): string | undefined {
  const from = gateway.key.namespace;
  const reference = { fromKind: 'Gateway', fromNamespace: from, toKind, toNamespace: target.namespace, toName: target.name } as const;
  if (target.namespace === from || index.grants.some((g) => grantAllows(g, reference))) return undefined;
  return `${toKind} "${keyOf(target)}" in another namespace, and no ReferenceGrant in "${target.namespace}" allows Gateways from "${from}"`;
}

/** Where a CA bundle is when the options do not say: `/etc/grpc-mesh-proxy/ca/<namespace>/<name>/<key>`. */
function defaultCaBundleFile(ref: ObjectKey, key: string): string {
  return `${FILES_DIR}/ca/${ref.namespace}/${ref.name}/${key}`;
}

/** Routes whose parentRefs name Gateways that are not among the objects: said, since nothing else would. */
function warnUnknownGateways(index: GatewayApiObjects, warnings: CompileWarning[]): void {
  for (const route of index.routes) {
    (route.spec.parentRefs ?? []).forEach((ref, i) => {
      if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') return;
      const key = `${ref.namespace ?? route.key.namespace}/${ref.name}`;
      if (index.gateways.has(key)) return;
      warnings.push({
        code: 'PARENT_NOT_FOUND',
        path: `GRPCRoute "${keyOf(route.key)}".spec.parentRefs[${i}]`,
        message: `names Gateway "${key}", which is not among the objects`,
      });
    });
  }
}

/** The default discovery of a backend: DNS on its headless Service (or twin), else on the ClusterIP with a warning. */
function defaultDiscovery(index: GatewayApiObjects, ref: BackendServiceRef, domain: string, warnings: CompileWarning[]): ProxyDiscoveryConfig {
  const service = index.services.get(`${ref.namespace}/${ref.name}`);
  const twin = index.services.get(`${ref.namespace}/${ref.name}-headless`);
  const fqdn = (name: string): string => absoluteDnsName(`${name}.${ref.namespace}.svc.${domain}`);
  const targetPort = service?.ports.find((p) => p.port === ref.port)?.targetPort;
  const podPort = typeof targetPort === 'number' ? targetPort : ref.port;
  if (service?.headless === true) return { type: 'dns', hostname: fqdn(ref.name), port: podPort };
  if (twin?.headless === true) return { type: 'dns', hostname: fqdn(`${ref.name}-headless`), port: podPort };
  if (warnings.some((w) => w.code === 'CLUSTER_IP_BACKEND' && w.path === `Service "${ref.namespace}/${ref.name}"`)) return { type: 'dns', hostname: fqdn(ref.name), port: ref.port };
  warnings.push({
    code: 'CLUSTER_IP_BACKEND',
    path: `Service "${ref.namespace}/${ref.name}"`,
    message: `is a ClusterIP Service with no headless twin "${ref.name}-headless": the proxy resolves its one virtual IP, and kube-proxy then `
      + 'pins calls to a pod per connection; give it a headless Service (GrpcMeshService does) or set backendDiscovery',
  });
  return { type: 'dns', hostname: fqdn(ref.name), port: ref.port };
}
