import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProxyClusterConfig, ProxyConfig, ProxyRouteConfig } from '../../src/core/proxy-config';
import { Proxy, type ProxyOptions } from '../../src/proxy/proxy';

/** The loopback address everything binds to. */
export const LOCAL = '127.0.0.1';

const FIXTURES = join(__dirname, 'fixtures');
const packageDefinition = protoLoader.loadSync([join(FIXTURES, 'echo.proto'), join(FIXTURES, 'health.proto')], {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
  test: { echo: { Echo: grpc.ServiceClientConstructor } };
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
};
/** The Echo service definition. */
export const EchoService = loaded.test.echo.Echo;
const HealthService = loaded.grpc.health.v1.Health;

/** `test.echo.EchoRequest`. */
export interface EchoRequest {
  message?: string;
  status?: number;
  statusMessage?: string;
  delayMs?: number;
  count?: number;
  payloadBytes?: number;
  statusAfterHeaders?: boolean;
}

/** `test.echo.EchoReply`. */
export interface EchoReply {
  backend: string;
  message: string;
  payload: Buffer;
  index: number;
  metadata: Record<string, string>;
}

/** A grpc-js client of the Echo service. */
type Callback = grpc.requestCallback<EchoReply>;
export type EchoClient = grpc.Client & {
  Unary: (request: EchoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback) => grpc.ClientUnaryCall;
  ServerStream: (request: EchoRequest, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<EchoReply>;
  ClientStream: (metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback) => grpc.ClientWritableStream<EchoRequest>;
  Bidi: (metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientDuplexStream<EchoRequest, EchoReply>;
};

/** Things to close after a test, closed in reverse order. */
export class Cleanup {
  private readonly closers: Array<() => Promise<void> | void> = [];

  /** Registers a closer. */
  public add(closer: () => Promise<void> | void): void {
    this.closers.push(closer);
  }

  /** Runs and forgets every closer. */
  public async run(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    for (const closer of closers) {
      try {
        await closer();
      } catch {
        // Already closed.
      }
    }
  }
}

/** Where a backend binds. */
export interface BackendOptions {
  /** Id put in every reply and in the `x-backend` response header. */
  readonly id: string;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** grpc-js server options. */
  readonly serverOptions?: grpc.ServerOptions;
  /**
   * Serve over TLS (ALPN h2) with this certificate.
   * @default - h2c
   */
  readonly tls?: BackendTls;
}

/** TLS of a backend. */
export interface BackendTls {
  /** PEM certificate chain. */
  readonly cert: Buffer;
  /** PEM private key. */
  readonly key: Buffer;
  /** PEM CA bundle: when set, clients must present a certificate that chains to it. */
  readonly clientCa?: Buffer;
}

/**
 * A real @grpc/grpc-js server with the Echo service (every call shape, replying with its id) and a
 * grpc.health.v1 Health service whose answer can be flipped.
 */
export class Backend {
  /** Starts a backend. */
  public static async start(options: BackendOptions): Promise<Backend> {
    const backend = new Backend(options.id, options.host ?? LOCAL, options.serverOptions ?? {});
    await backend.bind(options.port ?? 0, options.tls);
    return backend;
  }

  public readonly id: string;
  public readonly host: string;
  public port = 0;
  /** Calls received, by method name. */
  public readonly calls: Record<'Unary' | 'ServerStream' | 'ClientStream' | 'Bidi', number> = { Unary: 0, ServerStream: 0, ClientStream: 0, Bidi: 0 };
  /** Calls the client cancelled (seen as `cancelled` by the server). */
  public cancelled = 0;
  /** Health checks answered. */
  public healthChecks = 0;
  /** What Health/Check answers. */
  public serving = true;
  /** Request metadata of the last call. */
  public lastMetadata: grpc.Metadata | undefined;
  /** Peers (`address:port` of the connection) unary calls came from. */
  public readonly peers = new Set<string>();
  /** Names of every request header a unary call brought. */
  public readonly headerNames = new Set<string>();
  /** Deadline of the last unary call, as the server saw it (Infinity for none). */
  public lastDeadline: Date | number = Number.POSITIVE_INFINITY;
  /** When the last unary call reached its handler (ms since the epoch). */
  public lastReceivedAt = 0;
  /** When set, every unary call fails with this status (in trailers after headers, or trailers-only). */
  public failWith: { code: number; afterHeaders: boolean } | undefined;
  /** Extra delay of every unary call. */
  public unaryDelayMs = 0;
  /** While set, unary calls answer only once it resolves: a test holds calls in flight for as long as it needs. */
  public unaryGate: Promise<void> | undefined;
  private readonly server: grpc.Server;

  private constructor(id: string, host: string, serverOptions: grpc.ServerOptions) {
    this.id = id;
    this.host = host;
    this.server = new grpc.Server({ 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1, ...serverOptions });
    this.server.addService(EchoService.service, {
      Unary: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) => this.unary(call, callback),
      ServerStream: (call: grpc.ServerWritableStream<EchoRequest, EchoReply>) => void this.serverStream(call),
      ClientStream: (call: grpc.ServerReadableStream<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) =>
        this.clientStream(call, callback),
      Bidi: (call: grpc.ServerDuplexStream<EchoRequest, EchoReply>) => this.bidi(call),
    });
    this.server.addService(HealthService.service, {
      Check: (_call: unknown, callback: grpc.sendUnaryData<{ status: string }>) => {
        this.healthChecks++;
        callback(null, { status: this.serving ? 'SERVING' : 'NOT_SERVING' });
      },
    });
  }

  /** `host:port`. */
  public get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Total Echo calls. */
  public get totalCalls(): number {
    return this.calls.Unary + this.calls.ServerStream + this.calls.ClientStream + this.calls.Bidi;
  }

  /** Kills the server: every connection is closed at once, streams in flight fail, new connections are refused. */
  public kill(): void {
    this.server.forceShutdown();
  }

  /** Stops gracefully (GOAWAY, calls in flight finish), forcefully after 2 s. */
  public async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async bind(port: number, tls: BackendTls | undefined): Promise<void> {
    this.port = await new Promise<number>((resolve, reject) => {
      const credentials = tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
      this.server.bindAsync(`${this.host}:${port}`, credentials, (error, bound) => (error ? reject(error) : resolve(bound)));
    });
  }

  private reply(request: EchoRequest, metadata: grpc.Metadata, index = 0): EchoReply {
    const seen: Record<string, string> = {};
    for (const [key, value] of Object.entries(metadata.getMap())) if (typeof value === 'string') seen[key] = value;
    return { backend: this.id, message: request.message ?? '', payload: Buffer.alloc(request.payloadBytes ?? 0, 0x61), index, metadata: seen };
  }

  private headers(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set('x-backend', this.id);
    return metadata;
  }

  private trailers(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set('x-trailer', `from-${this.id}`);
    metadata.set('x-trailer-bin', Buffer.from([0, 1, 2, 255]));
    return metadata;
  }

  private error(request: EchoRequest): grpc.ServerErrorResponse {
    return Object.assign(new Error(request.statusMessage ?? ''), {
      code: request.status as grpc.status,
      details: request.statusMessage ?? '',
      metadata: this.trailers(),
    });
  }

  private unary(call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>): void {
    this.calls.Unary++;
    this.lastMetadata = call.metadata;
    this.lastDeadline = call.getDeadline();
    this.lastReceivedAt = Date.now();
    for (const name of Object.keys(call.metadata.getMap())) this.headerNames.add(name);
    this.peers.add(call.getPeer());
    call.on('cancelled', () => this.cancelled++);
    const request = this.failWith === undefined ? call.request
      : { ...call.request, status: this.failWith.code, statusMessage: `${this.id} fails`, statusAfterHeaders: this.failWith.afterHeaders };
    const respond = (): void => {
      if (request.status) {
        if (request.statusAfterHeaders) call.sendMetadata(this.headers());
        callback(this.error(request));
      } else {
        call.sendMetadata(this.headers());
        callback(null, this.reply(request, call.metadata), this.trailers());
      }
    };
    const gate = this.unaryGate;
    if (gate !== undefined) {
      void gate.then(() => void (call.cancelled || respond()));
      return;
    }
    const delayMs = (request.delayMs ?? 0) + this.unaryDelayMs;
    if (delayMs > 0) {
      const timer = setTimeout(respond, delayMs);
      call.on('cancelled', () => clearTimeout(timer));
    } else {
      respond();
    }
  }

  private async serverStream(call: grpc.ServerWritableStream<EchoRequest, EchoReply>): Promise<void> {
    this.calls.ServerStream++;
    this.lastMetadata = call.metadata;
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
      this.cancelled++;
    });
    const request = call.request;
    call.sendMetadata(this.headers());
    for (let i = 0; i < (request.count ?? 0) && !cancelled; i++) {
      if (request.delayMs) await sleep(request.delayMs);
      if (cancelled) return;
      if (!call.write(this.reply(request, call.metadata, i))) await new Promise((resolve) => call.once('drain', resolve));
    }
    if (cancelled) return;
    if (request.status) call.emit('error', this.error(request));
    else call.end(this.trailers());
  }

  private clientStream(call: grpc.ServerReadableStream<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>): void {
    this.calls.ClientStream++;
    this.lastMetadata = call.metadata;
    call.on('cancelled', () => this.cancelled++);
    const requests: EchoRequest[] = [];
    call.on('data', (request: EchoRequest) => requests.push(request));
    call.on('end', () => {
      const first = requests[0] ?? {};
      const last = requests[requests.length - 1] ?? {};
      const respond = (): void => {
        if (first.status) {
          if (first.statusAfterHeaders) call.sendMetadata(this.headers());
          callback(this.error(first));
        } else {
          call.sendMetadata(this.headers());
          callback(null, { ...this.reply(last, call.metadata), index: requests.length }, this.trailers());
        }
      };
      if (first.delayMs) setTimeout(respond, first.delayMs);
      else respond();
    });
  }

  private bidi(call: grpc.ServerDuplexStream<EchoRequest, EchoReply>): void {
    this.calls.Bidi++;
    this.lastMetadata = call.metadata;
    call.on('cancelled', () => this.cancelled++);
    call.sendMetadata(this.headers());
    let index = 0;
    let chain = Promise.resolve();
    let failed = false;
    call.on('data', (request: EchoRequest) => {
      chain = chain.then(async () => {
        if (failed) return;
        if (request.delayMs) await sleep(request.delayMs);
        if (request.status) {
          failed = true;
          call.emit('error', this.error(request));
          return;
        }
        call.write(this.reply(request, call.metadata, index++));
      });
    });
    call.on('end', () => {
      void chain.then(() => {
        if (!failed) call.end(this.trailers());
      });
    });
  }
}

