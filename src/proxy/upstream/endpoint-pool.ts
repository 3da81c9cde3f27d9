import { EndpointUnreachableError } from './endpoint-unreachable-error';
import { UpstreamSession } from './upstream-session';
import type { UpstreamTls } from './upstream-tls';
import { RECONNECT_BACKOFF_BASE_MS, RECONNECT_BACKOFF_JITTER, RECONNECT_BACKOFF_MAX_MS } from '../defaults';
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

/** What an `EndpointPool` tells its owner. */
export interface EndpointPoolEvents {
  /** The endpoint became unreachable (a connection attempt failed) or reachable again (a connection was made). */
  onReachabilityChange(): void;
  /** An established connection ended without GOAWAY (see `UpstreamSession.lost`). */
  onConnectionLost(): void;
}

/** A lost connection younger than this is followed by a backoff before reconnecting, an older one by none. */
const LOST_CONNECTION_MIN_LIFE_MS = 1000;

const NO_EVENTS: EndpointPoolEvents = { onReachabilityChange: () => undefined, onConnectionLost: () => undefined };

/**
 * The HTTP/2 connections to one endpoint. Streams go to the first connection with room under the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS; when all are full a new one opens, up to `maxConnections`, after which the
 * least loaded takes the stream (queued until a slot frees). A connection that got GOAWAY, failed or
 * closed takes no new stream and leaves the pool when it closes; the next call opens a fresh one. `request()`
 * is synchronous: on a connection still connecting the stream is queued.
 *
 * Reachability, as a gRPC client's subchannel has it: a connection that fails before it is established (TLS
 * handshake included) makes the endpoint unreachable, and the balancer leaves it out. The pool then reconnects by
 * itself, with exponential backoff (200 ms doubling up to 2.5 s, each wait spread by ±20 % so that endpoints are not
 * retried in step), until a connection is established: the endpoint is reachable again and takes calls, within
 * seconds of a crashed pod coming back, with no call spent to find out. An established connection that is lost
 * (no GOAWAY) is replaced at once, so a pod that died is found unreachable by that attempt, not by a call.
 * Meanwhile `request()` fails at once with `EndpointUnreachableError` (the reason of the last failure in it) instead
 * of piling calls on a dead address.
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
  private readonly events: EndpointPoolEvents;
  private readonly random: () => number;
  private readonly sessions: UpstreamSession[] = [];
  private closing = false;
  private connectFailures = 0;
  private retryAtMs = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastConnectError: string | undefined;
  /** Sessions closed because the TLS settings changed: their end says nothing about the endpoint. */
  private readonly retired = new WeakSet<UpstreamSession>();
  private readonly onSessionClose: (session: UpstreamSession) => void;
  private readonly onSessionConnect: () => void;

  /**
   * @param host address of the endpoint
   * @param port port of the endpoint
   * @param options limits
   * @param events listener of reachability changes and lost connections
   * @param random random source of the reconnect jitter
   */
  public constructor(
    host: string, port: number, options: EndpointPoolOptions, events: EndpointPoolEvents = NO_EVENTS, random: () => number = Math.random,
  ) {
    this.onSessionClose = (session) => this.sessionClosed(session);
    this.onSessionConnect = () => this.reached();
    this.host = host;
    this.port = port;
    this.options = options;
    this.events = events;
    this.random = random;
  }

  /** Whether the last connection attempt succeeded (true until one fails). */
  public get reachable(): boolean {
    return this.connectFailures === 0;
  }

  /** Why the last connection attempt failed, while the endpoint is unreachable. */
  public get unreachableReason(): string | undefined {
    return this.reachable ? undefined : this.lastConnectError ?? 'connection closed';
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
    if (!this.reachable) this.reached();
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
    this.stopReconnecting();
    for (const session of [...this.sessions]) session.close();
  }

  /** Closes every connection now, failing streams in flight. */
  public destroy(): void {
    this.closing = true;
    this.stopReconnecting();
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
    if (!this.reachable) {
      const waitMs = this.retryAtMs - Date.now();
      if (waitMs > 0) throw new EndpointUnreachableError(`${this.host}:${this.port}`, waitMs, this.lastConnectError);
    }
    return this.connect();
  }

  private connect(): UpstreamSession {
    const session = new UpstreamSession({
      host: this.host,
      port: this.port,
      connectTimeoutMs: this.options.connectTimeoutMs,
      tls: this.options.tls,
      onClose: this.onSessionClose,
      onConnect: this.onSessionConnect,
    });
    this.sessions.push(session);
    return session;
  }

  private sessionClosed(session: UpstreamSession): void {
    const index = this.sessions.indexOf(session);
    if (index !== -1) this.sessions.splice(index, 1);
    if (this.closing || this.retired.has(session)) return;
    if (session.connected) {
      if (session.lost) this.connectionLost(session);
      return;
    }
    this.connectFailures++;
    this.lastConnectError = session.connection.error?.message;
    if (channels.connectFailure.hasSubscribers) {
      channels.connectFailure.publish({
        cluster: this.options.cluster ?? '', endpoint: `${this.host}:${this.port}`, error: this.lastConnectError ?? 'connection closed',
      } satisfies ConnectFailureMessage);
    }
    const waitMs = reconnectBackoffMs(this.connectFailures, this.random);
    this.retryAtMs = Date.now() + waitMs;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(onReconnectDue, waitMs, this);
    this.reconnectTimer.unref();
    if (this.connectFailures === 1) this.events.onReachabilityChange();
  }

  /**
   * An established connection died under us: reconnect now, as gRPC's round robin does with a subchannel that went
   * idle, so that a dead endpoint is known unreachable before a call is sent to it. A connection that died within a
   * second of being made waits a backoff first, so an endpoint that accepts and drops connections is not spun on.
   */
  private connectionLost(session: UpstreamSession): void {
    this.events.onConnectionLost();
    if (this.closing || this.reconnectTimer !== undefined || this.sessions.some((other) => !other.closed)) return;
    const livedMs = Date.now() - session.connectedAtMs;
    if (livedMs >= LOST_CONNECTION_MIN_LIFE_MS) {
      this.connect();
    } else {
      this.reconnectTimer = setTimeout(onReconnectDue, reconnectBackoffMs(1, this.random), this);
      this.reconnectTimer.unref();
    }
  }

  /** @internal The backoff after a failed attempt is over: try again, unless a call already did. */
  public reconnectDue(): void {
    this.reconnectTimer = undefined;
    if (this.closing) return;
    if (this.sessions.every((session) => session.closed)) this.connect();
  }

  /** A connection was established: the endpoint is reachable. */
  private reached(): void {
    if (this.reachable) return;
    this.connectFailures = 0;
    this.lastConnectError = undefined;
    this.stopReconnecting();
    this.events.onReachabilityChange();
  }

  private stopReconnecting(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }
}

/**
 * The wait before the next connection attempt: 200 ms doubling per failure in a row up to 2.5 s, spread by ±20 %.
 * @param failures connection attempts failed in a row (1 after the first)
 * @param random random source
 */
export function reconnectBackoffMs(failures: number, random: () => number): number {
  const ceilingMs = Math.min(RECONNECT_BACKOFF_MAX_MS, RECONNECT_BACKOFF_BASE_MS * 2 ** (failures - 1));
  return ceilingMs * (1 + RECONNECT_BACKOFF_JITTER * (2 * random() - 1));
}

function onReconnectDue(pool: EndpointPool): void {
  pool.reconnectDue();
}
