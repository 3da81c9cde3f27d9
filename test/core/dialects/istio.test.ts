import { FULL_POLICY, TARGET, TARGET_METADATA, translate } from './fixtures';
import { translateToIstio } from '../../../src/core/dialects';
import { GrpcStatus } from '../../../src/core/grpc-status';
import type { TrafficPolicy } from '../../../src/core/traffic-policy';

const istio = (policy: TrafficPolicy | undefined, path?: string) => translate((issues) => translateToIstio(policy, TARGET, issues, path));
const kinds = (policy: TrafficPolicy) => istio(policy).result.map((o) => o.kind);
const destinationRuleTrafficPolicy = (policy: TrafficPolicy) => (istio(policy).result.find((o) => o.kind === 'DestinationRule')?.spec as any).trafficPolicy;
const httpRoute = (policy: TrafficPolicy) => (istio(policy).result.find((o) => o.kind === 'VirtualService')?.spec as any).http[0];
const ROUTE = [{ destination: { host: 'users.app.svc.cluster.local', port: { number: 50051 } } }];
/** FULL_POLICY without the settings Istio cannot express. */
const { streamIdleMs, ...expressibleTimeouts } = FULL_POLICY.timeouts!;
const EXPRESSIBLE: TrafficPolicy = { ...FULL_POLICY, timeouts: expressibleTimeouts, healthCheck: undefined };

