import type { ProxyListenerConfig } from './proxy-config';
import {
  callHost,
  RouteTable,
  selectListener,
  statusDecision,
  type BackendDecision,
  type RequestHeaders,
  type RouteInput,
  type RouteTableOptions,
  type StatusDecision,
} from '../routing';

/** A `GrpcCall` that a caller refills for every call (routing is synchronous, so one object serves all). */
export interface ScratchCall {
  authority: string | undefined;
  path: string;
  headers: RequestHeaders;
}

/** One virtual host, compiled: its hostname and a table of only its routes, their hostnames narrowed to it. */
export interface VirtualHostTable {
  /** The virtual host's name, when the listener has virtual hosts. */
  readonly name?: string;
  /** Its hostname; undefined serves every host. */
  readonly hostname: string | undefined;
  /** Its routes. */
  readonly table: RouteTable;
}

/**
 * How the calls of one listener are routed, compiled once per config. A listener without virtual hosts routes
 * every call through one table of every route. A listener with virtual hosts picks the one whose hostname matches
 * the call's host most specifically (`selectListener`: exact, then the longest wildcard, then none), and routes
 * through that virtual host's table; a host no virtual host serves gets UNIMPLEMENTED. `route()` allocates nothing
 * beyond what normalizing the host takes. The proxy routes every call with it, and `explainCall` explains them.
 */
export class ListenerRoutes {
  private readonly table: RouteTable | undefined;
  private readonly hosts: readonly VirtualHostTable[];
  private readonly noVirtualHost: StatusDecision;

  /**
   * @param listener the listener's config
   * @param routes every route of the config
   * @param options backend validity
   * @throws RouteTableError when a route (or a virtual host's hostname) is invalid
   */
  public constructor(listener: ProxyListenerConfig, routes: readonly RouteInput[], options: RouteTableOptions) {
    const virtualHosts = listener.virtualHosts;
    this.noVirtualHost = statusDecision('UNIMPLEMENTED', 'NO_MATCHING_HOSTNAME', `no virtual host of listener "${listener.name}" serves the host of the call`);
    if (virtualHosts === undefined) {
      this.table = new RouteTable(routes, options);
      this.hosts = [];
      return;
    }
    const byKey = new Map(routes.map((route) => [`${route.metadata.namespace}/${route.metadata.name}`, route]));
    this.hosts = Object.freeze(virtualHosts.map((host): VirtualHostTable => {
      const attached = host.routes.map((key) => byKey.get(key)).filter((route): route is RouteInput => route !== undefined);
      const table = new RouteTable(attached, { ...options, listenerHostname: host.hostname });
      return Object.freeze({ name: host.name, hostname: host.hostname, table });
    }));
  }

  /**
   * The table that serves a host: the listener's only one, or that of the virtual host whose hostname matches it
   * most specifically; undefined when no virtual host serves it.
   * @param host the normalized host (`hostFromAuthority`), empty for none
   */
  public select(host: string): VirtualHostTable | undefined {
    if (this.table !== undefined) return { hostname: undefined, table: this.table };
    return selectListener(this.hosts, host);
  }

  /**
   * The backend a call goes to.
   * @param call the call; its `authority` must be undefined, and is again on return
   * @param random random source of weighted picks
   */
  public route(call: ScratchCall, random: () => number): BackendDecision {
    if (this.table !== undefined) return this.table.route(call, random);
    const host = callHost(call) ?? '';
    const virtualHost = selectListener(this.hosts, host);
    if (virtualHost === undefined) return this.noVirtualHost;
    call.authority = host; // normalized already: normalizing it again changes nothing and allocates nothing
    try {
      return virtualHost.table.route(call, random);
    } finally {
      call.authority = undefined;
    }
  }
}
