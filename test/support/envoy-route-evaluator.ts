/**
 * A small reference evaluator of Envoy's HTTP route matching, for the fields grpc-mesh emits: which route of a v3
 * `RouteConfiguration` (proto3 JSON form) a request reaches, and what that route does. It follows Envoy's
 * documentation (config.route.v3.VirtualHost `domains`, RouteMatch, HeaderMatcher, StringMatcher):
 *
 * 1. The host is the `:authority` lower-cased; with `ignore_port_in_host_matching` its port is dropped.
 * 2. Virtual host: an exact domain, else the longest matching suffix wildcard (`*.example.com`, `*-bar.example.com`;
 *    the `*` matches at least one character), else the longest matching prefix wildcard (`foo.*`), else `*`.
 *    No match: Envoy answers 404 (`none`).
 * 3. Route: the first route of the virtual host whose path matcher (`path` exact, `prefix`, or `safe_regex`
 *    matching the whole path; case-sensitive) and every header matcher match. A header matcher reads the values of
 *    its header joined with `,` (pseudo-headers `:path` and `:authority` included); a missing header fails it;
 *    `string_match` is `exact`, `prefix` or `safe_regex` (whole value); `invert_match` inverts the result.
 *    No route: 404 (`none`).
 * 4. Action: `route.cluster` or `route.weighted_clusters` (cluster weights summed by name, zero weights dropped),
 *    or `direct_response` with the `grpc-status` of the route's `response_headers_to_add`.
 *
 * RE2 patterns are run as JavaScript regular expressions; the compiler only emits the syntax both share.
 * Anything else in a matcher fails loudly rather than being guessed.
 */

type Json = Record<string, any>;

