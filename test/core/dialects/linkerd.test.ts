import { FULL_POLICY, translate } from './fixtures';
import { translateToLinkerd } from '../../../src/core/dialects';
import { GrpcStatus } from '../../../src/core/grpc-status';
import type { TrafficPolicy } from '../../../src/core/traffic-policy';

const linkerd = (policy: TrafficPolicy | undefined, path?: string) => translate((issues) => translateToLinkerd(policy, issues, path));
const serviceAnnotations = (policy: TrafficPolicy) => linkerd(policy).result.serviceAnnotations;
const INJECT = { 'linkerd.io/inject': 'enabled' };
const unsupported = (path: string, value: unknown, message: string, hint: string) => ({ code: 'UNSUPPORTED_BY_DATA_PLANE', path, value, message, hint });

describe('translateToLinkerd', () => {
  test('translates every setting it can express into Service annotations, and injects the pods', () => {
    const policy: TrafficPolicy = {
      loadBalancer: 'LEAST_REQUEST',
      retry: { attempts: 3, on: [GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED], perTryTimeoutMs: 1_500 },
      timeouts: { requestMs: 30_000, streamIdleMs: 300_000, maxStreamDurationMs: 3_600_000 },
      outlierDetection: { enabled: true, consecutiveErrors: 7, baseEjectionTimeMs: 15_000 },
      healthCheck: { enabled: false },
    };
    expect(linkerd(policy)).toEqual({
      result: {
        serviceAnnotations: {
          'retry.linkerd.io/limit': '3',
          'retry.linkerd.io/grpc': 'unavailable,deadline-exceeded',
          'retry.linkerd.io/timeout': '1500ms',
          'timeout.linkerd.io/request': '30s',
          'timeout.linkerd.io/idle': '5m',
          'balancer.linkerd.io/failure-accrual': 'consecutive',
          'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '7',
          'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '15s',
        },
        podAnnotations: INJECT,
      },
      issues: [],
    });
  });

  test('reports every setting of a full policy that Linkerd cannot express', () => {
    expect(linkerd(FULL_POLICY).issues).toEqual([
      unsupported('trafficPolicy.retry.backoffBaseMs', 50, 'cannot be expressed by Linkerd, whose retry backoff is not configurable', 'Remove it.'),
      unsupported('trafficPolicy.retry.backoffMaxMs', 500, 'cannot be expressed by Linkerd, whose retry backoff is not configurable', 'Remove it.'),
      unsupported('trafficPolicy.timeouts.connectMs', 250,
        'cannot be expressed by Linkerd on the Service: the connect timeout is a setting of each client\'s proxy',
        'Remove it, or set config.linkerd.io/proxy-outbound-connect-timeout on the clients\' pods.'),
      unsupported('trafficPolicy.circuitBreaker', FULL_POLICY.circuitBreaker,
        'cannot be expressed by Linkerd, which has no limits on concurrent calls, pending calls, connections or retries',
        'Remove circuitBreaker; Linkerd sheds load from failing endpoints with failure accrual (outlierDetection).'),
      unsupported('trafficPolicy.outlierDetection.intervalMs', 5_000,
        'cannot be expressed by Linkerd, whose failure accrual judges each response as it comes and has no evaluation interval', 'Remove it.'),
      unsupported('trafficPolicy.outlierDetection.maxEjectionPercent', 25,
        'cannot be expressed by Linkerd, which does not cap the share of endpoints that failure accrual takes out', 'Remove it.'),
      unsupported('trafficPolicy.healthCheck', FULL_POLICY.healthCheck,
        'cannot be expressed by Linkerd, which has no active health checks (it relies on readiness probes and failure accrual)',
        'Remove healthCheck or set enabled: false; keep the workload\'s readiness probe and outlierDetection.'),
    ]);
  });

  test('gives only the inject annotation for a policy that sets nothing, leaving every setting to Linkerd', () => {
    const empty = { result: { serviceAnnotations: {}, podAnnotations: INJECT }, issues: [] };
    expect(linkerd(undefined)).toEqual(empty);
    expect(linkerd({})).toEqual(empty);
    expect(linkerd({ timeouts: {}, circuitBreaker: {}, outlierDetection: { enabled: false }, healthCheck: {} })).toEqual(empty);
  });

  test('reports a load balancer other than LEAST_REQUEST, since Linkerd balances by latency only', () => {
    expect(linkerd({ loadBalancer: 'LEAST_REQUEST' }).issues).toEqual([]);
    expect(linkerd({ loadBalancer: 'ROUND_ROBIN' }).issues).toEqual([
      unsupported('trafficPolicy.loadBalancer', 'ROUND_ROBIN',
        'cannot be expressed by Linkerd, which balances with power of two choices over latency (EWMA) only',
        'Remove loadBalancer, or set it to LEAST_REQUEST, the closest algorithm.'),
    ]);
    expect(linkerd({ loadBalancer: 'RANDOM' }).issues.map((i) => i.value)).toEqual(['RANDOM']);
  });

  test('reports retry codes Linkerd cannot retry and keeps the others', () => {
    const { result, issues } = linkerd({ retry: { attempts: 2, on: [GrpcStatus.INTERNAL, GrpcStatus.DATA_LOSS, GrpcStatus.INTERNAL] } });
    expect(issues).toEqual([
      unsupported('trafficPolicy.retry.on[1]', 'DATA_LOSS',
        'cannot be retried by Linkerd, which retries only CANCELLED, DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED, UNAVAILABLE',
        'Remove the code, or have the server answer a retryable code instead.'),
    ]);
    expect(result.serviceAnnotations).toEqual({ 'retry.linkerd.io/limit': '2', 'retry.linkerd.io/grpc': 'internal' });
  });

  test('emits no retry annotation without retries, and reports a per-try timeout that would turn them on', () => {
    const { result, issues } = linkerd({ retry: { attempts: 0, on: [GrpcStatus.UNAVAILABLE], perTryTimeoutMs: 200 } });
    expect(result.serviceAnnotations).toEqual({});
    expect(issues).toEqual([
      unsupported('trafficPolicy.retry.perTryTimeoutMs', 200,
        'cannot be expressed by Linkerd without retries: retry.linkerd.io/timeout would turn retries on',
        'Remove it, or retry at least once on a retryable code; use timeouts.requestMs to bound the call.'),
    ]);
  });

  test('bounds the call by the shorter of the request timeout and the stream duration', () => {
    expect(serviceAnnotations({ timeouts: { requestMs: 90_000, maxStreamDurationMs: 60_000 } })).toEqual({ 'timeout.linkerd.io/request': '1m' });
  });

  test('writes durations as one number and one unit, the only form Linkerd parses', () => {
    expect(serviceAnnotations({ timeouts: { requestMs: 2_500, streamIdleMs: 90_000 } }))
      .toEqual({ 'timeout.linkerd.io/request': '2500ms', 'timeout.linkerd.io/idle': '90s' });
  });

  test('raises the longest penalty to the ejection time when that exceeds Linkerd\'s default minute', () => {
    expect(serviceAnnotations({ outlierDetection: { baseEjectionTimeMs: 120_000 } })).toEqual({
      'balancer.linkerd.io/failure-accrual': 'consecutive',
      'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '2m',
      'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': '2m',
    });
  });

  test('switches failure accrual on with Linkerd\'s own threshold when the user only enables outlier detection', () => {
    expect(serviceAnnotations({ outlierDetection: { enabled: true } })).toEqual({ 'balancer.linkerd.io/failure-accrual': 'consecutive' });
  });

  test('names issues after the path it is given', () => {
    expect(linkerd({ loadBalancer: 'RANDOM' }, 'mesh.trafficPolicy').issues.map((i) => i.path)).toEqual(['mesh.trafficPolicy.loadBalancer']);
  });
});
