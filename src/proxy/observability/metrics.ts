import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  channels,
  type CallEndMessage,
  type CallStartMessage,
  type ConfigMessage,
  type EndpointEjectionMessage,
  type EndpointHealthMessage,
  type EndpointsMessage,
  type RetryMessage,
} from './channels';
import { MethodLabelCap } from './metrics-label-cap';

/** Upper bounds of the call duration buckets, in seconds: sub-millisecond loopback calls to 5-minute streams. */
export const CALL_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** gRPC status code names, by code. */
const GRPC_CODE_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** Options of {@link ProxyMetrics}. */
export interface ProxyMetricsOptions {
  /**
   * Distinct gRPC service/method pairs labelled by name; later ones are labelled `other`.
   * @default 1000
   */
  readonly maxMethodLabels?: number;
  /**
   * Whether Node's process metrics (`process_*`, `nodejs_*`) are collected too.
   * @default true
   */
  readonly defaultMetrics?: boolean;
}

/**
 * The proxy's Prometheus metrics, in a registry of their own (not prom-client's global one), fed by the data
 * path's `diagnostics_channel` messages. `close()` unsubscribes.
 *
 * - `grpc_mesh_proxy_calls_total{listener,grpc_service,grpc_method,grpc_code,cluster}`
 * - `grpc_mesh_proxy_call_duration_seconds{listener,grpc_service,grpc_method,cluster}` (histogram)
 * - `grpc_mesh_proxy_active_calls{listener}`
 * - `grpc_mesh_proxy_endpoint_healthy{cluster,endpoint}` (1 or 0; an endpoint is healthy until told otherwise)
 * - `grpc_mesh_proxy_endpoints{cluster}`
 * - `grpc_mesh_proxy_retries_total{cluster}`, `grpc_mesh_proxy_ejections_total{cluster}`
 * - `grpc_mesh_proxy_config_reloads_total{result="success"|"failure"}` (every load, the first one included)
 *
 * `cluster` is empty for calls routing answered itself. `grpc_service`/`grpc_method` are bounded by
 * {@link MethodLabelCap}; `grpc_code` is the status name (`OK`, `UNAVAILABLE`...).
 */
export class ProxyMetrics {
  /** The registry holding every metric of the proxy. */
  public readonly registry = new Registry();
  private readonly methodLabels: MethodLabelCap;
  private readonly calls: Counter<'listener' | 'grpc_service' | 'grpc_method' | 'grpc_code' | 'cluster'>;
  private readonly duration: Histogram<'listener' | 'grpc_service' | 'grpc_method' | 'cluster'>;
  private readonly activeCalls: Gauge<'listener'>;
  private readonly endpointHealthy: Gauge<'cluster' | 'endpoint'>;
  private readonly endpointCount: Gauge<'cluster'>;
  private readonly retries: Counter<'cluster'>;
  private readonly ejections: Counter<'cluster'>;
  private readonly reloads: Counter<'result'>;
  private readonly active = new Map<string, number>();
  private readonly endpoints = new Map<string, Set<string>>();
  private readonly unsubscribes: Array<() => void> = [];

