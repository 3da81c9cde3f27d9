import type { ProxyClusterConfig } from '../../core/proxy-config';
import type { Endpoint } from '../balancer/endpoint';
import { MAX_EJECTION_TIME_MS } from '../defaults';
import { channels, type EndpointEjectionMessage } from '../observability/channels';

/** Outlier-detection settings of a cluster. */
export type OutlierDetectionConfig = NonNullable<ProxyClusterConfig['outlierDetection']>;

/**
 * Passive outlier ejection on consecutive failures (the caller decides what a failure is: UNAVAILABLE, INTERNAL,
 * UNKNOWN, DATA_LOSS, resets and connection failures). After `consecutiveErrors` failures in a row an endpoint is
 * ejected for `baseEjectionTimeMs` times the number of its ejections (at most 300 s), unless that would eject
 * more than `maxEjectionPercent` of the cluster; one endpoint may always be ejected, except with 0 %, which
 * turns ejection off. Every `intervalMs` expired ejections end, and the ejection count of an endpoint that is not
 * ejected decays by one. Timers are `unref()`ed.
 */
export class OutlierDetector {
  private readonly cluster: string;
  private readonly config: OutlierDetectionConfig;
  private readonly endpoints: () => Iterable<Endpoint>;
  private readonly onChange: () => void;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  /**
   * @param cluster cluster name, for channel messages
   * @param config thresholds and times
   * @param endpoints the cluster's current (not draining) endpoints
   * @param onChange called when an endpoint is ejected or returns
   * @param now the clock
   */
  public constructor(
    cluster: string, config: OutlierDetectionConfig, endpoints: () => Iterable<Endpoint>, onChange: () => void, now: () => number = Date.now,
  ) {
    this.cluster = cluster;
    this.config = config;
    this.endpoints = endpoints;
    this.onChange = onChange;
    this.now = now;
    this.timer = setInterval(() => this.sweep(), config.intervalMs);
    this.timer.unref();
  }

  /** Records a failed call; may eject the endpoint. */
  public recordFailure(endpoint: Endpoint): void {
    endpoint.consecutiveFailures++;
    if (endpoint.ejected || endpoint.draining || endpoint.consecutiveFailures < this.config.consecutiveErrors) return;
    if (!this.mayEjectAnother()) return;
    endpoint.ejected = true;
    endpoint.ejections++;
    endpoint.consecutiveFailures = 0;
    const base = this.config.baseEjectionTimeMs;
    endpoint.ejectedUntilMs = this.now() + Math.min(base * endpoint.ejections, Math.max(MAX_EJECTION_TIME_MS, base));
    this.publish(endpoint, true);
    this.onChange();
  }

  /**
   * Ends the ejection of an endpoint that just passed an active health check: it answers again, so it need not
   * wait out its ejection time (the number of its ejections is kept, so a flapping endpoint is ejected longer).
   * @returns whether it was ejected
   */
  public readmit(endpoint: Endpoint): boolean {
    if (!endpoint.ejected) return false;
    endpoint.ejected = false;
    endpoint.consecutiveFailures = 0;
    this.publish(endpoint, false);
    this.onChange();
    return true;
  }

  /** Ends expired ejections now (the interval timer calls this). */
  public sweep(): void {
    const now = this.now();
    let changed = false;
    for (const endpoint of this.endpoints()) {
      if (endpoint.ejected) {
        if (endpoint.ejectedUntilMs > now) continue;
        endpoint.ejected = false;
        endpoint.consecutiveFailures = 0;
        this.publish(endpoint, false);
        changed = true;
      } else if (endpoint.ejections > 0) {
        endpoint.ejections--;
      }
    }
    if (changed) this.onChange();
  }

  /** Stops the timer; ejected endpoints stay as they are. */
  public stop(): void {
    clearInterval(this.timer);
  }

  private mayEjectAnother(): boolean {
    if (this.config.maxEjectionPercent <= 0) return false;
    let total = 0;
    let ejected = 0;
    for (const endpoint of this.endpoints()) {
      total++;
      if (endpoint.ejected) ejected++;
    }
    const allowed = Math.max(1, Math.floor((total * this.config.maxEjectionPercent) / 100));
    return ejected < allowed;
  }

  private publish(endpoint: Endpoint, ejected: boolean): void {
    if (!channels.endpointEjection.hasSubscribers) return;
    const message: EndpointEjectionMessage = { cluster: this.cluster, endpoint: endpoint.key, ejected };
    channels.endpointEjection.publish(message);
  }
}
