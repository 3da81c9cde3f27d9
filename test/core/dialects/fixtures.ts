import type { EnvoyGatewayPolicyTarget, PolicyTarget } from '../../../src/core/dialects';
import { GrpcMeshValidationError, type ValidationIssue } from '../../../src/core/errors';
import { GrpcStatus } from '../../../src/core/grpc-status';
import type { TrafficPolicy } from '../../../src/core/traffic-policy';
import { IssueCollector } from '../../../src/core/validation';

/** The `users` Service in namespace `app`, with one extra label. */
export const TARGET: PolicyTarget = {
  name: 'users',
  namespace: 'app',
  host: 'users.app.svc.cluster.local',
  port: 50051,
  labels: { team: 'identity' },
};

/** The same Service, reached through the GRPCRoute `users-read`. */
export const ROUTE_TARGET: EnvoyGatewayPolicyTarget = { ...TARGET, targetRef: { kind: 'GRPCRoute', name: 'users-read' } };

/** Metadata every policy object of {@link TARGET} carries. */
export const TARGET_METADATA = {
  name: 'users',
  namespace: 'app',
  labels: { 'team': 'identity', 'app.kubernetes.io/name': 'users', 'app.kubernetes.io/managed-by': 'grpc-mesh' },
};

/** A policy that sets every field. */
export const FULL_POLICY: TrafficPolicy = {
  loadBalancer: 'LEAST_REQUEST',
  retry: { attempts: 3, on: [GrpcStatus.UNAVAILABLE, GrpcStatus.RESOURCE_EXHAUSTED], perTryTimeoutMs: 300, backoffBaseMs: 50, backoffMaxMs: 500 },
  timeouts: { requestMs: 2_500, streamIdleMs: 60_000, maxStreamDurationMs: 3_600_000, connectMs: 250 },
  circuitBreaker: { maxConcurrentCalls: 2048, maxPendingCalls: 512, maxConnections: 256, maxConcurrentRetries: 8 },
  outlierDetection: { enabled: true, consecutiveErrors: 7, intervalMs: 5_000, baseEjectionTimeMs: 15_000, maxEjectionPercent: 25 },
  healthCheck: {
    enabled: true,
    grpcServiceName: 'user.v1.UserService',
    intervalMs: 5_000,
    timeoutMs: 1_000,
    unhealthyThreshold: 3,
    healthyThreshold: 2,
  },
};

/** Runs a translation with a fresh collector; returns its result and every issue it reported. */
export function translate<T>(run: (issues: IssueCollector) => T): { result: T; issues: readonly ValidationIssue[] } {
  const collector = new IssueCollector('GrpcMeshService "users"');
  const result = run(collector);
  try {
    collector.throwIfAny();
    return { result, issues: [] };
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) return { result, issues: error.issues };
    throw error;
  }
}
