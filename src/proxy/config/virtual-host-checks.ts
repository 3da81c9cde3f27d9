import type { ProxyConfig, ProxyRouteConfig, ProxyVirtualHostConfig } from '../../core/proxy-config';
import type { ValidationIssue } from '../../problems';
import { isValidHostname } from '../../routing';
import { DEFAULT_ROUTE_NAMESPACE } from '../defaults';

/** `namespace/name` of a route, as virtual hosts list it. */
export function routeKey(route: Pick<ProxyRouteConfig, 'name' | 'namespace'>): string {
  return `${route.namespace ?? DEFAULT_ROUTE_NAMESPACE}/${route.name}`;
}

/**
 * The rules of listeners' virtual hosts: names unique on their listener, valid Gateway API hostnames, no two
 * virtual hosts of a listener with the same hostname (or both without), and each `routes` entry the
 * `namespace/name` of a route of `routes`, listed once.
 * @returns every problem found
 */
export function virtualHostProblems(config: ProxyConfig): ValidationIssue[] {
  const problems: ValidationIssue[] = [];
  const known = new Set(config.routes.map(routeKey));
  const knownText = known.size > 0 ? `known routes: ${[...known].join(', ')}` : 'no route is configured';
  config.listeners.forEach((listener, l) => {
    const hosts = listener.virtualHosts ?? [];
    const names = new Map<string, number>();
    const hostnames = new Map<string | undefined, number>();
    hosts.forEach((host, h) => {
      const at = `listeners[${l}].virtualHosts[${h}]`;
      const sameName = names.get(host.name);
      if (sameName === undefined) names.set(host.name, h);
      else problems.push({ code: 'DUPLICATE_NAME', path: `${at}.name`, message: `must be unique on its listener (already used by virtualHosts[${sameName}])`, value: host.name });
      checkHostname(problems, at, host, hostnames.get(host.hostname));
      if (!hostnames.has(host.hostname)) hostnames.set(host.hostname, h);
      checkRouteRefs(problems, at, host, known, knownText);
    });
  });
  return problems;
}

function checkHostname(problems: ValidationIssue[], at: string, host: ProxyVirtualHostConfig, sameHostname: number | undefined): void {
  const hostname = host.hostname;
  if (hostname !== undefined && !isValidHostname(hostname)) {
    problems.push({
      code: 'INVALID_HOSTNAME',
      path: `${at}.hostname`,
      message: 'must be a valid Gateway API hostname (lower-case DNS labels, a `*.` wildcard only as the whole first label, not an IP address)',
      value: hostname,
    });
  } else if (sameHostname !== undefined) {
    const message = hostname === undefined
      ? `must be set: virtualHosts[${sameHostname}] already serves every host, and a host would only ever reach the first`
      : `must differ from virtualHosts[${sameHostname}]'s: a host would only ever reach the first`;
    problems.push({ code: 'DUPLICATE_HOSTNAME', path: `${at}.hostname`, message, value: hostname });
  }
}

function checkRouteRefs(problems: ValidationIssue[], at: string, host: ProxyVirtualHostConfig, known: ReadonlySet<string>, knownText: string): void {
  const seen = new Map<string, number>();
  host.routes.forEach((ref, r) => {
    const path = `${at}.routes[${r}]`;
    const earlier = seen.get(ref);
    if (earlier !== undefined) {
      problems.push({ code: 'DUPLICATE_ROUTE_REF', path, message: `must not repeat routes[${earlier}]`, value: ref });
      return;
    }
    seen.set(ref, r);
    if (known.has(ref)) return;
    const hint = ref.includes('/') ? '' : `; a route without namespace is ${DEFAULT_ROUTE_NAMESPACE}/${ref}`;
    problems.push({ code: 'ROUTE_NOT_FOUND', path, message: `must be the namespace/name of a route of routes (${knownText}${hint})`, value: ref });
  });
}
