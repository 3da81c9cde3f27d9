import * as d from '../defaults';
import { grpcStatusKebabName } from '../grpc-status';
import type { KubeObject } from '../kube';
import type { HealthCheckPolicy, LoadBalancerAlgorithm, OutlierDetectionPolicy, RetryPolicy, TimeoutPolicy, TrafficPolicy } from '../traffic-policy';
import type { IssueCollector } from '../validation';
import { callTimeoutMs } from './call-timeout';
import { compact } from './compact';
import { formatDuration, MAX_GATEWAY_API_DURATION_MS } from './duration';
import { policyMetadata, type EnvoyGatewayPolicyTarget } from './policy-target';
import { reportUnsupported, retryableCodes } from './unsupported';

/** API version of Envoy Gateway's policies. */
export const ENVOY_GATEWAY_API_VERSION = 'gateway.envoyproxy.io/v1alpha1';

const DIALECT = 'Envoy Gateway';
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
const LOAD_BALANCER_TYPES: Record<LoadBalancerAlgorithm, string> = {
  ROUND_ROBIN: 'RoundRobin',
  LEAST_REQUEST: 'LeastRequest',
  RANDOM: 'Random',
};
/** Retry triggers of calls that never reached the application: always safe, always on (as in the Envoy bootstrap). */
const TRANSPORT_TRIGGERS = ['connect-failure', 'refused-stream'];

/**
 * Translates a traffic policy into an Envoy Gateway `BackendTrafficPolicy` (`gateway.envoyproxy.io/v1alpha1`,
 * field names checked against Envoy Gateway v1.7) attached with `targetRefs` to the target's GRPCRoute or
 * Gateway. It reads the policy as the user wrote it: a field left unset is left to Envoy Gateway's own default,
 * and a policy that sets nothing Envoy Gateway can carry gives no object at all.
 *
 * | TrafficPolicy | BackendTrafficPolicy `spec` |
 * | --- | --- |
 * | `loadBalancer` | `loadBalancer.type`: `RoundRobin`, `LeastRequest`, `Random` |
 * | `retry.attempts` | `retry.numRetries`, at least {@link d.DEFAULT_TRANSPORT_RETRIES} (*) |
 * | `retry.on` | `retry.retryOn.triggers`: `connect-failure`, `refused-stream` (*), then the codes' kebab-case names |
 * | `retry.perTryTimeoutMs` | `retry.perRetry.timeout` |
 * | `retry.backoffBaseMs`, `backoffMaxMs` | `retry.perRetry.backOff.baseInterval`, `maxInterval` |
 * | `timeouts.requestMs` alone | `timeout.http.requestTimeout` |
 * | `timeouts.maxStreamDurationMs` alone | `timeout.http.maxStreamDuration` |
 * | both | `timeout.http.maxStreamDuration`: the shorter of the two (**) |
 * | `timeouts.connectMs` | `timeout.tcp.connectTimeout` |
 * | `timeouts.streamIdleMs` | reported: a v1.7 BackendTrafficPolicy has no stream idle timeout (later releases added `timeout.http.streamIdleTimeout`) |
 * | `circuitBreaker.maxConnections`, `maxPendingCalls` | `circuitBreaker.maxConnections`, `maxPendingRequests` |
 * | `circuitBreaker.maxConcurrentCalls`, `maxConcurrentRetries` | `circuitBreaker.maxParallelRequests`, `maxParallelRetries` |
 * | `outlierDetection` | `healthCheck.passive`: `consecutive5XxErrors`, `interval`, `baseEjectionTime`, `maxEjectionPercent` |
 * | `healthCheck` | `healthCheck.active` with `type: GRPC`, `grpc.service`, `interval`, `timeout`, thresholds |
 *
 * (*) As in the Envoy bootstrap: calls that never reached the application are always retried, and Envoy has one
 * retry budget for every trigger, so a `retry` the user sets retries at least twice.
 *
 * (**) Envoy Gateway writes `requestTimeout` to the route's `timeout` and `maxStreamDuration` to its
 * `max_stream_duration.max_stream_duration`, both on the same route when both are set (envoyproxy/gateway
 * `internal/xds/translator/testdata/out/xds-ir/grpc-timeout.routes.yaml`). A route with `max_stream_duration` takes
 * Envoy's "new timeout" path, where the router never reads `timeout` (envoyproxy/envoy
 * `source/common/router/config_impl.cc` `using_new_timeouts_`, `source/common/router/router.cc` `finalTimeout`):
 * `requestTimeout` would be dropped silently. So with both, only `maxStreamDuration` is written, with the shorter
 * of the two limits: it bounds every call from its first byte (with or without `grpc-timeout`, as no
 * `grpcTimeoutHeaderMax` is set), as `requestMs` and `maxStreamDurationMs` both mean. Alone, `requestTimeout` keeps
 * Envoy's router timer, which starts once the request is complete.
 *
 * `enabled: false` on outlier detection or health checks emits nothing for them (Envoy Gateway's default is off).
 * `outlierDetection: { enabled: true }` alone writes `consecutive5XxErrors: 5` (Envoy Gateway's own default), as
 * an empty `passive` object is never emitted. Envoy counts a gRPC error status as a 5xx for outlier detection only
 * when it comes in the response headers (a trailers-only response), never in trailers.
 * Retry codes other than CANCELLED, DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED and UNAVAILABLE are reported,
 * as are durations above {@link MAX_GATEWAY_API_DURATION_MS}; durations are written in the Gateway API format.
 * Older Envoy Gateway releases ignored `requestTimeout` on GRPCRoutes (envoyproxy/gateway#6511).
 *
 * @param policy the traffic policy as the user wrote it (not resolved), already validated
 * @param target the Service and the GRPCRoute or Gateway the policy attaches to
 * @param issues receives an `UNSUPPORTED_BY_DATA_PLANE` issue per setting Envoy Gateway cannot express
 * @param path path of `policy` in the props, for the issues
 */
