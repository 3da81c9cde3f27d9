import { ApiObject, Chart, Testing } from 'cdk8s';
import {
  CanaryGrpcRoute,
  DataPlane,
  GrpcGateway,
  GrpcMeshService,
  GrpcRoute,
  GrpcStatus,
  type RouteParent,
} from '../../src/cdk8s';
import { renderReferenceGrant } from '../../src/core';
import { validateAnyManifests } from '../support/crd-validator';

function setup() {
  const chart = new Chart(Testing.app(), 'shop');
  const edge = new GrpcGateway(chart, 'edge', {
    namespace: 'infra',
    gatewayClassName: 'eg',
    listeners: [{ name: 'grpc', port: 8080, hostname: '*.example.com', allowedRoutes: { from: 'All' } }],
  });
  const payments = new GrpcMeshService(chart, 'payments', { namespace: 'payments', port: 50051, selector: { app: 'payments' }, dataPlane: DataPlane.none() });
  return { chart, edge, payments };
}

describe('Gateway API constructs (cdk8s)', () => {
  test('two routes of one namespace that reach the same Service share exactly one ReferenceGrant', () => {
    const { chart, edge, payments } = setup();
    new GrpcRoute(chart, 'checkout', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: payments }] }] });
    new GrpcRoute(chart, 'refunds', { namespace: 'app', parents: [edge], rules: [{ matches: [{ service: 'pay.v1.Refunds' }], backends: [{ service: payments }] }] });
    new GrpcRoute(chart, 'local', { namespace: 'payments', parents: [edge], rules: [{ backends: [{ service: payments }] }] });
    const grants = Testing.synth(chart).filter((o) => o.kind === 'ReferenceGrant');
    expect(grants).toEqual([renderReferenceGrant({ fromKind: 'GRPCRoute', fromNamespace: 'app', toKind: 'Service', toNamespace: 'payments', toName: 'payments' })]);
  });

  test('with referenceGrants off, a reference no ReferenceGrant allows fails synthesis; one the app defines satisfies it', () => {
    const { chart, edge, payments } = setup();
    new GrpcRoute(chart, 'checkout', { namespace: 'app', parents: [edge], referenceGrants: false, rules: [{ backends: [{ service: payments }] }] });
    expect(() => Testing.synth(chart)).toThrow('[shop/checkout] GrpcRoute "shop/checkout": referenceGrants is false, and no ReferenceGrant allows '
      + 'GRPCRoute in "app" -> Service "payments/payments"; got false. Define a ReferenceGrant in namespace "payments" that allows it, '
      + 'or let grpc-mesh generate it (referenceGrants: true), or set referenceGrants: \'external\' when that namespace\'s owner defines it '
      + 'outside this app. [MISSING_REFERENCE_GRANT]');
    new ApiObject(chart, 'hand-written-grant', {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'allow-app', namespace: 'payments' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'app' }], to: [{ group: '', kind: 'Service' }] },
    });
    expect(Testing.synth(chart).filter((o) => o.kind === 'ReferenceGrant').map((o) => o.metadata.name)).toEqual(['allow-app']);
  });

  test('with referenceGrants \'external\', the grant is the target namespace owner\'s: none is written, synthesis passes', () => {
    const { chart, edge, payments } = setup();
    new GrpcRoute(chart, 'checkout', { namespace: 'app', parents: [edge], referenceGrants: 'external', rules: [{ backends: [{ service: payments }] }] });
    const objects = Testing.synth(chart);
    expect(objects.filter((o) => o.kind === 'ReferenceGrant')).toEqual([]);
    expect(objects.find((o) => o.kind === 'GRPCRoute')?.spec.rules[0].backendRefs[0]).toMatchObject({ name: 'payments', namespace: 'payments' });
  });

  test('attaches to one listener with gateway.listener() and names the construct path in errors', () => {
    const { chart, edge, payments } = setup();
    const route = new GrpcRoute(chart, 'checkout', { namespace: 'infra', parents: [edge.listener('grpc')], rules: [{ backends: [{ service: payments }] }] });
    expect((route.route!.toJson() as any).spec.parentRefs[0].sectionName).toBe('grpc');
    new GrpcRoute(chart, 'bad', { namespace: 'infra', parents: [edge.listener('nope')], rules: [{ backends: [{ service: payments }] }] });
    expect(() => Testing.synth(chart))
      .toThrow('[shop/bad] GrpcRoute "shop/bad": parents[0].sectionName names no listener of Gateway "edge" (it has grpc); got "nope". [UNKNOWN_LISTENER]');
  });

  test('refuses the headless Service of a GrpcMeshService as a mesh parent', () => {
    const synthError = (parent: (payments: GrpcMeshService) => RouteParent) => {
      const { chart, payments } = setup();
      new GrpcRoute(chart, 'mesh', { namespace: 'payments', parents: [parent(payments)], rules: [{ backends: [{ service: payments }] }] });
      return () => Testing.synth(chart);
    };
    expect(synthError(() => ({ kind: 'Service', name: 'payments-headless', namespace: 'payments', headless: true })))
      .toThrow(/\[shop\/mesh\] GrpcRoute "shop\/mesh": parents\[0\] is a headless Service, which cannot be the parent of a mesh \(GAMMA\) route/);
    expect(synthError((payments) => payments))
      .toThrow(/\[shop\/mesh\] GrpcRoute "shop\/mesh": parents\[0\] has DataPlane.none\(\): nothing grpc-mesh deploys serves a route attached to it.*\[ROUTE_PARENT_NOT_SERVED\]/);
    // A mesh grpc-mesh does not configure serves a route attached with a plain reference.
    const { chart, payments } = setup();
    const plain = { kind: 'Service' as const, name: 'payments', namespace: 'payments', port: 50051, mesh: 'istio' as const };
    const ok = new GrpcRoute(chart, 'mesh-ok', { namespace: 'payments', parents: [plain], rules: [{ backends: [{ service: payments }] }] });
    expect((ok.route!.toJson() as any).spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'payments', namespace: 'payments', port: 50051 }]);
    expect(Testing.synth(chart).filter((o) => o.kind === 'GRPCRoute').map((o) => o.metadata.name)).toEqual(['mesh-ok']);
  });

  test('writes the route\'s traffic policy as an Envoy Gateway BackendTrafficPolicy for the eg class', () => {
    const { chart, edge, payments } = setup();
    const route = new GrpcRoute(chart, 'checkout', {
      namespace: 'app',
      parents: [edge],
      rules: [{ backends: [{ service: payments }] }],
      trafficPolicy: { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } },
    });
    expect(route.policy.map((p) => p.toJson())).toEqual([expect.objectContaining({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: expect.objectContaining({ name: 'checkout', namespace: 'app' }),
      spec: expect.objectContaining({ targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'checkout' }] }),
    })]);
    expect(validateAnyManifests(route.policy.map((p) => p.toJson()))).toEqual([]);
  });

  test('prints warnings with the construct path at synthesis, unless silenced', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { chart, edge, payments } = setup();
    const rules = [{ matches: [{ service: 'a.B' }], backends: [{ service: payments }] }, { matches: [{ service: 'a.B' }], backends: [{ service: payments }] }];
    new GrpcRoute(chart, 'noisy', { namespace: 'payments', parents: [edge], rules });
    new GrpcRoute(chart, 'quiet', { namespace: 'payments', parents: [edge], rules, silenceWarnings: ['SHADOWED_MATCH'] });
    expect(warn).not.toHaveBeenCalled();
    Testing.synth(chart);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([expect.stringMatching(/^\[grpc-mesh\] warning: GrpcRoute "shop\/noisy": rules\[1\]\.matches\[0\] can never be reached/)]);
    warn.mockRestore();
  });

  test('synthesizes a gateway, a route and a canary into manifests the Gateway API CRDs accept', () => {
    const { chart, edge, payments } = setup();
    new GrpcRoute(chart, 'checkout', { namespace: 'app', parents: [edge], hostnames: ['pay.example.com'], rules: [{ backends: [{ service: payments }] }] });
    new CanaryGrpcRoute(chart, 'orders', {
      namespace: 'payments',
      parents: [edge],
      grpcService: 'order.v1.OrderService',
      stable: payments,
      canary: { name: 'payments-canary', port: 50051 },
      canaryWeight: 10,
      canaryHeader: { name: 'x-canary', value: 'always' },
    });
    const objects = Testing.synth(chart);
    expect(validateAnyManifests(objects)).toEqual([]);
    expect(objects.filter((o) => o.apiVersion.startsWith('gateway.networking.k8s.io'))).toMatchSnapshot();
  });
});
