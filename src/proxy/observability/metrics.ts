import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { BatchedHistogram, type HistogramSeries } from './batched-histogram';
import {
  channels,
  type BreakerOverflowMessage,
  type CallEndMessage,
  type CallStartMessage,
  type ConfigMessage,
  type ConnectionCloseMessage,
  type ConnectFailureMessage, type ConnectionLostMessage,
  type ConnectionOpenMessage,
  type DnsResolutionMessage,
  type EndpointEjectionMessage,
  type EndpointHealthMessage,
  type EndpointsMessage,
  type RetryMessage,
} from './channels';
import { MethodLabelCap, type MethodLabels } from './metrics-label-cap';
import { TrafficMetrics } from './traffic-metrics';
import { grpcStatusName } from '../../routing/grpc-status';
import { DEFAULT_MAX_METHOD_LABELS } from '../defaults';
import { readyEndpointCount, type ProxySnapshot } from '../proxy-snapshot';

/** Upper bounds of the call duration buckets, in seconds: sub-millisecond loopback calls to 5-minute streams. */
export const CALL_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** `grpc_mesh_proxy_calls_total` label values. */
type CallLabels = Record<'listener' | 'grpc_service' | 'grpc_method' | 'grpc_code' | 'cluster', string>;
/** `grpc_mesh_proxy_call_duration_seconds` label values. */
type DurationLabels = Record<'listener' | 'grpc_service' | 'grpc_method' | 'cluster', string>;

/** Calls of one status of a {@link CallSeries} not yet added to the counter. */
interface CodeCount {
  readonly labels: CallLabels;
  pending: number;
}

/** The metric series of one listener, service/method pair and cluster, label objects built once. */
interface CallSeries {
  readonly durationLabels: DurationLabels;
  /** Its series of the call duration histogram. */
  readonly duration: HistogramSeries;
  readonly codes: Map<number, CodeCount>;
}

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
 * - `grpc_mesh_proxy_ready_endpoints{cluster}`: endpoints that may take calls (healthy, reachable, not ejected, not
 *   draining), read from the proxy when scraped, once {@link ProxyMetrics.readEndpointsFrom} names the proxy
 * - `grpc_mesh_proxy_retries_total{cluster}`, `grpc_mesh_proxy_ejections_total{cluster}`
 * - `grpc_mesh_proxy_config_reloads_total{result="success"|"failure"}` (every load, the first one included)
 * - the traffic metrics of {@link TrafficMetrics}: bytes, calls per endpoint, retries by status, DNS resolutions
 * - `grpc_mesh_proxy_connections{listener}`: client connections open
 * - `grpc_mesh_proxy_connections_closed_total{listener,reason}`: client connections closed, by `ConnectionCloseReason`
 *   (`idle`, `flood`, `rapid_reset`, `header_limit`, `slow_reader`, `connection_limit`...)
 *
 * `cluster` is empty for calls routing answered itself. `grpc_service`/`grpc_method` are bounded by
 * {@link MethodLabelCap}; `grpc_code` is the status name (`OK`, `UNAVAILABLE`...).
 */
export class ProxyMetrics {
  /** The registry holding every metric of the proxy. */
  public readonly registry = new Registry();
  private readonly methodLabels: MethodLabelCap;
  private readonly calls: Counter<'listener' | 'grpc_service' | 'grpc_method' | 'grpc_code' | 'cluster'>;
  private readonly duration: BatchedHistogram;
  private readonly activeCalls: Gauge<'listener'>;
  private readonly endpointHealthy: Gauge<'cluster' | 'endpoint'>;
  private readonly endpointCount: Gauge<'cluster'>;
  private snapshot: (() => ProxySnapshot) | undefined;
  private readonly retries: Counter<'cluster'>;
  private readonly ejections: Counter<'cluster'>;
  private readonly reloads: Counter<'result'>;
  private readonly connections: Gauge<'listener'>;
  private readonly connectionsClosed: Counter<'listener' | 'reason'>;
  private readonly active = new Map<string, number>();
  /** Call series by method labels (cached by {@link MethodLabelCap}, so by identity), listener and cluster. */
  private readonly series = new Map<MethodLabels, Map<string, Map<string, CallSeries>>>();
  /** Series whose calls counter has pending counts. */
  private readonly pendingCounts = new Set<CodeCount>();
  private readonly endpoints = new Map<string, Set<string>>();
  private readonly unsubscribes: Array<() => void> = [];
  private readonly traffic: TrafficMetrics;

