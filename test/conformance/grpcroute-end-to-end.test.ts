import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parseAllDocuments } from 'yaml';
import { EchoBasicPod, GRPC_ECHO_SERVICE, GrpcEchoService, type EchoResponse, type GrpcEchoMethod } from './echo-basic-pod';
import { gatewayApiToProxyConfig, type BackendServiceRef, type GatewayApiCompileResult, type ObjectKey } from '../../src/core/compile';
import type { ProxyDiscoveryConfig } from '../../src/core/proxy-config';
import { validateConfig } from '../../src/proxy/config';
import { startChildProxy } from '../proxy/child-proxy';
import { Cleanup, LOCAL } from '../proxy/harness';

/**
 * The upstream Gateway API GRPCRoute conformance cases (test/fixtures/gateway-api-conformance), end to end through
 * the product: each upstream test's manifests compiled by `gatewayApiToProxyConfig`, served by grpc-mesh-proxy in
 * a child process (as the image runs it), in front of real grpc-js pods of the upstream echo server, called by a
 * real grpc-js client. One proxy and one set of pods per upstream test.
 */

const FIXTURES = join(__dirname, '..', 'fixtures', 'gateway-api-conformance');

/** What `{GATEWAY_CLASS_NAME}` in the upstream manifests becomes (the compiler serves any class). */
const GATEWAY_CLASS_NAME = 'grpc-mesh';
/** Seed of the proxy's random source: weighted picks are the same on every run. */
const SEED = 20261122;
/** Calls in flight at once while sampling a weight distribution. */
const SAMPLING_CONCURRENCY = 10;
/** Bound on every call, so that a stuck call fails its case instead of the whole file. */
const CALL_DEADLINE_MS = 10_000;
/** Container ports of the upstream echo servers: echo-basic's h2c (HTTP_PORT) and TLS (HTTPS_PORT), echo-advanced's gRPC. */
const H2C_PORTS = new Set([3000, 7070]);
const TLS_PORT = 8443;

/** A Kubernetes object, as far as this test reads it. */
interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: Record<string, unknown>;
  readonly data?: Readonly<Record<string, string>>;
}

interface ServiceSpec {
  readonly selector?: Readonly<Record<string, string>>;
  readonly ports?: ReadonlyArray<{ readonly name?: string; readonly port: number; readonly targetPort?: number | string }>;
}

interface DeploymentSpec {
  readonly replicas?: number;
  readonly template: { readonly metadata: { readonly labels?: Readonly<Record<string, string>> } };
}

/** One case of `grpcroute-cases.json` (the fields this test reads). */
interface ConformanceCase {
  readonly id: string;
  readonly test: string;
  readonly name: string;
  readonly mode: 'gateway' | 'mesh';
  readonly source: { readonly manifests: readonly string[] };
  readonly gateway?: KubeObject & { readonly spec: { readonly listeners: ReadonlyArray<{ readonly port: number }> } };
  readonly parents?: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly port?: number }>;
  readonly routes: readonly KubeObject[];
  readonly backends: ReadonlyArray<KubeObject | { readonly missing: string }>;
  readonly preconditions?: { readonly routesAccepted?: readonly string[] };
  readonly requiresTLSBackend?: boolean;
  readonly request: {
    readonly host?: string;
    readonly service: string | null;
    readonly method: string | null;
    readonly headers: Readonly<Record<string, string>>;
  };
  readonly expect: {
    readonly status: 'OK' | 'UNIMPLEMENTED' | 'NOT_OK';
    readonly grpcCode: number | null;
    readonly backend?: { readonly name: string; readonly namespace: string };
    readonly requestHeadersAtBackend?: Readonly<Record<string, readonly string[]>>;
    readonly absentRequestHeadersAtBackend?: readonly string[];
    readonly distribution?: Readonly<Record<string, number>>;
    readonly tolerance?: number;
    readonly samples?: number;
    readonly zeroWeightBackendsGetNoTraffic?: boolean;
  };
}

const CASES: readonly ConformanceCase[] = JSON.parse(readFileSync(join(FIXTURES, 'grpcroute-cases.json'), 'utf8'));

/** The cases by upstream test, in file order: each group's manifests are compiled and served once. */
const GROUPS: ReadonlyArray<readonly [string, readonly ConformanceCase[]]> = [...CASES.reduce((groups, c) => {
  groups.set(c.test, [...(groups.get(c.test) ?? []), c]);
  return groups;
}, new Map<string, ConformanceCase[]>())];

