import pino, { type DestinationStream } from 'pino';
import { channels, type CallEndMessage } from './channels';
import type { AccessLogField } from '../../core/access-log-format';

/**
 * One access log line: the keys of `ACCESS_LOG_FORMAT`, the schema the Envoy tier's access log has too, so one log
 * pipeline reads both tiers.
 */
export type AccessLogEntry = Readonly<Record<AccessLogField, string | number | null>>;

/** Options of {@link AccessLog}. */
export interface AccessLogOptions {
  /**
   * Where lines go.
   * @default - stdout, written asynchronously (flushed by `close()`)
   */
  readonly destination?: DestinationStream;
}

/**
 * The JSON access log: one line per call (from `channels.callEnd`) with the keys of `ACCESS_LOG_FORMAT`, the same
 * as the Envoy tier's (`start_time`, `path`, `grpc_status`, `duration_ms`...); absent values are `null`, so every
 * line has the same keys. `close()` unsubscribes and flushes.
 */
export class AccessLog {
  private readonly destination: DestinationStream;
  private readonly listener: (message: unknown) => void;
  private closed = false;

  public constructor(options: AccessLogOptions = {}) {
    // pino's asynchronous destination (sonic-boom) buffers the lines; each line is the schema's keys only.
    this.destination = options.destination ?? pino.destination({ dest: 1, sync: false });
    this.listener = (message) => this.write(message as CallEndMessage);
    channels.callEnd.subscribe(this.listener);
  }

  /** Unsubscribes and writes out what is buffered. */
  public close(): void {
    if (this.closed) return;
    this.closed = true;
    channels.callEnd.unsubscribe(this.listener);
    const sonic = this.destination as Partial<{ flushSync(): void }>;
    try {
      sonic.flushSync?.();
    } catch {
      // Nothing buffered, or the stream is not open yet: nothing to flush.
    }
  }

  private write(m: CallEndMessage): void {
    const entry: AccessLogEntry = {
      start_time: new Date(Date.now() - m.durationMs).toISOString(),
      path: m.service === '' ? m.method : `/${m.service}/${m.method}`,
      grpc_status: m.status,
      // Envoy's flags say why it answered itself; the proxy's reasons are in its status message and metrics.
      response_flags: '-',
      duration_ms: Math.round(m.durationMs * 1000) / 1000,
      bytes_received: m.requestBytes,
      bytes_sent: m.responseBytes,
      upstream_host: m.endpoint ?? null,
      upstream_cluster: m.cluster ?? null,
      route_name: m.route ?? null,
      upstream_request_attempt_count: m.endpoint === undefined ? 0 : m.retries + 1,
      downstream_remote_address: m.remoteAddress ?? null,
      request_id: m.requestId ?? null,
      traceparent: m.traceparent,
    };
    this.destination.write(`${JSON.stringify(entry)}\n`);
  }
}