  public constructor(options: ProxyMetricsOptions = {}) {
    this.methodLabels = new MethodLabelCap(options.maxMethodLabels ?? DEFAULT_MAX_METHOD_LABELS);
    const registers = [this.registry];
    this.calls = new Counter({
      name: 'grpc_mesh_proxy_calls_total',
      help: 'Calls the proxy finished, by listener, gRPC service and method, gRPC status code and cluster.',
      labelNames: ['listener', 'grpc_service', 'grpc_method', 'grpc_code', 'cluster'],
      registers,
      // Calls are counted per series as they end and added to the counter when it is read (cheaper per call).
      collect: () => this.flushCallCounts(),
    });
    // Observed per call on the series object the call's labels resolve to (no label hashing per call).
    this.duration = new BatchedHistogram('grpc_mesh_proxy_call_duration_seconds', 'Time from request headers to the end of the response.',
      CALL_DURATION_BUCKETS, registers);
    this.activeCalls = new Gauge({
      name: 'grpc_mesh_proxy_active_calls',
      help: 'Calls in flight.',
      labelNames: ['listener'],
      registers,
      // Kept per listener as calls start and end, and set when the gauge is read (cheaper per call).
      collect: () => this.setActiveCalls(),
    });
    this.endpointHealthy = new Gauge({
      name: 'grpc_mesh_proxy_endpoint_healthy',
      help: 'Whether an endpoint passes its active health checks (1) or not (0).',
      labelNames: ['cluster', 'endpoint'],
      registers,
    });
    this.endpointCount = new Gauge({ name: 'grpc_mesh_proxy_endpoints', help: 'Endpoints of a cluster.', labelNames: ['cluster'], registers });
    const readyEndpoints: Gauge<'cluster'> = new Gauge({
      name: 'grpc_mesh_proxy_ready_endpoints',
      help: 'Endpoints of a cluster that may take calls: healthy, reachable, not ejected and not draining.',
      labelNames: ['cluster'],
      registers,
      collect: () => {
        readyEndpoints.reset();
        const clusters = this.snapshot?.().clusters ?? {};
        for (const [cluster, state] of Object.entries(clusters)) readyEndpoints.set({ cluster }, readyEndpointCount(state));
      },
    });
    this.retries = new Counter({ name: 'grpc_mesh_proxy_retries_total', help: 'Retries made.', labelNames: ['cluster'], registers });
    this.ejections = new Counter({ name: 'grpc_mesh_proxy_ejections_total', help: 'Outlier ejections of endpoints.', labelNames: ['cluster'], registers });
    this.reloads = new Counter({
      name: 'grpc_mesh_proxy_config_reloads_total',
      help: 'Configurations loaded (success) or refused (failure).',
      labelNames: ['result'],
      registers,
    });
    this.connections = new Gauge({
      name: 'grpc_mesh_proxy_connections',
      help: 'Client connections open.',
      labelNames: ['listener'],
      registers,
    });
    this.connectionsClosed = new Counter({
      name: 'grpc_mesh_proxy_connections_closed_total',
      help: 'Client connections closed, by reason (closed, draining, idle, flood, rapid_reset, header_limit, slow_reader, ...).',
      labelNames: ['listener', 'reason'],
      registers,
    });
    this.traffic = new TrafficMetrics(this.registry, grpcStatusName);
    this.reloads.inc({ result: 'success' }, 0);
    this.reloads.inc({ result: 'failure' }, 0);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.on(channels.callStart, (m: CallStartMessage) => this.callStarted(m));
    this.on(channels.callEnd, (m: CallEndMessage) => {
      this.callEnded(m);
      this.traffic.callEnded(m);
    });
    this.on(channels.retry, (m: RetryMessage) => {
      this.retries.inc({ cluster: m.cluster });
      this.traffic.retried(m);
    });
    this.on(channels.dnsResolution, (m: DnsResolutionMessage) => this.traffic.dnsResolved(m));
    this.on(channels.connectFailure, (m: ConnectFailureMessage) => this.traffic.connectFailed(m));
    this.on(channels.connectionLost, (m: ConnectionLostMessage) => this.traffic.connectionLost(m));
    this.on(channels.breakerOverflow, (m: BreakerOverflowMessage) => this.traffic.overflowed(m));
    this.on(channels.endpoints, (m: EndpointsMessage) => this.endpointsChanged(m));
    this.on(channels.endpointHealth, (m: EndpointHealthMessage) => this.healthChanged(m));
    this.on(channels.endpointEjection, (m: EndpointEjectionMessage) => {
      if (m.ejected) this.ejections.inc({ cluster: m.cluster });
    });
    this.on(channels.config, (m: ConfigMessage) => this.reloads.inc({ result: m.ok ? 'success' : 'failure' }));
    this.on(channels.connectionOpen, (m: ConnectionOpenMessage) => this.connections.inc({ listener: m.listener }));
    this.on(channels.connectionClose, (m: ConnectionCloseMessage) => {
      if (m.reason !== 'connection_limit') this.connections.dec({ listener: m.listener });
      this.connectionsClosed.inc({ listener: m.listener, reason: m.reason });
    });
  }