/** Which expectations held, by case id: the summary line. */
const outcomes = new Map<string, boolean>();
const failures = new Map<string, string>();

afterAll(() => {
  const passed = [...outcomes.values()].filter((ok) => ok).length;
  const failed = CASES.filter((c) => outcomes.get(c.id) !== true).map((c) => `${c.id}${failures.has(c.id) ? ` (${failures.get(c.id)})` : ' (not run)'}`);
  console.log(`GRPCRoute conformance end to end: ${passed} of ${CASES.length} expectations passed${failed.length > 0 ? `; failed: ${failed.join('; ')}` : ''}`);
});

/** A failed assertion in one line for the summary: the differing lines of the diff (the received side carries the outcome). */
function briefly(error: unknown): string {
  // eslint-disable-next-line no-control-regex -- jest's messages are coloured
  const lines = (error instanceof Error ? error.message : String(error)).replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  const diff = lines.filter((l) => /^\s*[-+] /.test(l) && !/^[-+] (Expected|Received)/.test(l)).map((l) => l.trim());
  const context = lines.find((l) => / got -?\d+ "/.test(l))?.trim().replace(/^"|",?$/g, '');
  return [...(context === undefined ? [] : [context]), ...(diff.length > 0 ? diff : lines.filter((l) => l.trim() !== '').slice(0, 2))].join(' ').slice(0, 400);
}

/** Parses an upstream manifest file, with the GatewayClass placeholder filled in. */
function loadManifests(path: string): KubeObject[] {
  const text = readFileSync(join(FIXTURES, path), 'utf8').split('{GATEWAY_CLASS_NAME}').join(GATEWAY_CLASS_NAME);
  return parseAllDocuments(text).map((doc) => doc.toJSON() as KubeObject | null).filter((o): o is KubeObject => o !== null);
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
const isBackendService = (b: KubeObject | { readonly missing: string }): b is KubeObject => !('missing' in b);
const selects = (selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Certificates the upstream suite creates at run time, generated with openssl into a temporary folder. */
interface BackendCertificates {
  /** ConfigMap `tls-checks-ca-certificate`: the CA that signed the pods' certificate. */
  readonly caFile: string;
  /** ConfigMap `mismatch-ca-certificate`: another CA. */
  readonly mismatchCaFile: string;
  /** Secret `tls-checks-certificate` (mounted in the grpc-infra-backend-v1 pods): for `hostname`, signed by the CA. */
  readonly server: { readonly cert: Buffer; readonly key: Buffer };
}

function generateCertificates(dir: string, hostname: string): BackendCertificates {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=tls-checks-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=mismatch-ca', '-keyout', 'mismatch-ca.key', '-out', 'mismatch-ca.crt');
  openssl('req', ...ec, '-subj', `/CN=${hostname}`, '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'server.ext'), `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${hostname}\n`);
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '2', '-days', '1', '-extfile', 'server.ext', '-out', 'server.crt');
  return {
    caFile: join(dir, 'ca.crt'),
    mismatchCaFile: join(dir, 'mismatch-ca.crt'),
    server: { cert: readFileSync(join(dir, 'server.crt')), key: readFileSync(join(dir, 'server.key')) },
  };
}

/** A grpc-js client of GrpcEcho. */
type EchoClient = grpc.Client & Record<GrpcEchoMethod, (
  request: Record<string, never>, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<EchoResponse>,
) => grpc.ClientUnaryCall>;

/** What the client saw of one call. */
interface Outcome {
  readonly code: number;
  readonly details: string;
  readonly response?: EchoResponse;
}

function callEcho(client: EchoClient, method: GrpcEchoMethod, headers: Readonly<Record<string, string>>): Promise<Outcome> {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
  return new Promise((resolve) => {
    client[method]({}, metadata, { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) => {
      resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: '', response });
    });
  });
}

/** One upstream test, served: its compile, its proxy, its pods and clients. */
class ServedTest {
  public compiled!: GatewayApiCompileResult;
  public objects: KubeObject[] = [];
  /** Pods by Deployment `namespace/name`. */
  public readonly pods = new Map<string, EchoBasicPod[]>();
  public port = 0;
  private readonly clients = new Map<string, EchoClient>();

  public constructor(private readonly cases: readonly ConformanceCase[], private readonly cleanup: Cleanup) {}

  public get first(): ConformanceCase {
    return this.cases[0];
  }

  public get allPods(): EchoBasicPod[] {
    return [...this.pods.values()].flat();
  }

  /** Compiles the manifests, starts the pods the backend Services select, then the proxy. */
  public async start(): Promise<void> {
    const c = this.first;
    this.objects = [
      ...loadManifests(join('upstream', c.mode === 'gateway' ? 'base' : 'mesh', 'manifests.yaml')),
      ...c.source.manifests.flatMap(loadManifests),
    ];
    const tlsNeeded = this.cases.some((k) => k.requiresTLSBackend === true);
    const certificates = tlsNeeded ? this.certificates() : undefined;
    if (certificates !== undefined) {
      // The CA ConfigMaps the upstream suite creates at run time (not in the manifests).
      const caMap = (name: string, file: string): KubeObject => ({
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'gateway-conformance-infra' }, data: { 'ca.crt': readFileSync(file, 'utf8') },
      });
      this.objects.push(caMap('tls-checks-ca-certificate', certificates.caFile), caMap('mismatch-ca-certificate', certificates.mismatchCaFile));
    }
    await this.startPods(certificates);

    const caFiles = new Map(certificates === undefined ? [] : [
      ['gateway-conformance-infra/tls-checks-ca-certificate ca.crt', certificates.caFile],
      ['gateway-conformance-infra/mismatch-ca-certificate ca.crt', certificates.mismatchCaFile],
    ]);
    this.compiled = gatewayApiToProxyConfig(this.objects, {
      ...(c.mode === 'gateway'
        ? { gateway: { namespace: c.gateway?.metadata.namespace ?? '', name: c.gateway?.metadata.name ?? '' } }
        : { mesh: (c.parents ?? []).map((p): ObjectKey => ({ namespace: c.routes[0].metadata.namespace ?? '', name: p.name })) }),
      backendDiscovery: (ref) => this.discovery(ref),
      listenerPort: () => 0,
      meshPort: 0,
      caBundleFile: (ref, key) => {
        const file = caFiles.get(`${ref.namespace}/${ref.name} ${key}`);
        if (file === undefined) throw new Error(`no CA file for ConfigMap ${ref.namespace}/${ref.name} key ${key}`);
        return file;
      },
      admin: { address: LOCAL, port: 0 },
      address: LOCAL,
    });
    // What the proxy's own loader accepts (the image reads the config from a file).
    validateConfig(JSON.parse(JSON.stringify(this.compiled.config)), `compiled config of ${c.test}`);

    const proxy = await startChildProxy(this.compiled.config, this.cleanup, { seed: SEED });
    const listener = this.listenerName();
    const port = proxy.ports[listener];
    if (port === undefined) throw new Error(`the proxy has no listener ${listener}: ${JSON.stringify(proxy.ports)}`);
    this.port = port;
  }

  /** A client on its own connection to the listener, with `authority` as `:authority` (the target's by default). */
  public client(authority: string | undefined): EchoClient {
    const key = authority ?? '';
    let client = this.clients.get(key);
    if (client === undefined) {
      client = new GrpcEchoService(`${LOCAL}:${this.port}`, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        ...(authority !== undefined && { 'grpc.default_authority': authority }),
      }) as unknown as EchoClient;
      const closing = client;
      this.cleanup.add(() => closing.close());
      this.clients.set(key, client);
    }
    return client;
  }

  /** The calls each pod has received so far. */
  public callCounts(): Map<EchoBasicPod, number> {
    return new Map(this.allPods.map((pod) => [pod, pod.calls.length]));
  }

  /** The name the compiler gives the listener the case's client connects to. */
  private listenerName(): string {
    const c = this.first;
    if (c.mode === 'mesh') return 'mesh';
    const ports = [...new Set(c.gateway?.spec.listeners.map((l) => l.port))];
    if (ports.length !== 1) throw new Error(`${c.test}: expected the Gateway's listeners on one port, got ${ports.join(', ')}`);
    return `${c.gateway?.metadata.name}-${ports[0]}`;
  }

  private certificates(): BackendCertificates {
    const dir = mkdtempSync(join(tmpdir(), 'grpc-mesh-conformance-tls-'));
    this.cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    // The pods' certificate is for the hostname the normative policy validates (upstream: Secret tls-checks-certificate).
    const policy = this.objects.find((o) => o.kind === 'BackendTLSPolicy' && o.metadata.name === 'grpc-normative-test');
    const hostname = (policy?.spec?.validation as { hostname?: string } | undefined)?.hostname;
    if (hostname === undefined) throw new Error('no BackendTLSPolicy grpc-normative-test with a validation.hostname among the manifests');
    return generateCertificates(dir, hostname);
  }

  /** The Deployments a Service selects. */
  private deploymentsOf(service: KubeObject): KubeObject[] {
    const selector = (service.spec as ServiceSpec | undefined)?.selector ?? {};
    return this.objects.filter((o) => o.kind === 'Deployment' && (o.metadata.namespace ?? 'default') === (service.metadata.namespace ?? 'default')
      && selects(selector, (o.spec as unknown as DeploymentSpec).template.metadata.labels ?? {}));
  }

  private service(namespace: string, name: string): KubeObject | undefined {
    return this.objects.find((o) => o.kind === 'Service' && keyOf(o) === `${namespace}/${name}`);
  }

  /** One pod per replica of every Deployment a backend Service of the cases selects; TLS where a Service targets 8443. */
  private async startPods(certificates: BackendCertificates | undefined): Promise<void> {
    const services = this.cases.flatMap((k) => k.backends.filter(isBackendService))
      .map((b) => this.service(b.metadata.namespace ?? 'default', b.metadata.name) ?? b);
    // The Service ports the routes send calls to: a pod serves TLS when one of them targets its TLS port.
    const referenced = new Set(this.cases.flatMap((k) => k.routes).flatMap((route) => {
      const rules = (route.spec as { rules?: Array<{ backendRefs?: Array<{ name: string; namespace?: string; port?: number }> }> }).rules ?? [];
      return rules.flatMap((rule) => rule.backendRefs ?? []).map((b) => `${b.namespace ?? route.metadata.namespace ?? 'default'}/${b.name}:${b.port}`);
    }));
    const tlsDeployments = new Set(services
      .filter((s) => ((s.spec as ServiceSpec | undefined)?.ports ?? []).some((p) => p.targetPort === TLS_PORT && referenced.has(`${keyOf(s)}:${p.port}`)))
      .flatMap((s) => this.deploymentsOf(s).map(keyOf)));
    for (const service of services) {
      const deployments = this.deploymentsOf(service);
      if (deployments.length === 0) throw new Error(`Service ${keyOf(service)} selects no Deployment of the manifests`);
      for (const deployment of deployments) {
        const key = keyOf(deployment);
        if (this.pods.has(key)) continue;
        const tls = tlsDeployments.has(key) ? certificates?.server : undefined;
        if (tlsDeployments.has(key) && tls === undefined) throw new Error(`Deployment ${key} serves TLS but the cases generate no certificate`);
        const replicas = (deployment.spec as unknown as DeploymentSpec).replicas ?? 1;
        const pods: EchoBasicPod[] = [];
        this.pods.set(key, pods);
        for (let i = 0; i < replicas; i++) {
          const pod = await EchoBasicPod.start({ pod: `${deployment.metadata.name}-conformance-${i}`, namespace: deployment.metadata.namespace ?? 'default', tls });
          this.cleanup.add(() => pod.close());
          pods.push(pod);
        }
      }
    }
  }

  /** The endpoints of a backend Service port: its pods' loopback ports for the Service's targetPort. */
  private discovery(ref: BackendServiceRef): ProxyDiscoveryConfig {
    const service = this.service(ref.namespace, ref.name);
    if (service === undefined) throw new Error(`discovery asked for Service ${ref.namespace}/${ref.name}, which is not in the manifests`);
    const servicePort = ((service.spec as ServiceSpec | undefined)?.ports ?? []).find((p) => p.port === ref.port);
    const targetPort = servicePort?.targetPort ?? servicePort?.port;
    if (typeof targetPort !== 'number' || (targetPort !== TLS_PORT && !H2C_PORTS.has(targetPort))) {
      // The mesh parent Service (echo, targeting 8080) always gets a default route to itself, which no conformance call
      // should take: no endpoints, so a call it caught would get UNAVAILABLE, and the expectations would catch that.
      return { type: 'static', endpoints: [] };
    }
    const pods = this.deploymentsOf(service).flatMap((d) => this.pods.get(keyOf(d)) ?? []);
    if (pods.length === 0) throw new Error(`no pod started for Service ${keyOf(service)}`);
    return {
      type: 'static',
      endpoints: pods.map((pod) => {
        const port = targetPort === TLS_PORT ? pod.tlsPort : pod.plaintextPort;
        if (port === undefined) throw new Error(`pod ${pod.pod} has no TLS port`);
        return { address: LOCAL, port };
      }),
    };
  }
}

