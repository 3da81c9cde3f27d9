import { ClusterBalancer, type ClusterBalancerOptions, type EndpointSnapshot } from './balancer/cluster-balancer';
import type { Endpoint } from './balancer/endpoint';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_LOAD_BALANCER, DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT } from './defaults';
import { createResolver } from './endpoints/create-resolver';
import type { LookupFunction } from './endpoints/dns-resolver';
import type { Resolver } from './endpoints/resolver';
import { Status } from './forward/grpc-status';
import { RetryPolicy } from './forward/retry-policy';
import type { ProxyClusterConfig } from '../core/proxy-config';

/**
 * A cluster at run time: its discovery, its balancer and the per-call policies compiled from its config (timeouts,
 * retries, circuit breaker), plus the counters calls update. `update()` applies a new config in place, keeping
 * endpoints and their connections; a changed discovery gets a new resolver whose list is merged with the known
 * endpoints.
 */
export class Cluster {
  /** Cluster name. */
  public readonly name: string;
  /** The balancer. */
  public readonly balancer: ClusterBalancer;
  /** Retries, when configured. */
  public retry: RetryPolicy | undefined;
  /** `timeouts.requestMs`, or 0. */
  public requestTimeoutMs = 0;
  /** `timeouts.streamIdleMs`, or 0. */
  public streamIdleMs = 0;
  /** Most calls in flight (Infinity without circuit breaker). */
  public maxConcurrentCalls = Number.POSITIVE_INFINITY;
  /** Status of calls over the limit. */
  public overflowStatus: number = Status.UNAVAILABLE;
  /** Calls in flight. */
  public activeCalls = 0;
  /** Retries in flight. */
  public activeRetries = 0;
  private config: ProxyClusterConfig;
  private resolver: Resolver;
  private readonly lookup: LookupFunction | undefined;

  /**
   * Starts discovery (and health checks).
   * @param config the cluster's config
   * @param lookup DNS lookup
   * @param random random source of the balancer
   */
  public constructor(config: ProxyClusterConfig, lookup: LookupFunction | undefined, random: () => number) {
    this.name = config.name;
    this.config = config;
    this.lookup = lookup;
    this.balancer = new ClusterBalancer(config.name, balancerOptions(config), random);
    this.compilePolicies(config);
    this.resolver = createResolver(config.discovery, lookup);
    this.resolver.start(this.balancer);
  }

  /** Whether discovery published at least once. */
  public get ready(): boolean {
    return this.balancer.resolved;
  }

  /** The endpoint of the next try (see `Picker.pick`). */
  public pick(avoid?: Endpoint): Endpoint | undefined {
    return this.balancer.picker.pick(avoid);
  }

  /** Applies a new config of the same cluster. */
  public update(config: ProxyClusterConfig): void {
    const previous = this.config;
    this.config = config;
    this.compilePolicies(config);
    this.balancer.update(balancerOptions(config));
    if (JSON.stringify(previous.discovery) !== JSON.stringify(config.discovery)) {
      this.resolver.stop();
      this.resolver = createResolver(config.discovery, this.lookup);
      this.resolver.start(this.balancer);
    }
  }

  /**
   * Stops discovery and health checks.
   * @param graceful let calls in flight finish before connections close
   */
  public close(graceful: boolean): void {
    this.resolver.stop();
    this.balancer.close(graceful);
  }

  /** Endpoint states. */
  public snapshot(): EndpointSnapshot[] {
    return this.balancer.snapshot();
  }

  private compilePolicies(config: ProxyClusterConfig): void {
    this.retry = config.retry === undefined || config.retry.attempts === 0 ? undefined : new RetryPolicy(config.retry);
    this.requestTimeoutMs = config.timeouts?.requestMs ?? 0;
    this.streamIdleMs = config.timeouts?.streamIdleMs ?? 0;
    this.maxConcurrentCalls = config.circuitBreaker?.maxConcurrentCalls ?? Number.POSITIVE_INFINITY;
    this.overflowStatus = config.circuitBreaker?.overflowStatus === 'RESOURCE_EXHAUSTED' ? Status.RESOURCE_EXHAUSTED : Status.UNAVAILABLE;
  }
}

function balancerOptions(config: ProxyClusterConfig): ClusterBalancerOptions {
  return {
    policy: config.loadBalancer ?? DEFAULT_LOAD_BALANCER,
    pool: {
      connectTimeoutMs: config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      maxConnections: config.maxConnectionsPerEndpoint ?? DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT,
    },
    healthCheck: config.healthCheck,
    outlierDetection: config.outlierDetection,
  };
}
