import { DataPlane, GrpcStatus, listGrpcMeshServiceManifests, type GrpcMeshServiceProps } from '../../../src/core';
import { render } from '../../support/render';
import { envoyBootstrapCount, problemsOf } from '../../support/validate-all';

/** A matrix of props covering each data plane, each service type and each policy switch. */
const MATRIX: Array<[string, Partial<GrpcMeshServiceProps>]> = [
  ['the documented example', {}],
  ['every default', { workload: { image: 'img:1' }, dataPlane: undefined, trafficPolicy: undefined }],
  ['DataPlane.none() over an existing workload', { workload: undefined, selector: { app: 'users' }, dataPlane: DataPlane.none(), trafficPolicy: undefined }],
  ['a ClusterIP balancer with a full policy', {
    targetPort: 8443,
    labels: { 'team.example.com/owner': 'identity' },
    dataPlane: DataPlane.envoy({ serviceType: 'ClusterIP', replicas: 3, logLevel: 'debug', accessLog: false, drainSeconds: 30 }),
    trafficPolicy: {
      loadBalancer: 'RANDOM',
      retry: {
        attempts: 3,
        on: [GrpcStatus.UNAVAILABLE, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.CANCELLED],
        perTryTimeoutMs: 250,
        backoffBaseMs: 10,
        backoffMaxMs: 1000,
      },
      timeouts: { requestMs: 1500, streamIdleMs: 60_000, maxStreamDurationMs: 600_000, connectMs: 500 },
      circuitBreaker: { maxConcurrentCalls: 200, maxPendingCalls: 50, maxConnections: 100, maxConcurrentRetries: 10 },
      outlierDetection: { consecutiveErrors: 2, intervalMs: 1000, baseEjectionTimeMs: 5000, maxEjectionPercent: 100 },
      healthCheck: { grpcServiceName: 'user.v1.UserService', intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 2, healthyThreshold: 2 },
    },
  }],
  ['the grpc-mesh-proxy data plane with a full policy', {
    dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0', serviceType: 'ClusterIP' }),
    trafficPolicy: {
      loadBalancer: 'ROUND_ROBIN',
      retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE, GrpcStatus.ABORTED], perTryTimeoutMs: 300 },
      timeouts: { requestMs: 5000, streamIdleMs: 60_000, connectMs: 500 },
      circuitBreaker: { maxConcurrentCalls: 100 },
    },
  }],
  ['the Istio mesh with a full policy', {
    dataPlane: DataPlane.istio(),
    trafficPolicy: {
      loadBalancer: 'ROUND_ROBIN',
      retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE], perTryTimeoutMs: 300, backoffBaseMs: 25, backoffMaxMs: 250 },
      timeouts: { requestMs: 5000, connectMs: 500 },
      circuitBreaker: { maxConcurrentCalls: 100, maxPendingCalls: 10, maxConnections: 50, maxConcurrentRetries: 3 },
      outlierDetection: { consecutiveErrors: 3, intervalMs: 5000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 },
    },
  }],
  ['the Linkerd mesh with retries, timeouts and failure accrual', {
    dataPlane: DataPlane.linkerd(),
    trafficPolicy: {
      retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE], perTryTimeoutMs: 300 },
      timeouts: { requestMs: 5000, streamIdleMs: 60_000 },
      outlierDetection: { consecutiveErrors: 3, baseEjectionTimeMs: 30_000 },
    },
  }],
  ['a NodePort balancer without health checks or outlier detection', {
    dataPlane: DataPlane.envoy({ serviceType: 'NodePort', port: 443 }),
    trafficPolicy: { healthCheck: { enabled: false }, outlierDetection: { enabled: false } },
  }],
  ['a LoadBalancer with source ranges and annotations and a customised workload', {
    dataPlane: DataPlane.envoy({ loadBalancerSourceRanges: ['203.0.113.0/24'], serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } }),
    workload: {
      image: 'img:1',
      replicas: 0,
      command: ['/srv'],
      args: ['--flag'],
      env: { A: '1' },
      preStopDelaySeconds: 0,
      terminationGracePeriodSeconds: 5,
      runAsUser: 1000,
      serviceAccountName: 'users',
      podLabels: { tier: 'backend' },
      podAnnotations: { 'example.com/a': 'b' },
      imagePullPolicy: 'Always',
      resources: { limits: { cpu: '2', memory: '1Gi' } },
    },
  }],
];

describe('synthesized output', () => {
  test.each(MATRIX)('passes the Kubernetes 1.35 schemas, the restricted Pod Security Standard and Envoy\'s v3 protos: %s', (_, props) => {
    const objects = listGrpcMeshServiceManifests(render(props)).map((m) => m.manifest);
    expect(problemsOf(objects)).toEqual([]);
    expect(envoyBootstrapCount(objects)).toBe((props.dataPlane?.kind ?? 'envoy') === 'envoy' ? 1 : 0);
  });

  test('is deterministic: the same props give the same bytes', () => {
    expect(JSON.stringify(render())).toBe(JSON.stringify(render()));
  });

  test('never contains empty objects or arrays, which cdk8s and Pulumi could treat differently', () => {
    const empties: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (Array.isArray(value)) {
        if (value.length === 0) empties.push(path);
        value.forEach((v, i) => walk(v, `${path}[${i}]`));
      } else if (value && typeof value === 'object') {
        if (Object.keys(value).length === 0) empties.push(path);
        for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
      }
    };
    for (const [name, props] of MATRIX) walk(listGrpcMeshServiceManifests(render(props)).map((m) => m.manifest), name);
    expect(empties).toEqual([]);
  });
});