/** Starts `count` backends `b1`..`bN` on 127.0.0.1 (with `options` other than the id, e.g. TLS). */
export async function startBackends(count: number, cleanup: Cleanup, prefix = 'b', options: Omit<BackendOptions, 'id'> = {}): Promise<Backend[]> {
  const backends: Backend[] = [];
  for (let i = 1; i <= count; i++) {
    const backend = await Backend.start({ ...options, id: `${prefix}${i}` });
    cleanup.add(() => backend.kill());
    backends.push(backend);
  }
  return backends;
}

/** A cluster with a static endpoint list. */
export function staticCluster(name: string, backends: readonly Backend[], extra: Partial<ProxyClusterConfig> = {}): ProxyClusterConfig {
  return { name, discovery: { type: 'static', endpoints: backends.map((b) => ({ address: b.host, port: b.port })) }, ...extra };
}

/** A route sending every call to one cluster. */
export function catchAllRoute(cluster: string): ProxyRouteConfig {
  return { name: 'all', rules: [{ backendRefs: [{ name: cluster }] }] };
}

/** A proxy config with one h2c listener on a free port and an admin section nobody binds here. */
export function proxyConfig(clusters: readonly ProxyClusterConfig[], routes?: readonly ProxyRouteConfig[]): ProxyConfig {
  return {
    version: 1,
    listeners: [{ name: 'grpc', address: LOCAL, port: 0 }],
    admin: { address: LOCAL, port: 0 },
    clusters,
    routes: routes ?? [catchAllRoute(clusters[0].name)],
  };
}

