import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parse, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/core';
import type { ProxyClusterConfig, ProxyConfig } from '../../src/core/proxy-config';
import { validateConfig } from '../../src/proxy/config';
import { startChildProxy } from '../proxy/child-proxy';
import { Cleanup, LOCAL } from '../proxy/harness';

/**
 * The routes a user writes with our cdk8s constructs, served by the grpc-mesh-proxy tiers we synthesize for them,
 * end to end: examples/self-hosted synthesized by the real `cdk8s synth`, the proxy configs of its two tiers (the
 * `edge` Gateway and the `checkout` GAMMA balancer) taken from their ConfigMaps and changed only where a test
 * machine differs from a cluster (loopback endpoints instead of DNS, free loopback ports, a certificate file we
 * have), each served by grpc-mesh-proxy in a child process (as the image runs it), in front of one real grpc-js
 * server per backend Service, called by real grpc-js clients.
 */

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'self-hosted');
/** The example's chart namespace. */
const NAMESPACE = 'shop';
/** The port every backend Service of the example exposes. */
const SERVICE_PORT = 50051;
/** The hostname of the edge's TLS listener. */
const TLS_HOSTNAME = 'api.example.com';
/** Seed of the proxies' random source: the weighted picks are the same on every run. */
const SEED = 20261122;
/** Calls per canary split check, and how many are in flight at once (on one client channel). */
const SAMPLES = 10_000;
const CONCURRENCY = 50;
/** Calls that carry the forcing header. */
const FORCED_SAMPLES = 200;
/** The canary's share the example declares, and how far a sample may stray from it. */
const CANARY_SHARE = 0.1;
const TOLERANCE = 0.015;
/** Bound on a 10,000-call sample: about 10 s on an idle 2-core machine, 25 s with both cores busy. */
const SAMPLING_TIMEOUT_MS = 90_000;
/** Bound on every call, so that a stuck call fails its test instead of hanging the file. */
const CALL_DEADLINE_MS = 20_000;

/** Every method the shop's backends implement; each backend implements all of them (see {@link ShopBackend}). */
const GET_USER = '/user.v1.UserService/GetUser';
const LIST_USERS = '/user.v1.UserService/ListUsers';
const CREATE_USER = '/user.v1.UserService/CreateUser';
const PLACE_ORDER = '/order.v1.OrderService/PlaceOrder';
const PAY = '/checkout.v1.CheckoutService/Pay';
/** A service no route of the example names. */
const RESERVE = '/inventory.v1.InventoryService/Reserve';
const SHOP_METHODS = [GET_USER, LIST_USERS, CREATE_USER, PLACE_ORDER, PAY, RESERVE];

/** The backend Services of the example, each served here by one grpc-js server named after it. */
const BACKENDS = ['users-reader', 'users-writer', 'orders-stable', 'orders-canary', 'checkout', 'checkout-canary'] as const;
type BackendName = typeof BACKENDS[number];
/** What a tier's cluster of a backend resolves in the cluster: the absolute name of the backend's headless Service. */
const headlessOf = (backend: BackendName): string => `${backend}-headless.${NAMESPACE}.svc.cluster.local.:${SERVICE_PORT}`;

/** Messages are JSON: the proxy forwards gRPC frames whatever they hold, and JSON needs no generated code. */
const serialize = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = <T>(bytes: Buffer): T => JSON.parse(bytes.toString('utf8') || '{}') as T;

/** A unary method of `path` whose messages `serializer` codes both ways. */
function unaryMethod<T>(path: string, serializer: (value: T) => Buffer, deserializer: (bytes: Buffer) => T): grpc.MethodDefinition<T, T> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: serializer,
    requestDeserialize: deserializer,
    responseSerialize: serializer,
    responseDeserialize: deserializer,
  };
}

/** What every backend answers: who it is and what was called. */
interface ShopReply {
  readonly backend: BackendName;
  readonly path: string;
}

/** `grpc.health.v1.HealthCheckResponse { status: SERVING }` (field 1, varint 1): the tiers health-check every endpoint. */
const SERVING = Buffer.from([0x08, 0x01]);