  /** The Content-Type of {@link text}. */
  public get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format. */
  public text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Reads `grpc_mesh_proxy_ready_endpoints` from this proxy's state whenever the metrics are scraped. */
  public readEndpointsFrom(snapshot: () => ProxySnapshot): void {
    this.snapshot = snapshot;
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
    this.active.set(m.listener, (this.active.get(m.listener) ?? 0) + 1);
  }

  private callEnded(m: CallEndMessage): void {
    const listener = m.listener;
    const count = (this.active.get(listener) ?? 0) - 1;
    this.active.set(listener, count > 0 ? count : 0);
    const series = this.seriesOf(listener, this.methodLabels.labels(m.service, m.method, m.methodNaming), m.cluster ?? '');
    const status = m.status;
    let code = series.codes.get(status);
    if (code === undefined) {
      const { listener: l, grpc_service, grpc_method, cluster } = series.durationLabels;
      // Same key order as the labels always had (the text format writes them in this order).
      const labels = Object.freeze({ listener: l, grpc_service, grpc_method, grpc_code: grpcStatusName(status), cluster });
      code = { labels, pending: 0 };
      series.codes.set(status, code);
    }
    if (code.pending === 0) this.pendingCounts.add(code);
    code.pending++;
    series.duration.observe(m.durationMs / 1000);
  }

  private seriesOf(listener: string, names: MethodLabels, cluster: string): CallSeries {
    let byListener = this.series.get(names);
    if (byListener === undefined) {
      byListener = new Map();
      this.series.set(names, byListener);
    }
    let byCluster = byListener.get(listener);
    if (byCluster === undefined) {
      byCluster = new Map();
      byListener.set(listener, byCluster);
    }
    let series = byCluster.get(cluster);
    if (series === undefined) {
      const durationLabels = Object.freeze({ listener, ...names, cluster });
      series = { durationLabels, duration: this.duration.series(durationLabels), codes: new Map() };
      byCluster.set(cluster, series);
    }
    return series;
  }

  private flushCallCounts(): void {
    for (const code of this.pendingCounts) {
      this.calls.inc(code.labels, code.pending);
      code.pending = 0;
    }
    this.pendingCounts.clear();
  }

  private setActiveCalls(): void {
    for (const [listener, count] of this.active) this.activeCalls.set({ listener }, count);
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
