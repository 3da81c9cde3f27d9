import type { Logger } from 'pino';
import {
  channels, type ConnectionCloseMessage, type ConnectionLostMessage, type DnsResolutionMessage, type EndpointReachabilityMessage,
  type EndpointsMessage,
} from './channels';

/**
 * Logs what an operator needs from the data path's events, without a line per call:
 * - `endpoints changed` (info): a cluster's endpoint count, and the endpoints added and removed;
 * - `DNS resolution failed` (warn): the first failure of a name, with the error (the last good endpoints are
 *   kept), and `DNS resolution recovered` (info) with the number of failures in a row, so a flapping resolver is
 *   two lines per outage, not one per second;
 * - `endpoint unreachable` (warn): a connection attempt to an endpoint failed, with the error (it gets no call until
 *   a reconnect succeeds), and `endpoint reachable again` (info);
 * - `connection to endpoint lost` (warn): an established connection ended without GOAWAY, with the calls it carried;
 * - `client connection closed` (debug): a client connection the proxy closed or refused, with the listener and the
 *   reason (`flood`, `rapid_reset`, `header_limit`, `slow_reader`, `idle`, `connection_limit`, ...; the metric
 *   `grpc_mesh_proxy_connections_closed_total` counts them at any log level).
 */
export class EventLog {
  private readonly endpoints = new Map<string, ReadonlySet<string>>();
  private readonly failuresInARow = new Map<string, number>();
  private readonly onEndpoints: (m: unknown) => void;
  private readonly onDns: (m: unknown) => void;
  private readonly onReachability: (m: unknown) => void;
  private readonly onConnectionLost: (m: unknown) => void;
  private readonly onConnectionClose: (m: unknown) => void;

  /** @param logger where the lines go */
  public constructor(private readonly logger: Pick<Logger, 'debug' | 'info' | 'warn'>) {
    this.onEndpoints = (m) => this.endpointsChanged(m as EndpointsMessage);
    this.onDns = (m) => this.dnsResolved(m as DnsResolutionMessage);
    channels.endpoints.subscribe(this.onEndpoints);
    this.onReachability = (m) => this.reachabilityChanged(m as EndpointReachabilityMessage);
    channels.dnsResolution.subscribe(this.onDns);
    channels.endpointReachability.subscribe(this.onReachability);
    this.onConnectionLost = (m) => {
      const { cluster, endpoint, callsInFlight } = m as ConnectionLostMessage;
      this.logger.warn({ cluster, endpoint, callsInFlight }, 'connection to endpoint lost');
    };
    channels.connectionLost.subscribe(this.onConnectionLost);
    this.onConnectionClose = (m) => {
      const { listener, reason } = m as ConnectionCloseMessage;
      this.logger.debug({ listener, reason }, 'client connection closed');
    };
    channels.connectionClose.subscribe(this.onConnectionClose);
  }

  /** Stops logging. */
  public close(): void {
    channels.endpoints.unsubscribe(this.onEndpoints);
    channels.dnsResolution.unsubscribe(this.onDns);
    channels.endpointReachability.unsubscribe(this.onReachability);
    channels.connectionLost.unsubscribe(this.onConnectionLost);
    channels.connectionClose.unsubscribe(this.onConnectionClose);
  }

  private reachabilityChanged(m: EndpointReachabilityMessage): void {
    if (m.reachable) this.logger.info({ cluster: m.cluster, endpoint: m.endpoint }, 'endpoint reachable again');
    else this.logger.warn({ cluster: m.cluster, endpoint: m.endpoint, error: m.error }, 'endpoint unreachable; reconnecting with backoff');
  }

  private endpointsChanged(m: EndpointsMessage): void {
    const previous = this.endpoints.get(m.cluster) ?? new Set<string>();
    const next = new Set(m.endpoints);
    this.endpoints.set(m.cluster, next);
    const added = m.endpoints.filter((e) => !previous.has(e));
    const removed = [...previous].filter((e) => !next.has(e));
    this.logger.info({ cluster: m.cluster, endpoints: next.size, added, removed }, 'endpoints changed');
  }

  private dnsResolved(m: DnsResolutionMessage): void {
    const failures = this.failuresInARow.get(m.hostname) ?? 0;
    if (!m.ok) {
      if (failures === 0) this.logger.warn({ hostname: m.hostname, error: m.error }, 'DNS resolution failed; the last endpoints are kept');
      this.failuresInARow.set(m.hostname, failures + 1);
      return;
    }
    if (failures > 0) this.logger.info({ hostname: m.hostname, failures, addresses: m.addresses }, 'DNS resolution recovered');
    this.failuresInARow.delete(m.hostname);
  }
}