/**
 * One pod of a backend Service: a real @grpc/grpc-js server on 127.0.0.1 that implements every method of the shop
 * (so a call sent to the wrong backend shows up as that backend's answer, and an UNIMPLEMENTED can only come from
 * the proxy) and grpc.health.v1 Health/Check, answering each call with its own name.
 */
class ShopBackend {
  public static async start(name: BackendName, cleanup: Cleanup): Promise<ShopBackend> {
    const backend = new ShopBackend(name);
    cleanup.add(() => backend.server.forceShutdown());
    backend.port = await new Promise<number>((resolve, reject) => {
      backend.server.bindAsync(`${LOCAL}:0`, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
    });
    return backend;
  }

  public port = 0;
  /** Calls received, by path. */
  public readonly calls = new Map<string, number>();
  private readonly server = new grpc.Server();

  private constructor(public readonly name: BackendName) {
    const byService = new Map<string, string[]>();
    for (const path of SHOP_METHODS) {
      const [, service, method] = path.split('/');
      byService.set(service, [...(byService.get(service) ?? []), method]);
    }
    for (const [service, methods] of byService) {
      const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
      const implementation: grpc.UntypedServiceImplementation = {};
      for (const method of methods) {
        const path = `/${service}/${method}`;
        definition[method] = unaryMethod(path, serialize, deserialize);
        implementation[method] = (_call: grpc.ServerUnaryCall<unknown, ShopReply>, callback: grpc.sendUnaryData<ShopReply>) => {
          this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
          callback(null, { backend: this.name, path });
        };
      }
      this.server.addService(definition, implementation);
    }
    const raw = (bytes: Buffer): Buffer => bytes;
    this.server.addService({ Check: unaryMethod('/grpc.health.v1.Health/Check', raw, raw) }, {
      Check: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, SERVING),
    });
  }

  public get totalCalls(): number {
    return [...this.calls.values()].reduce((sum, n) => sum + n, 0);
  }
}

/** What a client saw of one call: the backend that answered, or the status. */
type Outcome = BackendName | `status ${number}: ${string}`;

/** A grpc-js client on a channel (one HTTP/2 connection) of its own, closed by `cleanup`. */
function client(cleanup: Cleanup, port: number, options: grpc.ChannelOptions = {}, credentials = grpc.credentials.createInsecure()): grpc.Client {
  const c = new grpc.Client(`${LOCAL}:${port}`, credentials, { 'grpc.use_local_subchannel_pool': 1, ...options });
  cleanup.add(() => c.close());
  return c;
}

function call(c: grpc.Client, path: string, headers: Readonly<Record<string, string>> = {}): Promise<Outcome> {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
  return new Promise((resolve) => {
    c.makeUnaryRequest(path, serialize, deserialize<ShopReply>, {}, metadata, { deadline: Date.now() + CALL_DEADLINE_MS },
      (error, reply) => resolve(error ? `status ${error.code}: ${error.details}` : (reply as ShopReply).backend));
  });
}

/** `count` calls, {@link CONCURRENCY} in flight at once, tallied by outcome. */
async function tally(c: grpc.Client, path: string, count: number, headers: Readonly<Record<string, string>> = {}): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      const outcome = await call(c, path, headers);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  return outcomes;
}

/** The canary shares measured, for the summary line. */
const shares: string[] = [];

/** Checks a 90/10 sample: every call answered by stable or canary, the canary's share within tolerance. */
function expectCanaryShare(tier: string, outcomes: Record<string, number>, stable: BackendName, canary: BackendName): void {
  expect(Object.keys(outcomes).sort()).toEqual([canary, stable].sort());
  const share = outcomes[canary] / SAMPLES;
  shares.push(`${tier} ${(share * 100).toFixed(2)} %`);
  expect(share).toBeGreaterThanOrEqual(CANARY_SHARE - TOLERANCE);
  expect(share).toBeLessThanOrEqual(CANARY_SHARE + TOLERANCE);
}

