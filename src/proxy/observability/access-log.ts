import pino, { type DestinationStream, type Logger } from 'pino';
import { channels, type CallEndMessage } from './channels';

/** One access log line, as written (besides `time`). */
export interface AccessLogEntry {
  readonly listener: string;
  readonly remote: string | null;
  readonly service: string;
  readonly method: string;
  /** gRPC status code sent downstream. */
  readonly status: number;
  /** `namespace/name` of the matched route, or null. */
  readonly route: string | null;
  readonly cluster: string | null;
  /** `address:port` of the endpoint of the last try, or null. */
  readonly endpoint: string | null;
  readonly durationMs: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly retries: number;
  readonly traceparent: string;
}

/** Options of {@link AccessLog}. */
export interface AccessLogOptions {
  /**
   * Where lines go.
   * @default - stdout, written asynchronously (flushed by `close()`)
   */
  readonly destination?: DestinationStream;
}

/**
 * The JSON access log: one line per call (from `channels.callEnd`), with an ISO time and the fields of
 * {@link AccessLogEntry}; absent values are `null`, so every line has the same keys. `close()` unsubscribes and
 * flushes.
 */
export class AccessLog {
  /** The pino logger lines are written with. */
  public readonly logger: Logger;
  private readonly destination: DestinationStream;
  private readonly listener: (message: unknown) => void;
  private closed = false;

  public constructor(options: AccessLogOptions = {}) {
    this.destination = options.destination ?? pino.destination({ dest: 1, sync: false });
    this.logger = pino({
      base: null,
      // No level on access lines: the line then starts with the time, which takes no leading comma.
      formatters: { level: () => ({}) },
      timestamp: () => `"time":"${new Date().toISOString()}"`,
    }, this.destination);
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
      listener: m.listener,
      remote: m.remoteAddress ?? null,
      service: m.service,
      method: m.method,
      status: m.status,
      route: m.route ?? null,
      cluster: m.cluster ?? null,
      endpoint: m.endpoint ?? null,
      durationMs: Math.round(m.durationMs * 1000) / 1000,
      requestBytes: m.requestBytes,
      responseBytes: m.responseBytes,
      retries: m.retries,
      traceparent: m.traceparent,
    };
    this.logger.info(entry);
  }
}
