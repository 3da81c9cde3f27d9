import { FULL_POLICY, ROUTE_TARGET, TARGET_METADATA, translate } from './fixtures';
import { translateToEnvoyGateway, type EnvoyGatewayPolicyTarget } from '../../../src/core/dialects';
import { GrpcStatus } from '../../../src/core/grpc-status';
import type { TrafficPolicy } from '../../../src/core/traffic-policy';
import { validateCustomResources } from '../../support/crd-validator';

/** Translates a policy; every BackendTrafficPolicy it emits must pass the Envoy Gateway v1.9.0 CRD, CEL rules included. */
function envoyGateway(policy: TrafficPolicy | undefined, target: EnvoyGatewayPolicyTarget = ROUTE_TARGET) {
  const translated = translate((issues) => translateToEnvoyGateway(policy, target, issues));
  expect(validateCustomResources(translated.result)).toEqual([]);
  return translated;
}
/** The spec of the one BackendTrafficPolicy a policy translates to, without its targetRefs. */
function settings(policy: TrafficPolicy): Record<string, unknown> {
  const { result } = envoyGateway(policy);
  expect(result).toHaveLength(1);
  const { targetRefs, ...rest } = result[0].spec as Record<string, unknown>;
  expect(targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'users-read' }]);
  return rest;
}
const { streamIdleMs, ...expressibleTimeouts } = FULL_POLICY.timeouts!;

