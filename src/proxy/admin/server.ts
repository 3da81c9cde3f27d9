import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyConfig } from '../../core/proxy-config';
import { readyEndpointCount, type ProxySnapshot } from '../proxy-snapshot';

/** What the admin interface reads from the proxy (the `Proxy` class satisfies it). */
export interface AdminProxyView {
  /** Whether every listener is bound and the config applied. */
  readonly ready: boolean;
  /** Listener name to bound port. */
  readonly ports: ReadonlyMap<string, number>;
  /** Clusters and their endpoints' state, as plain data. */
  snapshot(): ProxySnapshot;
}

/** The body of `/ready`: the verdict, and what an operator needs to know why. */
export interface Readiness {
  /** `ready`, `draining`, or `not ready`. */
  readonly status: 'ready' | 'draining' | 'not ready';
  /** Why, in one sentence. */
  readonly reason: string;
  /** Listener name to bound port. */
  readonly listeners: Readonly<Record<string, number>>;
  /** Clusters whose discovery has not answered yet: the proxy is not ready until they have. */
  readonly clustersNotResolved: readonly string[];
  /**
   * Clusters with no endpoint that may take calls (none known, or every one unhealthy, unreachable, ejected or
   * draining). The proxy stays ready (other clusters serve), but these clusters' calls fail or go to every endpoint
   * (panic mode).
   */
  readonly clustersWithoutReadyEndpoints: readonly string[];
  /** The error of the last config reload, while the last reload failed (the previous config keeps running). */
  readonly lastConfigError?: string;
}

/** What the admin interface serves metrics from (`ProxyMetrics` satisfies it). */
export interface AdminMetricsView {
  /** Content-Type of `text()`. */
  readonly contentType: string;
  /** Every metric in the Prometheus text format. */
  text(): Promise<string>;
}

/** A path the admin interface serves. */
export type AdminPath = '/ready' | '/live' | '/metrics' | '/config' | '/endpoints';

/**
 * The paths of the probe listener (`ProxyConfig.probes`): what the kubelet and Prometheus need, nothing that shows
 * the config or the endpoints.
 */
export const PROBE_PATHS: readonly AdminPath[] = ['/ready', '/live', '/metrics'];

/** Options of {@link AdminServer.start}. */
export interface AdminServerOptions {
  /** Address to bind. */
  readonly address: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** The proxy. */
  readonly proxy: AdminProxyView;
  /** The metrics. */
  readonly metrics: AdminMetricsView;
  /** The config running now (it changes on hot reload). */
  readonly config: () => ProxyConfig;
  /**
   * Whether the proxy is draining (then `/ready` answers 503).
   * @default - never
   */
  readonly draining?: () => boolean;
  /**
   * The error of the last config reload, undefined once a reload succeeds.
   * @default - none
   */
  readonly lastConfigError?: () => string | undefined;
  /**
   * The paths served; the others answer 404 (`PROBE_PATHS` for the probe listener).
   * @default - every path: the admin interface
   */
  readonly paths?: readonly AdminPath[];
}

type Handler = (res: ServerResponse) => Promise<void> | void;

/**
 * The admin interface on plain `node:http`:
 * - `GET /ready`: 200 when the proxy is ready and not draining, else 503 (the readiness probe), with a JSON
 *   {@link Readiness} that says why
 * - `GET /live`: 200 while the process serves HTTP (the liveness probe)
 * - `GET /metrics`: Prometheus text format
 * - `GET /config`: the running config as JSON (it holds file paths, never secrets)
 * - `GET /endpoints`: `proxy.snapshot()` as JSON
 *
 * Other paths get 404, other methods 405. A failing handler answers 500; the server never throws. Started with
 * `paths`, it serves only those: the probe listener is an AdminServer with {@link PROBE_PATHS}.
 */
export class AdminServer {
  /**
   * Binds the admin interface.
   * @throws when the address cannot be bound
   */
  public static async start(options: AdminServerOptions): Promise<AdminServer> {
    const admin = new AdminServer(options);
    await new Promise<void>((resolve, reject) => {
      admin.server.once('error', reject);
      admin.server.listen(options.port, options.address, () => {
        admin.server.off('error', reject);
        resolve();
      });
    });
    return admin;
  }

  private readonly server: Server;
  private readonly routes: ReadonlyMap<string, Handler>;

  private constructor(private readonly options: AdminServerOptions) {
    const every: Record<AdminPath, Handler> = {
      '/ready': (res) => this.ready(res),
      '/live': (res) => send(res, 200, 'text/plain; charset=utf-8', 'live\n'),
      '/metrics': async (res) => send(res, 200, options.metrics.contentType, await options.metrics.text()),
      '/config': (res) => sendJson(res, options.config()),
      '/endpoints': (res) => sendJson(res, options.proxy.snapshot()),
    };
    const paths = options.paths ?? (Object.keys(every) as AdminPath[]);
    this.routes = new Map(paths.map((path) => [path, every[path]]));
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  /** The bound port. */
  public get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and closes open connections (keep-alive scrapers included). */
  public close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'http://admin').pathname;
      const handler = this.routes.get(path);
      if (handler === undefined) return send(res, 404, 'text/plain; charset=utf-8', `not found: ${path}\n`);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      }
      await handler(res);
    } catch (error) {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${(error as Error).message}\n`);
      else res.destroy();
    }
  }

  private ready(res: ServerResponse): void {
    const readiness = readinessOf(this.options);
    send(res, readiness.status === 'ready' ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(readiness, undefined, 2)}\n`);
  }
}

/** Why the proxy is or is not ready. */
export function readinessOf(options: Pick<AdminServerOptions, 'proxy' | 'draining' | 'lastConfigError'>): Readiness {
  const { proxy } = options;
  const clusters = Object.entries(proxy.snapshot().clusters);
  const clustersNotResolved = clusters.filter(([, c]) => !c.ready).map(([name]) => name);
  const clustersWithoutReadyEndpoints = clusters
    .filter(([, c]) => c.ready && readyEndpointCount(c) === 0)
    .map(([name]) => name);
  const lastConfigError = options.lastConfigError?.();
  const draining = options.draining?.() ?? false;
  const status = draining ? 'draining' : proxy.ready ? 'ready' : 'not ready';
  const reason = draining ? 'the proxy is draining: it finishes the calls in flight and takes no new connection'
    : status === 'ready' ? 'every listener is bound and every cluster has resolved'
      : clustersNotResolved.length > 0 ? `waiting for the first resolution of cluster(s) ${clustersNotResolved.join(', ')}`
        : 'the listeners are not bound yet, or the proxy is stopping';
  return {
    status,
    reason,
    listeners: Object.fromEntries(proxy.ports),
    clustersNotResolved,
    clustersWithoutReadyEndpoints,
    ...(lastConfigError !== undefined && { lastConfigError }),
  };
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

/** Maps become objects and sets arrays, so a snapshot built from them serializes. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
