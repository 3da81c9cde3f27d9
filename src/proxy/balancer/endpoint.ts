import { EndpointPool, type EndpointPoolOptions } from '../upstream/endpoint-pool';

/** What an `Endpoint` tells its balancer about its connections. */
export interface EndpointEvents {
  /** The endpoint became unreachable or reachable again (see `EndpointPool.reachable`). */
  onReachabilityChange(endpoint: Endpoint): void;
  /** An established connection to it ended without GOAWAY. */
  onConnectionLost(endpoint: Endpoint): void;
}

/**
 * One endpoint of a cluster and everything the balancer knows about it: its connections (and whether it can be
 * reached), calls in flight, active health, outlier ejection and whether discovery dropped it (draining: no new call, in-flight calls finish, its
 * connections close once idle). Mutable counters live here so that pickers can read them without allocating.
 */
export class Endpoint {
  /** Address (or host name of a static endpoint). */
  public readonly address: string;
  /** Port. */
  public readonly port: number;
  /** `address:port`. */
  public readonly key: string;
  /** HTTP/2 connections to the endpoint. */
  public readonly pool: EndpointPool;
  /** Calls in flight (tries, retries included), read by LEAST_REQUEST. */
  public activeCalls = 0;
  /** Result of active health checks (true until a check says otherwise). */
  public healthy = true;
  /** Whether outlier detection ejected it. */
  public ejected = false;
  /** Whether discovery dropped it. */
  public draining = false;
  /** Failed calls in a row (outlier detection). */
  public consecutiveFailures = 0;
  /** Ejections so far, decayed while it behaves (the n-th ejection lasts n base ejection times). */
  public ejections = 0;
  /** When the current ejection ends (ms since the epoch). */
  public ejectedUntilMs = 0;

  /**
   * @param address endpoint address
   * @param port endpoint port
   * @param key `address:port`
   * @param poolOptions connection limits
   * @param events listener of its reachability changes and lost connections
   * @param random random source of the pool's reconnect jitter
   */
  public constructor(address: string, port: number, key: string, poolOptions: EndpointPoolOptions, events?: EndpointEvents, random?: () => number) {
    this.address = address;
    this.port = port;
    this.key = key;
    const poolEvents = events === undefined ? undefined : {
      onReachabilityChange: () => events.onReachabilityChange(this),
      onConnectionLost: () => events.onConnectionLost(this),
    };
    this.pool = new EndpointPool(address, port, poolOptions, poolEvents, random);
  }

  /** Whether new calls may go to it (not counting panic mode): healthy, reachable, not ejected, not draining. */
  public get available(): boolean {
    return this.healthy && !this.ejected && !this.draining && this.pool.reachable;
  }
}
