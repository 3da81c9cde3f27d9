import { distinctByName } from '../../routing/compiled-match';
import type { GRPCBackendRef, GRPCHeaderMatch, GRPCMethodMatch, GRPCRouteFilter, GRPCRouteMatch, HTTPHeaderFilter, HTTPRequestMirrorFilter } from '../../routing/gateway-api';
import { GrpcStatus } from '../../routing/grpc-status';
import { isWildcard } from '../../routing/hostname-match';
import { RouteTable } from '../../routing/route-table';
import { RouteTableError } from '../../routing/route-table-error';
import type { MatchedRule } from '../../routing/routing-decision';
import { effectiveWeight } from '../../routing/weighted-pick';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DNS_REFRESH_MS, DEFAULT_LOAD_BALANCER, DEFAULT_MIRROR_FRACTION_DENOMINATOR } from '../defaults';
import { UNSUPPORTED_BY_DATA_PLANE } from '../dialects/unsupported';
import { GrpcMeshValidationError, type ValidationIssue } from '../errors';
import {
  routeInputOf, type ProxyClusterConfig, type ProxyConfig, type ProxyRouteConfig, type ProxyVirtualHostConfig,
} from '../proxy-config';
import { envoyDuration, envoyUpstreamTls, http2UpstreamProtocolOptions, socketAddress, strictDns } from '../render/envoy-bootstrap';

/** An Envoy v3 message, as the plain object of its proto3 JSON form. */
export type EnvoyMessage = Record<string, unknown>;

/** Options of {@link proxyRoutesToEnvoy}. */
export interface EnvoyRoutesOptions {
  /**
   * Name of the `RouteConfiguration`.
   * @default - the listener's name
   */
  readonly routeConfigurationName?: string;
}

/** What {@link proxyRoutesToEnvoy} produces: the routes of one listener and the clusters they send calls to. */
export interface EnvoyRoutes {
  /** An `envoy.config.route.v3.RouteConfiguration`, for the listener's HTTP connection manager. */
  readonly routeConfiguration: EnvoyMessage;
  /** `envoy.config.cluster.v3.Cluster`s: every cluster the routes and their mirrors name, in the config's order. */
  readonly clusters: readonly EnvoyMessage[];
}

const { UNIMPLEMENTED, UNAVAILABLE } = GrpcStatus;
/** A well-formed gRPC `:path`: two non-empty segments. */
const GRPC_PATH_RE2 = '/[^/]+/[^/]+';
/** Cluster fields this compiler translates; any other set field is reported (never dropped silently). */
const TRANSLATED_CLUSTER_FIELDS = new Set(['name', 'discovery', 'loadBalancer', 'connectTimeoutMs', 'tls']);
/** Envoy's fractional-percent denominators, smallest first. */
const DENOMINATORS: ReadonlyArray<readonly [number, string]> = [[100, 'HUNDRED'], [10_000, 'TEN_THOUSAND'], [1_000_000, 'MILLION']];
/**
 * JavaScript regular-expression syntax RE2 rejects or reads differently (lookaround, backreferences, named groups,
 * `\u`/`\p`/`\c` escapes, `[^]`): the routing engine and Envoy would not agree on such a pattern.
 */