  public constructor(options: ProxyMetricsOptions = {}) {
    this.methodLabels = new MethodLabelCap(options.maxMethodLabels ?? 1000);
    const registers = [this.registry];
    this.calls = new Counter({
      name: 'grpc_mesh_proxy_calls_total',
      help: 'Calls the proxy finished, by listener, gRPC service and method, gRPC status code and cluster.',
      labelNames: ['listener', 'grpc_service', 'grpc_method', 'grpc_code', 'cluster'],
      registers,
    });
    this.duration = new Histogram({
      name: 'grpc_mesh_proxy_call_duration_seconds',
      help: 'Time from request headers to the end of the response.',
      labelNames: ['listener', 'grpc_service', 'grpc_method', 'cluster'],
      buckets: CALL_DURATION_BUCKETS,
      registers,
    });
    this.activeCalls = new Gauge({ name: 'grpc_mesh_proxy_active_calls', help: 'Calls in flight.', labelNames: ['listener'], registers });
    this.endpointHealthy = new Gauge({
      name: 'grpc_mesh_proxy_endpoint_healthy',
      help: 'Whether an endpoint passes its active health checks (1) or not (0).',
      labelNames: ['cluster', 'endpoint'],
      registers,
    });
    this.endpointCount = new Gauge({ name: 'grpc_mesh_proxy_endpoints', help: 'Endpoints of a cluster.', labelNames: ['cluster'], registers });
    this.retries = new Counter({ name: 'grpc_mesh_proxy_retries_total', help: 'Retries made.', labelNames: ['cluster'], registers });
    this.ejections = new Counter({ name: 'grpc_mesh_proxy_ejections_total', help: 'Outlier ejections of endpoints.', labelNames: ['cluster'], registers });
    this.reloads = new Counter({
      name: 'grpc_mesh_proxy_config_reloads_total',
      help: 'Configurations loaded (success) or refused (failure).',
      labelNames: ['result'],
      registers,
    });
    this.reloads.inc({ result: 'success' }, 0);
    this.reloads.inc({ result: 'failure' }, 0);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.on(channels.callStart, (m: CallStartMessage) => this.callStarted(m));
    this.on(channels.callEnd, (m: CallEndMessage) => this.callEnded(m));
    this.on(channels.retry, (m: RetryMessage) => this.retries.inc({ cluster: m.cluster }));
    this.on(channels.endpoints, (m: EndpointsMessage) => this.endpointsChanged(m));
    this.on(channels.endpointHealth, (m: EndpointHealthMessage) => this.healthChanged(m));
    this.on(channels.endpointEjection, (m: EndpointEjectionMessage) => {
      if (m.ejected) this.ejections.inc({ cluster: m.cluster });
    });
    this.on(channels.config, (m: ConfigMessage) => this.reloads.inc({ result: m.ok ? 'success' : 'failure' }));
  }

  /** The Content-Type of {@link text}. */
  public get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format. */
  public text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Unsubscribes from the channels; the metrics keep their values. */
  public close(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  private on<T>(channel: (typeof channels)[keyof typeof channels], handle: (message: T) => void): void {
    const listener = (message: unknown): void => handle(message as T);
    channel.subscribe(listener);
    this.unsubscribes.push(() => channel.unsubscribe(listener));
  }

  private callStarted(m: CallStartMessage): void {
    const count = (this.active.get(m.listener) ?? 0) + 1;
    this.active.set(m.listener, count);
    this.activeCalls.set({ listener: m.listener }, count);
  }

  private callEnded(m: CallEndMessage): void {
    const count = Math.max(0, (this.active.get(m.listener) ?? 0) - 1);
    this.active.set(m.listener, count);
    this.activeCalls.set({ listener: m.listener }, count);
    const names = this.methodLabels.labels(m.service, m.method, m.route !== undefined);
    const cluster = m.cluster ?? '';
    this.calls.inc({ listener: m.listener, ...names, grpc_code: GRPC_CODE_NAMES[m.status] ?? String(m.status), cluster });
    this.duration.observe({ listener: m.listener, ...names, cluster }, m.durationMs / 1000);
  }

  private endpointsChanged(m: EndpointsMessage): void {
    const next = new Set(m.endpoints);
    const previous = this.endpoints.get(m.cluster) ?? new Set<string>();
    for (const endpoint of previous) if (!next.has(endpoint)) this.endpointHealthy.remove({ cluster: m.cluster, endpoint });
    for (const endpoint of next) if (!previous.has(endpoint)) this.endpointHealthy.set({ cluster: m.cluster, endpoint }, 1);
    this.endpoints.set(m.cluster, next);
    this.endpointCount.set({ cluster: m.cluster }, next.size);
  }

  private healthChanged(m: EndpointHealthMessage): void {
    const known = this.endpoints.get(m.cluster);
    if (known !== undefined && !known.has(m.endpoint)) return; // a late report about a removed endpoint
    this.endpointHealthy.set({ cluster: m.cluster, endpoint: m.endpoint }, m.healthy ? 1 : 0);
  }
}
