/**
 * Pulumi Inputs: the components register every resource at construction, never inside an `apply`, whatever Outputs
 * their props hold; only the fields an Input decides are Outputs; what cannot wait for an Output fails at
 * construction, and a value that is invalid fails once it resolves. (The objects themselves are compared with the
 * cdk8s ones in parity.test.ts.)
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { collectingUnhandledRejections, manifestsOf, settle, useMocks } from './mocks';
import { DataPlane, GatewayImplementation, type KubeObject, type ValidationIssue } from '../../src/core';
import { objectsWithInputs, PropsWithInputs } from '../../src/pulumi/inputs';

type PulumiModule = typeof import('../../src/pulumi');
let P: PulumiModule;

beforeAll(async () => {
  await useMocks('import');
  P = await import('../../src/pulumi');
});

/** An Output that resolves only when `release` is called. */
function later<T>(value: T): { output: pulumi.Output<T>; release: () => void } {
  let release = () => {};
  const output = pulumi.output(new Promise<T>((resolve) => {
    release = () => resolve(value);
  })) as pulumi.Output<T>;
  return { output, release };
}

/** A transformation that records, as each resource is constructed, its name and the args it was given. */
function recordConstruction(): { transformation: pulumi.ResourceTransformation; args: Map<string, Record<string, unknown>> } {
  const args = new Map<string, Record<string, unknown>>();
  return {
    args,
    transformation: (t) => {
      if (t.type.startsWith('kubernetes:')) args.set(t.name, t.props);
      return undefined;
    },
  };
}

/** The value an Output rejects with. */
function rejectionOf(output: pulumi.Output<unknown>): Promise<unknown> {
  return (output as unknown as { promise(): Promise<unknown> }).promise().then(() => undefined, (error: unknown) => error);
}