const NOT_RE2 = /\(\?[=!<]|\\[1-9k]|\\[upPc0]|\[\^?\]/;
const SUBJECT = 'proxyRoutesToEnvoy';

/**
 * Compiles the routes of one listener of a grpc-mesh-proxy config into Envoy v3: a `RouteConfiguration` with the
 * same GRPCRoute semantics as the routing engine (docs/design/routing-semantics.md), and the clusters. Pure: no I/O.
 *
 * - Hosts: one Envoy virtual host per hostname (each Gateway listener hostname, and each route hostname narrowed
 *   to its listener), plus `*`. The route configuration sets `ignore_port_in_host_matching`, and every domain also
 *   comes with a trailing dot, as the engine ignores both. Envoy picks the most specific domain (exact, then the
 *   longest `*.suffix`, then `*`), as the Gateway API picks a listener and a route hostname; each virtual host
 *   holds what the engine would try for those hosts, in order: the routes of the listener that serves them, on
 *   this hostname, then on the wildcards covering it (longest first), then on every host, and last a catch-all
 *   answering UNIMPLEMENTED.
 * - Order: routes in GRPCRoute precedence order (the engine's own `RouteTable`), so that Envoy's first match is
 *   the GRPCRoute winner.
 * - Matches: service and method Exact → `path`; one of them, or RegularExpression → `safe_regex` on the path
 *   (Envoy's RE2 matchers match the whole value), segment-aware like the engine (a pattern that could match a `/`
 *   also gets a `:path` matcher requiring two segments); headers → `string_match` `exact` or `safe_regex`, names
 *   lower case.
 * - Backends: `weighted_clusters` with the non-zero weights. A rule without a non-zero weight answers UNAVAILABLE
 *   with a `direct_response` (HTTP 200, `grpc-status: 14`: gRPC reads the status from the headers). An invalid
 *   backend (a cluster named with `INVALID_CLUSTER_PREFIX`, `invalid:...`) keeps its weight and is a cluster without endpoints: Envoy answers
 *   its share "no healthy upstream" (503), which its gRPC local reply turns into `grpc-status: 14`, UNAVAILABLE,
 *   as the Gateway API requires.
 * - Filters: header modifiers → `request_headers_to_add`/`_remove` and `response_headers_to_add`/`_remove` (set
 *   overwrites, add appends), on the weighted cluster for backend filters; RequestMirror → `request_mirror_policies`.
 * - Route `timeout: 0s` (Envoy's 15 s default would end long calls and streams); `max_stream_duration` unset.
 * - Clusters: STRICT_DNS for `dns` discovery (and static host names), STATIC for static IPs, HTTP/2 upstream,
 *   TLS (SNI, ALPN h2, CA and SAN check of `serverName`) when the cluster has `tls`.
 *
 * Known limit: a header repeated in a call is matched by Envoy on its values joined with `,`, by the engine value
 * by value.
 * @param config the proxy config (schema 1 or 2)
 * @param listenerName the listener whose routes to compile
 * @throws GrpcMeshValidationError listing every problem: `UNSUPPORTED_BY_DATA_PLANE` for what Envoy cannot
 *   express exactly (naming the route and field), `LISTENER_NOT_FOUND`, `ROUTE_NOT_FOUND`, `CLUSTER_NOT_FOUND`,
 *   `ROUTE_INVALID` (what the routing engine refuses)
 */
export function proxyRoutesToEnvoy(config: ProxyConfig, listenerName: string, options: EnvoyRoutesOptions = {}): EnvoyRoutes {
  const issues: ValidationIssue[] = [];
  const listener = config.listeners.find((l) => l.name === listenerName);
  if (listener === undefined) {
    throw new GrpcMeshValidationError(SUBJECT, [{
      code: 'LISTENER_NOT_FOUND',
      path: 'listenerName',
      value: listenerName,
      message: 'must name a listener of the config',
      hint: `Listeners: ${config.listeners.map((l) => l.name).join(', ') || 'none'}.`,
    }]);
  }
  const routesByKey = new Map(config.routes.map((r) => [routeKeyOf(r), r]));
  const hosts: readonly ProxyVirtualHostConfig[] = listener.virtualHosts ?? [{ name: listener.name, routes: [...routesByKey.keys()] }];
  const served = hosts.map((host, h) => ({ host, groups: hostnameGroups(host, h, routesByKey, issues) }));
  const clusters = new Map(config.clusters.map((c) => [c.name, c]));
  const used = new Set<string>();
  const translator = new RouteTranslator(issues, (name, path) => {
    if (!clusters.has(name)) issues.push({ code: 'CLUSTER_NOT_FOUND', path, value: name, message: 'must name a cluster of the config' });
    used.add(name);
  });

  const domains = new Set<string>();
  for (const { host, groups } of served) {
    if (host.hostname !== undefined) domains.add(host.hostname);
    for (const group of groups) if (group.hostname !== undefined) domains.add(group.hostname);
  }
  const translated = new Map<MatchedRule, EnvoyMessage>();
  const routesFor = (matches: readonly MatchedRule[]): EnvoyMessage[] => matches.map((m) => {
    let route = translated.get(m);
    if (route === undefined) {
      route = translator.route(m);
      translated.set(m, route);
    }
    return route;
  });
  const virtualHosts = [...domains].sort(compareDomains).map((domain) => {
    const listenerHost = selectFor(served, domain);
    const matches = (listenerHost?.groups ?? []).filter((g) => g.hostname === undefined || covers(g.hostname, domain)).flatMap((g) => g.matches);
    return virtualHost(domain, [domain, `${domain}.`], routesFor(matches));
  });
  // Hosts no domain matches: the listener without hostname serves them, with its routes for every host.
  const anyHost = served.find((s) => s.host.hostname === undefined);
  virtualHosts.push(virtualHost('*', ['*'], routesFor(anyHost?.groups.find((g) => g.hostname === undefined)?.matches ?? [])));

  const envoyClusters = config.clusters.filter((c) => used.has(c.name)).map((c) => envoyCluster(c, issues));
  // A rule served on several hostnames is translated once per hostname: report each problem once.
  const distinct = [...new Map(issues.map((i) => [`${i.code} ${i.path}`, i])).values()];
  if (distinct.length > 0) throw new GrpcMeshValidationError(SUBJECT, distinct);
  return {
    routeConfiguration: {
      name: options.routeConfigurationName ?? listener.name,
      // The engine routes on the host without its port: so does Envoy with this.
      ignore_port_in_host_matching: true,
      virtual_hosts: virtualHosts,
    },
    clusters: envoyClusters,
  };
}

interface HostnameGroup {
  readonly hostname: string | undefined;
  readonly matches: readonly MatchedRule[];
}

interface ServedHost {
  readonly host: ProxyVirtualHostConfig;
  readonly groups: readonly HostnameGroup[];
}

/** The rule matches of one proxy virtual host, by hostname, in the engine's order. */
function hostnameGroups(
  host: ProxyVirtualHostConfig, index: number, routesByKey: ReadonlyMap<string, ProxyRouteConfig>, issues: ValidationIssue[],
): HostnameGroup[] {
  const routes: ProxyRouteConfig[] = [];
  host.routes.forEach((key, i) => {
    const route = routesByKey.get(key);
    if (route === undefined) {
      issues.push({ code: 'ROUTE_NOT_FOUND', path: `virtualHosts[${index}].routes[${i}]`, value: key, message: 'must name a route of the config' });
    } else {
      routes.push(route);
    }
  });
  try {
    return new RouteTable(routes.map(routeInputOf), { listenerHostname: host.hostname }).hostnameGroups();
  } catch (error) {
    if (!(error instanceof RouteTableError)) throw error;
    issues.push({ code: 'ROUTE_INVALID', path: `virtualHosts[${index}]`, value: host.name, message: `has routes the routing engine refuses: ${error.message}` });
    return [];
  }
}

/**
 * The proxy virtual host (Gateway listener) that serves the hosts an Envoy domain stands for: the most specific
 * one whose hostname is the domain or covers it, else the one without hostname. Every listener hostname is a
 * domain, so the hosts Envoy sends to a domain all select this listener.
 */
function selectFor(served: readonly ServedHost[], domain: string): ServedHost | undefined {
  let best: ServedHost | undefined;
  let bestRank = -1;
  for (const s of served) {
    const hostname = s.host.hostname;
    const rank = hostname === undefined ? 0 : !covers(hostname, domain) ? -1 : hostname === domain ? Number.MAX_SAFE_INTEGER : hostname.length;
    if (rank > bestRank) {
      best = s;
      bestRank = rank;
    }
  }
  return best;
}

/** Whether `hostname` is `domain` or a wildcard covering it (every host of `domain` matches `hostname`). */
function covers(hostname: string, domain: string): boolean {
  if (hostname === domain) return true;
  if (!isWildcard(hostname)) return false;
  const suffix = hostname.slice(1);
  const inner = isWildcard(domain) ? domain.slice(1) : domain;
  return inner.length > suffix.length && inner.endsWith(suffix);
}

/** Exact domains alphabetically, then wildcards longest first (the order Envoy tries them, for readers). */
function compareDomains(a: string, b: string): number {
  const wa = isWildcard(a);
  const wb = isWildcard(b);
  if (wa !== wb) return wa ? 1 : -1;
  if (wa && a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function virtualHost(name: string, domains: readonly string[], routes: readonly EnvoyMessage[]): EnvoyMessage {
  return { name, domains, routes: [...routes, grpcStatusRoute('unimplemented', { prefix: '/' }, UNIMPLEMENTED)] };
}

/** A route answering a gRPC status itself: HTTP 200 with `grpc-status` in the headers (a trailers-only response). */
function grpcStatusRoute(name: string, match: EnvoyMessage, status: number): EnvoyMessage {
  return {
    name,
    match,
    direct_response: { status: 200 },
    response_headers_to_add: [
      headerOption('grpc-status', String(status), 'OVERWRITE_IF_EXISTS_OR_ADD'),
      headerOption('content-type', 'application/grpc', 'OVERWRITE_IF_EXISTS_OR_ADD'),
    ],
  };
}

function headerOption(key: string, value: string, action: 'OVERWRITE_IF_EXISTS_OR_ADD' | 'APPEND_IF_EXISTS_OR_ADD'): EnvoyMessage {
  return { header: { key, value }, append_action: action };
}

function routeKeyOf(route: ProxyRouteConfig): string {
  return routeInputOf(route).metadata.namespace + '/' + route.name;
}

/** Translates rule matches into Envoy routes, reporting what Envoy cannot express. */
class RouteTranslator {
  public constructor(
    private readonly issues: ValidationIssue[],
    private readonly useCluster: (name: string, path: string) => void,
  ) {}

  public route(m: MatchedRule): EnvoyMessage {
    const rulePath = `routes["${m.routeKey}"].rules[${m.ruleIndex}]`;
    const match = m.matchIndex < 0 ? undefined : m.rule.matches?.[m.matchIndex];
    const name = `${m.routeKey}/rules/${m.ruleIndex}${m.matchIndex < 0 ? '' : `/matches/${m.matchIndex}`}${m.hostname === undefined ? '' : ` ${m.hostname}`}`;
    const envoyMatch = this.match(match, `${rulePath}.matches[${m.matchIndex}]`);
    const backends = (m.rule.backendRefs ?? []).map((ref, i) => ({ ref, path: `${rulePath}.backendRefs[${i}]` })).filter((b) => effectiveWeight(b.ref) > 0);
    const filters = this.filters(m.rule.filters ?? [], `${rulePath}.filters`, true);
    if (backends.length === 0) return grpcStatusRoute(name, envoyMatch, UNAVAILABLE);
    return {
      name,
      match: envoyMatch,
      route: {
        weighted_clusters: { clusters: backends.map((b) => this.weightedCluster(b.ref, b.path, filters.headers)) },
        // 0s switches off Envoy's 15 s default route timeout, which would end every longer call and stream.
        timeout: '0s',
        ...(filters.mirrors.length > 0 && { request_mirror_policies: filters.mirrors }),
      },
      ...filters.headers.fields,
    };
  }

  private match(match: GRPCRouteMatch | undefined, path: string): EnvoyMessage {
    const headers = distinctByName(match?.headers ?? []).map((h, i) => this.headerMatcher(h, `${path}.headers[${i}]`));
    const method = match?.method === undefined ? undefined : this.pathMatch(match.method, `${path}.method`);
    return {
      ...(method?.match ?? { prefix: '/' }),
      ...((headers.length > 0 || method?.wellFormed === true) && {
        headers: [...(method?.wellFormed === true ? [{ name: ':path', string_match: { safe_regex: { regex: GRPC_PATH_RE2 } } }] : []), ...headers],
      }),
    };
  }

  /** The path matcher of a method match; `wellFormed` when the path must also be checked for two segments. */
  private pathMatch(method: GRPCMethodMatch, path: string): { match: EnvoyMessage; wellFormed: boolean } | undefined {
    const service = method.service || undefined;
    const name = method.method || undefined;
    if (service === undefined && name === undefined) return undefined;
    if ((method.type ?? 'Exact') === 'Exact') {
      if (service !== undefined && name !== undefined) return { match: { path: `/${service}/${name}` }, wellFormed: false };
      // Segment-aware, as the engine: `/svc/` alone or `/svc/a/b` are not calls of `svc`.
      const regex = `/${service === undefined ? '[^/]+' : re2Quote(service)}/${name === undefined ? '[^/]+' : re2Quote(name)}`;
      return { match: { safe_regex: { regex } }, wellFormed: false };
    }
    this.checkRe2(service, `${path}.service`);
    this.checkRe2(name, `${path}.method`);
    const regex = `/${service === undefined ? '[^/]+' : `(?:${service})`}/${name === undefined ? '[^/]+' : `(?:${name})`}`;
    return { match: { safe_regex: { regex } }, wellFormed: true };
  }

  private headerMatcher(header: GRPCHeaderMatch, path: string): EnvoyMessage {
    const name = header.name.toLowerCase();
    if (header.type === 'RegularExpression') {
      this.checkRe2(header.value, `${path}.value`);
      return { name, string_match: { safe_regex: { regex: header.value } } };
    }
    return { name, string_match: { exact: header.value } };
  }

  private checkRe2(pattern: string | undefined, path: string): void {
    if (pattern === undefined || !NOT_RE2.test(pattern)) return;
    this.unsupported(path, pattern, 'uses regular-expression syntax that Envoy\'s RE2 does not read like the routing engine '
      + '(lookaround, backreferences, named groups, \\u, \\p or \\c escapes, [^])', 'Write the pattern in the syntax RE2 and JavaScript share.');
  }

  private weightedCluster(ref: GRPCBackendRef, path: string, ruleHeaders: HeaderMutations): EnvoyMessage {
    this.useCluster(ref.name, `${path}.name`);
    const filters = this.filters(ref.filters ?? [], `${path}.filters`, false);
    const shared = [...filters.headers.names].filter((n) => ruleHeaders.names.has(n));
    if (shared.length > 0) {
      this.unsupported(`${path}.filters`, shared, 'modify headers the rule\'s filters also modify; Envoy applies backend and route header '
        + 'mutations in an order that can differ from the routing engine\'s', 'Modify each header in one place.');
    }
    return { name: ref.name, weight: effectiveWeight(ref), ...filters.headers.fields };
  }

  private filters(filters: readonly GRPCRouteFilter[], path: string, mirrorsAllowed: boolean): { headers: HeaderMutations; mirrors: EnvoyMessage[] } {
    const headers = new HeaderMutations();
    const mirrors: EnvoyMessage[] = [];
    filters.forEach((filter, i) => {
      const at = `${path}[${i}]`;
      if (filter.type === 'RequestHeaderModifier' && filter.requestHeaderModifier !== undefined) {
        this.headerFilter(filter.requestHeaderModifier, `${at}.requestHeaderModifier`, headers, 'request');
      } else if (filter.type === 'ResponseHeaderModifier' && filter.responseHeaderModifier !== undefined) {
        this.headerFilter(filter.responseHeaderModifier, `${at}.responseHeaderModifier`, headers, 'response');
      } else if (filter.type === 'RequestMirror' && filter.requestMirror !== undefined && mirrorsAllowed) {
        const mirror = this.mirror(filter.requestMirror, `${at}.requestMirror`);
        if (mirror !== undefined) mirrors.push(mirror);
      } else {
        this.unsupported(at, filter.type, filter.type === 'RequestMirror'
          ? 'is a RequestMirror filter on a backend; Envoy mirrors per route, not per weighted cluster'
          : `is a ${filter.type} filter, which Envoy routes cannot express`, 'Move the filter to the rule, or remove it.');
      }
    });
    return { headers, mirrors };
  }

  private headerFilter(filter: HTTPHeaderFilter, path: string, into: HeaderMutations, direction: 'request' | 'response'): void {
    const lower = (names: readonly string[]): string[] => names.map((n) => n.toLowerCase());
    const written = lower([...(filter.set ?? []), ...(filter.add ?? [])].map((h) => h.name));
    const removed = lower(filter.remove ?? []);
    const both = written.filter((n) => removed.includes(n));
    if (both.length > 0) {
      this.unsupported(`${path}.remove`, both, 'removes headers the filter also sets or adds; Envoy removes before it adds, the Gateway API the other way round',
        'Either set or remove each header.');
    }
    const reserved = [...written, ...removed].filter((n) => n.startsWith(':') || n === 'host');
    if (reserved.length > 0) this.unsupported(path, reserved, 'modifies pseudo-headers or host, which Envoy header mutations cannot', 'Remove them from the filter.');
    into.add(direction, filter);
  }

  private mirror(mirror: HTTPRequestMirrorFilter, path: string): EnvoyMessage | undefined {
    this.useCluster(mirror.backendRef.name, `${path}.backendRef.name`);
    const percent = mirror.percent === undefined ? undefined : { numerator: mirror.percent, denominator: DEFAULT_MIRROR_FRACTION_DENOMINATOR };
    const fraction = mirror.fraction ?? percent;
    if (fraction === undefined) return { cluster: mirror.backendRef.name };
    const denominator = fraction.denominator ?? DEFAULT_MIRROR_FRACTION_DENOMINATOR;
    const exact = DENOMINATORS.find(([d]) => (fraction.numerator * d) % denominator === 0);
    if (exact === undefined) {
      this.unsupported(`${path}.fraction`, fraction, 'is a fraction Envoy cannot express exactly (its denominators are 100, 10,000 and 1,000,000)',
        'Use a fraction whose denominator divides 1,000,000.');
      return undefined;
    }
    return {
      cluster: mirror.backendRef.name,
      runtime_fraction: { default_value: { numerator: (fraction.numerator * exact[0]) / denominator, denominator: exact[1] } },
    };
  }

  private unsupported(path: string, value: unknown, message: string, hint: string): void {
    this.issues.push({ code: UNSUPPORTED_BY_DATA_PLANE, path, value, message, hint });
  }
}

/** The header mutations of a route or weighted cluster, as Envoy fields, and the names they touch. */
class HeaderMutations {
  public readonly names = new Set<string>();
  private readonly requestAdd: EnvoyMessage[] = [];
  private readonly requestRemove: string[] = [];
  private readonly responseAdd: EnvoyMessage[] = [];
  private readonly responseRemove: string[] = [];

  public add(direction: 'request' | 'response', filter: HTTPHeaderFilter): void {
    const add = direction === 'request' ? this.requestAdd : this.responseAdd;
    const remove = direction === 'request' ? this.requestRemove : this.responseRemove;
    for (const h of filter.set ?? []) add.push(headerOption(this.named(direction, h.name), h.value, 'OVERWRITE_IF_EXISTS_OR_ADD'));
    for (const h of filter.add ?? []) add.push(headerOption(this.named(direction, h.name), h.value, 'APPEND_IF_EXISTS_OR_ADD'));
    for (const n of filter.remove ?? []) remove.push(this.named(direction, n));
  }

  public get fields(): EnvoyMessage {
    return {
      ...(this.requestAdd.length > 0 && { request_headers_to_add: this.requestAdd }),
      ...(this.requestRemove.length > 0 && { request_headers_to_remove: this.requestRemove }),
      ...(this.responseAdd.length > 0 && { response_headers_to_add: this.responseAdd }),
      ...(this.responseRemove.length > 0 && { response_headers_to_remove: this.responseRemove }),
    };
  }

  private named(direction: string, name: string): string {
    const lower = name.toLowerCase();
    this.names.add(`${direction} ${lower}`);
    return lower;
  }
}

/** Quotes a literal for RE2. */
function re2Quote(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The Envoy cluster of a proxy cluster. */
function envoyCluster(cluster: ProxyClusterConfig, issues: ValidationIssue[]): EnvoyMessage {
  const path = `clusters["${cluster.name}"]`;
  for (const [field, value] of Object.entries(cluster)) {
    if (value === undefined || TRANSLATED_CLUSTER_FIELDS.has(field)) continue;
    issues.push({
      code: UNSUPPORTED_BY_DATA_PLANE,
      path: `${path}.${field}`,
      value,
      message: 'is not translated to Envoy by proxyRoutesToEnvoy',
      hint: 'Leave it out of the clusters compiled for Envoy.',
    });
  }
  const discovery = cluster.discovery;
  const endpoints = discovery.type === 'dns'
    ? [{ address: discovery.hostname, port: discovery.port }]
    : discovery.endpoints;
  const dns = discovery.type === 'dns' || endpoints.some((e) => !isIpAddress(e.address));
  const refreshMs = discovery.type === 'dns' ? discovery.refreshIntervalMs ?? DEFAULT_DNS_REFRESH_MS : DEFAULT_DNS_REFRESH_MS;
  return {
    name: cluster.name,
    ...(dns ? strictDns(refreshMs) : { type: 'STATIC' }),
    connect_timeout: envoyDuration(cluster.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    lb_policy: cluster.loadBalancer ?? DEFAULT_LOAD_BALANCER,
    ...(dns && { ignore_health_on_host_removal: true }),
    load_assignment: {
      cluster_name: cluster.name,
      // An invalid backend's cluster has no endpoint: Envoy answers its calls UNAVAILABLE.
      endpoints: endpoints.length === 0 ? [] : [{
        lb_endpoints: endpoints.map((e) => ({ endpoint: { address: socketAddress(e.address, e.port) } })),
      }],
    },
    typed_extension_protocol_options: http2UpstreamProtocolOptions(),
    ...(cluster.tls !== undefined && { transport_socket: upstreamTls(cluster, path, issues) }),
  };
}

function upstreamTls(cluster: ProxyClusterConfig, path: string, issues: ValidationIssue[]): EnvoyMessage {
  const tls = cluster.tls!;
  if (tls.serverName === undefined) {
    issues.push({
      code: UNSUPPORTED_BY_DATA_PLANE,
      path: `${path}.tls.serverName`,
      value: undefined,
      message: 'is needed by Envoy, which cannot verify each endpoint against its own address',
      hint: 'Set the name the endpoints\' certificates carry.',
    });
  }
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    issues.push({ code: 'TLS_CLIENT_CERTIFICATE', path: `${path}.tls`, value: Object.keys(tls), message: 'must set both certFile and keyFile, or neither' });
  }
  return envoyUpstreamTls(tls);
}

/** Whether an endpoint address is an IP address (a STATIC cluster takes only those). */
function isIpAddress(address: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(address) || address.includes(':');
}
