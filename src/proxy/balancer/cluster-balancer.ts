import { Endpoint, type EndpointEvents } from './endpoint';
import { EMPTY_PICKER, type Picker } from './picker';
import { PICKER_FACTORIES, type LoadBalancerPolicy } from './picker-factories';
import { endpointKey, type EndpointAddress, type ResolverListener } from '../endpoints/resolver';
import { HealthChecker, type HealthCheckConfig } from '../health/health-checker';
import { OutlierDetector, type OutlierDetectionConfig } from '../health/outlier-detector';
import { channels, type ConnectionLostMessage, type EndpointReachabilityMessage, type EndpointsMessage } from '../observability/channels';
import type { EndpointPoolOptions } from '../upstream/endpoint-pool';

/** Settings of a `ClusterBalancer`. */
export interface ClusterBalancerOptions {
  /** Balancing policy. */
  readonly policy: LoadBalancerPolicy;
  /** Connection limits of every endpoint. */
  readonly pool: EndpointPoolOptions;
  /**
   * Active health checks.
   * @default - none: endpoints count as healthy
   */
  readonly healthCheck?: HealthCheckConfig;
  /**
   * Outlier ejection.
   * @default - none
   */
  readonly outlierDetection?: OutlierDetectionConfig;
}

/** What the admin endpoint-state page shows of one endpoint. */
export interface EndpointSnapshot {
  /** Address (or host name of a static endpoint). */
  readonly address: string;
  /** Port. */
  readonly port: number;
  /** Result of active health checks (true without them). */
  readonly healthy: boolean;
  /** Whether outlier detection ejected it. */
  readonly ejected: boolean;
  /** Whether its last connection attempt succeeded (the pool reconnects with backoff while not). */
  readonly reachable: boolean;
  /** Why the last connection attempt failed, while unreachable. */
  readonly unreachableReason?: string;
  /** Whether discovery dropped it (no new calls; in-flight ones finish). */
  readonly draining: boolean;
  /** Calls (tries) in flight to it. */
  readonly activeCalls: number;
  /** Open HTTP/2 connections to it. */
  readonly connections: number;
}

/**
 * The balancer of one cluster: takes endpoint lists from the resolver, health from active checks and outlier
 * ejection, and reachability from the endpoints' connection pools, and publishes an immutable picker over the
 * endpoints that may take calls. Outlier detection counts the failures an endpoint answers with, and a lost
 * connection once (not once per call it carried); an endpoint that cannot be connected to is left out until its
 * pool reconnects (see `EndpointPool`), which is faster than an ejection and costs no call. When no endpoint may
 * take calls (every one unhealthy, ejected or unreachable) it fails open: the picker spreads calls over every
 * endpoint discovery knows (panic mode, as Envoy does), because sending traffic to endpoints that look bad beats
 * failing every call for sure. Endpoints dropped by discovery drain: no new call, in-flight calls finish, their
 * connections close once idle.
 */
export class ClusterBalancer implements ResolverListener {
  /** The current picker. */
  public picker: Picker = EMPTY_PICKER;
  /** Whether the picker runs in panic mode. */
  public panic = false;
  /** Whether discovery published a list at least once. */
  public resolved = false;
  private readonly cluster: string;
  private readonly random: () => number;
  private options: ClusterBalancerOptions;
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly draining = new Set<Endpoint>();
  private healthChecker: HealthChecker | undefined;
  private outlierDetector: OutlierDetector | undefined;
  private closed = false;
  private readonly endpointEvents: EndpointEvents;

  /**
   * @param cluster cluster name
   * @param options policy, connection limits, health checks and outlier ejection
   * @param random random source of the pickers
   */
  public constructor(cluster: string, options: ClusterBalancerOptions, random: () => number) {
    this.cluster = cluster;
    this.options = options;
    this.random = random;
    this.endpointEvents = {
      onReachabilityChange: (endpoint) => this.reachabilityChanged(endpoint),
      onConnectionLost: (endpoint) => this.connectionLost(endpoint),
    };
    this.startHealth();
  }

  /** The outlier detector, when outlier ejection is on. */
  public get outliers(): OutlierDetector | undefined {
    return this.outlierDetector;
  }

  public onEndpoints(addresses: readonly EndpointAddress[]): void {
    if (this.closed) return;
    this.resolved = true;
    const seen = new Set<string>();
    for (const { address, port } of addresses) {
      const key = endpointKey(address, port);
      seen.add(key);
      if (this.endpoints.has(key)) continue;
      const endpoint = new Endpoint(address, port, key, this.options.pool, this.endpointEvents, this.random);
      this.endpoints.set(key, endpoint);
      this.healthChecker?.add(endpoint);
    }
    for (const [key, endpoint] of this.endpoints) {
      if (!seen.has(key)) this.retire(endpoint);
    }
    this.pruneDrained();
    this.rebuild();
    if (channels.endpoints.hasSubscribers) {
      const message: EndpointsMessage = { cluster: this.cluster, endpoints: [...this.endpoints.keys()] };
      channels.endpoints.publish(message);
    }
  }