/**
 * Runs the real `cdk8s synth` of the example into `out` (not the example's dist/, which test/examples.test.ts
 * rewrites). Its ts-node only transpiles: type-checking the example is the compile's and test/examples.test.ts's job,
 * and would double the time this takes.
 */
async function cdk8sSynth(out: string): Promise<KubeObject[]> {
  await new Promise<void>((resolve, reject) => {
    execFile('npx', ['cdk8s', 'synth', '--output', out], {
      cwd: EXAMPLE, timeout: 120_000, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    }, (error, _stdout, stderr) => (error ? reject(new Error(`cdk8s synth failed: ${error.message}\n${stderr}`)) : resolve()));
  });
  const files = readdirSync(out).filter((f) => f.endsWith('.k8s.yaml'));
  return files.flatMap((f) => parseAllDocuments(readFileSync(join(out, f), 'utf8')).map((doc) => doc.toJS() as KubeObject));
}

/** The `proxy.yaml` of a tier's ConfigMap. */
function proxyConfigOf(objects: readonly KubeObject[], configMap: string): ProxyConfig {
  const found = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === NAMESPACE && o.metadata.name === configMap);
  const text = (found?.data as Record<string, string> | undefined)?.['proxy.yaml'];
  if (text === undefined) throw new Error(`no ConfigMap ${NAMESPACE}/${configMap} with a proxy.yaml among the synthesized objects`);
  return parse(text) as ProxyConfig;
}

/** What a cluster resolves: `hostname:port` of its DNS discovery. */
function dnsTargetOf(cluster: ProxyClusterConfig): string {
  const { discovery } = cluster;
  if (discovery.type !== 'dns') throw new Error(`cluster ${cluster.name}: expected the DNS discovery of a headless Service, got ${discovery.type}`);
  return `${discovery.hostname}:${discovery.port}`;
}

/** The name a tier gives the cluster of a backend: the one resolving the backend's headless Service. */
function clusterNamesOf(config: ProxyConfig): (backend: BackendName) => string {
  return (backend) => {
    const found = config.clusters.find((c) => dnsTargetOf(c) === headlessOf(backend));
    if (found === undefined) throw new Error(`no cluster resolves ${headlessOf(backend)}`);
    return found.name;
  };
}

/** A CA and a certificate it signed for {@link TLS_HOSTNAME} (the example's Secret api-example-com-tls), made with openssl. */
function tlsCertificate(dir: string): { readonly caFile: string; readonly certFile: string; readonly keyFile: string } {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=self-hosted-e2e-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', ...ec, '-subj', `/CN=${TLS_HOSTNAME}`, '-keyout', 'tls.key', '-out', 'tls.csr');
  writeFileSync(join(dir, 'tls.ext'), `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${TLS_HOSTNAME}\n`);
  openssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '2', '-days', '1', '-extfile', 'tls.ext', '-out', 'tls.crt');
  return { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
}

/**
 * The config a tier runs here: what only a test machine needs changed, and nothing else. Each cluster's DNS
 * discovery (the backend's headless Service) becomes that backend's loopback endpoint (`ports`, by headless
 * Service); listeners, admin and probes bind free loopback ports; a TLS listener serves `tls` (the files of the mounted
 * Secret do not exist here).
 */
function forLoopback(
  config: ProxyConfig, ports: ReadonlyMap<string, number>, tls: { readonly certFile: string; readonly keyFile: string },
): ProxyConfig {
  return {
    ...config,
    listeners: config.listeners.map((l) => ({
      ...l,
      address: LOCAL,
      port: 0,
      ...(l.tls !== undefined && { tls: { ...l.tls, certFile: tls.certFile, keyFile: tls.keyFile } }),
    })),
    admin: { ...config.admin, address: LOCAL, port: 0 },
    ...(config.probes !== undefined && { probes: { ...config.probes, address: LOCAL, port: 0 } }),
    clusters: config.clusters.map((c) => {
      const port = ports.get(dnsTargetOf(c));
      if (port === undefined) throw new Error(`no backend started for cluster ${c.name} (${dnsTargetOf(c)})`);
      return { ...c, discovery: { type: 'static' as const, endpoints: [{ address: LOCAL, port }] } };
    }),
  };
}

