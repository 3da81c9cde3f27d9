import * as d from '../defaults';
import { grpcStatusKebabName } from '../grpc-status';
import type { KubeObject } from '../kube';
import type { CircuitBreakerPolicy, OutlierDetectionPolicy, RetryPolicy, TrafficPolicy } from '../traffic-policy';
import type { IssueCollector } from '../validation';
import { callTimeoutMs } from './call-timeout';
import { compact } from './compact';
import { formatDuration } from './duration';
import { policyMetadata, type PolicyTarget } from './policy-target';
import { reportUnsupported, retryableCodes } from './unsupported';

/** API version of Istio's networking objects (served since Istio 1.22). */
export const ISTIO_NETWORKING_API_VERSION = 'networking.istio.io/v1';

const DIALECT = 'Istio';
/** Largest value of Istio's 32-bit signed connection-pool limits. */
const MAX_INT32 = 0x7fffffff;
/** Envoy's retry backoff base interval when none is set; its longest interval is ten times the base. */
const ENVOY_DEFAULT_RETRY_BASE_MS = 25;
/** Retry conditions of calls that never reached the application: always safe, always on (as in the Envoy bootstrap). */
const TRANSPORT_RETRY_ON = ['connect-failure', 'refused-stream'];

/**
 * Translates a traffic policy into Istio's `networking.istio.io/v1` objects for the target's host: a
 * `DestinationRule` for the balancer, connection pool and outlier detection, and a `VirtualService` with one
 * HTTP route to the host for retries and the call timeout. Field names are checked against the Istio 1.30 CRDs.
 * It reads the policy as the user wrote it: a field left unset is left to Istio's own default, and each object is
 * emitted only when the user set something it carries, so a policy that sets nothing gives no object at all
 * (note that Istio's default retry policy, 2 retries on `connect-failure,refused-stream,unavailable,cancelled,
 * retriable-status-codes`, applies when `retry` is unset).
 *
 * | TrafficPolicy | Istio |
 * | --- | --- |
 * | `loadBalancer` | DR `trafficPolicy.loadBalancer.simple`: `ROUND_ROBIN`, `LEAST_REQUEST`, `RANDOM` |
 * | `retry.attempts` | VS `retries.attempts`, at least {@link d.DEFAULT_TRANSPORT_RETRIES} (*) |
 * | `retry.on` | VS `retries.retryOn`: `connect-failure,refused-stream` (*), then the codes' kebab-case names |
 * | `retry.perTryTimeoutMs` | VS `retries.perTryTimeout` |
 * | `retry.backoffBaseMs` | VS `retries.backoff` (the base interval) |
 * | `retry.backoffMaxMs` | reported unless ten times the base interval, the cap Envoy applies |
 * | `timeouts.requestMs`, `maxStreamDurationMs` | VS `timeout`: the shorter of the two |
 * | `timeouts.connectMs` | DR `connectionPool.tcp.connectTimeout` |
 * | `timeouts.streamIdleMs` | reported: Istio has no stream idle timeout |
 * | `circuitBreaker.maxConnections` | DR `connectionPool.tcp.maxConnections` |
 * | `circuitBreaker.maxConcurrentCalls` | DR `connectionPool.http.http2MaxRequests` |
 * | `circuitBreaker.maxPendingCalls` | DR `connectionPool.http.http1MaxPendingRequests` (it applies to HTTP/2 too) |
 * | `circuitBreaker.maxConcurrentRetries` | DR `connectionPool.http.maxRetries` |
 * | `outlierDetection` | DR `outlierDetection`: `consecutive5xxErrors`, `interval`, `baseEjectionTime`, `maxEjectionPercent` |
 * | `healthCheck` | reported unless `enabled: false`: Istio has no active health checks |
 *
 * (*) As in the Envoy bootstrap: calls that never reached the application are always retried, and Envoy has one
 * retry budget for every condition, so a `retry` the user sets retries at least twice.
 *
 * `outlierDetection: { enabled: false }` emits nothing (Istio's default is off); `{ enabled: true }` alone writes
 * `consecutive5xxErrors: 5` (Istio's own default), as an empty object is never emitted. Envoy counts a gRPC error
 * status as a 5xx for outlier detection, and retries on it, only when the status comes in the response headers (a
 * trailers-only response, sent without any message); a status in trailers neither ejects nor retries (Envoy
 * `source/common/router/router.cc`). Retry codes other than CANCELLED, DEADLINE_EXCEEDED, INTERNAL,
 * RESOURCE_EXHAUSTED and UNAVAILABLE are reported, as are connection-pool limits above 2147483647 (Istio's are
 * 32-bit signed). Durations are Go durations in the Gateway API subset (`250ms`, `1m30s`). Istio balances only a
 * ClusterIP Service: `target.host` must not be a headless Service.
 *
 * @param policy the traffic policy as the user wrote it (not resolved), already validated
 * @param target the Service the policy governs
 * @param issues receives an `UNSUPPORTED_BY_DATA_PLANE` issue per setting Istio cannot express
 * @param path path of `policy` in the props, for the issues
 * @returns the DestinationRule, then the VirtualService, each only when it has something to say
 */