  public onResolutionError(): void {
    // The last published list stays in force.
  }

  /** Applies new settings, keeping endpoints, their connections and their health. */
  public update(options: ClusterBalancerOptions): void {
    const previous = this.options;
    this.options = options;
    // Always: the TLS files were read again (rotated certificates) even when the settings are the same.
    for (const endpoint of this.endpoints.values()) endpoint.pool.update(options.pool);
    if (JSON.stringify(previous.healthCheck) !== JSON.stringify(options.healthCheck)
      || JSON.stringify(previous.outlierDetection) !== JSON.stringify(options.outlierDetection)) {
      this.stopHealth();
      for (const endpoint of this.endpoints.values()) {
        if (options.healthCheck === undefined) endpoint.healthy = true;
        if (options.outlierDetection === undefined) endpoint.ejected = false;
      }
      this.startHealth();
      for (const endpoint of this.endpoints.values()) this.healthChecker?.add(endpoint);
    }
    this.rebuild();
  }

  /** Rebuilds the picker from the endpoints' current state. */
  public rebuild(): void {
    const all: Endpoint[] = [];
    const available: Endpoint[] = [];
    for (const endpoint of this.endpoints.values()) {
      all.push(endpoint);
      if (endpoint.available) available.push(endpoint);
    }
    this.panic = available.length === 0 && all.length > 0;
    const chosen = this.panic ? all : available;
    this.picker = chosen.length === 0 ? EMPTY_PICKER : PICKER_FACTORIES[this.options.policy](Object.freeze(chosen), this.random);
  }

  /**
   * Stops health checks and discovery-driven changes.
   * @param graceful let calls in flight finish before connections close (else close them now)
   */
  public close(graceful: boolean): void {
    this.closed = true;
    this.stopHealth();
    for (const endpoint of [...this.endpoints.values(), ...this.draining]) {
      endpoint.draining = true;
      if (graceful) endpoint.pool.closeWhenIdle();
      else endpoint.pool.destroy();
    }
    this.endpoints.clear();
    this.picker = EMPTY_PICKER;
  }

  /** The endpoints, draining ones included. */
  public snapshot(): EndpointSnapshot[] {
    this.pruneDrained();
    return [...this.endpoints.values(), ...this.draining].map((e) => ({
      address: e.address,
      port: e.port,
      healthy: e.healthy,
      ejected: e.ejected,
      reachable: e.pool.reachable,
      ...(!e.pool.reachable && { unreachableReason: e.pool.unreachableReason }),
      draining: e.draining,
      activeCalls: e.activeCalls,
      connections: e.pool.connections,
    }));
  }

  /** The current (not draining) endpoints. */
  public currentEndpoints(): Iterable<Endpoint> {
    return this.endpoints.values();
  }

  private reachabilityChanged(endpoint: Endpoint): void {
    if (endpoint.draining || this.closed) return;
    this.rebuild();
    if (channels.endpointReachability.hasSubscribers) {
      const { reachable, unreachableReason } = endpoint.pool;
      const message: EndpointReachabilityMessage = {
        cluster: this.cluster, endpoint: endpoint.key, reachable, ...(!reachable && { error: unreachableReason }),
      };
      channels.endpointReachability.publish(message);
    }
  }

  private connectionLost(endpoint: Endpoint): void {
    if (endpoint.draining) return;
    if (channels.connectionLost.hasSubscribers) {
      // Before the calls it carried end (at the end of this tick): how many were in flight.
      const message: ConnectionLostMessage = { cluster: this.cluster, endpoint: endpoint.key, callsInFlight: endpoint.activeCalls };
      channels.connectionLost.publish(message);
    }
    this.outlierDetector?.recordFailure(endpoint);
  }

  private retire(endpoint: Endpoint): void {
    this.endpoints.delete(endpoint.key);
    this.healthChecker?.remove(endpoint);
    endpoint.draining = true;
    endpoint.pool.closeWhenIdle();
    this.draining.add(endpoint);
  }

  private pruneDrained(): void {
    for (const endpoint of this.draining) {
      if (endpoint.pool.closed && endpoint.activeCalls === 0) this.draining.delete(endpoint);
    }
  }

  private startHealth(): void {
    const { healthCheck, outlierDetection } = this.options;
    if (healthCheck !== undefined) {
      // A passed active check ends an outlier ejection (Envoy's successful_active_health_check_uneject_host).
      this.healthChecker = new HealthChecker(this.cluster, healthCheck, () => this.rebuild(), (endpoint) => this.outlierDetector?.readmit(endpoint));
    }
    if (outlierDetection !== undefined) {
      this.outlierDetector = new OutlierDetector(this.cluster, outlierDetection, () => this.endpoints.values(), () => this.rebuild());
    }
  }

  private stopHealth(): void {
    this.healthChecker?.stop();
    this.healthChecker = undefined;
    this.outlierDetector?.stop();
    this.outlierDetector = undefined;
  }
}