/** A config without what {@link forLoopback} may change, to show it changed nothing else. */
function environmentFree(config: ProxyConfig): unknown {
  return {
    ...config,
    listeners: config.listeners.map(({ address: _a, port: _p, tls, ...l }) => ({ ...l, tls: tls === undefined ? undefined : { ...tls, certFile: '', keyFile: '' } })),
    admin: undefined,
    probes: undefined,
    clusters: config.clusters.map(({ discovery: _d, ...c }) => c),
  };
}

const cleanup = new Cleanup();
let synthesized: { readonly edge: ProxyConfig; readonly checkout: ProxyConfig };
const backends = new Map<BackendName, ShopBackend>();
/** The certificate of the edge's TLS listener, and its CA. */
let certificate: ReturnType<typeof tlsCertificate>;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'lib', 'cdk8s', 'index.js'))) {
    throw new Error('the example imports grpc-mesh/cdk8s from lib/: run `npx projen compile` first (`npm test` does)');
  }
  const out = mkdtempSync(join(tmpdir(), 'grpc-mesh-e2e-synth-'));
  cleanup.add(() => rmSync(out, { recursive: true, force: true }));
  // While cdk8s runs in its own processes, what does not depend on it; both settle before anything is checked, so
  // that no process outlives a failure.
  const prepare = async (): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), 'grpc-mesh-e2e-tls-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    certificate = tlsCertificate(dir);
    for (const name of BACKENDS) backends.set(name, await ShopBackend.start(name, cleanup));
  };
  const [synthesis, preparation] = await Promise.allSettled([cdk8sSynth(out), prepare()]);
  if (synthesis.status === 'rejected') throw synthesis.reason;
  if (preparation.status === 'rejected') throw preparation.reason;
  synthesized = { edge: proxyConfigOf(synthesis.value, 'edge-proxy'), checkout: proxyConfigOf(synthesis.value, 'checkout-proxy') };
}, 150_000);

afterAll(async () => {
  await cleanup.run();
  if (shares.length > 0) console.log(`self-hosted example end to end, canary shares of ${SAMPLES} calls: ${shares.join(', ')}`);
});

