import { Counter, type Registry } from 'prom-client';
import type { BreakerOverflowMessage, CallEndMessage, ConnectFailureMessage, ConnectionLostMessage, DnsResolutionMessage, RetryMessage } from './channels';

/** Counts kept between scrapes, by the key of their series. */
class PendingCounts<L extends string> {
  private readonly pending = new Map<string, { labels: Record<L, string>; value: number }>();

  public add(key: string, labels: () => Record<L, string>, value: number): void {
    const entry = this.pending.get(key);
    if (entry === undefined) this.pending.set(key, { labels: labels(), value });
    else entry.value += value;
  }

  /** Adds what was counted since the last scrape to `counter`. */
  public flushInto(counter: Counter<L>): void {
    for (const entry of this.pending.values()) {
      if (entry.value > 0) counter.inc(entry.labels, entry.value);
      entry.value = 0;
    }
  }
}

/**
 * Traffic metrics of the proxy, counted per call in plain maps and added to their counters when scraped (a
 * prom-client `inc` per call would cost the data path):
 * - `grpc_mesh_proxy_request_bytes_total{listener,cluster}`, `grpc_mesh_proxy_response_bytes_total{listener,cluster}`:
 *   gRPC message bytes (request and response bodies)
 * - `grpc_mesh_proxy_endpoint_calls_total{cluster,endpoint}`: calls by the endpoint of their last try (bounded by the
 *   endpoints discovery finds)
 * - `grpc_mesh_proxy_retries_by_status_total{cluster,grpc_code}`: retries by the status that caused them
 * - `grpc_mesh_proxy_dns_resolutions_total{hostname,result}`: DNS resolutions of the clusters' names, `success` or
 *   `failure` (a failure keeps the last good endpoint set)
 * - `grpc_mesh_proxy_upstream_connect_failures_total{cluster}`: connections to endpoints that were never established
 * - `grpc_mesh_proxy_upstream_connections_lost_total{cluster}`: established connections that ended without GOAWAY
 * - `grpc_mesh_proxy_circuit_breaker_overflows_total{cluster}`: calls refused by a cluster's circuit breaker
 */
export class TrafficMetrics {
  private readonly requestBytes = new PendingCounts<'listener' | 'cluster'>();
  private readonly responseBytes = new PendingCounts<'listener' | 'cluster'>();
  private readonly endpointCalls = new PendingCounts<'cluster' | 'endpoint'>();
  private readonly retriesByStatus: Counter<'cluster' | 'grpc_code'>;
  private readonly dnsResolutions: Counter<'hostname' | 'result'>;
  private readonly connectFailures: Counter<'cluster'>;
  private readonly connectionsLost: Counter<'cluster'>;
  private readonly breakerOverflows: Counter<'cluster'>;

  /**
   * @param registry where the metrics are registered
   * @param codeName the name of a gRPC status code (`UNAVAILABLE`)
   */
  public constructor(registry: Registry, private readonly codeName: (code: number) => string) {
    const registers = [registry];
    const flushed = <L extends string>(name: string, help: string, labelNames: readonly L[], counts: PendingCounts<L>): void => {
      const counter: Counter<L> = new Counter({ name, help, labelNames, registers, collect: () => counts.flushInto(counter) });
    };
    flushed('grpc_mesh_proxy_request_bytes_total', 'gRPC request message bytes received from clients.', ['listener', 'cluster'], this.requestBytes);
    flushed('grpc_mesh_proxy_response_bytes_total', 'gRPC response message bytes sent to clients.', ['listener', 'cluster'], this.responseBytes);
    flushed('grpc_mesh_proxy_endpoint_calls_total', 'Calls by the endpoint of their last try.', ['cluster', 'endpoint'], this.endpointCalls);
    this.retriesByStatus = new Counter({
      name: 'grpc_mesh_proxy_retries_by_status_total',
      help: 'Retries made, by the gRPC status that caused them.',
      labelNames: ['cluster', 'grpc_code'],
      registers,
    });
    this.dnsResolutions = new Counter({
      name: 'grpc_mesh_proxy_dns_resolutions_total',
      help: 'DNS resolutions of cluster names, by result (a failure keeps the last good endpoints).',
      labelNames: ['hostname', 'result'],
      registers,
    });
    this.connectFailures = new Counter({
      name: 'grpc_mesh_proxy_upstream_connect_failures_total',
      help: 'Connections to endpoints that closed before they were established (refused, timed out, TLS failed).',
      labelNames: ['cluster'],
      registers,
    });
    this.connectionsLost = new Counter({
      name: 'grpc_mesh_proxy_upstream_connections_lost_total',
      help: 'Established connections to endpoints that ended without GOAWAY (the endpoint died, or stopped answering PINGs).',
      labelNames: ['cluster'],
      registers,
    });
    this.breakerOverflows = new Counter({
      name: 'grpc_mesh_proxy_circuit_breaker_overflows_total',
      help: 'Calls refused with the overflow status because the cluster had maxConcurrentCalls in flight.',
      labelNames: ['cluster'],
      registers,
    });
  }

  /** Counts a connection that was never established. */
  public connectFailed(m: ConnectFailureMessage): void {
    this.connectFailures.inc({ cluster: m.cluster });
  }

  /** Counts an established connection that was lost. */
  public connectionLost(m: ConnectionLostMessage): void {
    this.connectionsLost.inc({ cluster: m.cluster });
  }

  /** Counts a call the circuit breaker refused. */
  public overflowed(m: BreakerOverflowMessage): void {
    this.breakerOverflows.inc({ cluster: m.cluster });
  }

  /** Counts a finished call's bytes and endpoint. */
  public callEnded(m: CallEndMessage): void {
    const cluster = m.cluster ?? '';
    const key = `${m.listener}\0${cluster}`;
    const labels = () => ({ listener: m.listener, cluster });
    if (m.requestBytes > 0) this.requestBytes.add(key, labels, m.requestBytes);
    if (m.responseBytes > 0) this.responseBytes.add(key, labels, m.responseBytes);
    if (m.endpoint !== undefined) this.endpointCalls.add(`${cluster}\0${m.endpoint}`, () => ({ cluster, endpoint: m.endpoint as string }), 1);
  }

  /** Counts a retry by its cause. */
  public retried(m: RetryMessage): void {
    this.retriesByStatus.inc({ cluster: m.cluster, grpc_code: this.codeName(m.status) });
  }

  /** Counts a DNS resolution. */
  public dnsResolved(m: DnsResolutionMessage): void {
    this.dnsResolutions.inc({ hostname: m.hostname, result: m.ok ? 'success' : 'failure' });
  }
}