export function translateToIstio(policy: TrafficPolicy | undefined, target: PolicyTarget, issues: IssueCollector, path = 'trafficPolicy'): KubeObject[] {
  if (!policy) return [];
  const { timeouts } = policy;
  if (timeouts?.streamIdleMs !== undefined) {
    reportUnsupported(issues, `${path}.timeouts.streamIdleMs`, timeouts.streamIdleMs,
      'cannot be expressed by Istio, whose DestinationRule and VirtualService have no stream idle timeout',
      'Remove it: Envoy\'s default stream idle timeout of 5 minutes applies.');
  }
  if (compact(policy.healthCheck) && policy.healthCheck?.enabled !== false) {
    reportUnsupported(issues, `${path}.healthCheck`, policy.healthCheck,
      'cannot be expressed by Istio, which has no active health checks (it relies on readiness probes and outlier detection)',
      'Remove healthCheck or set enabled: false; keep the workload\'s readiness probe and outlierDetection.');
  }
  const trafficPolicy = compact({
    loadBalancer: policy.loadBalancer && { simple: policy.loadBalancer },
    connectionPool: connectionPool(issues, `${path}.circuitBreaker`, policy.circuitBreaker, timeouts?.connectMs),
    outlierDetection: outlierDetection(policy.outlierDetection),
  });
  const callTimeout = callTimeoutMs(timeouts);
  const routeSettings = compact({
    timeout: formatDuration(callTimeout),
    retries: retries(issues, `${path}.retry`, policy.retry),
  });
  const objects: KubeObject[] = [];
  if (trafficPolicy) {
    objects.push({ apiVersion: ISTIO_NETWORKING_API_VERSION, kind: 'DestinationRule', metadata: policyMetadata(target), spec: { host: target.host, trafficPolicy } });
  }
  if (routeSettings) {
    const route = [{ destination: { host: target.host, port: { number: target.port } } }];
    objects.push({
      apiVersion: ISTIO_NETWORKING_API_VERSION,
      kind: 'VirtualService',
      metadata: policyMetadata(target),
      spec: { hosts: [target.host], http: [{ route, ...routeSettings }] },
    });
  }
  return objects;
}

function connectionPool(
  issues: IssueCollector,
  path: string,
  limits: CircuitBreakerPolicy | undefined,
  connectMs: number | undefined,
): Record<string, unknown> {
  const int32 = (key: keyof CircuitBreakerPolicy): number | undefined => {
    const value = limits?.[key];
    if (value === undefined || value <= MAX_INT32) return value;
    reportUnsupported(issues, `${path}.${key}`, value, `cannot be expressed by ${DIALECT}, whose connection-pool limits are 32-bit signed integers`,
      `Use at most ${MAX_INT32}.`);
    return undefined;
  };
  return {
    tcp: {
      maxConnections: int32('maxConnections'),
      connectTimeout: formatDuration(connectMs),
    },
    http: {
      http2MaxRequests: int32('maxConcurrentCalls'),
      http1MaxPendingRequests: int32('maxPendingCalls'),
      maxRetries: int32('maxConcurrentRetries'),
    },
  };
}

function outlierDetection(od: OutlierDetectionPolicy | undefined): Record<string, unknown> | undefined {
  if (!od || od.enabled === false || !compact(od)) return undefined;
  const settings = compact({
    consecutive5xxErrors: od.consecutiveErrors,
    interval: formatDuration(od.intervalMs),
    baseEjectionTime: formatDuration(od.baseEjectionTimeMs),
    maxEjectionPercent: od.maxEjectionPercent,
  });
  return settings ?? { consecutive5xxErrors: d.DEFAULT_OUTLIER_CONSECUTIVE_ERRORS };
}

function retries(issues: IssueCollector, path: string, retry: RetryPolicy | undefined): Record<string, unknown> | undefined {
  if (!retry) return undefined;
  const codes = retryableCodes(issues, DIALECT, `${path}.on`, retry.on);
  const impliedMaxMs = 10 * (retry.backoffBaseMs ?? ENVOY_DEFAULT_RETRY_BASE_MS);
  if (retry.backoffMaxMs !== undefined && retry.backoffMaxMs !== impliedMaxMs) {
    reportUnsupported(issues, `${path}.backoffMaxMs`, retry.backoffMaxMs,
      `cannot be expressed by ${DIALECT}, which sets only the backoff's base interval and caps the backoff at ten times it (${impliedMaxMs} ms)`,
      `Set backoffMaxMs to ${impliedMaxMs} or remove it.`);
  }
  return {
    attempts: Math.max(retry.attempts, d.DEFAULT_TRANSPORT_RETRIES),
    retryOn: [...TRANSPORT_RETRY_ON, ...codes.map(grpcStatusKebabName)].join(','),
    perTryTimeout: formatDuration(retry.perTryTimeoutMs),
    backoff: formatDuration(retry.backoffBaseMs),
  };
}