/** Checks that the compile accepted what the case needs: every route attached, its refs resolved unless a Service is missing. */
function expectAccepted(served: ServedTest, c: ConformanceCase): void {
  const missing = c.backends.filter((b): b is { missing: string } => !isBackendService(b)).map((b) => b.missing);
  const expected = c.routes.map((r) => {
    const refs = missing.length === 0
      ? { resolvedRefs: true, resolvedRefsReason: 'ResolvedRefs' }
      : { resolvedRefs: false, resolvedRefsReason: 'BackendNotFound' };
    return { route: keyOf(r), accepted: [true], ...refs };
  });
  const actual = c.routes.map((r) => {
    const status = served.compiled.routes.find((s) => s.route === keyOf(r));
    return {
      route: keyOf(r),
      accepted: status === undefined ? 'not compiled' : [...new Set(status.parents.map((p) => p.accepted))],
      resolvedRefs: status?.parents.every((p) => p.resolvedRefs),
      resolvedRefsReason: status?.parents[0]?.resolvedRefsReason,
    };
  });
  expect(actual).toEqual(expected);
  for (const route of c.preconditions?.routesAccepted ?? []) expect(c.routes.map(keyOf)).toContain(route);
  for (const name of missing) {
    const messages = served.compiled.routes.flatMap((s) => s.parents.map((p) => p.resolvedRefsMessage)).join('\n');
    expect(messages).toContain(`refers to Service "${name}", which is not among the objects`);
  }
}

