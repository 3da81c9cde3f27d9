import { decodeServingStatus, encodeHealthCheckRequest, HEALTH_CHECK_PATH, ServingStatus } from './health-check-codec';
import type { ProxyClusterConfig } from '../../core/proxy-config';
import type { Endpoint } from '../balancer/endpoint';
import { CANCEL } from '../h2/constants';
import type { H2Stream, H2StreamHandler } from '../h2/h2-stream';
import type { HeaderFields } from '../h2/hpack/decoder';
import type { OutgoingFields } from '../h2/hpack/encoder';
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
  check: HealthCheck | undefined;
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
  private readonly states = new Map<Endpoint, CheckState>();

  /**
   * @param cluster cluster name, for channel messages
   * @param config intervals, thresholds and service name
   * @param onChange called when an endpoint's `healthy` flips
   * @param onPass called after every passed check of an endpoint that is healthy (outlier detection then
   *   re-admits it if it was ejected, as Envoy's `successful_active_health_check_uneject_host` does)
   */
  public constructor(
    cluster: string, config: HealthCheckConfig, onChange: (endpoint: Endpoint) => void, private readonly onPass?: (endpoint: Endpoint) => void,
  ) {
    this.cluster = cluster;
    this.config = config;
    this.onChange = onChange;
    this.request = encodeHealthCheckRequest(config.serviceName);
  }

  /** Starts checking an endpoint. */
  public add(endpoint: Endpoint): void {
    if (this.states.has(endpoint)) return;
    const state: CheckState = { endpoint, passes: 0, failures: 0, timer: undefined, check: undefined };
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
    const check = state.check;
    state.check = undefined;
    check?.cancel();
  }

  private schedule(state: CheckState, delayMs: number): void {
    state.timer = setTimeout(() => this.check(state), delayMs);
    state.timer.unref();
  }

  private check(state: CheckState): void {
    state.timer = undefined;
    if (this.states.get(state.endpoint) !== state) return;
    const headers: OutgoingFields = {
      ':method': 'POST',
      ':scheme': state.endpoint.pool.scheme,
      ':authority': state.endpoint.key,
      ':path': HEALTH_CHECK_PATH,
      'content-type': 'application/grpc',
      'te': 'trailers',
      'grpc-timeout': `${this.config.timeoutMs}m`,
    };
    const check = new HealthCheck((serving) => {
      if (state.check !== check) return;
      state.check = undefined;
      this.complete(state, serving);
    });
    try {
      check.start(state.endpoint.pool.request(headers, check), this.request, this.config.timeoutMs);
    } catch {
      this.complete(state, false);
      return;
    }
    state.check = check;
  }

  private complete(state: CheckState, passed: boolean): void {
    if (this.states.get(state.endpoint) !== state) return;
    const endpoint = state.endpoint;
    if (passed) {
      state.failures = 0;
      state.passes++;
      if (!endpoint.healthy && state.passes >= this.config.healthyThreshold) this.flip(endpoint, true);
      if (endpoint.healthy) this.onPass?.(endpoint);
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

/** One Check call: collects the status and the (small) response, and reports whether the endpoint is SERVING. */
class HealthCheck implements H2StreamHandler {
  private stream: H2Stream | undefined;
  private grpcStatus: string | string[] | undefined;
  private body: Buffer[] = [];
  private bodyBytes = 0;
  private timeout: NodeJS.Timeout | undefined;

  public constructor(private readonly done: (serving: boolean) => void) {}

  /** Sends the request on `stream` and bounds the call by `timeoutMs`. */
  public start(stream: H2Stream, request: Buffer, timeoutMs: number): void {
    this.stream = stream;
    this.timeout = setTimeout(() => stream.reset(CANCEL), timeoutMs);
    this.timeout.unref();
    stream.write(request);
    stream.end();
  }

  /** Resets the call; it reports nothing. */
  public cancel(): void {
    this.stream?.reset(CANCEL);
  }

  public onHeaders(_stream: H2Stream, headers: HeaderFields): void {
    this.grpcStatus ??= headers['grpc-status'];
  }

  public onData(_stream: H2Stream, chunk: Buffer): void {
    this.bodyBytes += chunk.length;
    if (this.bodyBytes <= MAX_RESPONSE_BYTES) this.body.push(Buffer.from(chunk));
    else this.body = [];
  }

  public onTrailers(_stream: H2Stream, trailers: HeaderFields): void {
    this.grpcStatus ??= trailers['grpc-status'];
  }

  public onEnd(): void {
    // The outcome is decided on close.
  }

  public onDrain(): void {
    // The request is one small message.
  }

  public onClose(): void {
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    const serving = this.grpcStatus === '0' && this.bodyBytes <= MAX_RESPONSE_BYTES
      && decodeServingStatus(Buffer.concat(this.body)) === ServingStatus.SERVING;
    this.done(serving);
  }
}