/** A request as Envoy's router sees it. */
export interface EnvoyRequest {
  /** `:authority`, with or without a port. */
  readonly authority: string;
  /** `:path`. */
  readonly path: string;
  /** Other request headers, names in any case. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

/** Where Envoy's router sends a request. */
export type EnvoyRouteOutcome =
  | { readonly kind: 'clusters'; readonly virtualHost: string; readonly route: string; readonly clusters: Readonly<Record<string, number>> }
  | { readonly kind: 'direct'; readonly virtualHost: string; readonly route: string; readonly status: number; readonly grpcStatus: number | undefined }
  | { readonly kind: 'none'; readonly virtualHost: string | undefined };

/** Evaluates Envoy's route selection for `request` on `routeConfiguration`. */
export function evaluateEnvoyRoute(routeConfiguration: Json, request: EnvoyRequest): EnvoyRouteOutcome {
  const host = hostOf(request.authority, routeConfiguration.ignore_port_in_host_matching === true);
  const vhost = selectVirtualHost(routeConfiguration.virtual_hosts ?? [], host);
  if (vhost === undefined) return { kind: 'none', virtualHost: undefined };
  const headers = headerMap(request);
  const route = (vhost.routes ?? []).find((r: Json) => routeMatches(r.match ?? {}, request.path, headers));
  if (route === undefined) return { kind: 'none', virtualHost: vhost.name };
  if (route.direct_response !== undefined) {
    const grpc = (route.response_headers_to_add ?? []).find((o: Json) => o.header.key.toLowerCase() === 'grpc-status');
    return { kind: 'direct', virtualHost: vhost.name, route: route.name, status: route.direct_response.status, grpcStatus: grpc === undefined ? undefined : Number(grpc.header.value) };
  }
  const action = route.route;
  if (action === undefined) throw new Error(`route ${route.name}: neither route nor direct_response`);
  const clusters: Record<string, number> = {};
  if (action.cluster !== undefined) clusters[action.cluster] = 1;
  for (const c of action.weighted_clusters?.clusters ?? []) {
    if (c.weight > 0) clusters[c.name] = (clusters[c.name] ?? 0) + c.weight;
  }
  return { kind: 'clusters', virtualHost: vhost.name, route: route.name, clusters };
}

function hostOf(authority: string, ignorePort: boolean): string {
  const lower = authority.toLowerCase();
  if (!ignorePort) return lower;
  if (lower.startsWith('[')) {
    const close = lower.indexOf(']');
    return close === -1 ? lower : lower.slice(0, close + 1);
  }
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

function selectVirtualHost(vhosts: readonly Json[], host: string): Json | undefined {
  const all = vhosts.flatMap((v) => (v.domains as string[]).map((d) => ({ d: d.toLowerCase(), v })));
  const exact = all.find(({ d }) => d === host && !d.includes('*'));
  if (exact !== undefined) return exact.v;
  const longest = (candidates: typeof all): Json | undefined => [...candidates].sort((a, b) => b.d.length - a.d.length)[0]?.v;
  const suffix = longest(all.filter(({ d }) => d.length > 1 && d.startsWith('*') && host.length > d.length - 1 && host.endsWith(d.slice(1))));
  if (suffix !== undefined) return suffix;
  const prefix = longest(all.filter(({ d }) => d.length > 1 && d.endsWith('*') && host.length > d.length - 1 && host.startsWith(d.slice(0, -1))));
  if (prefix !== undefined) return prefix;
  return all.find(({ d }) => d === '*')?.v;
}

function headerMap(request: EnvoyRequest): Map<string, string> {
  const map = new Map<string, string[]>([[':path', [request.path]], [':authority', [request.authority]]]);
  for (const [name, value] of Object.entries(request.headers)) {
    const key = name.toLowerCase();
    map.set(key, [...(map.get(key) ?? []), ...(typeof value === 'string' ? [value] : value)]);
  }
  return new Map([...map].map(([k, v]) => [k, v.join(',')]));
}

function routeMatches(match: Json, path: string, headers: Map<string, string>): boolean {
  const known = new Set(['path', 'prefix', 'safe_regex', 'headers']);
  const unknown = Object.keys(match).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`the evaluator does not implement RouteMatch fields ${unknown.join(', ')}`);
  let pathOk: boolean;
  if (match.path !== undefined) pathOk = path === match.path;
  else if (match.prefix !== undefined) pathOk = path.startsWith(match.prefix);
  else if (match.safe_regex !== undefined) pathOk = fullMatch(match.safe_regex.regex, path);
  else throw new Error('RouteMatch without a path specifier');
  return pathOk && (match.headers ?? []).every((h: Json) => headerMatches(h, headers));
}

function headerMatches(matcher: Json, headers: Map<string, string>): boolean {
  const value = headers.get(String(matcher.name).toLowerCase());
  let ok: boolean;
  if (value === undefined) {
    ok = false;
  } else {
    const sm = matcher.string_match;
    if (sm === undefined) throw new Error(`header matcher ${matcher.name}: the evaluator implements string_match only`);
    if (sm.exact !== undefined) ok = value === sm.exact;
    else if (sm.prefix !== undefined) ok = value.startsWith(sm.prefix);
    else if (sm.safe_regex !== undefined) ok = fullMatch(sm.safe_regex.regex, value);
    else throw new Error(`header matcher ${matcher.name}: unsupported string_match ${JSON.stringify(sm)}`);
  }
  return matcher.invert_match === true ? !ok : ok;
}

function fullMatch(regex: string, value: string): boolean {
  return new RegExp(`^(?:${regex})$`).test(value);
}

/** The time limit Envoy puts on one call of a route, and the moment its timer starts. */
export interface EnvoyCallDeadline {
  /** Milliseconds; `undefined` when nothing bounds the call (only the client's own deadline, if any, ends it). */
  readonly limitMs: number | undefined;
  /** `stream-start`: the connection manager's stream timer; `request-end`: the router's timer, once the request is complete. */
  readonly from: 'stream-start' | 'request-end';
}

/**
 * The deadline Envoy gives a gRPC call on `routeAction` (a `RouteAction`, proto3 JSON), as its router and HTTP
 * connection manager decide it, for a connection manager without its own `max_stream_duration` (ours set none):
 *
 * - A route with `max_stream_duration` (any field, even zero) takes the "new timeout" path (envoyproxy/envoy
 *   `source/common/router/config_impl.cc`: `using_new_timeouts_`). The router then ignores `timeout` and
 *   `max_grpc_timeout` (`source/common/router/router.cc` `FilterUtility::finalTimeout`), and the connection
 *   manager's stream timer decides (`source/common/http/conn_manager_impl.cc`
 *   `ActiveStream::refreshDurationTimeout`): without a `grpc-timeout`, or without `grpc_timeout_header_max`,
 *   `max_stream_duration` (0 or unset: none); else the `grpc-timeout` capped at `grpc_timeout_header_max` (0: no cap).
 * - Otherwise the router's timer, started once the request is complete: with `max_grpc_timeout` set, the
 *   `grpc-timeout` (none: 0) capped at it (0: no cap); else `timeout`, 15 s when unset. 0 means none.
 *
 * `grpc_timeout_header_offset` and `grpc_timeout_offset` are not modelled: a route that sets them fails loudly.
 * @param grpcTimeoutMs the call's `grpc-timeout`, if it has one
 */
export function envoyCallDeadline(routeAction: Json, grpcTimeoutMs?: number): EnvoyCallDeadline {
  const none = (ms: number): number | undefined => (ms === 0 ? undefined : ms);
  const msd = routeAction.max_stream_duration;
  if (msd !== undefined) {
    if (msd.grpc_timeout_header_offset !== undefined) throw new Error('the evaluator does not implement grpc_timeout_header_offset');
    const headerMax = optionalMs(msd.grpc_timeout_header_max);
    if (grpcTimeoutMs === undefined || headerMax === undefined) {
      return { limitMs: none(optionalMs(msd.max_stream_duration) ?? 0), from: 'stream-start' };
    }
    return { limitMs: headerMax !== 0 && grpcTimeoutMs > headerMax ? headerMax : grpcTimeoutMs, from: 'stream-start' };
  }
  if (routeAction.grpc_timeout_offset !== undefined) throw new Error('the evaluator does not implement grpc_timeout_offset');
  const maxGrpc = optionalMs(routeAction.max_grpc_timeout);
  if (maxGrpc !== undefined) {
    const requested = grpcTimeoutMs ?? 0;
    return { limitMs: none(maxGrpc !== 0 && (requested === 0 || requested > maxGrpc) ? maxGrpc : requested), from: 'request-end' };
  }
  return { limitMs: none(optionalMs(routeAction.timeout) ?? 15_000), from: 'request-end' };
}

/** A protobuf JSON Duration (`1.5s`) in milliseconds. */
function optionalMs(duration: unknown): number | undefined {
  if (duration === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(String(duration));
  if (match === null) throw new Error(`not a protobuf JSON Duration: ${JSON.stringify(duration)}`);
  return Math.round(Number(match[1]) * 1000);
}