/** Every value of each header the backend saw, comma-joined as upstream compares them. */
function headersSeen(response: EchoResponse | undefined): Map<string, string> {
  const seen = new Map<string, string[]>();
  for (const { key, value } of response?.assertions?.headers ?? []) seen.set(key, [...(seen.get(key) ?? []), value]);
  return new Map([...seen].map(([key, values]) => [key, values.join(',')]));
}

/** The method a case calls: the mesh cases name none (their routes match any method), so Echo. */
function methodOf(c: ConformanceCase): GrpcEchoMethod {
  if (c.request.service !== null && c.request.service !== GRPC_ECHO_SERVICE) throw new Error(`${c.id} calls service ${c.request.service}`);
  return (c.request.method ?? 'Echo') as GrpcEchoMethod;
}

/** Pods that received calls since `before`, with how many. */
function newCalls(served: ServedTest, before: Map<EchoBasicPod, number>): Array<[EchoBasicPod, number]> {
  return served.allPods.map((pod): [EchoBasicPod, number] => [pod, pod.calls.length - (before.get(pod) ?? 0)]).filter(([, n]) => n > 0);
}

async function expectSingleCall(served: ServedTest, c: ConformanceCase): Promise<void> {
  const method = methodOf(c);
  const before = served.callCounts();
  const outcome = await callEcho(served.client(c.request.host), method, c.request.headers);
  const reached = newCalls(served, before);
  const where = `${c.id}: got ${outcome.code} "${outcome.details}", backend calls ${JSON.stringify(reached.map(([p, n]) => [p.pod, n]))}`;
  const { expect: e } = c;
  if (e.status === 'UNIMPLEMENTED') {
    // The proxy answers: no pod sees the call (the pods answer EchoThree with UNIMPLEMENTED too).
    expect([where, outcome.code, reached.length]).toEqual([where, grpc.status.UNIMPLEMENTED, 0]);
    return;
  }
  if (e.status === 'NOT_OK') {
    // Any status but OK, upstream says; the TLS handshake with the pod fails, so the pod never sees the call.
    expect([where, outcome.code === grpc.status.OK, reached.length]).toEqual([where, false, 0]);
    if (c.requiresTLSBackend === true) expect(outcome.details).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed/);
    return;
  }
  expect([where, outcome.code]).toEqual([where, e.grpcCode]);
  const assertions = outcome.response?.assertions;
  const backend = e.backend as { name: string; namespace: string };
  // What upstream's compareResponse checks: the method, the namespace, the pod name's prefix.
  expect({ where, method: assertions?.fully_qualified_method, namespace: assertions?.context?.namespace, pod: assertions?.context?.pod }).toEqual({
    where,
    method: `/${GRPC_ECHO_SERVICE}/${method}`,
    namespace: backend.namespace,
    pod: expect.stringMatching(new RegExp(`^${backend.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-`)),
  });
  // The pod that answered received exactly this call, on its TLS port when the case routes to a TLS backend.
  expect(reached.map(([pod, n]) => [pod.pod, n, pod.calls[pod.calls.length - 1].method, pod.calls[pod.calls.length - 1].tls]))
    .toEqual([[assertions?.context?.pod, 1, method, c.requiresTLSBackend === true]]);
  const seen = headersSeen(outcome.response);
  const wanted = Object.fromEntries(Object.entries(e.requestHeadersAtBackend ?? {}).map(([name, values]) => [name, values.join(',')]));
  expect(Object.fromEntries(Object.keys(wanted).map((name) => [name, seen.get(name)]))).toEqual(wanted);
  expect((e.absentRequestHeadersAtBackend ?? []).filter((name) => seen.has(name))).toEqual([]);
}

