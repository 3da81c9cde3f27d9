import { connect, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders, type Settings } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import {
  ASSUMED_PEER_MAX_CONCURRENT_STREAMS,
  SESSION_MAX_MEMORY_MB,
  SESSION_WINDOW_BYTES,
  UPSTREAM_KEEPALIVE_INTERVAL_MS,
  UPSTREAM_KEEPALIVE_TIMEOUT_MS,
} from '../defaults';

/** Where `UpstreamSession` keeps itself on the streams it opens. */
const SESSION = Symbol('grpc-mesh.upstream-session');

/** A stream opened by an `UpstreamSession`. */
type PooledStream = ClientHttp2Stream & { [SESSION]?: UpstreamSession };

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

const CONNECT_SETTINGS: Settings = Object.freeze({ enablePush: false });
const REQUEST_OPTIONS = Object.freeze({ endStream: false });

/**
 * One HTTP/2 connection (h2c, prior knowledge) to an endpoint, with the bookkeeping its pool needs: streams in
 * flight, the peer's stream limit, whether it ever connected and whether it still takes new streams (not after
 * GOAWAY, an error or close). Keepalive PINGs detect a dead peer; a connection that does not connect in time or
 * does not answer a PING is destroyed, which fails its streams.
 */
export class UpstreamSession {
  /** The session of a stream it opened. */
  public static of(stream: ClientHttp2Stream): UpstreamSession | undefined {
    return (stream as PooledStream)[SESSION];
  }

  /** The `node:http2` session. */
  public readonly session: ClientHttp2Session;
  /** Streams opened and not yet closed. */
  public activeStreams = 0;
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS (an assumed 100 until it arrives). */
  public maxStreams = ASSUMED_PEER_MAX_CONCURRENT_STREAMS;
  /** Whether the connection was ever established: a stream of a session that never connected reached nobody. */
  public connected = false;
  /** Whether new streams may be opened on it. */
  public usable = true;
  private readonly onClosed: (session: UpstreamSession) => void;
  private connectTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  /** Starts connecting. */
  public constructor(options: UpstreamSessionOptions) {
    const { host, port } = options;
    this.onClosed = options.onClose;
    this.session = connect(`http://${host.includes(':') ? `[${host}]` : host}:${port}`, {
      createConnection: () => connectTcp({ host, port, noDelay: true }),
      settings: CONNECT_SETTINGS,
      maxSessionMemory: SESSION_MAX_MEMORY_MB,
      peerMaxConcurrentStreams: ASSUMED_PEER_MAX_CONCURRENT_STREAMS,
    });
    this.connectTimer = setTimeout(onConnectTimeout, options.connectTimeoutMs, this, options.connectTimeoutMs);
    this.connectTimer.unref();
    this.session.on('connect', () => this.onConnect());
    this.session.on('remoteSettings', (settings: Settings) => {
      this.maxStreams = settings.maxConcurrentStreams ?? Number.MAX_SAFE_INTEGER;
    });
    this.session.on('goaway', () => {
      this.usable = false;
    });
    this.session.on('error', () => {
      this.usable = false;
    });
    this.session.on('close', () => this.onClose());
  }

  /** Whether another stream fits under the peer's limit. */
  public get hasCapacity(): boolean {
    return this.activeStreams < this.maxStreams;
  }

  /**
   * Opens a stream (queued by `node:http2` until the connection is up).
   * @throws when the session can no longer open streams or the headers are invalid
   */
  public request(headers: OutgoingHttpHeaders): ClientHttp2Stream {
    const stream = this.session.request(headers, REQUEST_OPTIONS) as PooledStream;
    stream[SESSION] = this;
    this.activeStreams++;
    stream.on('close', onPooledStreamClose);
    return stream;
  }

  /** Finishes the streams in flight, then closes (GOAWAY). */
  public close(): void {
    this.usable = false;
    if (!this.session.closed && !this.session.destroyed) this.session.close();
  }

  /** Closes at once, failing the streams in flight. */
  public destroy(error?: Error): void {
    this.usable = false;
    if (!this.session.destroyed) this.session.destroy(error);
  }

  private onConnect(): void {
    this.connected = true;
    this.clearConnectTimer();
    try {
      this.session.setLocalWindowSize(SESSION_WINDOW_BYTES);
    } catch {
      // Only fails on a session that is going away.
    }
    this.keepaliveTimer = setInterval(onKeepalive, UPSTREAM_KEEPALIVE_INTERVAL_MS, this);
    this.keepaliveTimer.unref();
  }

  private onClose(): void {
    this.usable = false;
    this.clearConnectTimer();
    if (this.keepaliveTimer !== undefined) clearInterval(this.keepaliveTimer);
    if (this.pingTimer !== undefined) clearTimeout(this.pingTimer);
    this.onClosed(this);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  /** Sends a PING; no answer within the keepalive timeout destroys the session. */
  public ping(): void {
    if (this.pingTimer !== undefined || this.session.destroyed || this.session.closed) return;
    this.pingTimer = setTimeout(onPingTimeout, UPSTREAM_KEEPALIVE_TIMEOUT_MS, this);
    this.pingTimer.unref();
    const sent = this.session.ping((error) => {
      if (this.pingTimer !== undefined) clearTimeout(this.pingTimer);
      this.pingTimer = undefined;
      if (error !== null && !this.session.destroyed) this.destroy(error);
    });
    if (!sent) {
      clearTimeout(this.pingTimer);
      this.pingTimer = undefined;
    }
  }
}

function onPooledStreamClose(this: PooledStream): void {
  const session = this[SESSION];
  if (session !== undefined) session.activeStreams--;
}

function onConnectTimeout(session: UpstreamSession, timeoutMs: number): void {
  if (!session.connected) session.destroy(new Error(`connect timeout after ${timeoutMs} ms`));
}

function onKeepalive(session: UpstreamSession): void {
  session.ping();
}

function onPingTimeout(session: UpstreamSession): void {
  session.destroy(new Error(`no PING answer within ${UPSTREAM_KEEPALIVE_TIMEOUT_MS} ms`));
}