/** Starts a proxy and waits (at most 10 s) until it is ready. */
export async function startProxy(config: ProxyConfig, cleanup: Cleanup, options?: ProxyOptions): Promise<Proxy> {
  const proxy = await Proxy.start(config, options);
  cleanup.add(() => proxy.close());
  await waitFor(() => proxy.ready, 10_000, 'proxy ready');
  return proxy;
}

/** The port of the proxy's first listener. */
export function proxyPort(proxy: Proxy): number {
  return [...proxy.ports.values()][0];
}

/**
 * A grpc-js Echo client on one channel (one HTTP/2 connection) to `address`. Each client gets its own connection
 * (grpc-js would otherwise share one between clients with the same target and options).
 */
export function echoClient(
  address: string, cleanup: Cleanup, options: grpc.ClientOptions = {}, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): EchoClient {
  const client = new EchoService(address, credentials, {
    'grpc.max_receive_message_length': -1,
    'grpc.use_local_subchannel_pool': 1,
    ...options,
  }) as unknown as EchoClient;
  cleanup.add(() => client.close());
  return client;
}

/** What a client saw of a call. */
export interface CallOutcome {
  readonly code: number;
  readonly details: string;
  /** Response headers (custom ones only). */
  readonly metadata: Record<string, string>;
  /** Trailers (custom ones only). */
  readonly trailers: Record<string, string>;
  readonly replies: EchoReply[];
  /** Whether response headers reached the client before the status (not a trailers-only response). */
  readonly responseStarted: boolean;
}