describe('the self-hosted example synthesized by cdk8s', () => {
  test('binds both tiers\' admin interface to loopback, and their probes and metrics to the probe listener', () => {
    for (const config of [synthesized.edge, synthesized.checkout]) {
      expect(config).toMatchObject({ admin: { address: '127.0.0.1', port: 9901 }, probes: { address: '0.0.0.0', port: 19001 } });
    }
  });

  test('gives the edge tier the listeners, virtual hosts and routes the example declares', () => {
    const { edge } = synthesized;
    const clusterOf = clusterNamesOf(edge);
    expect(edge.version).toBe(2);
    expect(edge.listeners).toMatchObject([
      { name: 'edge-50051', port: 8080, virtualHosts: [{ name: 'grpc', routes: ['shop/orders', 'shop/users'] }] },
      { name: 'edge-443', port: 8081, tls: {}, virtualHosts: [{ name: 'grpc-tls', hostname: TLS_HOSTNAME, routes: ['shop/orders', 'shop/users'] }] },
    ]);
    expect(edge.listeners[0].tls).toBeUndefined();
    expect(edge.listeners[0].virtualHosts?.[0].hostname).toBeUndefined();
    const forced = { name: 'x-canary', value: 'always' };
    expect(edge.routes).toMatchObject([
      {
        name: 'orders',
        namespace: NAMESPACE,
        rules: [
          { matches: [{ method: { service: 'order.v1.OrderService' }, headers: [forced] }], backendRefs: [{ name: clusterOf('orders-canary') }] },
          {
            matches: [{ method: { service: 'order.v1.OrderService' } }],
            backendRefs: [{ name: clusterOf('orders-stable'), weight: 90 }, { name: clusterOf('orders-canary'), weight: 10 }],
          },
        ],
      },
      {
        name: 'users',
        namespace: NAMESPACE,
        rules: [
          {
            matches: [{ method: { service: 'user.v1.UserService', method: 'GetUser' } }, { method: { service: 'user.v1.UserService', method: 'ListUsers' } }],
            backendRefs: [{ name: clusterOf('users-reader') }],
          },
          { matches: [{ method: { service: 'user.v1.UserService' } }], backendRefs: [{ name: clusterOf('users-writer') }] },
        ],
      },
    ]);
    expect(edge.clusters.map(dnsTargetOf).sort()).toEqual((['orders-canary', 'orders-stable', 'users-reader', 'users-writer'] as const).map(headlessOf).sort());
    // What the image loads: the synthesized file, as it is, is a valid config.
    expect(() => validateConfig(JSON.parse(JSON.stringify(edge)), 'edge-proxy proxy.yaml')).not.toThrow();
  });

  test('gives the checkout tier the GAMMA canary, then the default route to checkout, which loses every tie', () => {
    const { checkout } = synthesized;
    const clusterOf = clusterNamesOf(checkout);
    expect(checkout.version).toBe(2);
    expect(checkout.listeners).toMatchObject([{ name: 'mesh', virtualHosts: [{ routes: ['shop/checkout-split', 'shop/checkout-default'] }] }]);
    expect(checkout.routes).toMatchObject([
      {
        name: 'checkout-split',
        namespace: NAMESPACE,
        rules: [
          {
            matches: [{ method: { type: 'Exact', service: 'checkout.v1.CheckoutService' }, headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] }],
            backendRefs: [{ name: clusterOf('checkout-canary') }],
          },
          {
            matches: [{ method: { type: 'Exact', service: 'checkout.v1.CheckoutService' } }],
            backendRefs: [{ name: clusterOf('checkout'), weight: 90 }, { name: clusterOf('checkout-canary'), weight: 10 }],
          },
        ],
      },
      { name: 'checkout-default', namespace: NAMESPACE, rules: [{ backendRefs: [{ name: clusterOf('checkout') }] }] },
    ]);
    // The canary matches the CheckoutService calls; every other call matches only the default route (no matches),
    // which also loses any tie: it has no creation time, the compiled routes have one.
    const [split, fallback] = checkout.routes;
    expect(fallback.rules[0].matches).toBeUndefined();
    expect(split.creationTimestamp).toEqual(expect.any(String));
    expect(fallback.creationTimestamp).toBeUndefined();
    expect(checkout.clusters.map(dnsTargetOf).sort()).toEqual((['checkout-canary', 'checkout'] as const).map(headlessOf).sort());
    expect(() => validateConfig(JSON.parse(JSON.stringify(checkout)), 'checkout-proxy proxy.yaml')).not.toThrow();
  });
});

