import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CDK8S_EXAMPLES } from '../projenrc/examples';
import { grantAllows, type CrossNamespaceReference, type KubeObject } from '../src/core';
import { envoyBootstrapCount, problemsOf } from './support/validate-all';

const ROOT = join(__dirname, '..');

/** Runs the real `cdk8s synth` in an example folder and returns every object it wrote. */
function cdk8sSynth(example: string): KubeObject[] {
  const dir = join(ROOT, 'examples', example);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  execFileSync('npx', ['cdk8s', 'synth'], { cwd: dir, stdio: 'pipe', timeout: 120_000 });
  const files = readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.k8s.yaml'));
  return files.flatMap((f) => parseAllDocuments(readFileSync(join(dir, 'dist', f), 'utf8')).map((doc) => doc.toJS() as KubeObject));
}

/**
 * A cdk8s app with every kind of bad prop the foundation issue names in one construct, two more broken constructs,
 * and a warning (a rule that can never be reached).
 */
const BAD_APP = `
import { App, Chart } from 'cdk8s';
import { DataPlane, GrpcGateway, GrpcMeshService, GrpcRoute } from 'grpc-mesh/cdk8s';
const app = new App();
const chart = new Chart(app, 'bad');
new GrpcMeshService(chart, 'users', {
  name: 'Users_svc',
  port: 70000,
  workload: { image: 'img:1', replicas: -1 },
  dataPlane: DataPlane.none(),
  trafficPolicy: { retry: { attempts: 2, on: [] } },
});
new GrpcGateway(chart, 'edge', { gatewayClassName: 'eg', listeners: [{ name: 'grpc', port: 0 }] });
const matches = [{ service: 'user.v1.UserService' }];
new GrpcRoute(chart, 'users-route', {
  parents: [{ kind: 'Gateway', name: 'edge' }],
  rules: [{ matches, backends: [{ service: { name: 'users', port: 50051 }, weight: -1 }] }, { matches, backends: [{ service: { name: 'users', port: 50051 } }] }],
});
app.synth();
`;

/** The route of BAD_APP, valid, with its warning: its second rule can never be reached. */
const WARNING_APP = `
import { App, Chart } from 'cdk8s';
import { GrpcRoute } from 'grpc-mesh/cdk8s';
const app = new App();
const chart = new Chart(app, 'bad');
const matches = [{ service: 'user.v1.UserService' }];
const backends = [{ service: { name: 'users', port: 50051 } }];
new GrpcRoute(chart, 'users-route', { parents: [{ kind: 'Gateway', name: 'edge' }], rules: [{ matches, backends }, { matches, backends }] });
app.synth();
`;

/** An app whose first construct's props are too broken to build it from (as a JavaScript caller may give): its constructor throws. */
const BROKEN_APP = `
import { App, Chart } from 'cdk8s';
import { GrpcGateway, GrpcRoute } from 'grpc-mesh/cdk8s';
const app = new App();
const chart = new Chart(app, 'bad');
new GrpcGateway(chart, 'edge', {} as any);
new GrpcRoute(chart, 'users', {} as any);
app.synth();
`;

/** A Pulumi program with a component whose props are invalid. */
const BAD_PULUMI_PROGRAM = `
import { GrpcMeshService } from 'grpc-mesh/pulumi';
export const users = new GrpcMeshService('users', { port: 70000, workload: { image: 'img:1', replicas: -1 } });
`;

/**
 * What an uncaught grpc-mesh error must not print: a frame or a source line of this library (compiled or, through
 * source maps, source), or a dump of its fields (Node prints an error's enumerable fields after its stack).
 */
function expectNoStackOrDumpOfOurs(stderr: string): void {
  expect(stderr).not.toContain(join(ROOT, 'src'));
  expect(stderr).not.toContain(join(ROOT, 'lib'));
  expect(stderr).not.toMatch(/\b(issues|subject|resource|hideStack|__pulumResourceError): /);
}

