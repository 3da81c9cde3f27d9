/**
 * Routes served by the tiers grpc-mesh deploys itself, with Pulumi: what the components expose, when the tiers
 * compile the stack's routes (once the program's synchronous declarations are over), how a problem of the compile
 * surfaces (a rejected Output, which `pulumi up` reports as the program's failure), and that every run of a program
 * starts with a fresh routing registry. Field-for-field parity with cdk8s is in parity.test.ts.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { collectingUnhandledRejections, recordOptions, settle, typesAndNames, useMocks, type RecordedResource } from './mocks';
import { DataPlane, GatewayImplementation, type GrpcGatewayProps, type GrpcMeshServiceProps } from '../../src/core';
import { givenPackageVersion } from '../support/package-version';

type PulumiModule = typeof import('../../src/pulumi');
let P: PulumiModule;

beforeAll(async () => {
  await useMocks('import');
  P = await import('../../src/pulumi');
});

const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:0.1.0';
const CONFIG_HASH = 'grpc-mesh.io/config-hash';
/** A Gateway served by grpc-mesh-proxy: h2c on 50051, TLS on 443 with a cert-manager certificate. */
const EDGE: GrpcGatewayProps = {
  namespace: 'shop',
  implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE }),
  certManager: { clusterIssuer: 'letsencrypt-prod' },
  listeners: [
    { name: 'grpc', port: 50051 },
    { name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: 'api-example-com-tls' } },
  ],
};
const plain = (name: string): GrpcMeshServiceProps => ({ namespace: 'shop', port: 50051, selector: { app: name }, dataPlane: DataPlane.none() });
const CHECKOUT: GrpcMeshServiceProps = {
  namespace: 'shop', port: 50051, workload: { image: 'registry.example.com/checkout:1.0.0' }, dataPlane: DataPlane.proxy({ image: PROXY_IMAGE }),
};

type Gateway = InstanceType<PulumiModule['GrpcGateway']>;
type Service = InstanceType<PulumiModule['GrpcMeshService']>;
/** A route on `parent` that sends every call of `grpcService` to `backend`. */
function route(name: string, parent: Gateway | Service, backend: Service, grpcService = 'user.v1.UserService'): InstanceType<PulumiModule['GrpcRoute']> {
  return new P.GrpcRoute(name, { namespace: 'shop', parents: [parent], rules: [{ matches: [{ service: grpcService }], backends: [{ service: backend }] }] });
}
/** The inputs the engine received for the resource `name`. */
const inputsOf = (recorded: readonly RecordedResource[], name: string) => recorded.find((r) => r.name === name)?.inputs as any;
/**
 * The text of a tier's ConfigMap as the engine received it (read after `settle()`: the ConfigMap is registered
 * once its compiled data is known, and never if the compile fails).
 */
const configText = (recorded: readonly RecordedResource[], name: string) => Object.values(inputsOf(recorded, name)?.data ?? {}).join('\n');
/** One turn of the event loop: what an `await` in a program gives the tiers, which compile once its synchronous part is over. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** Code, path and the start of the message of each issue of a GrpcMeshResourceError. */
const issuesOf = (error: unknown) => (error as InstanceType<PulumiModule['GrpcMeshResourceError']>).issues.map((i) => [i.code, i.path, i.message.split(':')[0]]);