export function translateToEnvoyGateway(
  policy: TrafficPolicy | undefined,
  target: EnvoyGatewayPolicyTarget,
  issues: IssueCollector,
  path = 'trafficPolicy',
): KubeObject[] {
  if (!policy) return [];
  const { timeouts, circuitBreaker: limits } = policy;
  if (timeouts?.streamIdleMs !== undefined) {
    reportUnsupported(issues, `${path}.timeouts.streamIdleMs`, timeouts.streamIdleMs,
      'cannot be expressed by Envoy Gateway v1.7, whose BackendTrafficPolicy has no stream idle timeout',
      'Remove it, or set timeout.http.streamIdleTimeout in a ClientTrafficPolicy of the Gateway (later releases also accept it in a BackendTrafficPolicy).');
  }
  const settings = compact({
    loadBalancer: policy.loadBalancer && { type: LOAD_BALANCER_TYPES[policy.loadBalancer] },
    retry: retry(issues, `${path}.retry`, policy.retry),
    timeout: {
      tcp: { connectTimeout: gatewayDuration(issues, `${path}.timeouts.connectMs`, timeouts?.connectMs) },
      http: httpTimeouts(issues, `${path}.timeouts`, timeouts),
    },
    circuitBreaker: {
      maxConnections: limits?.maxConnections,
      maxPendingRequests: limits?.maxPendingCalls,
      maxParallelRequests: limits?.maxConcurrentCalls,
      maxParallelRetries: limits?.maxConcurrentRetries,
    },
    healthCheck: {
      active: activeHealthCheck(issues, `${path}.healthCheck`, policy.healthCheck),
      passive: passiveHealthCheck(issues, `${path}.outlierDetection`, policy.outlierDetection),
    },
  });
  if (!settings) return [];
  const targetRef = { group: GATEWAY_API_GROUP, kind: target.targetRef.kind, name: target.targetRef.name };
  return [{
    apiVersion: ENVOY_GATEWAY_API_VERSION,
    kind: 'BackendTrafficPolicy',
    metadata: policyMetadata(target),
    spec: { targetRefs: [targetRef], ...settings },
  }];
}