describe('the self-hosted example served by grpc-mesh-proxy', () => {
  let edge: { readonly h2c: number; readonly tls: number };
  let checkoutPort: number;

  beforeAll(async () => {
    const ports = new Map(BACKENDS.map((name) => [headlessOf(name), backends.get(name)!.port]));
    const start = async (config: ProxyConfig, listeners: readonly string[]): Promise<Record<string, number>> => {
      const local = forLoopback(config, ports, certificate);
      // Only the environment changed: routes, virtual hosts, weights and every policy are the synthesized ones.
      expect(environmentFree(local)).toEqual(environmentFree(config));
      validateConfig(JSON.parse(JSON.stringify(local)), 'loopback config');
      const proxy = await startChildProxy(local, cleanup, { seed: SEED });
      expect(Object.keys(proxy.ports).sort()).toEqual([...listeners].sort());
      return proxy.ports;
    };
    const edgePorts = await start(synthesized.edge, ['edge-50051', 'edge-443']);
    edge = { h2c: edgePorts['edge-50051'], tls: edgePorts['edge-443'] };
    checkoutPort = (await start(synthesized.checkout, ['mesh'])).mesh;
  }, 60_000);

  const totalBackendCalls = (): number => [...backends.values()].reduce((sum, b) => sum + b.totalCalls, 0);
  const tlsClient = (authority: string): grpc.Client => client(cleanup, edge.tls, {
    'grpc.ssl_target_name_override': TLS_HOSTNAME,
    'grpc.default_authority': authority,
  }, grpc.credentials.createSsl(readFileSync(certificate.caFile)));

  describe('the edge gateway', () => {
    let h2c: grpc.Client;
    beforeAll(() => {
      h2c = client(cleanup, edge.h2c);
    });

    test(`sends ${CANARY_SHARE * 100} % of order.v1.OrderService to orders-canary, the rest to orders-stable`, async () => {
      expectCanaryShare('edge', await tally(h2c, PLACE_ORDER, SAMPLES), 'orders-stable', 'orders-canary');
    }, SAMPLING_TIMEOUT_MS);

    test('sends every call with x-canary: always to orders-canary', async () => {
      expect(await tally(h2c, PLACE_ORDER, FORCED_SAMPLES, { 'x-canary': 'always' })).toEqual({ 'orders-canary': FORCED_SAMPLES });
    });

    test('splits user.v1.UserService by method: GetUser and ListUsers to users-reader, the rest to users-writer', async () => {
      const served = await Promise.all([GET_USER, LIST_USERS, CREATE_USER].map((path) => call(h2c, path)));
      expect(served).toEqual(['users-reader', 'users-reader', 'users-writer']);
    });

    test('answers UNIMPLEMENTED itself to a service no route names, though every backend implements it', async () => {
      const before = totalBackendCalls();
      expect(await call(h2c, RESERVE)).toMatch(/^status 12: /);
      expect(totalBackendCalls()).toBe(before);
    });

    test(`serves the same routes over TLS for ${TLS_HOSTNAME}, and no other host there`, async () => {
      const secure = tlsClient(TLS_HOSTNAME);
      const served = await Promise.all([GET_USER, LIST_USERS, CREATE_USER].map((path) => call(secure, path)));
      expect(served).toEqual(['users-reader', 'users-reader', 'users-writer']);
      expect(await call(secure, PLACE_ORDER, { 'x-canary': 'always' })).toBe('orders-canary');
      expect(['orders-stable', 'orders-canary']).toContain(await call(secure, PLACE_ORDER));
      expect(await call(secure, RESERVE)).toMatch(/^status 12: /);
      // The TLS listener's virtual host is for api.example.com only: a call for another :authority, over the same
      // TLS (same SNI and certificate), matches no virtual host and reaches no backend.
      const before = totalBackendCalls();
      expect(await call(tlsClient('other.example.com'), GET_USER)).toMatch(/^status 12: /);
      expect(totalBackendCalls()).toBe(before);
    });
  });

  describe('the checkout GAMMA tier', () => {
    let mesh: grpc.Client;
    beforeAll(() => {
      mesh = client(cleanup, checkoutPort);
    });

    test(`sends ${CANARY_SHARE * 100} % of the calls to checkout to checkout-canary, the rest to checkout`, async () => {
      expectCanaryShare('checkout', await tally(mesh, PAY, SAMPLES), 'checkout', 'checkout-canary');
    }, SAMPLING_TIMEOUT_MS);

    test('sends every call with x-canary: always to checkout-canary', async () => {
      expect(await tally(mesh, PAY, FORCED_SAMPLES, { 'x-canary': 'always' })).toEqual({ 'checkout-canary': FORCED_SAMPLES });
    });

    test('sends every call no route matches to checkout itself, as a mesh does, never UNIMPLEMENTED', async () => {
      // Only the default route matches calls of another service: all of them reach checkout, none its canary.
      expect(await tally(mesh, RESERVE, FORCED_SAMPLES)).toEqual({ checkout: FORCED_SAMPLES });
    });
  });
});
