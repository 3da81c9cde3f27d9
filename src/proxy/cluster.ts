import { ClusterBalancer, type ClusterBalancerOptions, type EndpointSnapshot } from './balancer/cluster-balancer';
import type { Endpoint } from './balancer/endpoint';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_LOAD_BALANCER, DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT, DEFAULT_RETRY_BUDGET_PERCENT } from './defaults';
import { createResolver } from './endpoints/create-resolver';
import type { LookupFunction } from './endpoints/dns-resolver';
import type { Resolver } from './endpoints/resolver';
import { GrpcStatus } from '../routing/grpc-status';
import { RetryBudget } from './forward/retry-budget';
import { RetryPolicy } from './forward/retry-policy';
import { loadUpstreamTls, type UpstreamTls } from './upstream/upstream-tls';
import type { ProxyClusterConfig } from '../core/proxy-config';

/**
 * A cluster at run time: its discovery, its balancer and the per-call policies compiled from its config (timeouts,
 * retries, circuit breaker, upstream TLS with its files read), plus the counters calls update. `update()` applies a
 * new config in place, keeping endpoints and their connections (unless the TLS settings changed); a changed
 * discovery gets a new resolver whose list is merged with the known endpoints.
 */
export class Cluster {
  /** Cluster name. */
  public readonly name: string;
  /** The balancer. */
  public readonly balancer: ClusterBalancer;
  /** Retries, when configured. */
  public retry: RetryPolicy | undefined;
  /** The share of calls that may be retried; it counts calls and retries across config reloads. */
  public readonly retryBudget = new RetryBudget(DEFAULT_RETRY_BUDGET_PERCENT);
  /** `timeouts.requestMs`, or 0. */
  public requestTimeoutMs = 0;
  /** `timeouts.streamIdleMs`, or 0. */
  public streamIdleMs = 0;
  /** Most calls in flight (Infinity without circuit breaker). */
  public maxConcurrentCalls = Number.POSITIVE_INFINITY;
  /** Status of calls over the limit. */
  public overflowStatus: number = GrpcStatus.UNAVAILABLE;
  /** `:scheme` of the cluster's requests: `https` with upstream TLS, else `http`. */
  public scheme: 'http' | 'https' = 'http';
  /** Calls in flight. */
  public activeCalls = 0;
  private config: ProxyClusterConfig;
  private resolver: Resolver;
  private readonly lookup: LookupFunction | undefined;

  /**
   * Starts discovery (and health checks).
   * @param config the cluster's config
   * @param lookup DNS lookup
   * @param random random source of the balancer
   * @param tls the upstream TLS of `config`, when its files are read already (see `loadUpstreamTls`)
   * @throws Error when a TLS file cannot be read or used (nothing is started then)
   */
  public constructor(config: ProxyClusterConfig, lookup: LookupFunction | undefined, random: () => number, tls = loadUpstreamTls(config)) {
    this.name = config.name;
    this.config = config;
    this.lookup = lookup;
    this.balancer = new ClusterBalancer(config.name, balancerOptions(config, tls), random);
    this.compilePolicies(config, tls);
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

  /**
   * Applies a new config of the same cluster.
   * @param config the new config
   * @param tls its upstream TLS, files read (see `loadUpstreamTls`)
   */
  public update(config: ProxyClusterConfig, tls: UpstreamTls | undefined): void {
    const previous = this.config;
    this.config = config;
    this.compilePolicies(config, tls);
    this.balancer.update(balancerOptions(config, tls));
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

  private compilePolicies(config: ProxyClusterConfig, tls: UpstreamTls | undefined): void {
    this.scheme = tls === undefined ? 'http' : 'https';
    this.retry = config.retry === undefined || config.retry.attempts === 0 ? undefined : new RetryPolicy(config.retry);
    this.retryBudget.ratio = (this.retry?.budgetPercent ?? DEFAULT_RETRY_BUDGET_PERCENT) / 100;
    this.requestTimeoutMs = config.timeouts?.requestMs ?? 0;
    this.streamIdleMs = config.timeouts?.streamIdleMs ?? 0;
    this.maxConcurrentCalls = config.circuitBreaker?.maxConcurrentCalls ?? Number.POSITIVE_INFINITY;
    this.overflowStatus = config.circuitBreaker?.overflowStatus === 'RESOURCE_EXHAUSTED' ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.UNAVAILABLE;
  }
}

function balancerOptions(config: ProxyClusterConfig, tls: UpstreamTls | undefined): ClusterBalancerOptions {
  return {
    policy: config.loadBalancer ?? DEFAULT_LOAD_BALANCER,
    pool: {
      connectTimeoutMs: config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      maxConnections: config.maxConnectionsPerEndpoint ?? DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT,
      tls,
      cluster: config.name,
    },
    healthCheck: config.healthCheck,
    outlierDetection: config.outlierDetection,
  };
}
