import * as pulumi from '@pulumi/pulumi';
import { settle, useMocks } from './mocks';
import { DataPlane, WARNINGS_AS_ERRORS_KEY, type GrpcMeshServiceProps } from '../../src/core';

type PulumiModule = typeof import('../../src/pulumi');
let P: PulumiModule;

beforeAll(async () => {
  await useMocks('import');
  P = await import('../../src/pulumi');
});

/** Istio on pods grpc-mesh does not create: a warning (MESH_INJECTION_NOT_MANAGED). */
const NOISY: GrpcMeshServiceProps = { namespace: 'app', port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.istio() };
const INJECTION_WARNING = 'GrpcMeshService "users": selector selects pods grpc-mesh does not create: make sure they join the istio mesh (sidecar injection);'
  + ' got {"app":"users"}. [MESH_INJECTION_NOT_MANAGED] (silenceWarnings: [\'MESH_INJECTION_NOT_MANAGED\'] hides this)';

/** Runs `run` with `pulumi.log.warn` recorded (and silenced); returns the messages. */
async function warningsOf(run: () => void): Promise<string[]> {
  const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
  try {
    run();
    await settle();
    return warn.mock.calls.map((c) => String(c[0]));
  } finally {
    warn.mockRestore();
  }
}

/** What `construct` throws. */
function thrownBy(construct: () => unknown): unknown {
  try {
    construct();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('invalid props (Pulumi, which has no synthesis phase)', () => {
  test('each component fails its own registration with every problem of its own props, and registers no children', async () => {
    const recorded = await useMocks('each-its-own');
    const users = thrownBy(() => new P.GrpcMeshService('users', { port: 70000, workload: { image: 'img:1', replicas: -1 } }));
    const edge = thrownBy(() => new P.GrpcGateway('edge', { gatewayClassName: 'eg', listeners: [{ name: 'grpc', port: 0 }] }));
    await settle();
    expect([users, edge].map((e) => (e as Error).message)).toEqual([
      'GrpcMeshService "users": 2 problems:\n'
        + '  - port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]\n'
        + '  - workload.replicas must be between 0 and 2147483647; got -1. [OUT_OF_RANGE]',
      'GrpcGateway "edge": listeners[0].port must be a port number between 1 and 65535; got 0. [PORT_OUT_OF_RANGE]',
    ]);
    expect(recorded.map((r) => `${r.type} ${r.name}`)).toEqual(['grpc-mesh:index:GrpcMeshService users', 'grpc-mesh:index:GrpcGateway edge']);
  });
});

describe(`${WARNINGS_AS_ERRORS_KEY} (Pulumi config)`, () => {
  afterEach(() => pulumi.runtime.setConfig(WARNINGS_AS_ERRORS_KEY, 'false'));

  test('turns a component\'s warnings into a GrpcMeshWarningsError attached to it; silenced warnings stay silent', async () => {
    await useMocks('warnings-as-errors');
    pulumi.runtime.setConfig(WARNINGS_AS_ERRORS_KEY, 'true');
    const error = thrownBy(() => new P.GrpcMeshService('users', NOISY));
    expect(error).toBeInstanceOf(P.GrpcMeshWarningsError);
    expect(pulumi.ResourceError.isInstance(error)).toBe(true);
    expect((error as pulumi.ResourceError).hideStack).toBe(true);
    expect((error as Error).message).toBe(`${WARNINGS_AS_ERRORS_KEY} is set, and there is 1 warning:\n  - ${INJECTION_WARNING}`);
    expect(thrownBy(() => new P.GrpcMeshService('quiet', { ...NOISY, silenceWarnings: ['MESH_INJECTION_NOT_MANAGED'] }))).toBeUndefined();
    await settle();
  });

  test('without it, the same warning is logged and the component is created', async () => {
    await useMocks('warnings-logged');
    expect(await warningsOf(() => new P.GrpcMeshService('users', NOISY))).toEqual([INJECTION_WARNING]);
  });
});

describe('GAMMA parents named by plain reference (Pulumi)', () => {
  function orders() {
    new P.GrpcMeshService('orders', { namespace: 'shop', port: 50051, selector: { app: 'orders' }, dataPlane: DataPlane.none() });
    new P.GrpcMeshService('users', { namespace: 'shop', port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.envoy() });
  }
  const route = (name: string, parent: Record<string, unknown>) => new P.GrpcRoute(name, {
    namespace: 'shop', parents: [{ kind: 'Service', ...parent } as never], rules: [{ backends: [{ service: { name: 'orders', port: 50051 } }] }],
  });

  test('a Service declared with DataPlane.none(), on a reference that names no mesh, is a warning on the route naming the fix', async () => {
    await useMocks('gamma-none');
    const warnings = await warningsOf(() => {
      orders();
      route('mesh', { name: 'orders', port: 50051 });
      route('istio', { name: 'orders', port: 50051, mesh: 'istio' });
      route('balanced', { name: 'users', port: 50051 });
    });
    expect(warnings).toEqual([
      'GrpcRoute "mesh": parents[0] is a GrpcMeshService with DataPlane.none(), and the reference names no mesh: unless a mesh serves this Service, '
        + 'the route does nothing and clients reach the Service around it; got "shop/orders". Attach the route to a GrpcMeshService whose data plane '
        + 'serves routes, or, when Istio or Linkerd serves the Service, say so with mesh: \'istio\' or \'linkerd\' on the reference. '
        + '[GAMMA_PARENT_NOT_SERVED] (silenceWarnings: [\'GAMMA_PARENT_NOT_SERVED\'] hides this)',
    ]);
  });

  test('the headless Service of a declared GrpcMeshService fails the route, even when the reference says it is not headless', async () => {
    await useMocks('gamma-headless');
    orders();
    const error = thrownBy(() => route('mesh', { name: 'users-headless', headless: false }));
    expect(error).toBeInstanceOf(P.GrpcMeshResourceError);
    expect((error as Error).message).toBe('GrpcRoute "mesh": parents[0] is the headless Service of GrpcMeshService "shop/users", which cannot be the '
      + 'parent of a mesh (GAMMA) route; got "shop/users-headless". Attach the route to the GrpcMeshService itself (its ClusterIP Service). [HEADLESS_MESH_PARENT]');
    await settle();
  });
});
