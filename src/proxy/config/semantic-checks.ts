import { upstreamTlsProblems } from './upstream-tls-checks';
import { versionFieldProblems } from './version-checks';
import { routeKey, virtualHostProblems } from './virtual-host-checks';
import { routeInputOf, type ProxyConfig, type ProxyRouteConfig } from '../../core/proxy-config';
import type { ValidationIssue } from '../../problems';
import { HEADER_NAME_PATTERN, RouteTable, RouteTableError, type GRPCRouteFilter, type RouteInput } from '../../routing';

/** Matches across the rules of one route at most (the GRPCRoute CRD's limit). */
const MAX_MATCHES_PER_ROUTE = 128;

/** Options of {@link checkConfigSemantics}. */
export interface SemanticCheckOptions {
  /**
   * Whether the config may be malformed (its schema failed): a check that trips over a malformed part is
   * skipped, so the rest still report alongside the schema's problems.
   * @default false
   */
  readonly tolerant?: boolean;
}

/**
 * The rules of a proxy config that span fields: no field of a later schema version than the file's; unique
 * listener, cluster and route names; no two listeners (or the admin or probe port) on one address and port; virtual hosts
 * with unique names and hostnames, naming known routes; every backendRef and mirror naming a known cluster;
 * supported filters with their settings; routes the routing engine accepts (valid service/method names, regular
 * expressions, hostnames); a client certificate with its key; retry backoff and health check timings that make sense.
 * @returns every problem found, none when the config is usable
 */
export function checkConfigSemantics(config: ProxyConfig, options: SemanticCheckOptions = {}): ValidationIssue[] {
  const problems: ValidationIssue[] = [];
  const checks: Array<() => void> = [
    () => problems.push(...versionFieldProblems(config)),
    () => checkUnique(problems, 'listeners', config.listeners.map((l) => l.name)),
    () => checkUnique(problems, 'clusters', config.clusters.map((c) => c.name)),
    () => checkUnique(problems, 'routes', config.routes.map(routeKey), 'namespace/name'),
    () => checkBindings(problems, config),
    () => problems.push(...virtualHostProblems(config)),
    () => problems.push(...upstreamTlsProblems(config)),
    () => checkTimings(problems, config),
    () => {
      const clusters = new Set(config.clusters.map((c) => c.name));
      config.routes.forEach((route, r) => checkRouteRefs(problems, route, `routes[${r}]`, clusters));
    },
    () => problems.push(...routeEngineProblems(config.routes)),
  ];
  for (const check of checks) {
    if (!options.tolerant) {
      check();
      continue;
    }
    const before = problems.length;
    try {
      check();
    } catch {
      problems.length = before; // it tripped over a part the schema reported
    }
  }
  return problems;
}

function checkTimings(problems: ValidationIssue[], config: ProxyConfig): void {
  config.clusters.forEach((cluster, i) => {
    const retry = cluster.retry;
    if (retry && retry.backoffMaxMs < retry.backoffBaseMs) {
      problems.push({ code: 'BACKOFF_INVERTED', path: `clusters[${i}].retry.backoffMaxMs`, message: `must be at least backoffBaseMs (${retry.backoffBaseMs})`, value: retry.backoffMaxMs });
    }
    const check = cluster.healthCheck;
    if (check && check.timeoutMs > check.intervalMs) {
      problems.push({ code: 'HEALTH_CHECK_TIMEOUT_TOO_LONG', path: `clusters[${i}].healthCheck.timeoutMs`, message: `must be at most intervalMs (${check.intervalMs})`, value: check.timeoutMs });
    }
  });
}

function checkUnique(problems: ValidationIssue[], list: string, keys: readonly string[], what = 'name'): void {
  const first = new Map<string, number>();
  keys.forEach((key, i) => {
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    else problems.push({ code: 'DUPLICATE_NAME', path: `${list}[${i}].name`, message: `must be unique (${what} already used by ${list}[${earlier}])`, value: key });
  });
}

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

/** No two sockets on one port of one address, a wildcard address overlapping every other (port 0: the OS picks). */
function checkBindings(problems: ValidationIssue[], config: ProxyConfig): void {
  const bound: Array<{ readonly owner: string; readonly address: string; readonly port: number }> = [];
  const bind = (owner: string, address: string, port: number): void => {
    if (port === 0) return;
    const overlaps = (other: string): boolean => other === address || WILDCARD_ADDRESSES.has(other) || WILDCARD_ADDRESSES.has(address);
    const clash = bound.find((b) => b.port === port && overlaps(b.address));
    if (clash !== undefined) {
      problems.push({ code: 'PORT_CONFLICT', path: `${owner}.port`, message: `must differ from ${clash.owner}'s (${clash.address}:${clash.port}): both cannot bind it`, value: port });
    } else {
      bound.push({ owner, address, port });
    }
  };
  config.listeners.forEach((l, i) => bind(`listeners[${i}]`, l.address, l.port));
  bind('admin', config.admin.address, config.admin.port);
  if (config.probes !== undefined) bind('probes', config.probes.address, config.probes.port);
}

