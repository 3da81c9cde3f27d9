import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import {
  HANDSHAKE_TIMEOUT_MS,
  HEADER_BLOCK_TIMEOUT_MS,
  LISTENER_IDLE_TIMEOUT_MS,
  LISTENER_MAX_CONCURRENT_STREAMS,
  LISTENER_MAX_CONNECTIONS,
  LISTENER_MAX_HEADER_LIST_PAIRS,
  LISTENER_MAX_HEADER_LIST_SIZE,
  SEND_TIMEOUT_MS,
  SESSION_WINDOW_BYTES,
  STREAM_WINDOW_BYTES,
} from './defaults';
import { H2Connection, type H2ConnectionOptions } from './h2/h2-connection';
import type { H2Stream } from './h2/h2-stream';
import { PeerAccounting } from './h2/peer-accounting';
import { channels } from './observability/channels';
import type { ProxyListenerConfig, ProxyListenerLimits } from '../core/proxy-config';
import type { HeaderFields } from './h2/hpack/decoder';

/** Handles a new stream of a listener; it sets `stream.handler` to take the stream. */
export type StreamHandler = (stream: H2Stream, headers: HeaderFields) => void;

/** The connection options of a listener's limits, defaults applied. */
function connectionOptions(limits: ProxyListenerLimits = {}): H2ConnectionOptions {
  const maxConcurrentStreams = limits.maxConcurrentStreams ?? LISTENER_MAX_CONCURRENT_STREAMS;
  return {
    maxConcurrentStreams,
    maxHeaderListBytes: limits.maxHeaderListBytes ?? LISTENER_MAX_HEADER_LIST_SIZE,
    maxHeaderFields: LISTENER_MAX_HEADER_LIST_PAIRS,
    streamWindowBytes: STREAM_WINDOW_BYTES,
    connectionWindowBytes: SESSION_WINDOW_BYTES,
    assumedPeerMaxStreams: maxConcurrentStreams,
    idleTimeoutMs: limits.idleTimeoutMs ?? LISTENER_IDLE_TIMEOUT_MS,
    handshakeTimeoutMs: limits.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    headerBlockTimeoutMs: limits.headerBlockTimeoutMs ?? HEADER_BLOCK_TIMEOUT_MS,
    sendTimeoutMs: limits.sendTimeoutMs ?? SEND_TIMEOUT_MS,
  };
}

/**
 * A listener: a TCP server speaking h2c (HTTP/2 with prior knowledge), or a TLS server with ALPN `h2` only (a
 * client that does not negotiate `h2` is disconnected), optionally requiring client certificates signed by
 * `clientCaFile`. Each connection is an `H2Connection` held to the listener's `limits`; abuse counted per client
 * address (rapid reset, repeated oversized headers) survives reconnecting. A protocol error, abuse or a socket
 * error only ends that connection. Every connection opened and closed (with its reason) is published on
 * `channels.connectionOpen` and `channels.connectionClose`.
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
  private readonly options: H2ConnectionOptions;
  private readonly peers = new PeerAccounting();
  private draining = false;
  private boundPort = 0;

  private constructor(config: ProxyListenerConfig, onStream: StreamHandler) {
    this.config = config;
    this.onStream = onStream;
    this.options = connectionOptions(config.limits);
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
    this.server.maxConnections = config.limits?.maxConnections ?? LISTENER_MAX_CONNECTIONS;
    this.server.on('drop', () => {
      if (channels.connectionClose.hasSubscribers) channels.connectionClose.publish({ listener: config.name, reason: 'connection_limit' });
    });
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
    this.peers.close();
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
    this.peers.close();
    this.server.close();
    for (const session of [...this.sessions]) session.destroy();
  }

  private accept(socket: Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    const session = new H2Connection(socket, false, { ...this.options, peer: this.peers.recordOf(socket.remoteAddress) });
    session.onStream = this.onStream;
    session.onClose = (closed) => this.closed(closed);
    this.sessions.add(session);
    if (channels.connectionOpen.hasSubscribers) channels.connectionOpen.publish({ listener: this.config.name });
  }

  private closed(session: H2Connection): void {
    this.sessions.delete(session);
    if (channels.connectionClose.hasSubscribers) {
      channels.connectionClose.publish({ listener: this.config.name, reason: session.closeReason ?? 'closed' });
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
