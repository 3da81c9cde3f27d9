import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { CanaryGrpcRoute, DataPlane, GrpcGateway, GrpcMeshService, GrpcRoute } from '../../src/cdk8s';
import { WARNINGS_AS_ERRORS_ENV, WARNINGS_AS_ERRORS_KEY } from '../../src/core';

const IMAGE = 'registry.example.com/orders:1.0.0';

/** The message of what `synth` throws, or undefined. */
function synthError(synth: () => unknown): string | undefined {
  try {
    synth();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** A real App writing to a temporary folder, removed after `use`. */
function withApp<T>(use: (app: App, outdir: string) => T, setup?: (app: App) => void): T {
  const outdir = mkdtempSync(join(tmpdir(), 'grpc-mesh-app-'));
  try {
    const app = new App({ outdir });
    setup?.(app);
    return use(app, outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Two routes with the same match: the second can never be reached (a warning). */
function shadowingRoute(chart: Chart, id: string, silenceWarnings?: string[]): void {
  const users = { name: 'users', port: 50051 };
  const rule = { matches: [{ service: 'user.v1.UserService' }], backends: [{ service: users }] };
  new GrpcRoute(chart, id, { parents: [{ kind: 'Gateway', name: 'edge' }], rules: [rule, rule], silenceWarnings });
}

describe('app-wide validation (cdk8s)', () => {
  test('app.synth() of an app with three broken constructs reports every problem of all three in one error and writes nothing', () => {
    withApp((app, outdir) => {
      const chart = new Chart(app, 'shop', { namespace: 'shop' });
      const orders = new GrpcMeshService(chart, 'orders', { port: 70000, workload: { image: IMAGE, replicas: -1 }, dataPlane: DataPlane.envoy() });
      new GrpcGateway(chart, 'edge', { gatewayClassName: 'eg', listeners: [{ name: 'grpc', port: 0 }] });
      new CanaryGrpcRoute(chart, 'orders-canary', { parents: [{ kind: 'Gateway', name: 'edge' }], stable: orders, canary: orders, canaryWeight: 120 });
      expect(synthError(() => app.synth())).toBe([
        'Validation failed with the following errors:',
        '  [shop/orders] GrpcMeshService "shop/orders": port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]',
        '  [shop/orders] GrpcMeshService "shop/orders": workload.replicas must be between 0 and 2147483647; got -1. [OUT_OF_RANGE]',
        '  [shop/edge] GrpcGateway "shop/edge": listeners[0].port must be a port number between 1 and 65535; got 0. [PORT_OUT_OF_RANGE]',
        '  [shop/orders-canary] CanaryGrpcRoute "shop/orders-canary": canary is the same Service as stable: every call reaches the same pods, '
          + 'so canaryWeight and canaryHeader change nothing; got "shop/orders". Point canary at the Service of the new version '
          + '(e.g. a GrpcMeshService "orders-canary" selecting its pods). [CANARY_IS_STABLE]',
        '  [shop/orders-canary] CanaryGrpcRoute "shop/orders-canary": canaryWeight must be between 0 and 100; got 120. '
          + 'The canary weight is a percentage of the calls. [OUT_OF_RANGE]',
      ].join('\n'));
      expect(readdirSync(outdir)).toEqual([]);
    });
  });

  test('warnings are printed at synthesis, once each, and synthesis succeeds', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      withApp((app, outdir) => {
        shadowingRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'users');
        app.synth();
        expect(readdirSync(outdir)).toEqual(['shop.k8s.yaml']);
      });
      expect(warn.mock.calls.map((c) => c[0])).toEqual([
        '[grpc-mesh] warning: GrpcRoute "shop/users": rules[1].matches[0] can never be reached: rules[0] has the same match and comes first; '
          + 'got {"method":{"type":"Exact","service":"user.v1.UserService"}}. [SHADOWED_MATCH] (silenceWarnings: [\'SHADOWED_MATCH\'] hides this)',
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  test(`the context key ${WARNINGS_AS_ERRORS_KEY} makes every warning fail synthesis; silenced warnings stay silent`, () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const message = withApp((app) => {
        const chart = new Chart(app, 'shop', { namespace: 'shop' });
        shadowingRoute(chart, 'users');
        shadowingRoute(chart, 'quiet', ['SHADOWED_MATCH']);
        return synthError(() => app.synth());
      }, (app) => app.node.setContext(WARNINGS_AS_ERRORS_KEY, true));
      expect(message).toBe([
        'Validation failed with the following errors:',
        `  [shop/users] warning (${WARNINGS_AS_ERRORS_KEY}): GrpcRoute "shop/users": rules[1].matches[0] can never be reached: `
          + 'rules[0] has the same match and comes first; got {"method":{"type":"Exact","service":"user.v1.UserService"}}. '
          + '[SHADOWED_MATCH] (silenceWarnings: [\'SHADOWED_MATCH\'] hides this)',
      ].join('\n'));
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test(`so does the environment variable ${WARNINGS_AS_ERRORS_ENV}=true, and the string "true" in context`, () => {
    const before = process.env[WARNINGS_AS_ERRORS_ENV];
    process.env[WARNINGS_AS_ERRORS_ENV] = 'true';
    try {
      const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
      shadowingRoute(chart, 'users');
      expect(synthError(() => Testing.synth(chart))).toMatch(/\[shop\/users\] warning \(grpc-mesh:warningsAsErrors\): .*\[SHADOWED_MATCH\]/);
    } finally {
      if (before === undefined) delete process.env[WARNINGS_AS_ERRORS_ENV];
      else process.env[WARNINGS_AS_ERRORS_ENV] = before;
    }
    const app = Testing.app();
    app.node.setContext(WARNINGS_AS_ERRORS_KEY, 'true');
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    shadowingRoute(chart, 'users');
    expect(synthError(() => Testing.synth(chart))).toMatch(/\[SHADOWED_MATCH\]/);
  });
});

describe('GAMMA parents named by plain reference (cdk8s)', () => {
  function meshApp(parent: Record<string, unknown>, options: { silence?: string[]; warningsAsErrors?: boolean } = {}) {
    const app = Testing.app();
    if (options.warningsAsErrors) app.node.setContext(WARNINGS_AS_ERRORS_KEY, true);
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    new GrpcMeshService(chart, 'orders', { port: 50051, selector: { app: 'orders' }, dataPlane: DataPlane.none() });
    new GrpcMeshService(chart, 'users', { port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.envoy() });
    new GrpcRoute(chart, 'mesh', {
      parents: [{ kind: 'Service', ...parent } as never],
      rules: [{ backends: [{ service: { name: 'orders', port: 50051 } }] }],
      silenceWarnings: options.silence,
    });
    return chart;
  }

  /** The warnings printed by synthesis of `chart`. */
  function printed(chart: Chart): string[] {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      Testing.synth(chart);
      return warn.mock.calls.map((c) => String(c[0]));
    } finally {
      warn.mockRestore();
    }
  }

  test('a Service no balancer or mesh of grpc-mesh serves, on a reference that names no mesh, is a warning naming the fix', () => {
    const fix = 'Attach the route to a GrpcMeshService whose data plane serves routes, or, when Istio or Linkerd serves the Service, '
      + 'say so with mesh: \'istio\' or \'linkerd\' on the reference. [GAMMA_PARENT_NOT_SERVED]';
    expect(printed(meshApp({ name: 'orders', port: 50051 }))).toEqual([
      '[grpc-mesh] warning: GrpcRoute "shop/mesh": parents[0] is a GrpcMeshService with DataPlane.none(), and the reference names no mesh: '
        + `unless a mesh serves this Service, the route does nothing and clients reach the Service around it; got "shop/orders". ${fix}`
        + ' (silenceWarnings: [\'GAMMA_PARENT_NOT_SERVED\'] hides this)',
    ]);
    expect(printed(meshApp({ name: 'billing', namespace: 'pay', port: 50051 }))).toEqual([
      expect.stringContaining('parents[0] is no GrpcMeshService of this app, and the reference names no mesh: unless a mesh serves this Service, '
        + `the route does nothing and clients reach the Service around it; got "pay/billing". ${fix}`),
    ]);
    expect(synthError(() => Testing.synth(meshApp({ name: 'orders' }, { warningsAsErrors: true })))).toMatch(/\[GAMMA_PARENT_NOT_SERVED\]/);
  });

  test('a reference that names its mesh, a Service whose balancer serves the route, or a silenced warning print nothing', () => {
    expect(printed(meshApp({ name: 'orders', port: 50051, mesh: 'linkerd' }))).toEqual([]);
    expect(printed(meshApp({ name: 'users', port: 50051 }))).toEqual([]);
    expect(printed(meshApp({ name: 'billing', port: 50051 }, { silence: ['GAMMA_PARENT_NOT_SERVED'] }))).toEqual([]);
  });

  test('the headless Service of a GrpcMeshService of the app fails synthesis, even when the reference says it is not headless', () => {
    expect(synthError(() => Testing.synth(meshApp({ name: 'users-headless', headless: false })))).toBe([
      'Validation failed with the following errors:',
      '  [shop/mesh] GrpcRoute "shop/mesh": parents[0] is the headless Service of GrpcMeshService "shop/users", which cannot be the parent '
        + 'of a mesh (GAMMA) route; got "shop/users-headless". Attach the route to the GrpcMeshService itself (its ClusterIP Service). [HEADLESS_MESH_PARENT]',
    ].join('\n'));
    expect(synthError(() => Testing.synth(meshApp({ name: 'users-headless' }))))
      .toMatch(/parents\[0\]\.name is named like a headless Service \("-headless"\).*\[HEADLESS_MESH_PARENT\]/);
  });
});
