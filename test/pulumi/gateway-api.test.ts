import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { collectingUnhandledRejections, PROJECT, promiseOf, recordOptions, settle, typesAndNames, useMocks, type RecordedResource } from './mocks';
import { DataPlane, GrpcStatus, renderReferenceGrant, type GrpcGatewayProps } from '../../src/core';

type PulumiModule = typeof import('../../src/pulumi');
let P: PulumiModule;

beforeAll(async () => {
  await useMocks('import');
  P = await import('../../src/pulumi');
});

const EDGE: GrpcGatewayProps = {
  namespace: 'infra',
  gatewayClassName: 'eg',
  listeners: [{ name: 'grpc', port: 8080, hostname: '*.example.com', allowedRoutes: { from: 'All' } }],
};
const GATEWAY_API = 'kubernetes:gateway.networking.k8s.io';
const PAYMENTS_GRANT = renderReferenceGrant({ fromKind: 'GRPCRoute', fromNamespace: 'app', toKind: 'Service', toNamespace: 'payments', toName: 'payments' });
const PAYMENTS_GRANT_NAME = 'reference-grant-payments-grpcroute-from-app-to-service-payments';
/** The URN of a resource at the top of the stack (no parent): its type holds no parent type. */
const topLevelUrn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
const GRANT_TYPE = `${GATEWAY_API}/v1beta1:ReferenceGrant`;

function setup() {
  const edge = new P.GrpcGateway('edge', EDGE);
  const payments = new P.GrpcMeshService('payments', { namespace: 'payments', port: 50051, selector: { app: 'payments' }, dataPlane: DataPlane.none() });
  return { edge, payments };
}

/** One turn of the event loop: what an `await` in a program gives; checks wait for the synchronous declarations to end. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const inputsOf = (recorded: readonly RecordedResource[], name: string) => recorded.find((r) => r.name === name)?.inputs as any;

/** Calls `run` with `pulumi.log.warn` recorded (and silenced); returns the recorded calls. */
async function warningsOf(run: () => void): Promise<unknown[][]> {
  const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
  try {
    run();
    await settle();
    return warn.mock.calls;
  } finally {
    warn.mockRestore();
  }
}

describe('GrpcGateway (Pulumi)', () => {
  test('creates the Gateway, its GatewayClass and its certificate ReferenceGrant as CustomResources of their Gateway API kinds', async () => {
    const recorded = await useMocks('gateway');
    const { transformation, opts } = recordOptions();
    const edge = new P.GrpcGateway('edge', {
      ...EDGE,
      gatewayClass: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
      annotations: { team: 'edge' },
      listeners: [{ name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: 'wildcard', secretNamespace: 'certs' } }],
    }, { transformations: [transformation] });
    await settle();
    expect(typesAndNames(recorded)).toEqual([
      'grpc-mesh:index:GrpcGateway edge',
      `${GATEWAY_API}/v1:Gateway edge-gateway`,
      `${GATEWAY_API}/v1:GatewayClass edge-gateway-class`,
      `${GRANT_TYPE} reference-grant-certs-gateway-from-infra-to-secret-wildcard`,
    ]);
    expect([...opts].filter(([name]) => name !== 'edge').map(([name, o]) => [name, o.parent === edge])).toEqual([
      ['edge-gateway', true], ['edge-gateway-class', true],
    ]);
    expect(inputsOf(recorded, 'edge-gateway').metadata.annotations).toEqual({ team: 'edge' });
    expect(edge.referenceGrants).toHaveLength(1);
    expect(await promiseOf(edge.referenceGrants[0].urn)).toBe(topLevelUrn('gateway', GRANT_TYPE, 'reference-grant-certs-gateway-from-infra-to-secret-wildcard'));
    expect(edge.gatewayClass).toBeDefined();
  });

  test('lets routes attach to one listener with gateway.listener(), and rejects an unknown one at construction', async () => {
    const recorded = await useMocks('listener');
    const { edge, payments } = setup();
    new P.GrpcRoute('checkout', { namespace: 'infra', parents: [edge.listener('grpc')], rules: [{ backends: [{ service: payments }] }] });
    expect(() => new P.GrpcRoute('bad', { namespace: 'infra', parents: [edge.listener('nope')], rules: [{ backends: [{ service: payments }] }] }))
      .toThrow('GrpcRoute "bad": parents[0].sectionName names no listener of Gateway "edge" (it has grpc); got "nope". [UNKNOWN_LISTENER]');
    await settle();
    expect(inputsOf(recorded, 'checkout-route').spec.parentRefs)
      .toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'infra', sectionName: 'grpc' }]);
    expect(inputsOf(recorded, 'bad-route')).toBeUndefined();
  });
});

