import type { CallTarget } from './call-target';
import { HeaderModifier } from './header-modifier';
import { namedMethodsOf } from './named-methods';
import { mirrorShare, type MirrorTarget } from './request-mirror';
import { ListenerRoutes } from '../../core/listener-routes';
import { routeInputOf, type ProxyConfig } from '../../core/proxy-config';
import type { GRPCRouteFilter, PickedBackend, RouteInput } from '../../routing';
import type { Cluster } from '../cluster';

/**
 * The routes of one config, compiled: per listener, its route tables (every route, or one table per virtual host;
 * a backendRef names a cluster, and one naming no cluster is invalid, so its share of the traffic gets
 * UNAVAILABLE) and, per picked backend, the call target with its header and mirror filters (built on first use,
 * then reused).
 */
export class RoutingState {
  private readonly listeners: ReadonlyMap<string, ListenerRoutes>;
  private readonly clusters: ReadonlyMap<string, Cluster>;
  private readonly targets = new Map<PickedBackend, CallTarget>();

  /**
   * @param config the config's listeners and routes
   * @param clusters the clusters by name
   * @throws RouteTableError when a route is invalid
   */
  public constructor(config: Pick<ProxyConfig, 'listeners' | 'routes'>, clusters: ReadonlyMap<string, Cluster>) {
    this.clusters = clusters;
    const inputs: RouteInput[] = config.routes.map(routeInputOf);
    const options = { isBackendValid: (ref: { readonly name: string }) => clusters.has(ref.name) };
    this.listeners = new Map(config.listeners.map((listener) => [listener.name, new ListenerRoutes(listener, inputs, options)]));
  }

  /** The routes of a listener of the config, or undefined for a listener it does not have. */
  public routesOf(listener: string): ListenerRoutes | undefined {
    return this.listeners.get(listener);
  }

  /** The target of a picked backend. */
  public targetOf(picked: PickedBackend): CallTarget {
    let target = this.targets.get(picked);
    if (target === undefined) {
      const filters = [...(picked.matched.rule.filters ?? []), ...(picked.backendRef.filters ?? [])];
      target = Object.freeze({
        cluster: this.clusters.get(picked.backendRef.name) as Cluster,
        routeKey: picked.matched.routeKey,
        namedMethods: namedMethodsOf(picked.matched.rule),
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
