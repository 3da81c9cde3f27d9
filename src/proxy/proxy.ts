import { Cluster } from './cluster';
import type { LookupFunction } from './endpoints/dns-resolver';
import { CallDispatcher, type ListenerContext } from './forward/call-dispatcher';
import { CallsInFlight } from './forward/calls-in-flight';
import type { ProxyCall } from './forward/proxy-call';
import { RoutingState } from './forward/routing-state';
import type { ClusterSnapshot, ProxySnapshot } from './proxy-snapshot';
import { ProxyListener } from './server';
import { loadUpstreamTls, type UpstreamTls } from './upstream/upstream-tls';
import type { ProxyClusterConfig, ProxyConfig, ProxyListenerConfig } from '../core/proxy-config';

/** Options of `Proxy.start()`, for tests. */
export interface ProxyOptions {
  /**
   * DNS lookup for tests: resolves a name to its A/AAAA records.
   * @default dns.promises.lookup with all: true
   */
  readonly lookup?: LookupFunction;
  /**
   * Random source for balancing and jitter.
   * @default Math.random
   */
  readonly random?: () => number;
}

/** A listener and the context its calls report to. */
interface BoundListener {
  readonly listener: ProxyListener;
  readonly context: ListenerContext;
}

type ProxyState = 'running' | 'draining' | 'closed';

/**
 * grpc-mesh-proxy's data plane: listeners (h2c or TLS), GRPCRoute routing, clusters with discovery, balancing,
 * health and per-call policies, and the forwarding of every call (docs/design/proxy.md). `start()` binds the
 * listeners and starts discovery and health checks; `apply()` reloads a config without dropping connections;
 * `drain()` shuts down gracefully.
 *
 * Calls that arrive before a cluster's first resolution find no endpoint and get UNAVAILABLE: gate traffic on
 * `ready` (the admin readiness endpoint does).
 */
export class Proxy {
  /**
   * Binds the listeners, starts resolvers and health checks.
   * @param config a valid config (see `loadConfig`)
   * @param options test hooks
   * @throws RouteTableError for an invalid route, an Error naming the cluster for an unusable upstream TLS file, or
   *   the bind error of a listener
   */
  public static async start(config: ProxyConfig, options: ProxyOptions = {}): Promise<Proxy> {
    const proxy = new Proxy(config, options);
    try {
      for (const listenerConfig of config.listeners) {
        const bound = await proxy.bind(listenerConfig);
        proxy.listeners.set(listenerConfig.name, bound);
      }
    } catch (error) {
      await proxy.close();
      throw error;
    }
    return proxy;
  }

  private readonly lookup: LookupFunction | undefined;
  private readonly random: () => number;
  private clusters: Map<string, Cluster>;
  private readonly dispatcher: CallDispatcher;
  private readonly listeners = new Map<string, BoundListener>();
  private readonly calls = new CallsInFlight();
  private idleWaiters: Array<() => void> = [];
  private state: ProxyState = 'running';

  private constructor(config: ProxyConfig, options: ProxyOptions) {
    this.lookup = options.lookup;
    this.random = options.random ?? Math.random;
    const tls = config.clusters.map(loadUpstreamTls); // first: a bad TLS file fails before anything starts
    this.clusters = new Map(config.clusters.map((c, i) => [c.name, new Cluster(c, this.lookup, this.random, tls[i])]));
    let routing: RoutingState;
    try {
      routing = new RoutingState(config, this.clusters);
    } catch (error) {
      for (const cluster of this.clusters.values()) cluster.close(false);
      throw error;
    }
    this.dispatcher = new CallDispatcher(routing, this.random);
  }

  /** Listener name to bound port (a config port of 0 gets one from the OS). */
  public get ports(): ReadonlyMap<string, number> {
    return new Map([...this.listeners].map(([name, { listener }]) => [name, listener.port]));
  }

  /** Whether the listeners are bound, every cluster resolved at least once, and the proxy is not draining. */
  public get ready(): boolean {
    if (this.state !== 'running') return false;
    for (const cluster of this.clusters.values()) if (!cluster.ready) return false;
    return true;
  }

  /** Calls in flight. */
  public get activeCalls(): number {
    return this.calls.size;
  }

