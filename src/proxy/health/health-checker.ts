import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { decodeServingStatus, encodeHealthCheckRequest, HEALTH_CHECK_PATH, ServingStatus } from './health-check-codec';
import type { ProxyClusterConfig } from '../../core/proxy-config';
import type { Endpoint } from '../balancer/endpoint';
import { channels, type EndpointHealthMessage } from '../observability/channels';

/** Active health-check settings of a cluster. */
export type HealthCheckConfig = NonNullable<ProxyClusterConfig['healthCheck']>;

/** Largest Check response body read; anything longer is not a HealthCheckResponse and fails the check. */
const MAX_RESPONSE_BYTES = 1024;

/** The checks of one endpoint. */
interface CheckState {
  readonly endpoint: Endpoint;
  passes: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  stream: ClientHttp2Stream | undefined;
}

/**
 * Active health checks of a cluster's endpoints with `grpc.health.v1.Health/Check`, sent over each endpoint's
 * own connection pool (so they also keep connections warm). A check passes when the call ends with status OK and
 * the response says SERVING; anything else (NOT_SERVING, an error status, a reset, no answer within `timeoutMs`)
 * fails it. `unhealthyThreshold` failures in a row mark the endpoint unhealthy, `healthyThreshold` passes in a row
 * mark it healthy again. Endpoints start healthy, and the first check runs as soon as one is added. Timers are
 * `unref()`ed.
 */
export class HealthChecker {
  private readonly cluster: string;
  private readonly config: HealthCheckConfig;
  private readonly onChange: (endpoint: Endpoint) => void;
  private readonly request: Buffer;
  private readonly headers: OutgoingHttpHeaders;
  private readonly states = new Map<Endpoint, CheckState>();

  /**
   * @param cluster cluster name, for channel messages
   * @param config intervals, thresholds and service name
   * @param onChange called when an endpoint's `healthy` flips
   */
  public constructor(cluster: string, config: HealthCheckConfig, onChange: (endpoint: Endpoint) => void) {
    this.cluster = cluster;
    this.config = config;
    this.onChange = onChange;
    this.request = encodeHealthCheckRequest(config.serviceName);
    this.headers = Object.freeze({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: HEALTH_CHECK_PATH,
      'content-type': 'application/grpc',
      'te': 'trailers',
      'grpc-timeout': `${config.timeoutMs}m`,
    });
  }

  /** Starts checking an endpoint. */
  public add(endpoint: Endpoint): void {
    if (this.states.has(endpoint)) return;
    const state: CheckState = { endpoint, passes: 0, failures: 0, timer: undefined, stream: undefined };
    this.states.set(endpoint, state);
    this.schedule(state, 0);
  }

  /** Stops checking an endpoint. */
  public remove(endpoint: Endpoint): void {
    const state = this.states.get(endpoint);
    if (state === undefined) return;
    this.states.delete(endpoint);
    this.cancel(state);
  }

  /** Stops every check. */
  public stop(): void {
    for (const state of this.states.values()) this.cancel(state);
    this.states.clear();
  }

  private cancel(state: CheckState): void {
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    const stream = state.stream;
    state.stream = undefined;
    if (stream !== undefined && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
  }

  private schedule(state: CheckState, delayMs: number): void {
    state.timer = setTimeout(() => this.check(state), delayMs);
    state.timer.unref();
  }

  private check(state: CheckState): void {
    state.timer = undefined;
    if (this.states.get(state.endpoint) !== state) return;
    let stream: ClientHttp2Stream;
    try {
      stream = state.endpoint.pool.request(this.headers);
    } catch {
      this.complete(state, false);
      return;
    }
    state.stream = stream;
    let grpcStatus: string | undefined;
    let body: Buffer[] = [];
    let bodyBytes = 0;
    const timeout = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), this.config.timeoutMs);
    timeout.unref();
    stream.on('error', () => undefined);
    stream.on('response', (headers: IncomingHttpHeaders) => {
      grpcStatus ??= headers['grpc-status'] as string | undefined;
    });
    stream.on('trailers', (trailers: IncomingHttpHeaders) => {
      grpcStatus ??= trailers['grpc-status'] as string | undefined;
    });
    stream.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes <= MAX_RESPONSE_BYTES) body.push(chunk);
      else body = [];
    });
    stream.on('close', () => {
      clearTimeout(timeout);
      if (state.stream !== stream) return;
      state.stream = undefined;
      const serving = grpcStatus === '0' && bodyBytes <= MAX_RESPONSE_BYTES
        && decodeServingStatus(Buffer.concat(body)) === ServingStatus.SERVING;
      this.complete(state, serving);
    });
    stream.end(this.request);
  }

  private complete(state: CheckState, passed: boolean): void {
    if (this.states.get(state.endpoint) !== state) return;
    const endpoint = state.endpoint;
    if (passed) {
      state.failures = 0;
      state.passes++;
      if (!endpoint.healthy && state.passes >= this.config.healthyThreshold) this.flip(endpoint, true);
    } else {
      state.passes = 0;
      state.failures++;
      if (endpoint.healthy && state.failures >= this.config.unhealthyThreshold) this.flip(endpoint, false);
    }
    this.schedule(state, this.config.intervalMs);
  }

  private flip(endpoint: Endpoint, healthy: boolean): void {
    endpoint.healthy = healthy;
    if (channels.endpointHealth.hasSubscribers) {
      const message: EndpointHealthMessage = { cluster: this.cluster, endpoint: endpoint.key, healthy };
      channels.endpointHealth.publish(message);
    }
    this.onChange(endpoint);
  }
}
