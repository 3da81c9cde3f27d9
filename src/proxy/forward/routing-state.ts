import type { CallTarget } from './call-target';
import { HeaderModifier } from './header-modifier';
import { mirrorShare, type MirrorTarget } from './request-mirror';
import type { ProxyRouteConfig } from '../../core/proxy-config';
import { RouteTable, type GRPCRouteFilter, type PickedBackend, type RouteInput } from '../../routing';
import type { Cluster } from '../cluster';

/**
 * The routes of one config, compiled: the GRPCRoute table (a backendRef names a cluster; one naming no cluster
 * is invalid, so its share of the traffic gets UNAVAILABLE) and, per picked backend, the call target with its
 * header and mirror filters (built on first use, then reused).
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
        mirrors: this.mirrorsOf(filters),
      });
      this.targets.set(picked, target);
    }
    return target;
  }

  private mirrorsOf(filters: readonly GRPCRouteFilter[]): readonly MirrorTarget[] | undefined {
    const mirrors: MirrorTarget[] = [];
    for (const filter of filters) {
      const mirror = filter.type === 'RequestMirror' ? filter.requestMirror : undefined;
      const cluster = mirror === undefined ? undefined : this.clusters.get(mirror.backendRef.name);
      if (mirror !== undefined && cluster !== undefined) mirrors.push({ cluster, share: mirrorShare(mirror) });
    }
    return mirrors.length > 0 ? Object.freeze(mirrors) : undefined;
  }
}