describe('GrpcRoute (Pulumi)', () => {
  test('creates one GRPCRoute child under a grpc-mesh:index:GrpcRoute, attached to a Gateway or, for GAMMA, to a mesh service', async () => {
    const recorded = await useMocks('route');
    const { edge, payments } = setup();
    const { transformation, opts } = recordOptions();
    const north = new P.GrpcRoute('north', { namespace: 'payments', parents: [edge], rules: [{ backends: [{ service: payments }] }] }, { transformations: [transformation] });
    // DataPlane.none() serves no route: a mesh grpc-mesh does not configure gets it through a plain reference.
    new P.GrpcRoute('east-west', { namespace: 'payments', parents: [{ kind: 'Service', name: 'payments', namespace: 'payments', port: 50051, mesh: 'linkerd' }], rules: [{ backends: [{ service: payments }] }] });
    const urn = await promiseOf(north.route!.urn);
    await settle();
    expect(typesAndNames(recorded).filter((t) => /GrpcRoute|GRPCRoute/.test(t))).toEqual([
      'grpc-mesh:index:GrpcRoute east-west',
      'grpc-mesh:index:GrpcRoute north',
      `${GATEWAY_API}/v1:GRPCRoute east-west-route`,
      `${GATEWAY_API}/v1:GRPCRoute north-route`,
    ]);
    expect(opts.get('north-route')!.parent).toBe(north);
    expect(urn).toBe(`urn:pulumi:route::${PROJECT}::grpc-mesh:index:GrpcRoute$${GATEWAY_API}/v1:GRPCRoute::north-route`);
    expect(inputsOf(recorded, 'east-west-route').spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'payments', namespace: 'payments', port: 50051 }]);
  });

  test('creates a ReferenceGrant once per stack, at the top of the stack, shared by every route that needs it', async () => {
    const recorded = await useMocks('grant-dedupe');
    const { edge, payments } = setup();
    const checkout = new P.GrpcRoute('checkout', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: payments }] }] });
    const refunds = new P.GrpcRoute('refunds', { namespace: 'app', parents: [edge], rules: [{ matches: [{ service: 'pay.v1.Refunds' }], backends: [{ service: payments }] }] });
    const local = new P.GrpcRoute('local', { namespace: 'payments', parents: [edge], rules: [{ backends: [{ service: payments }] }] });
    const urn = await promiseOf(checkout.referenceGrants[0].urn);
    await settle();
    const grants = recorded.filter((r) => r.type.endsWith(':ReferenceGrant'));
    expect(grants.map((g) => [g.name, g.inputs])).toEqual([[PAYMENTS_GRANT_NAME, PAYMENTS_GRANT]]);
    expect(urn).toBe(topLevelUrn('grant-dedupe', GRANT_TYPE, PAYMENTS_GRANT_NAME));
    // Aliased to the URN it had as a child of the first route that needs it, so that a stack created then keeps the object.
    // Pulumi's mocks do not pass aliases on: they are read from the resource (`__aliases`, internal to @pulumi/pulumi).
    const aliases = (checkout.referenceGrants[0] as unknown as { __aliases: Array<pulumi.Output<string>> }).__aliases;
    expect(await Promise.all(aliases.map(promiseOf)))
      .toEqual([`urn:pulumi:grant-dedupe::${PROJECT}::grpc-mesh:index:GrpcRoute$${GRANT_TYPE}::checkout-${PAYMENTS_GRANT_NAME}`]);
    expect(refunds.referenceGrants).toEqual(checkout.referenceGrants);
    expect(local.referenceGrants).toEqual([]);
  });

  test('gives a ReferenceGrant the same name, parent and URN whichever route that needs it is declared first', async () => {
    /** Declares the routes in the given order; returns the URN and name of every ReferenceGrant, and each route's. */
    const declare = async (stack: string, order: readonly string[]) => {
      const recorded = await useMocks(stack);
      const { edge, payments } = setup();
      const audit = new P.GrpcMeshService('audit', { namespace: 'audit', port: 50051, selector: { app: 'audit' }, dataPlane: DataPlane.none() });
      const routes: Record<string, (name: string) => InstanceType<PulumiModule['GrpcRoute']>> = {
        checkout: (name) => new P.GrpcRoute(name, { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: payments }] }] }),
        refunds: (name) => new P.GrpcRoute(name, {
          namespace: 'app', parents: [edge], rules: [{ matches: [{ service: 'pay.v1.Refunds' }], backends: [{ service: payments }], filters: { mirrors: [{ backend: audit }] } }],
        }),
        reports: (name) => new P.CanaryGrpcRoute(name, { namespace: 'app', parents: [edge], stable: payments, canary: audit, canaryWeight: 5 }),
      };
      const declared = Object.fromEntries(order.map((name) => [name, routes[name](name)]));
      const urns = Object.fromEntries(await Promise.all(Object.entries(declared)
        .map(async ([name, route]) => [name, await Promise.all(route.referenceGrants.map((g) => promiseOf(g.urn)))] as const)));
      await settle();
      return { urns, grants: recorded.filter((r) => r.type === GRANT_TYPE).map((r) => r.name).sort() };
    };
    const first = await declare('grant-order-a', ['checkout', 'refunds', 'reports']);
    const second = await declare('grant-order-b', ['reports', 'refunds', 'checkout']);
    const auditGrant = 'reference-grant-audit-grpcroute-from-app-to-service-audit';
    expect(first.grants).toEqual([auditGrant, PAYMENTS_GRANT_NAME]);
    expect(second.grants).toEqual(first.grants);
    // Every grant is at the top of the stack (no parent type in its URN), in either order.
    const grantUrn = (name: string) => topLevelUrn('grant-order-a', GRANT_TYPE, name);
    expect(first.urns).toEqual({
      checkout: [grantUrn(PAYMENTS_GRANT_NAME)],
      refunds: [grantUrn(PAYMENTS_GRANT_NAME), grantUrn(auditGrant)],
      reports: [grantUrn(PAYMENTS_GRANT_NAME), grantUrn(auditGrant)],
    });
    const inStack = (urns: Record<string, string[]>, stack: string) => JSON.parse(JSON.stringify(urns).replaceAll(`urn:pulumi:${stack}::`, 'urn:pulumi:STACK::'));
    expect(inStack(second.urns, 'grant-order-b')).toEqual(inStack(first.urns, 'grant-order-a'));
  });

  test('creates a ReferenceGrant once per Kubernetes provider, with that provider and its name as a prefix', async () => {
    const recorded = await useMocks('grant-providers');
    const { edge, payments } = setup();
    const eu = new k8s.Provider('eu', {});
    const us = new k8s.Provider('us', {});
    const route = (name: string, provider: k8s.Provider) => new P.GrpcRoute(name, { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: payments }] }] }, { provider });
    const [euCheckout, usCheckout, euRefunds] = [route('eu-checkout', eu), route('us-checkout', us), route('eu-refunds', eu)];
    const euUrn = await promiseOf(eu.urn);
    await settle();
    // A provider reference is `<provider urn>::<provider id>`.
    expect(recorded.filter((r) => r.type === GRANT_TYPE).map((r) => [r.name, r.provider?.replace(/::[^:]*$/, '')])).toEqual([
      [`eu-${PAYMENTS_GRANT_NAME}`, euUrn],
      [`us-${PAYMENTS_GRANT_NAME}`, euUrn.replace('::eu', '::us')],
    ]);
    expect(euRefunds.referenceGrants).toEqual(euCheckout.referenceGrants);
    expect(usCheckout.referenceGrants).not.toEqual(euCheckout.referenceGrants);
  });

  test('makes a ReferenceGrant depend on what every route that needs it depends on, not only the first', async () => {
    const recorded = await useMocks('grant-depends-on');
    let release: (data: Record<string, string>) => void = () => undefined;
    const crds = new k8s.core.v1.ConfigMap('crds', { metadata: { name: 'crds' }, data: pulumi.output(new Promise<Record<string, string>>((r) => (release = r))) });
    const { edge, payments } = setup();
    const first = new P.GrpcRoute('checkout', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: payments }] }] });
    new P.GrpcRoute('refunds', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: payments }] }] }, { dependsOn: [crds] });
    // The routes are declared, the first is registered, and the checks had their turn: only then is the CRD ready.
    await promiseOf(first.route!.urn);
    await nextTurn();
    await nextTurn();
    release({ ready: 'true' });
    await settle();
    const names = recorded.map((r) => r.name);
    expect(names.indexOf(PAYMENTS_GRANT_NAME)).toBeGreaterThan(names.indexOf('crds'));
  });

  test.each([
    ['another stack', 'grant-other-stack'],
    ['a new run of the stack of the previous test (the Automation API runs a program several times in one process)', 'grant-dedupe'],
  ])('creates the same ReferenceGrant again in %s', async (_, stack) => {
    const recorded = await useMocks(stack);
    const { edge, payments } = setup();
    new P.GrpcRoute('refunds', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: payments }] }] });
    await settle();
    expect(recorded.filter((r) => r.type.endsWith(':ReferenceGrant')).map((g) => g.name)).toEqual([PAYMENTS_GRANT_NAME]);
  });

  test('with referenceGrants false, fails the route with MISSING_REFERENCE_GRANT for every reference no grant of the stack allows', async () => {
    const recorded = await useMocks('grants-off');
    let checkout: InstanceType<PulumiModule['GrpcRoute']> | undefined;
    const rejections = await collectingUnhandledRejections(async () => {
      const { edge, payments } = setup();
      checkout = new P.GrpcRoute('checkout', { namespace: 'app', parents: [edge], referenceGrants: false, rules: [{ backends: [{ service: payments }] }] });
      await settle();
    });
    // What `pulumi up` would report: one error (rejected by each promise of the component's outputs), and no grant.
    expect(rejections.length).toBeGreaterThan(0);
    const error = rejections[0] as InstanceType<PulumiModule['GrpcMeshResourceError']>;
    for (const rejection of rejections) expect(rejection).toBe(error);
    expect(error).toBeInstanceOf(P.GrpcMeshResourceError);
    expect(pulumi.ResourceError.isInstance(error) && error.resource).toBe(checkout);
    expect(error.message).toBe('GrpcRoute "checkout": referenceGrants is false, and no ReferenceGrant allows GRPCRoute in "app" -> Service "payments/payments"; '
      + 'got false. Define a ReferenceGrant in namespace "payments" that allows it, or let grpc-mesh generate it (referenceGrants: true), '
      + 'or set referenceGrants: \'external\' when that namespace\'s owner defines it outside this app. [MISSING_REFERENCE_GRANT]');
    expect(error.issues.map((i) => i.code)).toEqual(['MISSING_REFERENCE_GRANT']);
    expect(recorded.filter((r) => r.type.endsWith(':ReferenceGrant'))).toEqual([]);
  });

  test('with referenceGrants \'external\', the grant is the target namespace owner\'s: none is created, the route registers', async () => {
    const recorded = await useMocks('grants-external');
    const rejections = await collectingUnhandledRejections(async () => {
      const { edge, payments } = setup();
      new P.GrpcRoute('checkout', { namespace: 'app', parents: [edge], referenceGrants: 'external', rules: [{ backends: [{ service: payments }] }] });
      await settle();
    });
    expect(rejections).toEqual([]);
    expect(recorded.filter((r) => r.type.endsWith(':ReferenceGrant'))).toEqual([]);
    expect(recorded.filter((r) => r.type.endsWith(':GRPCRoute')).map((r) => r.name)).toEqual(['checkout-route']);
  });

  test('with referenceGrants false, is satisfied by the grant another route of the stack generates, even a later one', async () => {
    await useMocks('grants-off-satisfied');
    const rejections = await collectingUnhandledRejections(async () => {
      const { edge, payments } = setup();
      new P.GrpcRoute('checkout', { namespace: 'app', parents: [edge], referenceGrants: false, rules: [{ backends: [{ service: payments }] }] });
      new P.GrpcRoute('refunds', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: payments }] }] });
      await settle();
    });
    expect(rejections).toEqual([]);
  });

  test('writes its traffic policy as an Envoy Gateway BackendTrafficPolicy child for the eg class', async () => {
    const recorded = await useMocks('policy');
    const { edge, payments } = setup();
    const route = new P.GrpcRoute('checkout', {
      namespace: 'app',
      parents: [edge],
      rules: [{ backends: [{ service: payments }] }],
      trafficPolicy: { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } },
    });
    await settle();
    expect(typesAndNames(recorded).filter((t) => t.includes('envoyproxy'))).toEqual(['kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy checkout-policy-backendtrafficpolicy']);
    expect(inputsOf(recorded, 'checkout-policy-backendtrafficpolicy').spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'checkout' }]);
    expect(route.policy).toHaveLength(1);
  });

  test('logs route warnings attached to the route, unless silenced', async () => {
    await useMocks('route-warnings');
    let noisy: InstanceType<PulumiModule['GrpcRoute']> | undefined;
    const calls = await warningsOf(() => {
      const { edge, payments } = setup();
      const rules = [{ matches: [{ service: 'a.B' }], backends: [{ service: payments }] }, { matches: [{ service: 'a.B' }], backends: [{ service: payments }] }];
      noisy = new P.GrpcRoute('noisy', { namespace: 'payments', parents: [edge], rules });
      new P.GrpcRoute('quiet', { namespace: 'payments', parents: [edge], rules, silenceWarnings: ['SHADOWED_MATCH'] });
    });
    expect(calls).toEqual([[expect.stringMatching(/^GrpcRoute "noisy": rules\[1\]\.matches\[0\] can never be reached/), noisy]]);
  });
});