/** Per-call options of the helpers. */
export interface CallOptions {
  /** Deadline, in ms from now. */
  readonly timeoutMs?: number;
  /** Request metadata. */
  readonly metadata?: Record<string, string>;
  /** Cancel the call after this many ms. */
  readonly cancelAfterMs?: number;
}

/** A unary call. */
export function unary(client: EchoClient, request: EchoRequest, options: CallOptions = {}): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const state = new OutcomeBuilder(resolve);
    const call = client.Unary(request, metadataOf(options), callOptions(options), (error, reply) => {
      if (reply) state.replies.push(reply);
      if (error) state.status(error);
    });
    state.watch(call, options);
  });
}

/** A server-streaming call, read to the end. */
export function serverStream(client: EchoClient, request: EchoRequest, options: CallOptions = {}): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const state = new OutcomeBuilder(resolve);
    const call = client.ServerStream(request, metadataOf(options), callOptions(options));
    call.on('data', (reply: EchoReply) => state.replies.push(reply));
    call.on('error', () => undefined);
    state.watch(call, options);
  });
}

/** A client-streaming call sending `requests`. */
export function clientStream(client: EchoClient, requests: readonly EchoRequest[], options: CallOptions = {}): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const state = new OutcomeBuilder(resolve);
    const call = client.ClientStream(metadataOf(options), callOptions(options), (error, reply) => {
      if (reply) state.replies.push(reply);
      if (error) state.status(error);
    });
    call.on('error', () => undefined);
    for (const request of requests) call.write(request);
    call.end();
    state.watch(call, options);
  });
}

/** A bidi call: sends each request after the reply to the previous one, then half-closes. */
export function bidi(client: EchoClient, requests: readonly EchoRequest[], options: CallOptions = {}): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const state = new OutcomeBuilder(resolve);
    const call = client.Bidi(metadataOf(options), callOptions(options));
    let next = 0;
    const sendNext = (): void => {
      if (next < requests.length) call.write(requests[next++]);
      else call.end();
    };
    call.on('data', (reply: EchoReply) => {
      state.replies.push(reply);
      sendNext();
    });
    call.on('error', () => undefined);
    sendNext();
    state.watch(call, options);
  });
}

/** Collects the outcome of a call from its events. */
class OutcomeBuilder {
  public readonly replies: EchoReply[] = [];
  private metadata: Record<string, string> = {};
  private responseStarted = false;
  private final: { code: number; details: string; trailers: Record<string, string> } | undefined;
  private resolved = false;
  private readonly resolve: (outcome: CallOutcome) => void;

  public constructor(resolve: (outcome: CallOutcome) => void) {
    this.resolve = resolve;
  }

  public watch(call: grpc.Call, options: CallOptions): void {
    call.on('metadata', (metadata: grpc.Metadata) => {
      this.metadata = custom(metadata);
      this.responseStarted = true;
    });
    call.on('status', (status: grpc.StatusObject) => {
      this.final = { code: status.code, details: status.details, trailers: custom(status.metadata) };
      // grpc-js emits the status before a unary callback runs: finish on the next turn.
      setImmediate(() => this.finish());
    });
    if (options.cancelAfterMs !== undefined) setTimeout(() => call.cancel(), options.cancelAfterMs);
  }