describe('translateToIstio', () => {
  test('translates every setting it can express into a DestinationRule and a VirtualService for the host', () => {
    const { result, issues } = istio(EXPRESSIBLE);
    expect(issues).toEqual([]);
    expect(result).toEqual([
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: TARGET_METADATA,
        spec: {
          host: 'users.app.svc.cluster.local',
          trafficPolicy: {
            loadBalancer: { simple: 'LEAST_REQUEST' },
            connectionPool: {
              tcp: { maxConnections: 256, connectTimeout: '250ms' },
              http: { http2MaxRequests: 2048, http1MaxPendingRequests: 512, maxRetries: 8 },
            },
            outlierDetection: { consecutive5xxErrors: 7, interval: '5s', baseEjectionTime: '15s', maxEjectionPercent: 25 },
          },
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: TARGET_METADATA,
        spec: {
          hosts: ['users.app.svc.cluster.local'],
          http: [{
            route: ROUTE,
            timeout: '2s500ms',
            retries: {
              attempts: 3,
              retryOn: 'connect-failure,refused-stream,unavailable,resource-exhausted',
              perTryTimeout: '300ms',
              backoff: '50ms',
            },
          }],
        },
      },
    ]);
  });

  test('reports the stream idle timeout, which Istio cannot express', () => {
    expect(istio({ timeouts: { streamIdleMs } }).issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy.timeouts.streamIdleMs',
      value: 60_000,
      message: 'cannot be expressed by Istio, whose DestinationRule and VirtualService have no stream idle timeout',
      hint: 'Remove it: Envoy\'s default stream idle timeout of 5 minutes applies.',
    }]);
  });

  test('reports active health checks, which Istio does not have, unless they are switched off', () => {
    expect(istio({ healthCheck: FULL_POLICY.healthCheck }).issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy.healthCheck',
      value: FULL_POLICY.healthCheck,
      message: 'cannot be expressed by Istio, which has no active health checks (it relies on readiness probes and outlier detection)',
      hint: 'Remove healthCheck or set enabled: false; keep the workload\'s readiness probe and outlierDetection.',
    }]);
    expect(istio({ healthCheck: { enabled: false, intervalMs: 1_000 } })).toEqual({ result: [], issues: [] });
    expect(istio({ healthCheck: {} })).toEqual({ result: [], issues: [] });
  });

  test('reports a backoff cap other than ten times the base interval, the only one Istio can give', () => {
    expect(istio({ retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE], backoffBaseMs: 50, backoffMaxMs: 400 } }).issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy.retry.backoffMaxMs',
      value: 400,
      message: 'cannot be expressed by Istio, which sets only the backoff\'s base interval and caps the backoff at ten times it (500 ms)',
      hint: 'Set backoffMaxMs to 500 or remove it.',
    }]);
    expect(istio({ retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE], backoffMaxMs: 250 } }).issues).toEqual([]);
  });

  test('reports connection-pool limits above Istio\'s 32-bit signed maximum and keeps the others', () => {
    const { result, issues } = istio({ circuitBreaker: { maxConcurrentCalls: 0x80000000, maxConnections: 0x7fffffff } });
    expect(issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy.circuitBreaker.maxConcurrentCalls',
      value: 0x80000000,
      message: 'cannot be expressed by Istio, whose connection-pool limits are 32-bit signed integers',
      hint: 'Use at most 2147483647.',
    }]);
    expect((result[0].spec as any).trafficPolicy).toEqual({ connectionPool: { tcp: { maxConnections: 0x7fffffff } } });
  });

  test('reports retry codes Istio cannot retry and keeps the others', () => {
    const { issues } = istio({ retry: { attempts: 1, on: [GrpcStatus.NOT_FOUND, GrpcStatus.CANCELLED] } });
    expect(issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy.retry.on[0]',
      value: 'NOT_FOUND',
      message: 'cannot be retried by Istio, which retries only CANCELLED, DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED, UNAVAILABLE',
      hint: 'Remove the code, or have the server answer a retryable code instead.',
    }]);
    expect(httpRoute({ retry: { attempts: 1, on: [GrpcStatus.NOT_FOUND, GrpcStatus.CANCELLED] } }).retries)
      .toEqual({ attempts: 2, retryOn: 'connect-failure,refused-stream,cancelled' });
  });

  test('emits no object for a policy that sets nothing, leaving every setting to Istio', () => {
    expect(istio(undefined)).toEqual({ result: [], issues: [] });
    expect(istio({})).toEqual({ result: [], issues: [] });
    expect(istio({ retry: undefined, timeouts: {}, circuitBreaker: {}, outlierDetection: { enabled: false } })).toEqual({ result: [], issues: [] });
  });

  test('emits a DestinationRule only when no retry or call timeout is set', () => {
    expect(kinds({ loadBalancer: 'ROUND_ROBIN' })).toEqual(['DestinationRule']);
    expect(destinationRuleTrafficPolicy({ loadBalancer: 'ROUND_ROBIN' })).toEqual({ loadBalancer: { simple: 'ROUND_ROBIN' } });
  });

  test('emits a VirtualService only when nothing for the DestinationRule is set', () => {
    expect(kinds({ timeouts: { requestMs: 30_000 } })).toEqual(['VirtualService']);
    expect(httpRoute({ timeouts: { requestMs: 30_000 } })).toEqual({ route: ROUTE, timeout: '30s' });
  });

  test('bounds the call by the shorter of the request timeout and the stream duration', () => {
    expect(httpRoute({ timeouts: { requestMs: 90_000, maxStreamDurationMs: 60_000 } }).timeout).toBe('1m');
    expect(httpRoute({ timeouts: { maxStreamDurationMs: 7_200_000 } }).timeout).toBe('2h');
  });

  test('switches outlier detection on with Istio\'s own threshold when the user only enables it', () => {
    expect(destinationRuleTrafficPolicy({ outlierDetection: { enabled: true } })).toEqual({ outlierDetection: { consecutive5xxErrors: 5 } });
  });

  test('names issues after the path it is given', () => {
    expect(istio({ timeouts: { streamIdleMs } }, 'services[2].trafficPolicy').issues.map((i) => i.path))
      .toEqual(['services[2].trafficPolicy.timeouts.streamIdleMs']);
  });

  test('gives the same bytes for the same policy, with separate metadata objects', () => {
    const { result } = istio(FULL_POLICY);
    expect(JSON.stringify(result)).toBe(JSON.stringify(istio(FULL_POLICY).result));
    expect(result[0].metadata).not.toBe(result[1].metadata);
  });
});
