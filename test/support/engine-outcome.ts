import type { EnvoyRequest } from './envoy-route-evaluator';
import { routeInputOf, type ProxyConfig } from '../../src/core/proxy-config';
import { effectiveWeight, hostFromAuthority, RouteTable, selectListener } from '../../src/routing';

/**
 * Where the routing engine (the proxy's) sends a call on a listener of a proxy config: its rule's clusters with
 * their non-zero weights, or the gRPC status it answers. The reference Envoy evaluator's outcome is compared to it.
 */
export function engineOutcome(config: ProxyConfig, listenerName: string, request: EnvoyRequest): Record<string, number> | { status: number } {
  const listener = config.listeners.find((l) => l.name === listenerName);
  if (listener === undefined) throw new Error(`no listener ${listenerName}`);
  const vhosts = listener.virtualHosts ?? [{ name: listener.name, routes: config.routes.map((r) => `${r.namespace ?? 'default'}/${r.name}`) }];
  const vhost = selectListener(vhosts, hostFromAuthority(request.authority));
  if (vhost === undefined) return { status: 12 };
  const routes = vhost.routes.map((key) => config.routes.find((r) => `${r.namespace ?? 'default'}/${r.name}` === key)!);
  const table = new RouteTable(routes.map(routeInputOf), { listenerHostname: vhost.hostname });
  const decision = table.match({ authority: request.authority, path: request.path, headers: request.headers });
  if (decision.kind === 'status') return { status: decision.code };
  const clusters: Record<string, number> = {};
  for (const ref of decision.rule.backendRefs ?? []) {
    if (effectiveWeight(ref) > 0) clusters[ref.name] = (clusters[ref.name] ?? 0) + effectiveWeight(ref);
  }
  return Object.keys(clusters).length === 0 ? { status: 14 } : clusters;
}
