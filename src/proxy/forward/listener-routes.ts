import type { ProxyListenerConfig } from '../../core/proxy-config';
import {
  GrpcStatusCode,
  hostFromAuthority,
  RouteTable,
  selectListener,
  type BackendDecision,
  type RouteInput,
  type RouteTableOptions,
  type StatusDecision,
} from '../../routing';
import type { HeaderFields } from '../h2/hpack/decoder';

/** A `GrpcCall` the dispatcher refills for every call (routing is synchronous, so one object serves all). */
export interface ScratchCall {
  authority: string | undefined;
  path: string;
  headers: Readonly<HeaderFields>;
}

/** One virtual host, compiled: its hostname and a table of only its routes, their hostnames narrowed to it. */
interface VirtualHostTable {
  readonly hostname: string | undefined;
  readonly table: RouteTable;
}

/**
 * How the calls of one listener are routed, compiled once per config. A listener without virtual hosts routes
 * every call through one table of every route. A listener with virtual hosts picks the one whose hostname matches
 * the call's host most specifically (`selectListener`: exact, then the longest wildcard, then none), and routes
 * through that virtual host's table; a host no virtual host serves gets UNIMPLEMENTED. `route()` allocates nothing
 * beyond what normalizing the host takes.
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
    this.noVirtualHost = Object.freeze({
      kind: 'status',
      code: GrpcStatusCode.UNIMPLEMENTED,
      name: 'UNIMPLEMENTED',
      reason: 'NO_MATCHING_HOSTNAME',
      message: `no virtual host of listener "${listener.name}" serves the host of the call`,
    });
    if (virtualHosts === undefined) {
      this.table = new RouteTable(routes, options);
      this.hosts = [];
      return;
    }
    const byKey = new Map(routes.map((route) => [`${route.metadata.namespace}/${route.metadata.name}`, route]));
    this.hosts = Object.freeze(virtualHosts.map((host): VirtualHostTable => {
      const attached = host.routes.map((key) => byKey.get(key)).filter((route): route is RouteInput => route !== undefined);
      const table = new RouteTable(attached, { ...options, listenerHostname: host.hostname });
      return Object.freeze({ hostname: host.hostname, table });
    }));
  }

  /**
   * The backend a call goes to.
   * @param call the call; its `authority` must be undefined, and is again on return
   * @param random random source of weighted picks
   */
  public route(call: ScratchCall, random: () => number): BackendDecision {
    if (this.table !== undefined) return this.table.route(call, random);
    const host = hostOf(call.headers);
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

/** The normalized host of a call's `:authority` (else `host`) header; empty when it has neither. */
function hostOf(headers: Readonly<HeaderFields>): string {
  const authority = firstValue(headers[':authority']) ?? firstValue(headers.host);
  return authority === undefined ? '' : hostFromAuthority(authority);
}

function firstValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'object' ? value[0] : value;
}
