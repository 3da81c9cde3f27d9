import * as d from './defaults';
import { GrpcStatus, grpcStatusName } from './grpc-status';
import type { IssueCollector } from './validation';

/** How a balancer picks the endpoint of each call. */
export type LoadBalancerAlgorithm = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM';

/** The algorithms a balancer may be asked for. */
export const LOAD_BALANCER_ALGORITHMS: readonly LoadBalancerAlgorithm[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'];

/** Retries of failed calls. */
export interface RetryPolicy {
  /** Retries after the first try (so `2` means at most three tries). */
  readonly attempts: number;
  /**
   * gRPC status codes that make a call retryable. Required when `attempts` is above zero.
   *
   * Where the data plane looks for the status decides which failures are retried. grpc-mesh-proxy reads it in the
   * response headers and in the trailers. Envoy, Envoy Gateway and Istio read it in the response headers only: a
   * status the server sends without any response message (a trailers-only response, as gRPC servers send for most
   * errors), never one in trailers after headers were sent. Linkerd reads the headers, and trailers that follow the
   * headers or the first message at once.
   */
  readonly on: readonly GrpcStatus[];
  /**
   * Time each try may take.
   * @default - no per-try limit: each try may use what is left of the call's deadline
   */
  readonly perTryTimeoutMs?: number;
  /**
   * First interval of the exponential backoff between tries (with jitter).
   * @default 25
   */
  readonly backoffBaseMs?: number;
  /**
   * Longest interval of the backoff between tries.
   * @default 250
   */
  readonly backoffMaxMs?: number;
}

/** Timeouts of calls and connections. */
export interface TimeoutPolicy {
  /**
   * Time a call may take, from its request to the end of its response (streams included). The client's own
   * `grpc-timeout` deadline is always honoured as well.
   * @default - none: the client's deadline governs (Envoy's hidden 15 s route timeout is switched off)
   */
  readonly requestMs?: number;
  /**
   * A stream with no frames in either direction for this long is reset.
   * @default 300000
   */
  readonly streamIdleMs?: number;
  /**
   * Longest lifetime of a stream, however active. Useful to rebalance long-lived streams.
   * @default - unlimited
   */
  readonly maxStreamDurationMs?: number;
  /**
   * Time to establish a connection to an endpoint.
   * @default 1000
   */
  readonly connectMs?: number;
}

/** Limits that shed load instead of queueing it, per balancer replica. */
export interface CircuitBreakerPolicy {
  /**
   * Concurrent calls to the service.
   * @default 1024
   */
  readonly maxConcurrentCalls?: number;
  /**
   * Calls waiting for a connection or a stream.
   * @default 1024
   */
  readonly maxPendingCalls?: number;
  /**
   * Connections to all endpoints together.
   * @default 1024
   */
  readonly maxConnections?: number;
  /**
   * Retries in flight at once.
   * @default 3
   */
  readonly maxConcurrentRetries?: number;
}

/**
 * Passive health checking: endpoints that fail calls are ejected for a while.
 *
 * A failed call is a lost connection, a reset stream, or a server-error status. grpc-mesh-proxy reads the status in
 * the response headers and in the trailers. Envoy, Envoy Gateway and Istio count a status only when it comes in the
 * response headers (a trailers-only response, without any message, mapped to an HTTP code: UNAVAILABLE as 503,
 * INTERNAL as 500); one in trailers after headers were sent counts as a success. For Linkerd's failure accrual, see
 * `translateToLinkerd`.
 */
export interface OutlierDetectionPolicy {
  /**
   * Whether outlier detection runs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Consecutive failed calls (server errors such as UNAVAILABLE, INTERNAL, UNKNOWN) that eject an endpoint.
   * @default 5
   */
  readonly consecutiveErrors?: number;
  /**
   * How often endpoints are evaluated.
   * @default 10000
   */
  readonly intervalMs?: number;
  /**
   * Base ejection time; an endpoint ejected n times stays out n times as long.
   * @default 30000
   */
  readonly baseEjectionTimeMs?: number;
  /**
   * Most endpoints that may be ejected at once, in percent.
   * @default 50
   */
  readonly maxEjectionPercent?: number;
}

/** Active health checking with the standard `grpc.health.v1.Health/Check` RPC. */
export interface HealthCheckPolicy {
  /**
   * Whether the balancer health-checks endpoints. The workload must implement `grpc.health.v1`.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Service name sent in the health check request; empty asks about the server as a whole.
   * @default ''
   */
  readonly grpcServiceName?: string;
  /**
   * Interval between checks of one endpoint.
   * @default 5000
   */
  readonly intervalMs?: number;
  /**
   * Time one check may take.
   * @default 1000
   */
  readonly timeoutMs?: number;
  /**
   * Failed checks that mark an endpoint unhealthy.
   * @default 3
   */
  readonly unhealthyThreshold?: number;
  /**
   * Passed checks that mark an endpoint healthy again.
   * @default 1
   */
  readonly healthyThreshold?: number;
}

/**
 * How calls to a service are balanced and protected. One typed object that every data plane translates; a data
 * plane that cannot honour a setting fails synthesis rather than dropping it.
 */
export interface TrafficPolicy {
  /**
   * Algorithm that picks the endpoint of each call.
   * @default 'LEAST_REQUEST'
   */
  readonly loadBalancer?: LoadBalancerAlgorithm;
  /**
   * Retries of failed calls. Calls that never reached the application (connect failure, refused stream) are
   * always retried, which is safe for every method.
   * @default - no retries on gRPC status codes
   */
  readonly retry?: RetryPolicy;
  /**
   * Timeouts.
   * @default - see {@link TimeoutPolicy}
   */
  readonly timeouts?: TimeoutPolicy;
  /**
   * Circuit breaking limits.
   * @default - see {@link CircuitBreakerPolicy}
   */
  readonly circuitBreaker?: CircuitBreakerPolicy;
  /**
   * Outlier detection (passive health checking).
   * @default - enabled, see {@link OutlierDetectionPolicy}
   */
  readonly outlierDetection?: OutlierDetectionPolicy;
  /**
   * Active gRPC health checks.
   * @default - enabled, see {@link HealthCheckPolicy}
   */
  readonly healthCheck?: HealthCheckPolicy;
}

/** A {@link TrafficPolicy} with every default applied: what renderers read. */
export interface ResolvedTrafficPolicy {
  /** See {@link TrafficPolicy.loadBalancer}. */
  readonly loadBalancer: LoadBalancerAlgorithm;
  /** See {@link RetryPolicy}; `attempts` is 0 when no retry was asked for. */
  readonly retry: Required<Omit<RetryPolicy, 'perTryTimeoutMs'>> & Pick<RetryPolicy, 'perTryTimeoutMs'>;
  /** See {@link TimeoutPolicy}. */
  readonly timeouts: Required<Pick<TimeoutPolicy, 'streamIdleMs' | 'connectMs'>> & Pick<TimeoutPolicy, 'requestMs' | 'maxStreamDurationMs'>;
  /** See {@link CircuitBreakerPolicy}. */
  readonly circuitBreaker: Required<CircuitBreakerPolicy>;
  /** See {@link OutlierDetectionPolicy}. */
  readonly outlierDetection: Required<OutlierDetectionPolicy>;
  /** See {@link HealthCheckPolicy}. */
  readonly healthCheck: Required<HealthCheckPolicy>;
}

/** Applies the defaults of every unset field. */
export function resolveTrafficPolicy(policy: TrafficPolicy = {}): ResolvedTrafficPolicy {
  const { retry, timeouts = {}, circuitBreaker = {}, outlierDetection = {}, healthCheck = {} } = policy;
  return {
    loadBalancer: policy.loadBalancer ?? d.DEFAULT_LOAD_BALANCER,
    retry: {
      attempts: retry?.attempts ?? 0,
      on: retry?.on ?? [],
      perTryTimeoutMs: retry?.perTryTimeoutMs,
      backoffBaseMs: retry?.backoffBaseMs ?? d.DEFAULT_RETRY_BASE_INTERVAL_MS,
      backoffMaxMs: retry?.backoffMaxMs ?? d.DEFAULT_RETRY_MAX_INTERVAL_MS,
    },
    timeouts: {
      requestMs: timeouts.requestMs,
      streamIdleMs: timeouts.streamIdleMs ?? d.DEFAULT_STREAM_IDLE_TIMEOUT_MS,
      maxStreamDurationMs: timeouts.maxStreamDurationMs,
      connectMs: timeouts.connectMs ?? d.DEFAULT_CONNECT_TIMEOUT_MS,
    },
    circuitBreaker: {
      maxConcurrentCalls: circuitBreaker.maxConcurrentCalls ?? d.DEFAULT_MAX_CONCURRENT_CALLS,
      maxPendingCalls: circuitBreaker.maxPendingCalls ?? d.DEFAULT_MAX_PENDING_CALLS,
      maxConnections: circuitBreaker.maxConnections ?? d.DEFAULT_MAX_CONNECTIONS,
      maxConcurrentRetries: circuitBreaker.maxConcurrentRetries ?? d.DEFAULT_MAX_CONCURRENT_RETRIES,
    },
    outlierDetection: {
      enabled: outlierDetection.enabled ?? true,
      consecutiveErrors: outlierDetection.consecutiveErrors ?? d.DEFAULT_OUTLIER_CONSECUTIVE_ERRORS,
      intervalMs: outlierDetection.intervalMs ?? d.DEFAULT_OUTLIER_INTERVAL_MS,
      baseEjectionTimeMs: outlierDetection.baseEjectionTimeMs ?? d.DEFAULT_OUTLIER_BASE_EJECTION_MS,
      maxEjectionPercent: outlierDetection.maxEjectionPercent ?? d.DEFAULT_OUTLIER_MAX_EJECTION_PERCENT,
    },
    healthCheck: {
      enabled: healthCheck.enabled ?? true,
      grpcServiceName: healthCheck.grpcServiceName ?? '',
      intervalMs: healthCheck.intervalMs ?? d.DEFAULT_HEALTH_CHECK_INTERVAL_MS,
      timeoutMs: healthCheck.timeoutMs ?? d.DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
      unhealthyThreshold: healthCheck.unhealthyThreshold ?? d.DEFAULT_UNHEALTHY_THRESHOLD,
      healthyThreshold: healthCheck.healthyThreshold ?? d.DEFAULT_HEALTHY_THRESHOLD,
    },
  };
}

/** Most retries a policy may ask for. */
export const MAX_RETRY_ATTEMPTS = 10;

/** Validates a traffic policy's own consistency (what every data plane would reject). */
export function validateTrafficPolicy(issues: IssueCollector, path: string, policy: TrafficPolicy | undefined): void {
  if (!policy) return;
  if (policy.loadBalancer !== undefined) {
    issues.require(LOAD_BALANCER_ALGORITHMS.includes(policy.loadBalancer), {
      code: 'UNKNOWN_LOAD_BALANCER',
      path: `${path}.loadBalancer`,
      value: policy.loadBalancer,
      message: `must be one of ${LOAD_BALANCER_ALGORITHMS.join(', ')}`,
    });
  }
  validateRetry(issues, `${path}.retry`, policy.retry);
  validateTimeouts(issues, `${path}.timeouts`, policy.timeouts);
  validateCircuitBreaker(issues, `${path}.circuitBreaker`, policy.circuitBreaker);
  validateOutlierDetection(issues, `${path}.outlierDetection`, policy.outlierDetection);
  validateHealthCheck(issues, `${path}.healthCheck`, policy.healthCheck);
}

function validateRetry(issues: IssueCollector, path: string, retry: RetryPolicy | undefined): void {
  if (!retry) return;
  issues.integerInRange(`${path}.attempts`, retry.attempts, 0, MAX_RETRY_ATTEMPTS);
  const codes = retry.on ?? [];
  if (retry.attempts > 0) {
    issues.require(codes.length > 0, {
      code: 'RETRY_WITHOUT_CODES',
      path: `${path}.on`,
      value: retry.on,
      message: 'must list at least one gRPC status code when attempts is above zero',
      hint: 'Retry only codes that mean the call was not processed, e.g. [GrpcStatus.UNAVAILABLE].',
    });
  }
  codes.forEach((code, i) => {
    const known = Number.isInteger(code) && GrpcStatus[code] !== undefined;
    issues.require(known && code !== GrpcStatus.OK, {
      code: 'INVALID_GRPC_STATUS',
      path: `${path}.on[${i}]`,
      value: code,
      message: known ? 'cannot be OK: a successful call is never retried' : 'must be a gRPC status code (GrpcStatus)',
    });
  });
  issues.milliseconds(`${path}.perTryTimeoutMs`, retry.perTryTimeoutMs);
  issues.milliseconds(`${path}.backoffBaseMs`, retry.backoffBaseMs);
  issues.milliseconds(`${path}.backoffMaxMs`, retry.backoffMaxMs);
  const base = retry.backoffBaseMs ?? 0;
  const max = retry.backoffMaxMs ?? Infinity;
  issues.require(base <= max, {
    code: 'BACKOFF_INVERTED',
    path: `${path}.backoffMaxMs`,
    value: retry.backoffMaxMs,
    message: `must be at least backoffBaseMs (${base})`,
  });
}

function validateTimeouts(issues: IssueCollector, path: string, timeouts: TimeoutPolicy | undefined): void {
  if (!timeouts) return;
  issues.milliseconds(`${path}.requestMs`, timeouts.requestMs);
  issues.milliseconds(`${path}.streamIdleMs`, timeouts.streamIdleMs);
  issues.milliseconds(`${path}.maxStreamDurationMs`, timeouts.maxStreamDurationMs);
  issues.milliseconds(`${path}.connectMs`, timeouts.connectMs);
}

function validateCircuitBreaker(issues: IssueCollector, path: string, limits: CircuitBreakerPolicy | undefined): void {
  if (!limits) return;
  for (const key of ['maxConcurrentCalls', 'maxPendingCalls', 'maxConnections'] as const) {
    issues.integerInRange(`${path}.${key}`, limits[key], 1, 0xffffffff);
  }
  issues.integerInRange(`${path}.maxConcurrentRetries`, limits.maxConcurrentRetries, 0, 0xffffffff);
}

function validateOutlierDetection(issues: IssueCollector, path: string, od: OutlierDetectionPolicy | undefined): void {
  if (!od) return;
  issues.integerInRange(`${path}.consecutiveErrors`, od.consecutiveErrors, 1, 0xffffffff);
  issues.milliseconds(`${path}.intervalMs`, od.intervalMs);
  issues.milliseconds(`${path}.baseEjectionTimeMs`, od.baseEjectionTimeMs);
  issues.integerInRange(`${path}.maxEjectionPercent`, od.maxEjectionPercent, 0, 100);
}

function validateHealthCheck(issues: IssueCollector, path: string, hc: HealthCheckPolicy | undefined): void {
  if (!hc) return;
  issues.milliseconds(`${path}.intervalMs`, hc.intervalMs);
  issues.milliseconds(`${path}.timeoutMs`, hc.timeoutMs);
  issues.integerInRange(`${path}.unhealthyThreshold`, hc.unhealthyThreshold, 1, 0xffffffff);
  issues.integerInRange(`${path}.healthyThreshold`, hc.healthyThreshold, 1, 0xffffffff);
  if (hc.intervalMs !== undefined && hc.timeoutMs !== undefined) {
    issues.require(hc.timeoutMs <= hc.intervalMs, {
      code: 'HEALTH_CHECK_TIMEOUT_TOO_LONG',
      path: `${path}.timeoutMs`,
      value: hc.timeoutMs,
      message: `must not exceed intervalMs (${hc.intervalMs})`,
    });
  }
}

/** Names of status codes, for messages. */
export function describeCodes(codes: readonly GrpcStatus[]): string {
  return codes.map(grpcStatusName).join(', ');
}