async function expectDistribution(served: ServedTest, c: ConformanceCase): Promise<void> {
  const method = methodOf(c);
  const distribution = c.expect.distribution ?? {};
  const samples = c.expect.samples ?? 500;
  const tolerance = c.expect.tolerance ?? 0.05;
  const client = served.client(c.request.host);
  const before = served.callCounts();
  const counts: Record<string, number> = Object.fromEntries(Object.keys(distribution).map((b) => [b, 0]));
  const errors: string[] = [];
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < samples) {
      sent++;
      const outcome = await callEcho(client, method, c.request.headers);
      const pod = outcome.response?.assertions?.context?.pod ?? '';
      // Upstream identifies the backend by the pod name's prefix.
      const backend = Object.keys(distribution).find((b) => pod.startsWith(`${b}-`));
      if (outcome.code !== grpc.status.OK || backend === undefined) errors.push(`${outcome.code} ${outcome.details} ${pod}`);
      else counts[backend]++;
    }
  };
  await Promise.all(Array.from({ length: SAMPLING_CONCURRENCY }, worker));
  console.log(`${c.id}: ${samples} calls (seed ${SEED}): ${JSON.stringify(counts)}`);
  expect(errors.slice(0, 5)).toEqual([]);
  // |observed share - weight| <= tolerance for every backend, and a zero weight gets no call at all.
  const zeroGetsNothing = c.expect.zeroWeightBackendsGetNoTraffic === true;
  const off = Object.entries(distribution)
    .filter(([backend, weight]) => Math.abs(counts[backend] / samples - weight) > tolerance
      || (zeroGetsNothing && weight === 0 && counts[backend] > 0))
    .map(([backend, weight]) => `${backend}: ${counts[backend]} of ${samples} calls for a share of ${weight} (tolerance ${tolerance})`);
  expect(off).toEqual([]);
  // Zero-weight backends get nothing: not even their pods see a call (echo-v3 of the mesh case has no Service at all).
  const zero = zeroGetsNothing ? Object.entries(distribution).filter(([, w]) => w === 0).map(([b]) => b) : [];
  const reachedZero = newCalls(served, before).filter(([pod]) => zero.some((b) => pod.pod.startsWith(`${b}-`)));
  expect(reachedZero.map(([pod, n]) => [pod.pod, n])).toEqual([]);
}