/**
 * `timeout.http`: `requestTimeout` and `maxStreamDuration` as set, or only `maxStreamDuration` with the shorter limit
 * when both are (Envoy ignores the route `timeout` of a route with `max_stream_duration`; see the table's (**)).
 */
function httpTimeouts(issues: IssueCollector, path: string, timeouts: TimeoutPolicy | undefined): Record<string, unknown> {
  const { requestMs, maxStreamDurationMs } = timeouts ?? {};
  if (requestMs !== undefined && maxStreamDurationMs !== undefined) {
    const shorter = requestMs < maxStreamDurationMs ? 'requestMs' : 'maxStreamDurationMs';
    return { maxStreamDuration: gatewayDuration(issues, `${path}.${shorter}`, callTimeoutMs(timeouts)) };
  }
  return {
    requestTimeout: gatewayDuration(issues, `${path}.requestMs`, requestMs),
    maxStreamDuration: gatewayDuration(issues, `${path}.maxStreamDurationMs`, maxStreamDurationMs),
  };
}

/** A duration in the Gateway API format; reports and leaves out one too long for it. */
function gatewayDuration(issues: IssueCollector, path: string, ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  if (ms > MAX_GATEWAY_API_DURATION_MS) {
    reportUnsupported(issues, path, ms, `cannot be expressed by ${DIALECT}, whose durations are at most 99999h59m59s999ms`,
      'Use a shorter duration.');
    return undefined;
  }
  return formatDuration(ms);
}

function retry(issues: IssueCollector, path: string, policy: RetryPolicy | undefined): Record<string, unknown> | undefined {
  if (!policy) return undefined;
  const codes = retryableCodes(issues, DIALECT, `${path}.on`, policy.on);
  return {
    numRetries: Math.max(policy.attempts, d.DEFAULT_TRANSPORT_RETRIES),
    retryOn: { triggers: [...TRANSPORT_TRIGGERS, ...codes.map(grpcStatusKebabName)] },
    perRetry: {
      timeout: gatewayDuration(issues, `${path}.perTryTimeoutMs`, policy.perTryTimeoutMs),
      backOff: {
        baseInterval: gatewayDuration(issues, `${path}.backoffBaseMs`, policy.backoffBaseMs),
        maxInterval: gatewayDuration(issues, `${path}.backoffMaxMs`, policy.backoffMaxMs),
      },
    },
  };
}

function activeHealthCheck(issues: IssueCollector, path: string, hc: HealthCheckPolicy | undefined): Record<string, unknown> | undefined {
  if (!hc || hc.enabled === false || !compact(hc)) return undefined;
  return {
    type: 'GRPC',
    grpc: hc.grpcServiceName ? { service: hc.grpcServiceName } : undefined,
    interval: gatewayDuration(issues, `${path}.intervalMs`, hc.intervalMs),
    timeout: gatewayDuration(issues, `${path}.timeoutMs`, hc.timeoutMs),
    unhealthyThreshold: hc.unhealthyThreshold,
    healthyThreshold: hc.healthyThreshold,
  };
}

function passiveHealthCheck(issues: IssueCollector, path: string, od: OutlierDetectionPolicy | undefined): Record<string, unknown> | undefined {
  if (!od || od.enabled === false || !compact(od)) return undefined;
  const passive = compact({
    consecutive5XxErrors: od.consecutiveErrors,
    interval: gatewayDuration(issues, `${path}.intervalMs`, od.intervalMs),
    baseEjectionTime: gatewayDuration(issues, `${path}.baseEjectionTimeMs`, od.baseEjectionTimeMs),
    maxEjectionPercent: od.maxEjectionPercent,
  });
  return passive ?? { consecutive5XxErrors: d.DEFAULT_OUTLIER_CONSECUTIVE_ERRORS };
}
