import { grpcStatusKebabName } from '../grpc-status';
import type { OutlierDetectionPolicy, RetryPolicy, TrafficPolicy } from '../traffic-policy';
import type { IssueCollector } from '../validation';
import { callTimeoutMs } from './call-timeout';
import { compact } from './compact';
import { formatDurationInOneUnit } from './duration';
import { reportUnsupported, retryableCodes } from './unsupported';

/** Annotations of the Linkerd translation of a traffic policy. */
export interface LinkerdAnnotations {
  /** Annotations of the Service the clients call: retries, timeouts and failure accrual. */
  readonly serviceAnnotations: Record<string, string>;
  /** Annotations of the workload's pod template: proxy injection. */
  readonly podAnnotations: Record<string, string>;
}

const DIALECT = 'Linkerd';
const INJECT = 'linkerd.io/inject';
const RETRY_LIMIT = 'retry.linkerd.io/limit';
const RETRY_GRPC = 'retry.linkerd.io/grpc';
const RETRY_TIMEOUT = 'retry.linkerd.io/timeout';
const TIMEOUT_REQUEST = 'timeout.linkerd.io/request';
const TIMEOUT_IDLE = 'timeout.linkerd.io/idle';
const FAILURE_ACCRUAL = 'balancer.linkerd.io/failure-accrual';
const MAX_FAILURES = 'balancer.linkerd.io/failure-accrual-consecutive-max-failures';
const MIN_PENALTY = 'balancer.linkerd.io/failure-accrual-consecutive-min-penalty';
const MAX_PENALTY = 'balancer.linkerd.io/failure-accrual-consecutive-max-penalty';
/** Linkerd's longest failure-accrual penalty when none is set; the shortest may not exceed it. */
const LINKERD_DEFAULT_MAX_PENALTY_MS = 60_000;

/**
 * Translates a traffic policy into Linkerd annotations: `linkerd.io/inject: enabled` on the pod template, and
 * retries, timeouts and failure accrual on the Service. It reads the policy as the user wrote it: a field left unset
 * is left to Linkerd's own default, so a policy that sets nothing gives the inject annotation only. Linkerd ignores
 * these annotations while a ServiceProfile exists for the Service.
 *
 * Linkerd reads the retry and timeout annotations from Services, HTTPRoutes and GRPCRoutes from 2.16 on, but it
 * applies `retry.linkerd.io/grpc` only to calls that go through a GRPCRoute: a service whose policy retries also
 * gets one ({@link linkerdServiceRoutes}), `gateway.networking.k8s.io/v1`, which Linkerd serves from 2.18 on (2.16
 * and 2.17 bundle `v1alpha2`). So `DataPlane.linkerd()` needs Linkerd 2.18 or later, as does a `GrpcRoute`
 * attached to a Linkerd service.
 *
 * | TrafficPolicy | Linkerd annotation |
 * | --- | --- |
 * | `loadBalancer` | nothing for `LEAST_REQUEST`; other algorithms reported (see below) |
 * | `retry.attempts` | `retry.linkerd.io/limit` |
 * | `retry.on` | `retry.linkerd.io/grpc`: the codes' kebab-case names, comma-separated (with every retry and timeout annotation also on the service's GRPCRoute) |
 * | `retry.perTryTimeoutMs` | `retry.linkerd.io/timeout` |
 * | `retry.backoffBaseMs`, `backoffMaxMs` | reported: Linkerd's retry backoff is not configurable |
 * | `timeouts.requestMs`, `maxStreamDurationMs` | `timeout.linkerd.io/request`: the shorter of the two |
 * | `timeouts.streamIdleMs` | `timeout.linkerd.io/idle` |
 * | `timeouts.connectMs` | reported: the connect timeout is a setting of each client's proxy |
 * | `circuitBreaker` | reported: Linkerd has no concurrency or connection limits |
 * | `outlierDetection` | `balancer.linkerd.io/failure-accrual: consecutive`, with `...-consecutive-max-failures` (`consecutiveErrors`) and `...-consecutive-min-penalty` (`baseEjectionTimeMs`) |
 * | `outlierDetection.intervalMs`, `maxEjectionPercent` | reported: failure accrual has neither |
 * | `healthCheck` | reported unless `enabled: false`: Linkerd has no active health checks |
 *
 * Linkerd always balances with power of two choices over an exponentially weighted moving average of latency
 * (EWMA). `LEAST_REQUEST` is accepted as its closest equivalent: both send each call to the less loaded of two
 * endpoints, Linkerd measuring load by latency and outstanding calls rather than by outstanding calls alone.
 *
 * Approximations: an ejected endpoint stays out for `baseEjectionTimeMs`, then Linkerd probes it with one call and
 * backs off exponentially up to its maximum penalty (default 1 minute, raised to `baseEjectionTimeMs` when that is
 * longer, as Linkerd requires min ≤ max), where Envoy multiplies the base time by the number of ejections.
 * Linkerd's documentation says failure accrual classifies responses by HTTP status (5xx), so gRPC errors carried
 * in trailers may not count. A retry reads `grpc-status` in the response headers, or in trailers that come right
 * after the headers or the first message (linkerd2-proxy `linkerd/http/retry/src/peek_trailers.rs`). Retries with `attempts: 0`, or with no retryable code left, emit no retry annotation
 * (any `retry.linkerd.io/*` annotation turns retries on), so a `perTryTimeoutMs` is then reported. Linkerd does not
 * retry calls whose body exceeds 64 KiB. `enabled: false` on outlier detection emits nothing (Linkerd's default is
 * off). Durations are one number and one unit (`1500ms`, `5s`), the only form Linkerd parses.
 *
 * @param policy the traffic policy as the user wrote it (not resolved), already validated
 * @param issues receives an `UNSUPPORTED_BY_DATA_PLANE` issue per setting Linkerd cannot express
 * @param path path of `policy` in the props, for the issues
 */