  /**
   * Hot reload. Routes and clusters are swapped for calls accepted from now on (calls in flight finish on what
   * they started with); a cluster that keeps its name keeps its endpoints, their connections and their health;
   * a removed cluster drains. Clusters read their upstream TLS files again (new connections use them; connections
   * made with other TLS settings close gracefully). Only listeners whose config changed are rebound (the old one
   * drains); unchanged TLS listeners reload their certificate files. Virtual hosts change without rebinding.
   * Nothing changes when the new routes are invalid, a TLS file cannot be used or a new listener cannot be bound.
   * @throws RouteTableError for an invalid route, an Error naming the cluster for an unusable upstream TLS file,
   *   the bind error of a listener, or when the proxy is draining
   */
  public async apply(config: ProxyConfig): Promise<void> {
    if (this.state !== 'running') throw new Error('the proxy is draining or closed');
    const created: Cluster[] = [];
    const next = new Map<string, Cluster>();
    const tls = new Map<string, UpstreamTls | undefined>();
    const newListeners = new Map<string, BoundListener>();
    let routing: RoutingState;
    try {
      for (const clusterConfig of config.clusters) tls.set(clusterConfig.name, loadUpstreamTls(clusterConfig));
      for (const clusterConfig of config.clusters) {
        const existing = this.clusters.get(clusterConfig.name);
        if (existing !== undefined) {
          next.set(clusterConfig.name, existing);
        } else {
          const cluster = new Cluster(clusterConfig, this.lookup, this.random, tls.get(clusterConfig.name));
          created.push(cluster);
          next.set(clusterConfig.name, cluster);
        }
      }
      routing = new RoutingState(config, next);
      this.dispatcher.setPendingState(routing);
      for (const listenerConfig of config.listeners) {
        const existing = this.listeners.get(listenerConfig.name);
        if (existing !== undefined && sameListener(existing.listener.config, listenerConfig)) continue;
        if (existing !== undefined && listenerConfig.port !== 0 && existing.listener.port === listenerConfig.port) {
          // Same port, other settings: the old listener must let go of the port first.
          existing.listener.drain();
          this.listeners.delete(listenerConfig.name);
        }
        newListeners.set(listenerConfig.name, await this.bind(listenerConfig));
      }
    } catch (error) {
      this.dispatcher.setPendingState(undefined);
      for (const cluster of created) cluster.close(false);
      for (const { listener } of newListeners.values()) listener.destroy();
      throw error;
    }
    const clusterConfigs = new Map<string, ProxyClusterConfig>(config.clusters.map((c) => [c.name, c]));
    for (const [name, cluster] of this.clusters) {
      const updated = clusterConfigs.get(name);
      if (updated === undefined) cluster.close(true);
      else cluster.update(updated, tls.get(name));
    }
    this.clusters = next;
    this.dispatcher.setState(routing);
    const wanted = new Set(config.listeners.map((l) => l.name));
    for (const [name, bound] of [...this.listeners]) {
      if (!wanted.has(name) || newListeners.has(name)) {
        bound.listener.drain();
        this.listeners.delete(name);
      } else {
        try {
          bound.listener.reloadTls();
        } catch {
          // Unreadable files (the loader checks them first): the listener keeps its current certificate.
        }
      }
    }
    for (const [name, bound] of newListeners) this.listeners.set(name, bound);
  }

  /**
   * Graceful shutdown: stops accepting connections, sends GOAWAY on every client connection, lets calls in flight
   * finish until `timeoutMs`, then resets the rest (CANCEL) and closes everything.
   * @param timeoutMs how long calls in flight may take to finish
   */
  public async drain(timeoutMs: number): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'draining';
    for (const { listener } of this.listeners.values()) listener.drain();
    if (this.calls.size > 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    for (const call of this.calls.values()) call.abort();
    for (const { listener } of this.listeners.values()) listener.destroy();
    for (const cluster of this.clusters.values()) cluster.close(false);
    this.listeners.clear();
    this.state = 'closed';
    // Let the resets and closes reach the sockets before resolving.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Closes everything now; calls in flight are reset. */
  public async close(): Promise<void> {
    await this.drain(0);
  }

  /** Clusters and endpoint states, for the admin endpoint-state page. */
  public snapshot(): ProxySnapshot {
    const clusters: Record<string, ClusterSnapshot> = {};
    for (const [name, cluster] of this.clusters) {
      clusters[name] = {
        ready: cluster.ready,
        panic: cluster.balancer.panic,
        activeCalls: cluster.activeCalls,
        endpoints: cluster.snapshot(),
      };
    }
    return { clusters };
  }

  private async bind(config: ProxyListenerConfig): Promise<BoundListener> {
    const context: ListenerContext = {
      listener: config.name,
      random: this.random,
      callStarted: (call) => this.calls.add(call),
      callEnded: (call) => this.callEnded(call),
    };
    const dispatcher = this.dispatcher;
    const listener = await ProxyListener.bind(config, (stream, headers) => dispatcher.dispatch(context, stream, headers));
    return { listener, context };
  }

  private callEnded(call: ProxyCall): void {
    this.calls.delete(call);
    if (this.calls.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }
}

function sameListener(a: ProxyListenerConfig, b: ProxyListenerConfig): boolean {
  return a.address === b.address && a.port === b.port && JSON.stringify(a.tls ?? null) === JSON.stringify(b.tls ?? null)
    && JSON.stringify(a.limits ?? null) === JSON.stringify(b.limits ?? null);
}
