import { connect as connectTcp } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { connectUpstreamTls, negotiatedH2, tlsHandshakeError, type UpstreamTls } from './upstream-tls';
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
  /**
   * TLS to the endpoint.
   * @default - none: h2c
   */
  readonly tls?: UpstreamTls;
  /** Called once when the session is closed, whatever the reason. */
  readonly onClose: (session: UpstreamSession) => void;
  /**
   * Called once when the connection is established (see `connected`).
   * @default - nothing
   */
  readonly onConnect?: (session: UpstreamSession) => void;
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
 * One HTTP/2 connection to an endpoint, h2c (prior knowledge) or TLS (ALPN h2, certificate verified), with the
 * bookkeeping its pool needs: streams in flight, the peer's stream limit, whether it ever connected and whether it
 * still takes new streams (not after GOAWAY, an error or close). Keepalive PINGs detect a dead peer; a connection
 * that does not connect in time or does not answer a PING is destroyed, which fails its streams.
 *
 * A connection counts as connected once the endpoint sent its first bytes (its HTTP/2 SETTINGS), after ALPN h2
 * over TLS: until then nothing sent on it reached the application. The kernel completes a TCP handshake for a
 * listener whose process is being killed, and with TLS 1.3 a server refuses a client certificate after the
 * client's side of the handshake is done. A handshake that fails (certificate not
 * trusted, name mismatch, no h2, refused client certificate) fails the connection with an error that says so,
 * like a refused TCP connection.
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
  /** When the connection was established (`Date.now()`), 0 before. */
  public connectedAtMs = 0;
  private readonly onClosed: (session: UpstreamSession) => void;
  private readonly onConnected: ((session: UpstreamSession) => void) | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  /** Starts connecting. */
  public constructor(options: UpstreamSessionOptions) {
    const { host, port, tls } = options;
    this.onClosed = options.onClose;
    this.onConnected = options.onConnect;
    const socket = tls === undefined ? connectTcp({ host, port, noDelay: true }) : connectUpstreamTls(host, port, tls);
    if (tls === undefined) {
      // Connected on the endpoint's first bytes (its SETTINGS), not on TCP's handshake: the kernel completes that
      // for a listener whose process is dying, and nothing sent on such a connection reached an application.
      socket.once('connect', () => socket.once('data', () => this.onConnect()));
    } else {
      this.watchTlsHandshake(socket as TLSSocket, `${host}:${port}`);
    }
    this.connection = new H2Connection(socket, true, CONNECTION_OPTIONS);
    SESSIONS.set(this.connection, this);
    this.connectTimer = setTimeout(onConnectTimeout, options.connectTimeoutMs, this, options.connectTimeoutMs);
    this.connectTimer.unref();
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

  /**
   * Whether an established connection ended without the endpoint saying so (no GOAWAY): the process died, the
   * network broke, or a keepalive PING went unanswered.
   */
  public get lost(): boolean {
    return this.connected && this.connection.destroyed && !this.connection.goawayReceived;
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

  /**
   * Listens (before the HTTP/2 connection does) for the end of a TLS handshake: connected on the endpoint's first
   * bytes after it selected h2; an error before that is a handshake failure.
   */
  private watchTlsHandshake(socket: TLSSocket, endpoint: string): void {
    let tcpConnected = false;
    socket.once('connect', () => (tcpConnected = true));
    socket.once('secureConnect', () => {
      const refused = negotiatedH2(socket, endpoint);
      if (refused !== undefined) this.destroy(refused);
      else socket.once('data', () => this.onConnect());
    });
    socket.once('error', (error: Error) => {
      if (tcpConnected && !this.connected) this.destroy(tlsHandshakeError(endpoint, error));
    });
  }

  private onConnect(): void {
    if (this.connection.destroyed) return;
    this.connected = true;
    this.connectedAtMs = Date.now();
    this.clearConnectTimer();
    this.keepaliveTimer = setInterval(onKeepalive, UPSTREAM_KEEPALIVE_INTERVAL_MS, this);
    this.keepaliveTimer.unref();
    this.onConnected?.(this);
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
