import {
  DataPlane,
  GrpcMeshValidationError,
  GrpcStatus,
  meshServiceParentRef,
  renderGrpcMeshService,
  renderGrpcRoute,
  resolveGrpcMeshService,
  resolveGrpcRoute,
  type GrpcMeshServiceProps,
  type GrpcRouteProps,
  type TrafficPolicy,
  type ValidationIssue,
} from '../../../src/core';
import { isCustomResourceKind, validateAnyManifests } from '../../support/crd-validator';

const RETRYING: TrafficPolicy = {
  retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE, GrpcStatus.RESOURCE_EXHAUSTED], perTryTimeoutMs: 300 },
  timeouts: { requestMs: 5_000, streamIdleMs: 60_000 },
  outlierDetection: { consecutiveErrors: 3 },
};

function ledger(trafficPolicy: TrafficPolicy | undefined, extra: Partial<GrpcMeshServiceProps> = {}) {
  return resolveGrpcMeshService({
    namespace: 'ledger',
    port: 50051,
    workload: { image: 'registry.example.com/ledger:1.0.0' },
    dataPlane: DataPlane.linkerd(),
    trafficPolicy,
    ...extra,
  }, { defaultName: 'ledger' });
}

function routeIssues(props: GrpcRouteProps): ValidationIssue[] {
  try {
    resolveGrpcRoute(props, { defaultName: 'ledger-mesh' });
    return [];
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) return [...error.issues];
    throw error;
  }
}

describe('DataPlane.linkerd(): gRPC retries through a GRPCRoute of the service', () => {
  test('a retry policy emits a GRPCRoute attached to the Service, carrying the retry and timeout annotations', () => {
    const manifests = renderGrpcMeshService(ledger(RETRYING, { labels: { team: 'payments' } }));
    expect(manifests.meshPolicy).toEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: {
        name: 'ledger-linkerd',
        namespace: 'ledger',
        labels: { 'team': 'payments', 'app.kubernetes.io/name': 'ledger', 'app.kubernetes.io/managed-by': 'grpc-mesh' },
        annotations: {
          'retry.linkerd.io/limit': '2',
          'retry.linkerd.io/grpc': 'unavailable,resource-exhausted',
          'retry.linkerd.io/timeout': '300ms',
          'timeout.linkerd.io/request': '5s',
          'timeout.linkerd.io/idle': '1m',
        },
      },
      spec: {
        parentRefs: [{ group: 'core', kind: 'Service', name: 'ledger', namespace: 'ledger', port: 50051 }],
        rules: [{ backendRefs: [{ name: 'ledger', port: 50051 }] }],
      },
    }]);
    // The Service keeps every annotation: Linkerd applies them to GRPCRoutes that set none of their own, and failure
    // accrual is read from the Service only.
    expect(manifests.service.metadata.annotations).toEqual({
      'retry.linkerd.io/limit': '2',
      'retry.linkerd.io/grpc': 'unavailable,resource-exhausted',
      'retry.linkerd.io/timeout': '300ms',
      'timeout.linkerd.io/request': '5s',
      'timeout.linkerd.io/idle': '1m',
      'balancer.linkerd.io/failure-accrual': 'consecutive',
      'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '3',
    });
  });

  test('the GRPCRoute validates against the Gateway API CRDs, CEL included', () => {
    const { meshPolicy } = renderGrpcMeshService(ledger(RETRYING));
    expect(meshPolicy.map((o) => o.kind)).toEqual(['GRPCRoute']);
    expect(isCustomResourceKind(meshPolicy[0].apiVersion, meshPolicy[0].kind)).toBe(true);
    expect(validateAnyManifests(meshPolicy)).toEqual([]);
  });

  test('no GRPCRoute without retries: Linkerd reads timeouts and failure accrual from the Service', () => {
    expect(renderGrpcMeshService(ledger({ timeouts: { requestMs: 5_000 }, outlierDetection: { enabled: true } })).meshPolicy).toEqual([]);
    expect(renderGrpcMeshService(ledger(undefined)).meshPolicy).toEqual([]);
    expect(renderGrpcMeshService(ledger({ retry: { attempts: 0, on: [GrpcStatus.UNAVAILABLE] } })).meshPolicy).toEqual([]);
  });

  test('routes attached to the service learn the name of its GRPCRoute', () => {
    expect(meshServiceParentRef(ledger(RETRYING))).toEqual({
      kind: 'Service', name: 'ledger', namespace: 'ledger', port: 50051, headless: false, mesh: 'linkerd', dataPlane: 'linkerd', meshRoute: 'ledger-linkerd',
    });
    expect(meshServiceParentRef(ledger(undefined))).not.toHaveProperty('meshRoute');
  });
});

describe('a route attached to a Linkerd service with its own GRPCRoute', () => {
  const parent = meshServiceParentRef(ledger(RETRYING));
  const backends = [{ service: { name: 'ledger', namespace: 'ledger', port: 50051 } }];

  test('is refused when a rule matches every call, since Linkerd would pick one of the two routes by age', () => {
    const hint = 'Give the rule matches (a service or method), or move retry from the GrpcMeshService\'s trafficPolicy to this '
      + 'route\'s trafficPolicy (the service then gets no route of its own).';
    const tie = (index: number) => ({
      code: 'TIES_LINKERD_SERVICE_ROUTE',
      path: `rules[${index}]`,
      value: 'parents[0]: Service ledger/ledger',
      message: 'matches every call, as does the GRPCRoute "ledger-linkerd" that carries the service\'s gRPC retries for Linkerd: '
        + 'Linkerd would pick one of the two by creation time',
      hint,
    });
    expect(routeIssues({ namespace: 'ledger', parents: [parent], rules: [{ backends }] })).toEqual([tie(0)]);
    expect(routeIssues({
      namespace: 'ledger', parents: [parent], rules: [{ matches: [{ service: 'ledger.v1.Ledger' }], backends }, { backends }],
    })).toEqual([tie(1)]);
  });

  test('is accepted when every rule is more specific, or when the service does not retry', () => {
    const specific: GrpcRouteProps = {
      namespace: 'ledger',
      parents: [parent],
      rules: [{ matches: [{ service: 'ledger.v1.Ledger' }], backends }, { matches: [{ headers: [{ name: 'x-tenant', value: 'a' }] }], backends }],
    };
    expect(routeIssues(specific)).toEqual([]);
    expect(routeIssues({ namespace: 'ledger', parents: [meshServiceParentRef(ledger(undefined))], rules: [{ backends }] })).toEqual([]);
  });

  test('a route that carries the retry itself, on a service that does not, is written with the annotations', () => {
    const model = resolveGrpcRoute({
      namespace: 'ledger',
      parents: [meshServiceParentRef(ledger(undefined))],
      rules: [{ backends }],
      trafficPolicy: { retry: { attempts: 1, on: [GrpcStatus.UNAVAILABLE] } },
    }, { defaultName: 'ledger-mesh' });
    expect(renderGrpcRoute(model).route.metadata.annotations).toEqual({ 'retry.linkerd.io/limit': '1', 'retry.linkerd.io/grpc': 'unavailable' });
  });
});
