import { readFileSync } from 'node:fs';
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type SecureServerOptions,
  type ServerHttp2Session,
  type ServerHttp2Stream,
  type ServerOptions,
} from 'node:http2';
import type { Socket } from 'node:net';
import {
  LISTENER_MAX_CONCURRENT_STREAMS,
  LISTENER_MAX_HEADER_LIST_PAIRS,
  LISTENER_MAX_HEADER_LIST_SIZE,
  SESSION_MAX_MEMORY_MB,
  SESSION_WINDOW_BYTES,
} from './defaults';
import type { ProxyListenerConfig } from '../core/proxy-config';

/** Handles a new stream of a listener. */
export type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

/**
 * A listener: `http2.createServer` for h2c (HTTP/2 with prior knowledge) or `http2.createSecureServer` for TLS
 * with ALPN `h2` only (`allowHTTP1: false`), optionally requiring client certificates signed by `clientCaFile`.
 * Abuse stays local: a header list over 64 KiB or 256 fields gets its stream reset (ENHANCE_YOUR_CALM), a
 * session is capped at 1,000 concurrent streams and 32 MiB of nghttp2 memory (new streams are refused past it),
 * and a session or socket error only ends that connection.
 */
export class ProxyListener {
  /**
   * Binds a listener.
   * @param config address, port and TLS
   * @param onStream called for every new stream
   * @throws when the port cannot be bound or a TLS file cannot be read
   */
  public static async bind(config: ProxyListenerConfig, onStream: StreamHandler): Promise<ProxyListener> {
    const listener = new ProxyListener(config, onStream);
    await listener.listen();
    return listener;
  }

  /** The listener's config. */
  public readonly config: ProxyListenerConfig;
  private readonly server: Http2Server | Http2SecureServer;
  private readonly sessions = new Set<ServerHttp2Session>();
  private boundPort = 0;

  private constructor(config: ProxyListenerConfig, onStream: StreamHandler) {
    this.config = config;
    const options: ServerOptions = {
      maxHeaderListPairs: LISTENER_MAX_HEADER_LIST_PAIRS,
      maxSessionMemory: SESSION_MAX_MEMORY_MB,
      settings: {
        maxConcurrentStreams: LISTENER_MAX_CONCURRENT_STREAMS,
        maxHeaderListSize: LISTENER_MAX_HEADER_LIST_SIZE,
        enablePush: false,
      },
    };
    const tls = config.tls;
    if (tls === undefined) {
      this.server = createServer(options);
    } else {
      const secure: SecureServerOptions = {
        ...options,
        cert: readFileSync(tls.certFile),
        key: readFileSync(tls.keyFile),
        ALPNProtocols: ['h2'],
        allowHTTP1: false,
      };
      if (tls.clientCaFile !== undefined) {
        secure.ca = readFileSync(tls.clientCaFile);
        secure.requestCert = true;
        secure.rejectUnauthorized = true;
      }
      this.server = createSecureServer(secure);
    }
    this.server.on('stream', onStream);
    this.server.on('connection', (socket: Socket) => socket.setNoDelay(true));
    this.server.on('session', (session: ServerHttp2Session) => this.track(session));
    this.server.on('sessionError', () => undefined);
    this.server.on('error', () => undefined);
  }

  /** Listener name. */
  public get name(): string {
    return this.config.name;
  }

  /** The bound port. */
  public get port(): number {
    return this.boundPort;
  }

  /** Client connections open. */
  public get connections(): number {
    return this.sessions.size;
  }

  /**
   * Stops accepting connections and sends GOAWAY on every client connection: streams in flight go on, new
   * streams are refused, each connection closes when its last stream ends.
   */
  public drain(): void {
    this.server.close();
    for (const session of this.sessions) {
      if (!session.closed && !session.destroyed) session.close();
    }
  }

  /** Re-reads the TLS certificate, key and client CA files (certificate rotation); new connections use them. */
  public reloadTls(): void {
    const tls = this.config.tls;
    if (tls === undefined) return;
    (this.server as Http2SecureServer).setSecureContext({
      cert: readFileSync(tls.certFile),
      key: readFileSync(tls.keyFile),
      ...(tls.clientCaFile === undefined ? {} : { ca: readFileSync(tls.clientCaFile) }),
    });
  }

  /** Closes every connection now (streams in flight are reset) and stops accepting. */
  public destroy(): void {
    this.server.close();
    for (const session of this.sessions) session.destroy();
  }

  private track(session: ServerHttp2Session): void {
    this.sessions.add(session);
    session.on('error', () => undefined);
    session.on('close', () => this.sessions.delete(session));
    try {
      session.setLocalWindowSize(SESSION_WINDOW_BYTES);
    } catch {
      // A session that is already going away.
    }
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen({ host: this.config.address, port: this.config.port }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : this.config.port;
        resolve();
      });
    });
  }
}