describe('Pulumi Inputs', () => {
  test('registers every resource at construction, before any Input resolves, and none once they resolve', async () => {
    const recorded = await useMocks('inputs-construction');
    const namespace = later('shop');
    const image = later('registry.example.com/checkout:1.0.0');
    const replicas = later(3);
    const { transformation, args } = recordConstruction();
    const opts = { transformations: [transformation] };
    const checkout = new P.GrpcMeshService('checkout', {
      namespace: namespace.output,
      port: 50051,
      workload: { image: image.output, replicas: replicas.output },
      dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0', serviceType: 'ClusterIP' }),
    }, opts);
    const edge = new P.GrpcGateway('edge', {
      namespace: namespace.output,
      implementation: GatewayImplementation.envoy({ serviceType: 'ClusterIP' }),
      listeners: [{ name: 'grpc', port: 8080 }],
    }, opts);
    new P.GrpcRoute('checkout-api', { namespace: namespace.output, parents: [edge], rules: [{ backends: [{ service: checkout }] }] }, opts);
    const atConstruction = [...args.keys()].sort();
    // The route is compiled into the Envoy tier, which writes no Gateway API objects: it has no child.
    expect(atConstruction).toEqual([
      'checkout-balancer-config', 'checkout-balancer-deployment', 'checkout-balancer-network-policy', 'checkout-balancer-pdb', 'checkout-balancer-service',
      'checkout-balancer-service-account',
      'checkout-deployment', 'checkout-headless-service', 'checkout-network-policy', 'checkout-pdb', 'checkout-service', 'checkout-service-account',
      'edge-tier-config', 'edge-tier-deployment', 'edge-tier-network-policy', 'edge-tier-pdb', 'edge-tier-service', 'edge-tier-service-account',
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(recorded.filter((r) => r.custom)).toEqual([]); // nothing can be sent to the engine before the Inputs resolve
    namespace.release();
    image.release();
    replicas.release();
    await settle();
    expect(recorded.filter((r) => r.custom).map((r) => r.name).sort()).toEqual(atConstruction);
    const deployment = manifestsOf(recorded).find((o) => o.metadata.name === 'checkout' && o.kind === 'Deployment')!;
    expect([deployment.metadata.namespace, (deployment.spec as { replicas: number }).replicas]).toEqual(['shop', 3]);
  });

  test('leaves plain the fields no Input decides, so pulumi preview knows them', async () => {
    await useMocks('inputs-plain-fields');
    const { transformation, args } = recordConstruction();
    const image = later('registry.example.com/users:1.0.0');
    new P.GrpcMeshService('users', {
      namespace: 'app',
      port: 50051,
      workload: { image: image.output, replicas: 2 },
      dataPlane: DataPlane.none(),
    }, { transformations: [transformation] });
    const deployment = args.get('users-deployment') as { metadata: unknown; spec: { replicas: unknown; template: { spec: { containers: unknown } } } };
    expect(deployment.metadata).toEqual(expect.objectContaining({ name: 'users', namespace: 'app' }));
    expect(deployment.spec.replicas).toBe(2);
    expect(pulumi.Output.isInstance(deployment.spec.template.spec.containers)).toBe(true);
    expect(pulumi.Output.isInstance(args.get('users-service')!.spec)).toBe(false);
    image.release();
    await settle();
  });

  test('refuses at construction a ReferenceGrant that depends on namespace Outputs, and a Certificate named after an Output', async () => {
    await useMocks('inputs-refused');
    const users = new P.GrpcMeshService('users', {
      namespace: pulumi.output('app'), port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.none(),
    });
    const edge = new P.GrpcGateway('edge', { namespace: 'infra', gatewayClassName: 'istio', listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }] });
    const issuesOf = (build: () => unknown): readonly ValidationIssue[] => {
      try {
        build();
      } catch (error) {
        return (error as InstanceType<PulumiModule['GrpcMeshResourceError']>).issues;
      }
      return [];
    };
    // A different Output, even of the same value, is another namespace until it resolves: a grant would be needed.
    const routeIssues = issuesOf(() => new P.GrpcRoute('users-api', { namespace: pulumi.output('app'), parents: [edge], rules: [{ backends: [{ service: users }] }] }));
    expect(routeIssues.map((i) => [i.code, i.path])).toEqual([['INPUT_NEEDED_AT_CONSTRUCTION', 'namespace']]);
    const gatewayIssues = issuesOf(() => new P.GrpcGateway('tls', {
      namespace: 'shop',
      implementation: GatewayImplementation.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0' }),
      certManager: { clusterIssuer: 'letsencrypt-prod' },
      listeners: [{ name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: pulumi.output('api-tls') } }],
    }));
    expect(gatewayIssues.map((i) => [i.code, i.path])).toEqual([['INPUT_NEEDED_AT_CONSTRUCTION', 'listeners[].tls.secretName']]);
    await settle();
  });

  test('says what a placeholder in a problem found at construction stands for', async () => {
    await useMocks('inputs-placeholder-hint');
    const edge = new P.GrpcGateway('edge', { namespace: pulumi.output('infra'), gatewayClassName: 'istio', listeners: [{ name: 'grpc', port: 8080 }] });
    const users = { name: 'users', port: 50051 };
    expect(() => new P.GrpcRoute('users-api', { namespace: 'infra', parents: [edge], rules: [{ backends: [{ service: users }] }] }))
      .toThrow(/"gm-input-\d+-a".*gm-input-<n>-a stands for an Output that has not resolved/s);
    await settle();
  });

  test('the same namespace Output in the route and its backend needs no ReferenceGrant', async () => {
    const recorded = await useMocks('inputs-shared-namespace');
    const app = new k8s.core.v1.Namespace('app', { metadata: { name: 'app' } }).metadata.name;
    const users = new P.GrpcMeshService('users', { namespace: app, port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.none() });
    const edge = new P.GrpcGateway('edge', { namespace: 'infra', gatewayClassName: 'istio', listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }] });
    const route = new P.GrpcRoute('users-api', { namespace: app, parents: [edge], rules: [{ backends: [{ service: users }] }] });
    expect(route.referenceGrants).toEqual([]);
    await settle();
    const objects = manifestsOf(recorded);
    expect(objects.filter((o) => o.kind === 'ReferenceGrant')).toEqual([]);
    expect(objects.find((o) => o.kind === 'GRPCRoute')!.metadata.namespace).toBe('app');
  });

  test('checks a Service parent named by plain reference against the services\' real namespaces once they resolve', async () => {
    const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
    try {
      const rejections = await collectingUnhandledRejections(async () => {
        await useMocks('inputs-plain-parents');
        new P.GrpcMeshService('users', {
          namespace: pulumi.output('app'), port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.istio(), silenceWarnings: ['MESH_INJECTION_NOT_MANAGED'],
        });
        const served = { kind: 'Service', name: 'users', namespace: 'app', port: 50051 } as const;
        new P.GrpcRoute('served', { namespace: 'app', parents: [served], rules: [{ backends: [{ service: served }] }] });
        const headless = { kind: 'Service', name: 'users-headless', namespace: 'app', headless: false } as const;
        new P.GrpcRoute('headless', { namespace: 'app', parents: [headless], rules: [{ backends: [{ service: { name: 'users', port: 50051 } }] }] });
        await settle().catch(() => undefined);
      });
      // One error, which Pulumi reports through each Output derived from the rejected one.
      expect([...new Set(rejections)].map((r) => (r as InstanceType<PulumiModule['GrpcMeshResourceError']>).issues.map((i) => [i.code, i.value])))
        .toEqual([[['HEADLESS_MESH_PARENT', 'app/users-headless']]]);
      // The istio service in "app" serves the first route: no GAMMA_PARENT_NOT_SERVED, although its namespace was an Output.
      expect(warn.mock.calls.map(([message]) => message)).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  test('fails with INPUT_CHANGES_OBJECTS when the real values would give other objects than the placeholders', async () => {
    let error: unknown;
    await collectingUnhandledRejections(async () => {
      await useMocks('inputs-changed-objects');
      const component = new pulumi.ComponentResource('test:index:Component', 'component');
      const config = (name: string, value: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value } });
      // Only the real value `extra` gives a second object, which no resource was registered for.
      const render = (props: { value: string }) => (props.value === 'extra' ? [config('a', props.value), config('b', '')] : [config('a', props.value)]);
      const resolved = new PropsWithInputs<{ value: string }>({ value: pulumi.output('extra') }).resolve(component, (props) => props);
      const [a] = objectsWithInputs(component, 'Component "component"', resolved, render);
      error = await rejectionOf((a.data as { value: pulumi.Output<string> }).value);
    });
    expect((error as InstanceType<PulumiModule['GrpcMeshResourceError']>).issues.map((i) => [i.code, i.value]))
      .toEqual([['INPUT_CHANGES_OBJECTS', ['ConfigMap "b" would be added']]]);
  });

  test('validates an Output once it resolves: an invalid value rejects the component\'s Outputs with the core\'s problem', async () => {
    let error: unknown;
    const rejections = await collectingUnhandledRejections(async () => {
      await useMocks('inputs-invalid');
      const users = new P.GrpcMeshService('users', {
        namespace: 'app', port: 50051, workload: { image: pulumi.output('not an image'), replicas: pulumi.output(-1) }, dataPlane: DataPlane.none(),
      });
      error = await rejectionOf(users.endpoint);
      await settle().catch(() => undefined);
    });
    expect(error).toBeInstanceOf(P.GrpcMeshResourceError);
    expect((error as InstanceType<PulumiModule['GrpcMeshResourceError']>).issues.map((i) => [i.code, i.path, i.value])).toEqual([
      ['INVALID_IMAGE', 'workload.image', 'not an image'],
      ['OUT_OF_RANGE', 'workload.replicas', -1],
    ]);
    // What `pulumi up` reports: the same error, through the resources whose inputs it rejected.
    expect(rejections.length).toBeGreaterThan(0);
    expect(rejections.every((r) => r === error)).toBe(true);
  });
});
