import { hostnameMatches, isWildcard } from './hostname-match';

/**
 * Whether a route hostname and a listener hostname intersect, per the Gateway API: they are equal, or one is a
 * wildcard that covers the other (`*.example.com` covers `foo.example.com` and `*.foo.example.com`, not
 * `example.com`). A listener without a hostname (undefined) intersects every route hostname. Symmetric.
 */
export function hostnamesIntersect(routeHostname: string, listenerHostname: string | undefined): boolean {
  if (listenerHostname === undefined || routeHostname === listenerHostname) return true;
  return covers(routeHostname, listenerHostname) || covers(listenerHostname, routeHostname);
}

/**
 * The hostnames a route serves on a listener: each route hostname that intersects the listener hostname,
 * narrowed to the more specific of the two (route `*.example.com` on listener `foo.example.com` serves
 * `foo.example.com`), without duplicates.
 * @returns undefined when both allow every host; `[]` when no route hostname intersects (the route is not
 *   attached to the listener); a route without hostnames serves the listener hostname
 */
export function listenerScopedHostnames(
  routeHostnames: readonly string[] | undefined,
  listenerHostname: string | undefined,
): readonly string[] | undefined {
  if (!routeHostnames?.length) return listenerHostname === undefined ? undefined : [listenerHostname];
  const scoped = routeHostnames
    .filter((h) => hostnamesIntersect(h, listenerHostname))
    .map((h) => (listenerHostname !== undefined && covers(h, listenerHostname) ? listenerHostname : h));
  return [...new Set(scoped)];
}

/** Whether wildcard `outer` covers `inner`: a host, or a wildcard whose suffix lies inside `outer`'s. */
function covers(outer: string, inner: string): boolean {
  if (!isWildcard(outer) || outer === inner) return false;
  return isWildcard(inner) ? inner.endsWith(outer.slice(1)) : hostnameMatches(outer, inner);
}
