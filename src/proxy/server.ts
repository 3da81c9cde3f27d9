import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import {
  LISTENER_MAX_CONCURRENT_STREAMS,
  LISTENER_MAX_HEADER_LIST_PAIRS,
  LISTENER_MAX_HEADER_LIST_SIZE,
  SESSION_WINDOW_BYTES,
  STREAM_WINDOW_BYTES,
} from './defaults';
import { H2Connection, type H2ConnectionOptions } from './h2/h2-connection';
import type { H2Stream } from './h2/h2-stream';
import type { ProxyListenerConfig } from '../core/proxy-config';
import type { HeaderFields } from './h2/hpack/decoder';

/** Handles a new stream of a listener; it sets `stream.handler` to take the stream. */
export type StreamHandler = (stream: H2Stream, headers: HeaderFields) => void;

const CONNECTION_OPTIONS: H2ConnectionOptions = Object.freeze({
  maxConcurrentStreams: LISTENER_MAX_CONCURRENT_STREAMS,
  maxHeaderListBytes: LISTENER_MAX_HEADER_LIST_SIZE,
  maxHeaderFields: LISTENER_MAX_HEADER_LIST_PAIRS,
  streamWindowBytes: STREAM_WINDOW_BYTES,
  connectionWindowBytes: SESSION_WINDOW_BYTES,
  assumedPeerMaxStreams: LISTENER_MAX_CONCURRENT_STREAMS,
});

/**
 * A listener: a TCP server speaking h2c (HTTP/2 with prior knowledge), or a TLS server with ALPN `h2` only (a
 * client that does not negotiate `h2` is disconnected), optionally requiring client certificates signed by
 * `clientCaFile`. Each connection is an `H2Connection`. Abuse stays local: a header list over 64 KiB or 256 fields
 * gets its stream reset (ENHANCE_YOUR_CALM), a connection is capped at 1,000 concurrent streams (more are
 * refused), a protocol error or a socket error only ends that connection.
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
  private readonly server: Server | TlsServer;
  private readonly sessions = new Set<H2Connection>();
  private readonly onStream: (stream: H2Stream, headers: HeaderFields) => void;
  private draining = false;
  private boundPort = 0;

  private constructor(config: ProxyListenerConfig, onStream: StreamHandler) {
    this.config = config;
    this.onStream = onStream;
    const tls = config.tls;
    if (tls === undefined) {
      this.server = createTcpServer({ noDelay: true }, (socket) => this.accept(socket));
    } else {
      const options: TlsOptions = {
        cert: readFileSync(tls.certFile),
        key: readFileSync(tls.keyFile),
        ALPNProtocols: ['h2'],
      };
      if (tls.clientCaFile !== undefined) {
        options.ca = readFileSync(tls.clientCaFile);
        options.requestCert = true;
        options.rejectUnauthorized = true;
      }
      const server = createTlsServer(options, (socket: TLSSocket) => {
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy();
          return;
        }
        socket.setNoDelay(true);
        this.accept(socket);
      });
      server.on('tlsClientError', () => undefined);
      this.server = server;
    }
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
    this.draining = true;
    this.server.close();
    for (const session of this.sessions) session.close();
  }

  /** Re-reads the TLS certificate, key and client CA files (certificate rotation); new connections use them. */
  public reloadTls(): void {
    const tls = this.config.tls;
    if (tls === undefined) return;
    (this.server as TlsServer).setSecureContext({
      cert: readFileSync(tls.certFile),
      key: readFileSync(tls.keyFile),
      ...(tls.clientCaFile === undefined ? {} : { ca: readFileSync(tls.clientCaFile) }),
    });
  }

  /** Closes every connection now (streams in flight are reset) and stops accepting. */
  public destroy(): void {
    this.draining = true;
    this.server.close();
    for (const session of [...this.sessions]) session.destroy();
  }

  private accept(socket: Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    const session = new H2Connection(socket, false, CONNECTION_OPTIONS);
    session.onStream = this.onStream;
    session.onClose = (closed) => this.sessions.delete(closed);
    this.sessions.add(session);
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
