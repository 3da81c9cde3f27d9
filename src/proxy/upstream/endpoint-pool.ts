import { EndpointUnreachableError } from './endpoint-unreachable-error';
import { UpstreamSession } from './upstream-session';
import type { UpstreamTls } from './upstream-tls';
import { RECONNECT_BACKOFF_BASE_MS, RECONNECT_BACKOFF_MAX_MS } from '../defaults';
import type { H2Stream, H2StreamHandler } from '../h2/h2-stream';
import type { OutgoingFields } from '../h2/hpack/encoder';
import { channels, type ConnectFailureMessage } from '../observability/channels';

/** Options of an `EndpointPool`. */
export interface EndpointPoolOptions {
  /** Time to establish a connection. */
  readonly connectTimeoutMs: number;
  /** Connections at most; another opens only when every open one is at the peer's stream limit. */
  readonly maxConnections: number;
  /**
   * TLS to the endpoint.
   * @default - none: h2c
   */
  readonly tls?: UpstreamTls;
  /**
   * The cluster the endpoint belongs to, named in the connect-failure events.
   * @default ''
   */
  readonly cluster?: string;
}

/**
 * The HTTP/2 connections to one endpoint. Streams go to the first connection with room under the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS; when all are full a new one opens, up to `maxConnections`, after which the
 * least loaded takes the stream (queued until a slot frees). A connection that got GOAWAY, failed or
 * closed takes no new stream and leaves the pool when it closes; the next call opens a fresh one. `request()`
 * is synchronous: on a connection still connecting the stream is queued.
 *
 * A connection that fails before it is established (TLS handshake included) puts the endpoint in backoff (200 ms,
 * doubling up to 10 s, reset by the next established connection): meanwhile `request()` fails at once with
 * `EndpointUnreachableError`, which carries the reason of the last failure, instead of piling calls on connection
 * attempts to a dead address (whose connect timeout would delay them).
 *
 * New settings (`update()`) apply to connections opened from then on; when the TLS settings changed, the open
 * connections are closed gracefully (their streams finish) so that new calls use the new ones.
 */
export class EndpointPool {
  /** Host of the endpoint. */
  public readonly host: string;
  /** Port of the endpoint. */
  public readonly port: number;
  private options: EndpointPoolOptions;
  private readonly sessions: UpstreamSession[] = [];
  private closing = false;
  private connectFailures = 0;
  private retryAtMs = 0;
  private lastConnectError: string | undefined;
  /** Sessions closed because the TLS settings changed: their end says nothing about the endpoint. */
  private readonly retired = new WeakSet<UpstreamSession>();
  private readonly onSessionClose: (session: UpstreamSession) => void;

  /**
   * @param host address of the endpoint
   * @param port port of the endpoint
   * @param options limits
   */
  public constructor(host: string, port: number, options: EndpointPoolOptions) {
    this.host = host;
    this.port = port;
    this.options = options;
    this.onSessionClose = (session) => {
      const index = this.sessions.indexOf(session);
      if (index !== -1) this.sessions.splice(index, 1);
      if (session.connected) {
        this.connectFailures = 0;
        this.lastConnectError = undefined;
      } else if (!this.closing && !this.retired.has(session)) {
        this.connectFailures++;
        this.lastConnectError = session.connection.error?.message;
        if (channels.connectFailure.hasSubscribers) {
          channels.connectFailure.publish({
            cluster: this.options.cluster ?? '', endpoint: `${this.host}:${this.port}`, error: this.lastConnectError ?? 'connection closed',
          } satisfies ConnectFailureMessage);
        }
        this.retryAtMs = Date.now() + Math.min(RECONNECT_BACKOFF_MAX_MS, RECONNECT_BACKOFF_BASE_MS * 2 ** (this.connectFailures - 1));
      }
    };
  }

  /** Open connections (connecting ones included). */
  public get connections(): number {
    return this.sessions.length;
  }

  /** `:scheme` of requests to the endpoint: `https` over TLS, else `http`. */
  public get scheme(): 'http' | 'https' {
    return this.options.tls === undefined ? 'http' : 'https';
  }

  /**
   * Applies new settings to connections opened from now on. Other TLS settings also close the open connections
   * gracefully and end a reconnect backoff, whose failures were those of the old settings.
   */
  public update(options: EndpointPoolOptions): void {
    const tlsChanged = options.tls?.settings !== this.options.tls?.settings;
    this.options = options;
    if (!tlsChanged) return;
    this.connectFailures = 0;
    this.lastConnectError = undefined;
    for (const session of [...this.sessions]) {
      this.retired.add(session);
      session.close();
    }
  }

  /**
   * Opens a stream whose events go to `handler`; `UpstreamSession.of(stream)` tells which connection carries it.
   * @throws EndpointUnreachableError while the endpoint is in reconnect backoff; an error when the pool is closed
   */
  public request(headers: OutgoingFields, handler: H2StreamHandler): H2Stream {
    if (this.closing) throw new Error('the endpoint pool is closed');
    // Synchronous from the pick to the request: the picked connection cannot go away in between.
    return this.sessionForNextStream().request(headers, handler);
  }

  /** Lets every connection finish its streams, then closes it; the pool takes no new stream. */
  public closeWhenIdle(): void {
    this.closing = true;
    for (const session of [...this.sessions]) session.close();
  }

  /** Closes every connection now, failing streams in flight. */
  public destroy(): void {
    this.closing = true;
    for (const session of [...this.sessions]) session.destroy();
  }

  /** Whether every connection of a closed pool has gone. */
  public get closed(): boolean {
    return this.closing && this.sessions.length === 0;
  }

  private sessionForNextStream(): UpstreamSession {
    const sessions = this.sessions;
    let usable = 0;
    let leastLoaded: UpstreamSession | undefined;
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i];
      if (session.closed) continue;
      if (session.hasCapacity) return session;
      usable++;
      if (leastLoaded === undefined || session.activeStreams < leastLoaded.activeStreams) leastLoaded = session;
    }
    if (leastLoaded === undefined || usable < this.options.maxConnections) return this.open();
    return leastLoaded;
  }

  private open(): UpstreamSession {
    if (this.connectFailures > 0) {
      const waitMs = this.retryAtMs - Date.now();
      if (waitMs > 0) throw new EndpointUnreachableError(`${this.host}:${this.port}`, waitMs, this.lastConnectError);
    }
    const session = new UpstreamSession({
      host: this.host,
      port: this.port,
      connectTimeoutMs: this.options.connectTimeoutMs,
      tls: this.options.tls,
      onClose: this.onSessionClose,
    });
    this.sessions.push(session);
    return session;
  }
}