describe.each(GROUPS)('GRPCRoute conformance %s, end to end', (_upstreamTest, cases) => {
  const cleanup = new Cleanup();
  const served = new ServedTest(cases, cleanup);
  beforeAll(() => served.start());
  afterAll(() => cleanup.run());

  test(`compiles ${cases[0].source.manifests.join(', ')} with every route accepted, and the cases' objects are the manifests'`, () => {
    for (const c of cases) expectAccepted(served, c);
    const byKey = new Map(served.objects.map((o) => [`${o.kind} ${keyOf(o)}`, o]));
    const c = cases[0];
    for (const o of [...(c.gateway === undefined ? [] : [c.gateway]), ...c.routes, ...c.backends.filter(isBackendService)]) {
      const filled = JSON.parse(JSON.stringify(o).split('{GATEWAY_CLASS_NAME}').join(GATEWAY_CLASS_NAME)) as KubeObject;
      expect(byKey.get(`${o.kind} ${keyOf(o)}`)).toEqual(filled);
    }
    expect(served.compiled.warnings).toEqual([]);
  });

  test.each(cases.map((c) => [c.id, c.name, c] as const))('%s: %s', async (id, _name, c) => {
    try {
      expectAccepted(served, c);
      if (c.expect.distribution !== undefined) await expectDistribution(served, c);
      else await expectSingleCall(served, c);
      outcomes.set(id, true);
    } catch (error) {
      outcomes.set(id, false);
      failures.set(id, briefly(error));
      throw error;
    }
  });
});