/** BackendRefs and mirrors name clusters; filters are ones the proxy runs, with their settings present. */
function checkRouteRefs(problems: ValidationIssue[], route: ProxyRouteConfig, at: string, clusters: ReadonlySet<string>): void {
  const names = [...clusters].filter((name) => typeof name === 'string' && name !== '');
  const known = names.length > 0 ? `known clusters: ${names.join(', ')}` : 'no cluster is configured';
  const checkCluster = (path: string, name: string): void => {
    if (!clusters.has(name)) problems.push({ code: 'CLUSTER_NOT_FOUND', path, message: `must name a cluster (${known})`, value: name });
  };
  const checkFilters = (path: string, filters: readonly GRPCRouteFilter[] | undefined): void => {
    (filters ?? []).forEach((filter, f) => {
      const fp = `${path}.filters[${f}]`;
      checkFilter(problems, fp, filter);
      if (filter.type === 'RequestMirror' && filter.requestMirror) checkCluster(`${fp}.requestMirror.backendRef.name`, filter.requestMirror.backendRef.name);
    });
  };
  let matches = 0;
  route.rules.forEach((rule, k) => {
    const rp = `${at}.rules[${k}]`;
    matches += rule.matches?.length ?? 0;
    checkFilters(rp, rule.filters);
    (rule.backendRefs ?? []).forEach((ref, b) => {
      checkCluster(`${rp}.backendRefs[${b}].name`, ref.name);
      checkFilters(`${rp}.backendRefs[${b}]`, ref.filters);
    });
  });
  if (matches > MAX_MATCHES_PER_ROUTE) {
    problems.push({ code: 'TOO_MANY', path: `${at}.rules`, message: `must have at most ${MAX_MATCHES_PER_ROUTE} matches in all`, value: matches });
  }
}

const FILTER_FIELDS = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  ExtensionRef: 'extensionRef',
} as const;

function checkFilter(problems: ValidationIssue[], path: string, filter: GRPCRouteFilter): void {
  if (filter.type === 'ExtensionRef') {
    problems.push({ code: 'UNSUPPORTED_FILTER', path: `${path}.type`, message: 'must be RequestHeaderModifier, ResponseHeaderModifier or RequestMirror (grpc-mesh-proxy runs no extensions)', value: filter.type });
    return;
  }
  const field = FILTER_FIELDS[filter.type];
  if (filter[field] === undefined) problems.push({ code: 'FILTER_MISMATCH', path: `${path}.${field}`, message: `must be set when type is ${filter.type}` });
  for (const other of Object.values(FILTER_FIELDS)) {
    if (other !== field && filter[other] !== undefined) {
      problems.push({ code: 'FILTER_MISMATCH', path: `${path}.${other}`, message: `must not be set when type is ${filter.type}`, value: filter[other] });
    }
  }
  const modifier = filter.type === 'RequestHeaderModifier' ? filter.requestHeaderModifier : filter.type === 'ResponseHeaderModifier' ? filter.responseHeaderModifier : undefined;
  if (modifier === undefined) return;
  const names = [
    ...(modifier.set ?? []).map((h, i) => [`set[${i}].name`, h.name] as const),
    ...(modifier.add ?? []).map((h, i) => [`add[${i}].name`, h.name] as const),
    ...(modifier.remove ?? []).map((name, i) => [`remove[${i}]`, name] as const),
  ];
  for (const [sub, name] of names) {
    if (!HEADER_NAME_PATTERN.test(name)) {
      problems.push({ code: 'INVALID_HEADER_NAME', path: `${path}.${field}.${sub}`, message: 'must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~)', value: name });
    }
  }
}

/** What the routing engine refuses in the routes, with paths rewritten from `routes[0].spec.rules` to `routes[0].rules`. */
function routeEngineProblems(routes: readonly ProxyRouteConfig[]): ValidationIssue[] {
  const inputs: RouteInput[] = routes.map(routeInputOf);
  try {
    new RouteTable(inputs);
    return [];
  } catch (error) {
    if (!(error instanceof RouteTableError)) throw error;
    return error.issues.map((p) => ({ ...p, path: p.path.replace(/^(routes\[\d+\])\.(spec|metadata)\./, '$1.') }));
  }
}
