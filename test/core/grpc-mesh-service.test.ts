import {
  DataPlane,
  GrpcMeshValidationError,
  GrpcStatus,
  resolveGrpcMeshService,
  type GrpcMeshServiceProps,
  type ValidationIssue,
} from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';

function issuesOf(props: GrpcMeshServiceProps, defaultName = 'users'): ValidationIssue[] {
  try {
    resolveGrpcMeshService(props, { defaultName });
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('resolveGrpcMeshService', () => {
  test('applies the defaults of every unset prop', () => {
    const model = resolveGrpcMeshService({ port: 50051, workload: { image: 'img:1' } }, { defaultName: 'users' });
    expect(model.name).toBe('users');
    expect(model.namespace).toBe('default');
    expect(model.targetPort).toBe(50051);
    expect(model.headlessFqdn).toBe('users-headless.default.svc.cluster.local');
    expect(model.endpoint).toBe('users-envoy.default.svc.cluster.local:50051');
    expect(model.workload).toMatchObject({ replicas: 2, preStopDelaySeconds: 10, terminationGracePeriodSeconds: 40, runAsUser: 65532 });
    expect(model.dataPlane).toMatchObject({ kind: 'envoy', replicas: 2, serviceType: 'LoadBalancer', port: 50051, dnsRefreshMs: 1000 });
    expect(model.trafficPolicy.loadBalancer).toBe('LEAST_REQUEST');
    expect(model.trafficPolicy.retry).toEqual({ attempts: 0, on: [], perTryTimeoutMs: undefined, backoffBaseMs: 25, backoffMaxMs: 250 });
  });

  test('prefers the chart namespace over "default" and explicit props over both', () => {
    const ctx = { defaultName: 'users', defaultNamespace: 'from-chart' };
    expect(resolveGrpcMeshService({ port: 1, selector: { app: 'u' }, dataPlane: DataPlane.none() }, ctx).namespace).toBe('from-chart');
    expect(resolveGrpcMeshService({ ...USERS_PROPS, namespace: 'app' }, ctx).namespace).toBe('app');
  });

  test('points clients of DataPlane.none() at the headless Service with a dns:/// target', () => {
    const model = resolveGrpcMeshService({ port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.none() }, { defaultName: 'users' });
    expect(model.endpoint).toBe('dns:///users-headless.default.svc.cluster.local:50051');
    expect(model.podSelector).toEqual({ app: 'users' });
  });

  test('lists every problem of bad props in one error, each with code, path and value', () => {
    const issues = issuesOf({
      name: 'Users_svc',
      port: 70000,
      workload: { image: 'img:1', replicas: -1 },
      trafficPolicy: { retry: { attempts: 3, on: [] } },
    });
    expect(issues.map((i) => [i.code, i.path, i.value])).toEqual([
      ['INVALID_NAME', 'name', 'Users_svc'],
      ['PORT_OUT_OF_RANGE', 'port', 70000],
      ['OUT_OF_RANGE', 'workload.replicas', -1],
      ['RETRY_WITHOUT_CODES', 'trafficPolicy.retry.on', []],
    ]);
  });

  test('formats the error with the subject, every path, value and hint', () => {
    expect(() => resolveGrpcMeshService({ port: 70000, workload: { image: 'img:1', replicas: -1 } }, { defaultName: 'users', subject: 'GrpcMeshService "shop/users"' }))
      .toThrow([
        'GrpcMeshService "shop/users": 2 problems:',
        '  - port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]',
        '  - workload.replicas must be between 0 and 2147483647; got -1. [OUT_OF_RANGE]',
      ].join('\n'));
  });

  test('rejects a retry code the Envoy data plane cannot honour', () => {
    const issues = issuesOf({ ...USERS_PROPS, trafficPolicy: { retry: { attempts: 1, on: [GrpcStatus.UNAVAILABLE, GrpcStatus.ABORTED] } } });
    expect(issues).toEqual([expect.objectContaining({
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy.retry.on[1]',
      value: 'ABORTED',
      message: 'cannot be retried by Envoy, which retries only CANCELLED, DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED, UNAVAILABLE',
    })]);
  });

  test('rejects a traffic policy that DataPlane.none() would silently ignore', () => {
    const issues = issuesOf({ port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.none(), trafficPolicy: { loadBalancer: 'ROUND_ROBIN' } });
    expect(issues).toEqual([expect.objectContaining({ code: 'POLICY_WITHOUT_DATA_PLANE', path: 'trafficPolicy', value: ['loadBalancer'] })]);
  });

  test('requires exactly one of workload and selector', () => {
    expect(issuesOf({ port: 50051 }).map((i) => i.code)).toEqual(['NO_WORKLOAD']);
    expect(issuesOf({ port: 50051, workload: { image: 'img:1' }, selector: { app: 'x' } }).map((i) => i.code)).toEqual(['WORKLOAD_AND_SELECTOR']);
    expect(issuesOf({ port: 50051, selector: {} }).map((i) => i.code)).toEqual(['EMPTY_SELECTOR']);
  });

  test('keeps every derived name a DNS label by limiting the name to 54 characters', () => {
    const name = 'a'.repeat(55);
    expect(issuesOf({ ...USERS_PROPS, name })).toEqual([expect.objectContaining({ code: 'INVALID_NAME', path: 'name', value: name })]);
    expect(() => resolveGrpcMeshService({ ...USERS_PROPS, name: 'a'.repeat(54) }, { defaultName: 'x' })).not.toThrow();
  });

  test('rejects a termination grace period that does not outlast the preStop delay', () => {
    const issues = issuesOf({ ...USERS_PROPS, workload: { image: 'img:1', preStopDelaySeconds: 20, terminationGracePeriodSeconds: 20 } });
    expect(issues).toEqual([expect.objectContaining({ code: 'GRACE_PERIOD_TOO_SHORT', path: 'workload.terminationGracePeriodSeconds', value: 20 })]);
  });

  test('rejects root, bad env names, bad labels and an image with spaces', () => {
    const issues = issuesOf({
      ...USERS_PROPS,
      labels: { 'team/': 'x', 'ok': 'not ok' },
      workload: { image: 'my image', runAsUser: 0, env: { '1BAD': 'x' } },
    });
    expect(issues.map((i) => [i.code, i.path])).toEqual([
      ['INVALID_LABEL', 'labels["team/"]'],
      ['INVALID_LABEL', 'labels["ok"]'],
      ['INVALID_IMAGE', 'workload.image'],
      ['OUT_OF_RANGE', 'workload.runAsUser'],
      ['INVALID_ENV_NAME', 'workload.env["1BAD"]'],
    ]);
  });

  test('validates every field of the traffic policy and the data plane options', () => {
    const issues = issuesOf({
      ...USERS_PROPS,
      dataPlane: DataPlane.envoy({ replicas: 1.5, port: 0, dnsRefreshMs: 0, serviceType: 'ClusterIP', loadBalancerSourceRanges: ['10.0.0.0/8'] }),
      trafficPolicy: {
        loadBalancer: 'FASTEST' as never,
        retry: { attempts: 11, on: [GrpcStatus.OK, 99 as GrpcStatus], backoffBaseMs: 500, backoffMaxMs: 100 },
        timeouts: { requestMs: -1, connectMs: 0.5 },
        circuitBreaker: { maxConcurrentCalls: 0 },
        outlierDetection: { maxEjectionPercent: 101 },
        healthCheck: { intervalMs: 1000, timeoutMs: 2000 },
      },
    });
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'NOT_AN_INTEGER dataPlane.replicas',
      'PORT_OUT_OF_RANGE dataPlane.port',
      'OUT_OF_RANGE dataPlane.dnsRefreshMs',
      'SOURCE_RANGES_WITHOUT_LOAD_BALANCER dataPlane.loadBalancerSourceRanges',
      'UNKNOWN_LOAD_BALANCER trafficPolicy.loadBalancer',
      'OUT_OF_RANGE trafficPolicy.retry.attempts',
      'INVALID_GRPC_STATUS trafficPolicy.retry.on[0]',
      'INVALID_GRPC_STATUS trafficPolicy.retry.on[1]',
      'BACKOFF_INVERTED trafficPolicy.retry.backoffMaxMs',
      'OUT_OF_RANGE trafficPolicy.timeouts.requestMs',
      'NOT_AN_INTEGER trafficPolicy.timeouts.connectMs',
      'OUT_OF_RANGE trafficPolicy.circuitBreaker.maxConcurrentCalls',
      'OUT_OF_RANGE trafficPolicy.outlierDetection.maxEjectionPercent',
      'HEALTH_CHECK_TIMEOUT_TOO_LONG trafficPolicy.healthCheck.timeoutMs',
    ]);
  });
});
