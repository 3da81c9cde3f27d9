import type { CallTarget } from './call-target';
import { HeaderModifier } from './header-modifier';
import type { ProxyRouteConfig } from '../../core/proxy-config';
import { RouteTable, type PickedBackend, type RouteInput } from '../../routing';
import type { Cluster } from '../cluster';

/**
 * The routes of one config, compiled: the GRPCRoute table (a backendRef names a cluster; one naming no cluster
 * is invalid, so its share of the traffic gets UNAVAILABLE) and, per picked backend, the call target with its
 * header filters (built on first use, then reused). RequestMirror filters are not applied: mirroring would
 * duplicate a call's request stream to a second upstream and is left for later; the config accepts them and the
 * proxy ignores them.
 */
export class RoutingState {
  /** The route table. */
  public readonly table: RouteTable;
  private readonly clusters: ReadonlyMap<string, Cluster>;
  private readonly targets = new Map<PickedBackend, CallTarget>();

  /**
   * @param routes the config's routes
   * @param clusters the clusters by name
   * @throws RouteTableError when a route is invalid
   */
  public constructor(routes: readonly ProxyRouteConfig[], clusters: ReadonlyMap<string, Cluster>) {
    this.clusters = clusters;
    const inputs: RouteInput[] = routes.map((route) => ({
      metadata: { name: route.name, namespace: route.namespace ?? 'default' },
      spec: { hostnames: route.hostnames, rules: route.rules },
    }));
    this.table = new RouteTable(inputs, { isBackendValid: (ref) => clusters.has(ref.name) });
  }

  /** The target of a picked backend. */
  public targetOf(picked: PickedBackend): CallTarget {
    let target = this.targets.get(picked);
    if (target === undefined) {
      const filters = [...(picked.matched.rule.filters ?? []), ...(picked.backendRef.filters ?? [])];
      target = Object.freeze({
        cluster: this.clusters.get(picked.backendRef.name) as Cluster,
        routeKey: picked.matched.routeKey,
        requestHeaders: HeaderModifier.fromFilters(filters, 'RequestHeaderModifier'),
        responseHeaders: HeaderModifier.fromFilters(filters, 'ResponseHeaderModifier'),
      });
      this.targets.set(picked, target);
    }
    return target;
  }
}