export function translateToLinkerd(policy: TrafficPolicy | undefined, issues: IssueCollector, path = 'trafficPolicy'): LinkerdAnnotations {
  const podAnnotations = { [INJECT]: 'enabled' };
  const serviceAnnotations: Record<string, string> = {};
  if (!policy) return { serviceAnnotations, podAnnotations };

  if (policy.loadBalancer !== undefined && policy.loadBalancer !== 'LEAST_REQUEST') {
    reportUnsupported(issues, `${path}.loadBalancer`, policy.loadBalancer,
      'cannot be expressed by Linkerd, which balances with power of two choices over latency (EWMA) only',
      'Remove loadBalancer, or set it to LEAST_REQUEST, the closest algorithm.');
  }
  retry(issues, `${path}.retry`, policy.retry, serviceAnnotations);

  const { timeouts } = policy;
  const callTimeout = callTimeoutMs(timeouts);
  if (callTimeout !== undefined) serviceAnnotations[TIMEOUT_REQUEST] = formatDurationInOneUnit(callTimeout);
  if (timeouts?.streamIdleMs !== undefined) serviceAnnotations[TIMEOUT_IDLE] = formatDurationInOneUnit(timeouts.streamIdleMs);
  if (timeouts?.connectMs !== undefined) {
    reportUnsupported(issues, `${path}.timeouts.connectMs`, timeouts.connectMs,
      'cannot be expressed by Linkerd on the Service: the connect timeout is a setting of each client\'s proxy',
      'Remove it, or set config.linkerd.io/proxy-outbound-connect-timeout on the clients\' pods.');
  }
  const limits = compact(policy.circuitBreaker);
  if (limits) {
    reportUnsupported(issues, `${path}.circuitBreaker`, limits,
      'cannot be expressed by Linkerd, which has no limits on concurrent calls, pending calls, connections or retries',
      'Remove circuitBreaker; Linkerd sheds load from failing endpoints with failure accrual (outlierDetection).');
  }
  failureAccrual(issues, `${path}.outlierDetection`, policy.outlierDetection, serviceAnnotations);
  if (compact(policy.healthCheck) && policy.healthCheck?.enabled !== false) {
    reportUnsupported(issues, `${path}.healthCheck`, policy.healthCheck,
      'cannot be expressed by Linkerd, which has no active health checks (it relies on readiness probes and failure accrual)',
      'Remove healthCheck or set enabled: false; keep the workload\'s readiness probe and outlierDetection.');
  }
  return { serviceAnnotations, podAnnotations };
}

function retry(issues: IssueCollector, path: string, policy: RetryPolicy | undefined, annotations: Record<string, string>): void {
  if (!policy) return;
  const codes = retryableCodes(issues, DIALECT, `${path}.on`, policy.on);
  for (const key of ['backoffBaseMs', 'backoffMaxMs'] as const) {
    if (policy[key] === undefined) continue;
    reportUnsupported(issues, `${path}.${key}`, policy[key], 'cannot be expressed by Linkerd, whose retry backoff is not configurable',
      'Remove it.');
  }
  if (policy.attempts > 0 && codes.length > 0) {
    annotations[RETRY_LIMIT] = String(policy.attempts);
    annotations[RETRY_GRPC] = codes.map(grpcStatusKebabName).join(',');
    if (policy.perTryTimeoutMs !== undefined) annotations[RETRY_TIMEOUT] = formatDurationInOneUnit(policy.perTryTimeoutMs);
  } else if (policy.perTryTimeoutMs !== undefined) {
    reportUnsupported(issues, `${path}.perTryTimeoutMs`, policy.perTryTimeoutMs,
      'cannot be expressed by Linkerd without retries: retry.linkerd.io/timeout would turn retries on',
      'Remove it, or retry at least once on a retryable code; use timeouts.requestMs to bound the call.');
  }
}

function failureAccrual(issues: IssueCollector, path: string, od: OutlierDetectionPolicy | undefined, annotations: Record<string, string>): void {
  if (!od || od.enabled === false || !compact(od)) return;
  annotations[FAILURE_ACCRUAL] = 'consecutive';
  if (od.consecutiveErrors !== undefined) annotations[MAX_FAILURES] = String(od.consecutiveErrors);
  if (od.baseEjectionTimeMs !== undefined) {
    annotations[MIN_PENALTY] = formatDurationInOneUnit(od.baseEjectionTimeMs);
    if (od.baseEjectionTimeMs > LINKERD_DEFAULT_MAX_PENALTY_MS) annotations[MAX_PENALTY] = formatDurationInOneUnit(od.baseEjectionTimeMs);
  }
  if (od.intervalMs !== undefined) {
    reportUnsupported(issues, `${path}.intervalMs`, od.intervalMs,
      'cannot be expressed by Linkerd, whose failure accrual judges each response as it comes and has no evaluation interval',
      'Remove it.');
  }
  if (od.maxEjectionPercent !== undefined) {
    reportUnsupported(issues, `${path}.maxEjectionPercent`, od.maxEjectionPercent,
      'cannot be expressed by Linkerd, which does not cap the share of endpoints that failure accrual takes out',
      'Remove it.');
  }
}