  public status(_error: grpc.ServiceError): void {
    // The 'status' event carries the same code and details.
  }

  private finish(): void {
    if (this.resolved || this.final === undefined) return;
    this.resolved = true;
    this.resolve({ ...this.final, metadata: this.metadata, replies: this.replies, responseStarted: this.responseStarted });
  }
}

function metadataOf(options: CallOptions): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  return metadata;
}

function callOptions(options: CallOptions): grpc.CallOptions {
  return options.timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + options.timeoutMs) };
}

/** The metadata a test looks at: `x-` headers and text values. */
function custom(metadata: grpc.Metadata): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (key.startsWith('x-')) result[key] = typeof value === 'string' ? value : Buffer.from(value).toString('base64');
  }
  return result;
}

/** Runs `count` unary calls, `concurrency` at a time, and returns their outcomes in order. */
export async function unaryLoad(
  client: EchoClient, count: number, concurrency: number, request: (i: number) => EchoRequest = () => ({}), options: CallOptions = {},
): Promise<CallOutcome[]> {
  const outcomes = new Array<CallOutcome>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      outcomes[i] = await unary(client, request(i), options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return outcomes;
}

/** Share of each backend id among successful outcomes, in percent. */
export function shares(outcomes: readonly CallOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  let total = 0;
  for (const outcome of outcomes) {
    const id = outcome.replies[0]?.backend;
    if (outcome.code !== 0 || id === undefined) continue;
    counts[id] = (counts[id] ?? 0) + 1;
    total++;
  }
  return Object.fromEntries(Object.entries(counts).map(([id, n]) => [id, (100 * n) / total]));
}

/** Waits until `condition()` holds, polling every 10 ms; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
  return Date.now() - start;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Unary calls made continuously, `concurrency` at a time, until `stop()` (at most `maxCalls`). */
export class LoadLoop {
  public readonly outcomes: CallOutcome[] = [];
  private stopped = false;
  private readonly done: Promise<void[]>;

  /**
   * @param client the client
   * @param concurrency calls in flight
   * @param maxCalls bound on the number of calls
   * @param cleanup stops the loop after the test (should an assertion fail before `stop()`)
   * @param options per-call options
   */
  public constructor(client: EchoClient, concurrency: number, maxCalls = 20_000, cleanup?: Cleanup, options: CallOptions = {}) {
    const worker = async (): Promise<void> => {
      while (!this.stopped && this.outcomes.length < maxCalls) {
        this.outcomes.push(await unary(client, {}, options));
      }
    };
    this.done = Promise.all(Array.from({ length: concurrency }, worker));
    cleanup?.add(async () => {
      await this.stop();
    });
  }

  /** Calls served by `backendId` so far. */
  public servedBy(backendId: string): number {
    return this.outcomes.filter((o) => o.replies[0]?.backend === backendId).length;
  }

  /** Stops and waits for the calls in flight. */
  public async stop(): Promise<CallOutcome[]> {
    this.stopped = true;
    await this.done;
    return this.outcomes;
  }
}

/** Failed outcomes, summarized for an assertion message. */
export function failures(outcomes: readonly CallOutcome[]): string[] {
  return outcomes.filter((o) => o.code !== 0).map((o) => `${o.code} ${o.details}`);
}

/** The compiled `grpc-mesh-proxy` command: the code the image bundles, unbundled. */
export const COMPILED_MAIN = join(__dirname, '..', '..', 'lib', 'proxy', 'main.js');

/** Fails unless lib/proxy/main.js and cli.js are compiled from the current sources (`npm test` compiles first). */
export function requireCompiledProxy(): void {
  for (const name of ['main', 'cli']) {
    const compiled = join(__dirname, '..', '..', 'lib', 'proxy', `${name}.js`);
    const source = join(__dirname, '..', '..', 'src', 'proxy', `${name}.ts`);
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs) {
      throw new Error(`${compiled} is missing or older than ${source}: run \`npx projen compile\` first (npm test does)`);
    }
  }
}