describe('CanaryGrpcRoute (Pulumi)', () => {
  test('creates one GRPCRoute with the header rule and the weighted rule under a grpc-mesh:index:CanaryGrpcRoute', async () => {
    const recorded = await useMocks('canary');
    const { edge, payments } = setup();
    new P.CanaryGrpcRoute('orders', {
      namespace: 'payments',
      parents: [edge],
      grpcService: 'order.v1.OrderService',
      stable: payments,
      canary: { name: 'payments-canary', port: 50051 },
      canaryWeight: 10,
      canaryHeader: { name: 'x-canary', value: 'always' },
    });
    await settle();
    expect(typesAndNames(recorded).filter((t) => t.includes('orders'))).toEqual(['grpc-mesh:index:CanaryGrpcRoute orders', `${GATEWAY_API}/v1:GRPCRoute orders-route`]);
    const rules = inputsOf(recorded, 'orders-route').spec.rules;
    expect(rules.map((r: any) => [r.name, r.backendRefs.map((b: any) => `${b.name}:${b.weight}`)]))
      .toEqual([['canary-header', ['payments-canary:1']], ['canary-split', ['payments:90', 'payments-canary:10']]]);
  });

  test('reports canary and route problems in one GrpcMeshResourceError, a canary that is the stable Service among them', async () => {
    await useMocks('canary-invalid');
    const { edge, payments } = setup();
    let error: any;
    try {
      new P.CanaryGrpcRoute('orders', { parents: [edge], stable: payments, canary: payments, canaryWeight: 120, labels: { 'bad key!': 'x' } });
    } catch (e) {
      error = e;
    }
    await settle();
    expect(error).toBeInstanceOf(P.GrpcMeshResourceError);
    expect(error.message.split('\n')[0]).toBe('CanaryGrpcRoute "orders": 3 problems:');
    expect(error.issues.map((i: any) => [i.code, i.path])).toEqual([
      ['CANARY_IS_STABLE', 'canary'], ['OUT_OF_RANGE', 'canaryWeight'], ['INVALID_LABEL', 'labels["bad key!"]'],
    ]);
  });
});
