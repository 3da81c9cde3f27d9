import { connect as connectTcp } from 'node:net';
import {
  ASSUMED_PEER_MAX_CONCURRENT_STREAMS,
  SESSION_WINDOW_BYTES,
  STREAM_WINDOW_BYTES,
  UPSTREAM_KEEPALIVE_INTERVAL_MS,
  UPSTREAM_KEEPALIVE_TIMEOUT_MS,
} from '../defaults';
import { H2Connection, type H2ConnectionOptions } from '../h2/h2-connection';
import type { H2Stream, H2StreamHandler } from '../h2/h2-stream';
import type { OutgoingFields } from '../h2/hpack/encoder';

/** Options of an `UpstreamSession`. */
export interface UpstreamSessionOptions {
  /** Host to connect to. */
  readonly host: string;
  /** Port to connect to. */
  readonly port: number;
  /** Time to establish the connection; the session is destroyed when it runs out. */
  readonly connectTimeoutMs: number;
  /** Called once when the session is closed, whatever the reason. */
  readonly onClose: (session: UpstreamSession) => void;
}

const CONNECTION_OPTIONS: H2ConnectionOptions = Object.freeze({
  maxConcurrentStreams: 0,
  // Responses come from our own upstreams: limits only guard against a broken one.
  maxHeaderListBytes: 1024 * 1024,
  maxHeaderFields: 10_000,
  streamWindowBytes: STREAM_WINDOW_BYTES,
  connectionWindowBytes: SESSION_WINDOW_BYTES,
  assumedPeerMaxStreams: ASSUMED_PEER_MAX_CONCURRENT_STREAMS,
});

/**
 * One HTTP/2 connection (h2c, prior knowledge) to an endpoint, with the bookkeeping its pool needs: streams in
 * flight, the peer's stream limit, whether it ever connected and whether it still takes new streams (not after
 * GOAWAY, an error or close). Keepalive PINGs detect a dead peer; a connection that does not connect in time or
 * does not answer a PING is destroyed, which fails its streams.
 */
export class UpstreamSession {
  /** The session of a stream it opened. */
  public static of(stream: H2Stream): UpstreamSession | undefined {
    return SESSIONS.get(stream.connection);
  }

  /** The HTTP/2 connection. */
  public readonly connection: H2Connection;
  /** Whether the connection was ever established: a stream of a session that never connected reached nobody. */
  public connected = false;
  private readonly onClosed: (session: UpstreamSession) => void;
  private connectTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  /** Starts connecting. */
  public constructor(options: UpstreamSessionOptions) {
    const { host, port } = options;
    this.onClosed = options.onClose;
    const socket = connectTcp({ host, port, noDelay: true });
    this.connection = new H2Connection(socket, true, CONNECTION_OPTIONS);
    SESSIONS.set(this.connection, this);
    this.connectTimer = setTimeout(onConnectTimeout, options.connectTimeoutMs, this, options.connectTimeoutMs);
    this.connectTimer.unref();
    socket.once('connect', () => this.onConnect());
    this.connection.onClose = () => this.onClose();
  }

  /** Streams open or waiting for a slot. */
  public get activeStreams(): number {
    return this.connection.activeStreams;
  }

  /** Whether another stream fits under the peer's limit. */
  public get hasCapacity(): boolean {
    return this.connection.hasCapacity;
  }

  /** Whether the connection is closed or going away (GOAWAY either way): it takes no new stream. */
  public get closed(): boolean {
    return this.connection.destroyed || this.connection.goingAway;
  }

  /**
   * Opens a stream (sent as soon as the connection and the peer's stream limit allow).
   * @throws when the session can no longer open streams
   */
  public request(headers: OutgoingFields, handler: H2StreamHandler): H2Stream {
    return this.connection.request(headers, handler);
  }

  /** Finishes the streams in flight, then closes (GOAWAY). */
  public close(): void {
    this.connection.close();
  }

  /** Closes at once, failing the streams in flight. */
  public destroy(error?: Error): void {
    this.connection.destroy(error);
  }

  /** Sends a PING; no answer within the keepalive timeout destroys the session. */
  public ping(): void {
    if (this.pingTimer !== undefined || this.closed) return;
    const sent = this.connection.ping((error) => {
      if (this.pingTimer !== undefined) clearTimeout(this.pingTimer);
      this.pingTimer = undefined;
      if (error !== null) this.destroy(error);
    });
    if (!sent) return;
    this.pingTimer = setTimeout(onPingTimeout, UPSTREAM_KEEPALIVE_TIMEOUT_MS, this);
    this.pingTimer.unref();
  }

  private onConnect(): void {
    this.connected = true;
    this.clearConnectTimer();
    this.keepaliveTimer = setInterval(onKeepalive, UPSTREAM_KEEPALIVE_INTERVAL_MS, this);
    this.keepaliveTimer.unref();
  }

  private onClose(): void {
    this.clearConnectTimer();
    if (this.keepaliveTimer !== undefined) clearInterval(this.keepaliveTimer);
    if (this.pingTimer !== undefined) clearTimeout(this.pingTimer);
    this.onClosed(this);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }
}

/** The session of each connection (a weak map: nothing to clean up). */
const SESSIONS = new WeakMap<H2Connection, UpstreamSession>();

function onConnectTimeout(session: UpstreamSession, timeoutMs: number): void {
  if (!session.connected) session.destroy(new Error(`connect timeout after ${timeoutMs} ms`));
}

function onKeepalive(session: UpstreamSession): void {
  session.ping();
}

function onPingTimeout(session: UpstreamSession): void {
  session.destroy(new Error(`no PING answer within ${UPSTREAM_KEEPALIVE_TIMEOUT_MS} ms`));
}