describe('a self-hosted GrpcGateway (Pulumi)', () => {
  test('exposes its tier and certificates, writes no Gateway API objects, and a route attached only to it creates no child', async () => {
    const recorded = await useMocks('self-hosted-gateway');
    const edge = new P.GrpcGateway('edge', EDGE);
    const { transformation, opts } = recordOptions();
    const users = new P.GrpcRoute('users-api', {
      namespace: 'shop', parents: [edge], rules: [{ backends: [{ service: new P.GrpcMeshService('users', plain('users')) }] }],
    }, { transformations: [transformation] });
    expect(edge.gateway).toBeUndefined();
    expect(edge.gatewayClass).toBeUndefined();
    expect(edge.referenceGrants).toEqual([]);
    expect(Object.keys(edge.tier!).sort()).toEqual(['config', 'deployment', 'networkPolicy', 'podDisruptionBudget', 'service', 'serviceAccount']);
    expect(edge.certificates).toHaveLength(1);
    expect(users.route).toBeUndefined();
    expect(users.policy).toEqual([]);
    expect(users.referenceGrants).toEqual([]);
    expect(edge.tier!.config).toBeInstanceOf(k8s.core.v1.ConfigMap);
    expect(edge.tier!.deployment).toBeInstanceOf(k8s.apps.v1.Deployment);
    expect(edge.tier!.service).toBeInstanceOf(k8s.core.v1.Service);
    expect(edge.tier!.podDisruptionBudget).toBeInstanceOf(k8s.policy.v1.PodDisruptionBudget);
    expect(edge.tier!.serviceAccount).toBeInstanceOf(k8s.core.v1.ServiceAccount);
    expect(edge.certificates[0]).toBeInstanceOf(k8s.apiextensions.CustomResource);
    await settle();
    expect(typesAndNames(recorded)).toEqual([
      'grpc-mesh:index:GrpcGateway edge',
      'grpc-mesh:index:GrpcMeshService users',
      'grpc-mesh:index:GrpcRoute users-api',
      'kubernetes:apps/v1:Deployment edge-tier-deployment',
      'kubernetes:cert-manager.io/v1:Certificate edge-certificate-api-example-com-tls',
      'kubernetes:core/v1:ConfigMap edge-tier-config',
      'kubernetes:core/v1:Service edge-tier-service',
      'kubernetes:core/v1:Service users-headless-service',
      'kubernetes:core/v1:Service users-service',
      'kubernetes:core/v1:ServiceAccount edge-tier-service-account',
      'kubernetes:networking.k8s.io/v1:NetworkPolicy edge-tier-network-policy',
      'kubernetes:networking.k8s.io/v1:NetworkPolicy users-network-policy',
      'kubernetes:policy/v1:PodDisruptionBudget edge-tier-pdb',
    ]);
    expect(['edge-tier-config', 'edge-tier-deployment', 'edge-tier-service', 'edge-tier-pdb'].map((n) => inputsOf(recorded, n).metadata.name))
      .toEqual(['edge-proxy', 'edge-proxy', 'edge-proxy', 'edge-proxy']);
    expect(inputsOf(recorded, 'edge-certificate-api-example-com-tls').spec)
      .toEqual({ secretName: 'api-example-com-tls', dnsNames: ['api.example.com'], issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' } });
    expect([...opts.keys()]).toEqual(['users-api']); // the component itself, and no child
    expect(Object.keys(inputsOf(recorded, 'edge-tier-config').data)).toEqual(['proxy.yaml']);
    expect(configText(recorded, 'edge-tier-config')).toContain('shop/users-api');
  });

  test('with gatewayApiObjects, also creates the Gateway and the GRPCRoute', async () => {
    const recorded = await useMocks('self-hosted-gateway-api-objects');
    const edge = new P.GrpcGateway('edge', { ...EDGE, implementation: GatewayImplementation.envoy({ gatewayApiObjects: true }) });
    const users = route('users-api', edge, new P.GrpcMeshService('users', plain('users')));
    expect(edge.gateway).toBeDefined();
    expect(users.route).toBeDefined();
    expect(edge.tier).toBeDefined();
    await settle();
    expect(typesAndNames(recorded).filter((t) => t.includes('gateway.networking.k8s.io'))).toEqual([
      'kubernetes:gateway.networking.k8s.io/v1:GRPCRoute users-api-route',
      'kubernetes:gateway.networking.k8s.io/v1:Gateway edge-gateway',
    ]);
    expect(inputsOf(recorded, 'edge-tier-config').metadata.name).toBe('edge-envoy');
    expect(configText(recorded, 'edge-tier-config')).toContain('users-api');
  });

  test('compiles in a route declared before it, in the same synchronous part of the program', async () => {
    const recorded = await useMocks('route-first');
    const users = new P.GrpcMeshService('users', plain('users'));
    const early = new P.GrpcRoute('users-api', {
      namespace: 'shop',
      parents: [{ kind: 'Gateway', name: 'edge', namespace: 'shop', servedBy: 'proxy', gatewayApiObjects: false }],
      rules: [{ backends: [{ service: users }] }],
    });
    new P.GrpcGateway('edge', EDGE);
    await settle();
    expect(early.route).toBeUndefined();
    expect(configText(recorded, 'edge-tier-config')).toContain('shop/users-api');
  });
});

describe('when the tiers compile the routes (Pulumi)', () => {
  test('a route with a self-hosted parent declared after an await throws ROUTE_AFTER_COMPILE; one with a controller parent does not', async () => {
    const recorded = await useMocks('route-after-compile');
    const edge = new P.GrpcGateway('edge', EDGE);
    const users = new P.GrpcMeshService('users', plain('users'));
    const checkout = new P.GrpcMeshService('checkout', CHECKOUT);
    route('users-api', edge, users);
    await nextTurn();

    let error: unknown;
    try {
      route('late', edge, users, 'user.v1.Admin');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(P.GrpcMeshResourceError);
    expect((error as Error).message).toContain('ROUTE_AFTER_COMPILE');
    expect((error as InstanceType<PulumiModule['GrpcMeshResourceError']>).issues.map((i) => [i.code, i.value]))
      .toEqual([['ROUTE_AFTER_COMPILE', ['Gateway shop/edge']]]);
    expect(() => route('late-gamma', checkout, checkout)).toThrow(/^route "shop\/late-gamma": .*; got \["Service shop\/checkout"\]\. .*\[ROUTE_AFTER_COMPILE\]$/);

    const controlled = new P.GrpcGateway('controlled', { namespace: 'shop', gatewayClassName: 'eg', listeners: [{ name: 'grpc', port: 8080 }] });
    expect(route('late-controlled', controlled, users).route).toBeDefined();
    await settle();
    expect(configText(recorded, 'edge-tier-config')).toContain('shop/users-api');
    expect(configText(recorded, 'edge-tier-config')).not.toContain('late');
    expect(configText(recorded, 'checkout-balancer-config')).not.toContain('late');
  });

  test('two routes with the same match on a self-hosted Gateway make its config and pods reject with CONFLICTING_ROUTES', async () => {
    const recorded = await useMocks('conflicting-routes');
    const inputs = new Map<string, pulumi.Output<unknown>>();
    const rejections = await collectingUnhandledRejections(async () => {
      // Records the compiled inputs of the tier's ConfigMap (data) and Deployment (spec), as given to their resources.
      const edge = new P.GrpcGateway('edge', EDGE, {
        transformations: [(args) => {
          for (const [field, value] of Object.entries(args.props)) if (pulumi.Output.isInstance(value)) inputs.set(`${args.name}.${field}`, value);
          return undefined;
        }],
      });
      const users = new P.GrpcMeshService('users', plain('users'));
      route('users-a', edge, users);
      route('users-b', edge, users);
      expect([...inputs.keys()]).toEqual(['edge-tier-config.data', 'edge-tier-deployment.spec']);
      for (const input of inputs.values()) {
        // Output.promise() is internal to @pulumi/pulumi, and the only way to see the rejection itself.
        const error = await (input as unknown as { promise(): Promise<unknown> }).promise().then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(P.GrpcMeshResourceError);
        expect((error as Error).message).toMatch(/^GrpcGateway "shop\/edge": 2 problems:/);
        expect(issuesOf(error)).toEqual([
          ['CONFLICTING_ROUTES', 'GRPCRoute "shop/users-b".rules[0]', 'has the same match as GRPCRoute "shop/users-a".rules[0] on listener "edge-50051"'],
          ['CONFLICTING_ROUTES', 'GRPCRoute "shop/users-b".rules[0]', 'has the same match as GRPCRoute "shop/users-a".rules[0] on listener "edge-443"'],
        ]);
      }
      await settle();
    });
    // What `pulumi up` would report: the same error, nothing else; the config and the pods never reach the engine.
    expect(rejections.length).toBeGreaterThan(0);
    for (const rejection of rejections) {
      expect(rejection).toBeInstanceOf(P.GrpcMeshResourceError);
      expect(new Set(issuesOf(rejection).map(([code]) => code))).toEqual(new Set(['CONFLICTING_ROUTES']));
    }
    expect(typesAndNames(recorded).filter((t) => t.includes('edge-tier'))).toEqual([
      'kubernetes:core/v1:Service edge-tier-service',
      'kubernetes:core/v1:ServiceAccount edge-tier-service-account',
      'kubernetes:networking.k8s.io/v1:NetworkPolicy edge-tier-network-policy', // it does not depend on the routes
      'kubernetes:policy/v1:PodDisruptionBudget edge-tier-pdb',
    ]);
  });

  test('each run of a program starts with a fresh routing registry, even for the same project and stack', async () => {
    // First run: compiles its routes, then is over (a later declaration would be refused).
    const firstRun = await useMocks('fresh-registry');
    const first = new P.GrpcGateway('edge', EDGE);
    route('first', first, new P.GrpcMeshService('users', plain('users')));
    await settle();
    expect(configText(firstRun, 'edge-tier-config')).toContain('shop/first');

    // Second run of the same stack: neither the first run's routes nor its compile carry over.
    const secondRun = await useMocks('fresh-registry');
    const second = new P.GrpcGateway('edge', EDGE);
    expect(() => route('second', second, new P.GrpcMeshService('users', plain('users')))).not.toThrow();
    await settle();
    const text = configText(secondRun, 'edge-tier-config');
    expect(text).toContain('shop/second');
    expect(text).not.toContain('shop/first');
  });
});

describe('GAMMA routes on a DataPlane.proxy() service (Pulumi)', () => {
  /** The balancer ConfigMap text and config-hash of checkout, with or without a canary route attached to it. */
  async function checkoutBalancer(stack: string, withRoute: boolean): Promise<{ text: string; hash: string }> {
    const recorded = await useMocks(stack);
    const checkout = new P.GrpcMeshService('checkout', CHECKOUT);
    if (withRoute) {
      new P.CanaryGrpcRoute('checkout-split', {
        namespace: 'shop', parents: [checkout], stable: checkout, canary: new P.GrpcMeshService('checkout-canary', plain('checkout-canary')), canaryWeight: 10,
      });
    }
    expect(checkout.balancer!.config).toBeInstanceOf(k8s.core.v1.ConfigMap);
    await settle();
    return { text: configText(recorded, 'checkout-balancer-config'), hash: inputsOf(recorded, 'checkout-balancer-deployment').spec.template.metadata.annotations[CONFIG_HASH] };
  }

  test('compile the route, and the default route to the service, into the balancer config; the pods roll', async () => {
    const without = await checkoutBalancer('gamma-without-route', false);
    const withRoute = await checkoutBalancer('gamma-with-route', true);
    expect(withRoute.text).toContain('shop/checkout-split');
    expect(withRoute.text).toContain('shop/checkout-default');
    expect(withRoute.text).toContain('checkout-canary-headless.shop.svc.cluster.local');
    expect(without.text).not.toContain('checkout-split');
    expect(withRoute.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(withRoute.hash).not.toBe(without.hash);
  });
});

describe('the default grpc-mesh-proxy image (Pulumi)', () => {
  afterEach(() => jest.restoreAllMocks());

  const imageOf = (recorded: readonly RecordedResource[], name: string) => inputsOf(recorded, name).spec.template.spec.containers[0].image;
  const gateway = (name: string, implementation: GatewayImplementation) => new P.GrpcGateway(name, { ...EDGE, implementation });
  const service = (name: string, dataPlane: DataPlane) => new P.GrpcMeshService(name, { ...CHECKOUT, dataPlane });

  test('a released library deploys the image of its release where none is given, and the given one (an Output too) elsewhere', async () => {
    givenPackageVersion('1.4.2');
    const recorded = await useMocks('default-proxy-image');
    gateway('edge', P.GatewayImplementation.proxy());
    gateway('partner', P.GatewayImplementation.proxy({ image: pulumi.output(PROXY_IMAGE) }));
    service('checkout', P.DataPlane.proxy({ serviceType: 'ClusterIP' }));
    service('ledger', P.DataPlane.proxy({ image: PROXY_IMAGE }));
    await settle();
    expect(['edge-tier-deployment', 'partner-tier-deployment', 'checkout-balancer-deployment', 'ledger-balancer-deployment']
      .map((name) => imageOf(recorded, name))).toEqual([
      'ghcr.io/grpc-mesh/grpc-mesh-proxy:1.4.2', PROXY_IMAGE, 'ghcr.io/grpc-mesh/grpc-mesh-proxy:1.4.2', PROXY_IMAGE,
    ]);
  });

  test('an unreleased build fails the component of each tier given no image, with the field and how to get one', async () => {
    givenPackageVersion('0.0.0');
    await useMocks('no-default-proxy-image');
    const errors = [() => gateway('edge', P.GatewayImplementation.proxy()), () => service('checkout', P.DataPlane.proxy())].map((create) => {
      try {
        create();
      } catch (error) {
        return error;
      }
      return undefined;
    });
    await settle();
    expect(errors.map(issuesOf)).toEqual([[['INVALID_IMAGE', 'implementation.image', 'is required']], [['INVALID_IMAGE', 'dataPlane.image', 'is required']]]);
    expect((errors[1] as Error).message).toMatch(/^GrpcMeshService "checkout": dataPlane\.image is required: this grpc-mesh is an unreleased build \(version 0\.0\.0\).*scripts\/image\/build\.sh/);
  });
});