/** Runs the real `cdk8s synth` on `app` in a temporary app folder; returns its stderr and whether it wrote anything. */
function synthApp(app: string, env: NodeJS.ProcessEnv = {}): { stderr: string; wrote: boolean } {
  const dir = mkdtempSync(join(ROOT, 'test', '.bad-app-'));
  try {
    writeFileSync(join(dir, 'main.ts'), app);
    writeFileSync(join(dir, 'cdk8s.yaml'), 'language: typescript\napp: npx ts-node --project ../../examples/tsconfig.json main.ts\n');
    const run = spawnSync('npx', ['cdk8s', 'synth'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
    return { stderr: run.stderr, wrote: existsSync(join(dir, 'dist')) && readdirSync(join(dir, 'dist')).length > 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every reference of a GRPCRoute (backends, mirrors) or Gateway (certificates) into another namespace. */
function crossNamespaceRefsOf(objects: readonly KubeObject[]): CrossNamespaceReference[] {
  const refs: CrossNamespaceReference[] = [];
  for (const o of objects) {
    const ns = o.metadata.namespace!;
    const spec = o.spec as any;
    const add = (fromKind: 'GRPCRoute' | 'Gateway', toKind: 'Service' | 'Secret', ref: any) => {
      if (ref.namespace && ref.namespace !== ns) refs.push({ fromKind, fromNamespace: ns, toKind, toNamespace: ref.namespace, toName: ref.name });
    };
    if (o.kind === 'GRPCRoute') {
      for (const rule of spec.rules ?? []) {
        for (const b of rule.backendRefs ?? []) add('GRPCRoute', 'Service', b);
        for (const f of rule.filters ?? []) if (f.requestMirror) add('GRPCRoute', 'Service', f.requestMirror.backendRef);
      }
    }
    if (o.kind === 'Gateway') for (const l of spec.listeners ?? []) for (const c of l.tls?.certificateRefs ?? []) add('Gateway', 'Secret', c);
  }
  return refs;
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'lib', 'cdk8s', 'index.js'))) {
    throw new Error('examples import grpc-mesh/cdk8s from lib/: run `npx projen compile` first (`npm test` does)');
  }
});

describe.each(CDK8S_EXAMPLES)('example %s', (example) => {
  let objects: KubeObject[];
  beforeAll(() => {
    objects = cdk8sSynth(example);
  });

  test('synthesizes with the cdk8s CLI into valid, restricted manifests and valid Envoy bootstraps', () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('gives every cross-namespace reference exactly one narrow ReferenceGrant, and emits no other', () => {
    const refs = crossNamespaceRefsOf(objects);
    const grants = objects.filter((o) => o.kind === 'ReferenceGrant');
    for (const ref of refs) expect([ref, grants.filter((g) => grantAllows(g, ref)).length]).toEqual([ref, 1]);
    for (const grant of grants) expect([grant.metadata.name, refs.some((ref) => grantAllows(grant, ref))]).toEqual([grant.metadata.name, true]);
    for (const grant of grants) expect((grant.spec as any).to.every((t: any) => t.name !== undefined)).toBe(true);
  });

  if (example === 'gateway-api') {
    test('covers every scenario: TLS + cert-manager, method split, header A/B, 90/10 canary, GAMMA header modifier, cross-namespace backend', () => {
      const route = (name: string) => objects.find((o) => o.kind === 'GRPCRoute' && o.metadata.name === name) as any;
      const gateway = objects.find((o) => o.kind === 'Gateway') as any;
      expect(gateway.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' });
      expect(gateway.spec.listeners[0]).toMatchObject({ protocol: 'HTTPS', tls: { mode: 'Terminate' } });
      expect(route('users').spec.rules.map((r: any) => r.backendRefs[0].name)).toEqual(['users-reader', 'users-writer']);
      expect(route('search').spec.rules[0].matches[0].headers).toEqual([{ type: 'Exact', name: 'x-variant', value: 'b' }]);
      expect(route('orders').spec.rules[1].backendRefs.map((b: any) => b.weight)).toEqual([90, 10]);
      expect(route('inventory-mesh').spec.parentRefs[0]).toMatchObject({ kind: 'Service', name: 'inventory' });
      expect(route('inventory-mesh').spec.rules[0].filters[0].type).toBe('RequestHeaderModifier');
      expect(objects.filter((o) => o.kind === 'ReferenceGrant').map((o) => `${o.metadata.namespace}/${o.metadata.name}`))
        .toEqual(['payments/grpcroute-from-app-to-service-payments']);
    });
  }

  if (example === 'self-hosted') {
    test('writes only core Kubernetes objects, every route compiled into the grpc-mesh-proxy tiers that serve it', () => {
      expect([...new Set(objects.map((o) => o.apiVersion))].sort()).toEqual(['apps/v1', 'networking.k8s.io/v1', 'policy/v1', 'v1']);
      const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
      const configOf = (name: string) => parse(find('ConfigMap', name).data['proxy.yaml']);
      const edge = configOf('edge-proxy');
      expect(edge.routes.map((r: any) => r.name)).toEqual(['orders', 'users']);
      expect(edge.listeners.map((l: any) => [l.port, l.tls?.certFile])).toEqual([[8080, undefined], [8081, '/etc/grpc-mesh/tls/api-example-com-tls/tls.crt']]);
      expect(edge.routes[0].rules[1].backendRefs).toEqual([{ name: 'shop/orders-stable:50051', weight: 90 }, { name: 'shop/orders-canary:50051', weight: 10 }]);
      expect(find('Service', 'edge-proxy').spec).toMatchObject({ type: 'LoadBalancer', ports: [{ port: 50051, targetPort: 8080 }, { port: 443, targetPort: 8081 }] });
      expect(find('Deployment', 'edge-proxy').spec.template.spec.volumes).toContainEqual({ name: 'secret-0', secret: { secretName: 'api-example-com-tls', defaultMode: 0o440 } });
      const checkout = configOf('checkout-proxy');
      expect(checkout.listeners[0].virtualHosts[0].routes).toEqual(['shop/checkout-split', 'shop/checkout-default']);
      // The service's own pods keep the cluster name of its balancer without routes.
      expect(checkout.clusters.find((c: any) => c.name === 'grpc-backend').retry).toMatchObject({ attempts: 2, on: [14] });
      expect(checkout.routes[0].rules[1].backendRefs).toEqual([{ name: 'grpc-backend', weight: 90 }, { name: 'shop/checkout-canary:50051', weight: 10 }]);
    });
  }

  if (example === 'production') {
    test('runs as synthesized: autoscaled, its own identities, policies that admit only the Envoy pods, mTLS to the pods', () => {
      const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
      for (const name of ['ledger', 'ledger-envoy']) {
        expect(find('HorizontalPodAutoscaler', name).spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
        expect(find('Deployment', name).spec).not.toHaveProperty('replicas');
        expect(find('Deployment', name).spec.template.spec).toMatchObject({ serviceAccountName: name, automountServiceAccountToken: false });
        expect(find('ServiceAccount', name)).toBeDefined();
      }
      // Only the Envoy pods reach the server's gRPC port.
      const serverPolicy = find('NetworkPolicy', 'ledger').spec;
      expect(serverPolicy.podSelector.matchLabels).toEqual(find('Deployment', 'ledger').spec.selector.matchLabels);
      const grpc = serverPolicy.ingress.find((r: any) => r.ports.some((p: any) => p.port === 50051));
      expect(grpc.from).toEqual([{ podSelector: { matchLabels: find('Deployment', 'ledger-envoy').spec.selector.matchLabels } }]);
      // Envoy reads its client certificate and the server's CA where its pods mount them.
      const bootstrap = parse(find('ConfigMap', 'ledger-envoy').data['envoy.yaml']);
      const files = JSON.stringify(bootstrap).match(/"filename":"[^"]+"/g)!.map((f) => f.slice(12, -1));
      const mounts = find('Deployment', 'ledger-envoy').spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath);
      for (const file of files) expect(mounts.some((m: string) => file.startsWith(`${m}/`))).toBe(true);
      expect(objects.filter((o) => o.kind === 'Certificate').map((o) => o.metadata.name).sort()).toEqual(['ledger-api-tls', 'ledger-envoy-client', 'ledger-tls']);
    });
  }

  if (example === 'classic-recipe') {
    test('reproduces the classic recipe: a gRPC service on 3001, a headless Service, 2 Envoys behind a LoadBalancer', () => {
      const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
      expect(find('Service', 'user-service-headless').spec).toMatchObject({ clusterIP: 'None', ports: [{ port: 3001, targetPort: 3001 }] });
      expect(find('Deployment', 'user-service').spec.replicas).toBe(3);
      expect(find('Deployment', 'user-service-envoy').spec.replicas).toBe(2);
      expect(find('Service', 'user-service-envoy').spec).toMatchObject({ type: 'LoadBalancer', ports: [{ port: 3001 }] });
      expect(envoyBootstrapCount(objects)).toBe(1);
    });
  }
});

test('cdk8s synth of an app with three broken constructs fails once, listing every problem of each with its path and value', () => {
  const { stderr, wrote } = synthApp(BAD_APP);
  const problems = [
    '[bad/users] GrpcMeshService "bad/users": name must be a DNS-1035 label of at most 54 characters (lower-case letters, digits and \'-\','
      + ' starting with a letter and ending with a letter or digit); got "Users_svc". It names Services, and "-headless" is appended to one of them. [INVALID_NAME]',
    '[bad/users] GrpcMeshService "bad/users": port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]',
    '[bad/users] GrpcMeshService "bad/users": workload.replicas must be between 0 and 2147483647; got -1. [OUT_OF_RANGE]',
    '[bad/users] GrpcMeshService "bad/users": trafficPolicy.retry.on must list at least one gRPC status code when attempts is above zero; got [].'
      + ' Retry only codes that mean the call was not processed, e.g. [GrpcStatus.UNAVAILABLE]. [RETRY_WITHOUT_CODES]',
    '[bad/users] GrpcMeshService "bad/users": trafficPolicy cannot be honoured by DataPlane.none(): nothing between clients and pods enforces it; got ["retry"].'
      + ' Choose a data plane such as DataPlane.envoy(), or remove trafficPolicy. [POLICY_WITHOUT_DATA_PLANE]',
    '[bad/edge] GrpcGateway "bad/edge": listeners[0].port must be a port number between 1 and 65535; got 0. [PORT_OUT_OF_RANGE]',
    '[bad/users-route] GrpcRoute "bad/users-route": rules[0].backends[0].weight must be between 0 and 1000000; got -1. [OUT_OF_RANGE]',
  ];
  expect(stderr).toContain(['Validation failed with the following errors:', ...problems.map((p) => `  ${p}`)].join('\n'));
  // Each problem once; a construct with problems prints no warnings; nothing is written.
  for (const problem of problems) expect(stderr.split(problem).length - 1).toBe(1);
  expect(stderr).not.toContain('SHADOWED_MATCH');
  expectNoStackOrDumpOfOurs(stderr);
  expect(wrote).toBe(false);
});

test('cdk8s synth of an app whose construct cannot be built prints its problems once, pointing at the app\'s line, without a stack of ours', () => {
  const { stderr, wrote } = synthApp(BROKEN_APP);
  const problems = [
    '  - gatewayClassName is required when a Gateway API controller serves the Gateway; got nothing. Name the GatewayClass (e.g. \'eg\'), '
      + 'or serve the Gateway yourself with implementation: GatewayImplementation.proxy({ image }). [GATEWAY_CLASS_REQUIRED]',
    '  - listeners must have between 1 and 64 listeners; got 0. [TOO_FEW]',
  ];
  expect(stderr).toContain(['new GrpcGateway(chart, \'edge\', {} as any);', '^', 'GrpcMeshValidationError: GrpcGateway "bad/edge": 2 problems:', ...problems].join('\n'));
  for (const problem of problems) expect(stderr.split(problem).length - 1).toBe(1);
  expect(stderr).toMatch(/\n {4}at .*main\.ts:6:1\)\n/);
  expectNoStackOrDumpOfOurs(stderr);
  expect(wrote).toBe(false);
});

test('a Pulumi program with invalid props, run under mocks, prints the problems once, without a stack of ours or a dump of the component', () => {
  const dir = mkdtempSync(join(ROOT, 'test', '.bad-app-'));
  try {
    writeFileSync(join(dir, 'index.ts'), BAD_PULUMI_PROGRAM);
    const run = spawnSync('npx', ['ts-node', '--project', 'examples/tsconfig.json', 'test/pulumi/run-under-mocks.ts', join(dir, 'index.ts'), join(dir, 'result.json')],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.startsWith([
      'GrpcMeshResourceError: GrpcMeshService "users": 2 problems:',
      '  - port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]',
      '  - workload.replicas must be between 0 and 2147483647; got -1. [OUT_OF_RANGE]',
      '    at ',
    ].join('\n'))).toBe(true);
    expect(run.stderr).toMatch(/\n {4}at .*index\.ts:3:\d+\)\n/);
    expect(run.stderr.split('[PORT_OUT_OF_RANGE]')).toHaveLength(2);
    expectNoStackOrDumpOfOurs(run.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GRPC_MESH_WARNINGS_AS_ERRORS=true makes cdk8s synth fail on the warning it otherwise prints', () => {
  const warning = 'GrpcRoute "bad/users-route": rules[1].matches[0] can never be reached: rules[0] has the same match and comes first; '
    + 'got {"method":{"type":"Exact","service":"user.v1.UserService"}}. [SHADOWED_MATCH] (silenceWarnings: [\'SHADOWED_MATCH\'] hides this)';
  const printed = synthApp(WARNING_APP);
  expect(printed.stderr).toContain(`[grpc-mesh] warning: ${warning}`);
  expect(printed.wrote).toBe(true);
  const failed = synthApp(WARNING_APP, { GRPC_MESH_WARNINGS_AS_ERRORS: 'true' });
  expect(failed.stderr).toContain(`Validation failed with the following errors:\n  [bad/users-route] warning (grpc-mesh:warningsAsErrors): ${warning}`);
  expect(failed.wrote).toBe(false);
});