describe('translateToEnvoyGateway', () => {
  test('translates every setting it can express into one BackendTrafficPolicy attached to the GRPCRoute', () => {
    const { result, issues } = envoyGateway({ ...FULL_POLICY, timeouts: expressibleTimeouts });
    expect(issues).toEqual([]);
    expect(result).toEqual([{
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: TARGET_METADATA,
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'users-read' }],
        loadBalancer: { type: 'LeastRequest' },
        retry: {
          numRetries: 3,
          retryOn: { triggers: ['connect-failure', 'refused-stream', 'unavailable', 'resource-exhausted'] },
          perRetry: { timeout: '300ms', backOff: { baseInterval: '50ms', maxInterval: '500ms' } },
        },
        timeout: {
          tcp: { connectTimeout: '250ms' },
          http: { maxStreamDuration: '2s500ms' }, // both set: the shorter, see below
        },
        circuitBreaker: { maxConnections: 256, maxPendingRequests: 512, maxParallelRequests: 2048, maxParallelRetries: 8 },
        healthCheck: {
          active: {
            type: 'GRPC',
            grpc: { service: 'user.v1.UserService' },
            interval: '5s',
            timeout: '1s',
            unhealthyThreshold: 3,
            healthyThreshold: 2,
          },
          passive: { consecutive5XxErrors: 7, interval: '5s', baseEjectionTime: '15s', maxEjectionPercent: 25 },
        },
      },
    }]);
  });

  test('reports the stream idle timeout, which a v1.7 BackendTrafficPolicy cannot express, and translates the rest', () => {
    const { result, issues } = envoyGateway({ timeouts: { streamIdleMs, connectMs: 250 } });
    expect(issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy.timeouts.streamIdleMs',
      value: 60_000,
      message: 'cannot be expressed by Envoy Gateway v1.7, whose BackendTrafficPolicy has no stream idle timeout',
      hint: 'Remove it, or set timeout.http.streamIdleTimeout in a ClientTrafficPolicy of the Gateway (later releases also accept it in a BackendTrafficPolicy).',
    }]);
    expect(result[0].spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'users-read' }],
      timeout: { tcp: { connectTimeout: '250ms' } },
    });
  });

  test('reports retry codes Envoy Gateway cannot retry and keeps the others once each', () => {
    const on = [GrpcStatus.UNAVAILABLE, GrpcStatus.UNKNOWN, GrpcStatus.UNAVAILABLE, GrpcStatus.ABORTED];
    const { result, issues } = envoyGateway({ retry: { attempts: 2, on } }, ROUTE_TARGET);
    const message = 'cannot be retried by Envoy Gateway, which retries only CANCELLED, DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED, UNAVAILABLE';
    const hint = 'Remove the code, or have the server answer a retryable code instead.';
    expect(issues).toEqual([
      { code: 'UNSUPPORTED_BY_DATA_PLANE', path: 'trafficPolicy.retry.on[1]', value: 'UNKNOWN', message, hint },
      { code: 'UNSUPPORTED_BY_DATA_PLANE', path: 'trafficPolicy.retry.on[3]', value: 'ABORTED', message, hint },
    ]);
    expect((result[0].spec as any).retry).toEqual({ numRetries: 2, retryOn: { triggers: ['connect-failure', 'refused-stream', 'unavailable'] } });
  });

  test('skips codes that are not retryable at all without a report, as validateTrafficPolicy reports them', () => {
    const { result, issues } = envoyGateway({ retry: { attempts: 1, on: [GrpcStatus.OK, 99 as GrpcStatus, GrpcStatus.INTERNAL] } });
    expect(issues).toEqual([]);
    expect((result[0].spec as any).retry.retryOn).toEqual({ triggers: ['connect-failure', 'refused-stream', 'internal'] });
  });

  test('retries calls that never reached the application at least twice, as the Envoy bootstrap does', () => {
    expect(settings({ retry: { attempts: 0, on: [] } })).toEqual({
      retry: { numRetries: 2, retryOn: { triggers: ['connect-failure', 'refused-stream'] } },
    });
  });

  test('emits nothing for a policy that sets nothing, leaving every setting to Envoy Gateway', () => {
    expect(envoyGateway(undefined)).toEqual({ result: [], issues: [] });
    expect(envoyGateway({})).toEqual({ result: [], issues: [] });
    expect(envoyGateway({ timeouts: {}, circuitBreaker: {}, outlierDetection: {}, healthCheck: {} })).toEqual({ result: [], issues: [] });
  });

  test('emits nothing for health checks and outlier detection the user switched off', () => {
    const off = { outlierDetection: { enabled: false, consecutiveErrors: 3 }, healthCheck: { enabled: false, intervalMs: 1_000 } };
    expect(envoyGateway(off)).toEqual({ result: [], issues: [] });
  });

  test('switches outlier detection on with Envoy Gateway\'s own threshold when the user only enables it', () => {
    expect(settings({ outlierDetection: { enabled: true } })).toEqual({ healthCheck: { passive: { consecutive5XxErrors: 5 } } });
  });

  test('checks the whole server\'s health when no gRPC service name is given', () => {
    expect(settings({ healthCheck: { enabled: true, grpcServiceName: '' } })).toEqual({ healthCheck: { active: { type: 'GRPC' } } });
  });

  test('maps each load-balancing algorithm to Envoy Gateway\'s type', () => {
    expect(settings({ loadBalancer: 'ROUND_ROBIN' })).toEqual({ loadBalancer: { type: 'RoundRobin' } });
    expect(settings({ loadBalancer: 'RANDOM' })).toEqual({ loadBalancer: { type: 'Random' } });
  });

  test('attaches to a Gateway when the target reference is one', () => {
    const { result } = envoyGateway({ loadBalancer: 'RANDOM' }, { ...ROUTE_TARGET, targetRef: { kind: 'Gateway', name: 'edge' } });
    expect((result[0].spec as any).targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }]);
  });

  test('writes requestMs alone as requestTimeout and maxStreamDurationMs alone as maxStreamDuration', () => {
    expect(settings({ timeouts: { requestMs: 5_000 } })).toEqual({ timeout: { http: { requestTimeout: '5s' } } });
    expect(settings({ timeouts: { maxStreamDurationMs: 3_600_000 } })).toEqual({ timeout: { http: { maxStreamDuration: '1h' } } });
  });

  test('writes requestMs and maxStreamDurationMs together as one maxStreamDuration, the shorter, as Envoy ignores the route timeout then', () => {
    expect(settings({ timeouts: { requestMs: 5_000, maxStreamDurationMs: 3_600_000 } })).toEqual({ timeout: { http: { maxStreamDuration: '5s' } } });
    expect(settings({ timeouts: { requestMs: 60_000, maxStreamDurationMs: 30_000 } })).toEqual({ timeout: { http: { maxStreamDuration: '30s' } } });
  });

  test('reports a duration longer than the Gateway API format can write and leaves it out', () => {
    const { result, issues } = envoyGateway({ timeouts: { requestMs: 360_000_000_000, connectMs: 1_000 } });
    expect(issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy.timeouts.requestMs',
      value: 360_000_000_000,
      message: 'cannot be expressed by Envoy Gateway, whose durations are at most 99999h59m59s999ms',
      hint: 'Use a shorter duration.',
    }]);
    expect((result[0].spec as any).timeout).toEqual({ tcp: { connectTimeout: '1s' } });
    // With both set, the limit written is the shorter one, and the report names it.
    const both = envoyGateway({ timeouts: { maxStreamDurationMs: 360_000_000_000, requestMs: 360_000_000_001 } });
    expect(both.issues.map((i) => i.path)).toEqual(['trafficPolicy.timeouts.maxStreamDurationMs']);
  });

  test('names issues after the path it is given', () => {
    const { issues } = translate((c) => translateToEnvoyGateway({ timeouts: { streamIdleMs } }, ROUTE_TARGET, c, 'routes[0].trafficPolicy'));
    expect(issues.map((i) => i.path)).toEqual(['routes[0].trafficPolicy.timeouts.streamIdleMs']);
  });

  test('keeps the standard labels over the target\'s own', () => {
    const target = { ...ROUTE_TARGET, labels: { 'app.kubernetes.io/name': 'other', 'tier': 'backend' } };
    expect(envoyGateway({ loadBalancer: 'RANDOM' }, target).result[0].metadata.labels)
      .toEqual({ 'tier': 'backend', 'app.kubernetes.io/name': 'users', 'app.kubernetes.io/managed-by': 'grpc-mesh' });
  });

  test('gives the same bytes for the same policy', () => {
    expect(JSON.stringify(envoyGateway(FULL_POLICY))).toBe(JSON.stringify(envoyGateway(FULL_POLICY)));
  });
});
