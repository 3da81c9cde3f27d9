import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend, Cleanup, echoClient, startBackends, unary, unaryLoad, waitFor } from './harness';
import { PROXY_IMAGE, ProxyProcess } from './proxy-process';

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject).end();
  });
}

/** Polls the admin readiness endpoint until it answers 200 (at most 5 s). */
async function untilReady(adminPort: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await httpGet(adminPort, '/ready')).status !== 200) {
    if (Date.now() > deadline) throw new Error('the proxy did not become ready in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe(`grpc-mesh-proxy as it ships (${PROXY_IMAGE === undefined ? 'node lib/proxy/main.js' : `the image ${PROXY_IMAGE}`})`, () => {
  const cleanup = new Cleanup();
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'grpc-mesh-proxy-cli-'))));
  afterEach(async () => {
    await cleanup.run();
    rmSync(dir, { recursive: true, force: true });
  });

  function startProcess(args: readonly string[]): ProxyProcess {
    const child = new ProxyProcess(args);
    cleanup.add(() => child.stop());
    return child;
  }

  test('exits 2 and prints the problems of an invalid config on stderr', async () => {
    const file = join(dir, 'proxy.yaml');
    writeFileSync(file, 'version: 1\nlisteners: []\nadmin: { address: 127.0.0.1, port: 0 }\nclusters: []\nroutes: []\ncolour: blue\n');
    const child = startProcess(['--config', file]);
    expect(await child.exited).toBe(2);
    expect(child.stderr).toBe(`grpc-mesh-proxy: Invalid proxy config ${file}: 2 problems:\n`
      + '  - listeners must have at least 1 entry; got []. [SCHEMA_VIOLATION]\n'
      + '  - colour is not a known field (known fields here: version, listeners, admin, probes, clusters, routes, drainTimeoutMs, accessLog); got "blue". [UNKNOWN_FIELD]\n');
    expect(child.stdout).toBe('');
  });

  test('--validate checks a config as the proxy would at start and exits without serving', async () => {
    const valid = join(dir, 'valid.yaml');
    // Ports 1 and 2 are privileged: a proxy that started would try to bind them; --validate exits before it binds anything.
    writeFileSync(valid, 'version: 2\nlisteners: [{ name: grpc, address: 127.0.0.1, port: 1 }]\nadmin: { address: 127.0.0.1, port: 2 }\n'
      + 'clusters: [{ name: b, discovery: { type: static, endpoints: [{ address: 127.0.0.1, port: 50051 }] } }]\n'
      + 'routes: [{ name: r, rules: [{ backendRefs: [{ name: b }] }] }]\n');
    const ok = startProcess(['--validate', '--config', valid]);
    expect(await ok.exited).toBe(0);
    expect(ok.stdout).toBe(`grpc-mesh-proxy: ${valid} is valid: 1 listener(s), 1 cluster(s), 1 route(s)\n`);
    expect(ok.stderr).toBe('');

    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(invalid, 'version: 2\nlisteners: [{ name: grpc, address: 127.0.0.1, port: 8080, tls: { certFile: /nope.crt, keyFile: /nope.key } }]\n'
      + 'admin: { address: 127.0.0.1, port: 0 }\nclusters: []\nroutes: [{ name: r, rules: [{ backendRefs: [{ name: missing }] }] }]\n');
    const bad = startProcess(['--validate', '--config', invalid]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr).toMatch(/^grpc-mesh-proxy: Invalid proxy config .*invalid\.yaml/);
    expect(bad.stdout).toBe('');

    const usage = startProcess(['--validate', '--listen', '127.0.0.1:0', '--backends', '127.0.0.1:1']);
    expect(await usage.exited).toBe(2);
    expect(usage.stderr).toContain('--validate checks a --config <file>');
  });

  test('runs the benchmark harness\'s form and spreads the calls of one client connection over every backend', async () => {
    const backends = await startBackends(3, cleanup);
    const child = startProcess(['--listen', '127.0.0.1:0', '--backends', backends.map((b) => b.address).join(',')]);
    const { listeners, admin } = await child.started();
    await untilReady(admin);

    const client = echoClient(`127.0.0.1:${listeners.grpc}`, cleanup);
    const outcomes = await unaryLoad(client, 30, 1);
    expect(outcomes.map((o) => o.code)).toEqual(new Array(30).fill(0));
    expect(backends.map((b: Backend) => b.calls.Unary)).toEqual([10, 10, 10]);
    await waitFor(() => jsonLines(child.stdout).length === 30, 10_000, 'access log lines');
    expect(jsonLines(child.stdout)[0]).toMatchObject({ path: '/test.echo.Echo/Unary', grpc_status: 0, upstream_cluster: 'backends' });
    const metrics = (await httpGet(admin, '/metrics')).body;
    // The harness's catch-all route names no method: calls are counted under other/other (bounded by the config).
    expect(metrics).toContain('grpc_mesh_proxy_calls_total{listener="grpc",grpc_service="other",grpc_method="other",grpc_code="OK",cluster="backends"} 30\n');
    expect(metrics).toContain('grpc_mesh_proxy_endpoints{cluster="backends"} 3\n');
    expect(metrics).toContain('grpc_mesh_proxy_ready_endpoints{cluster="backends"} 3\n');

    child.signal('SIGTERM');
    expect(await child.exited).toBe(0);
    // The static cluster's endpoints are logged as they are first published, before the proxy says it started.
    expect(child.log().map((l) => l.msg)).toEqual(['endpoints changed', 'started', 'draining', 'stopped']);
  });

  test('lets a call in flight finish when SIGTERM comes, then exits 0', async () => {
    const [backend] = await startBackends(1, cleanup);
    const file = join(dir, 'proxy.json');
    writeFileSync(file, JSON.stringify({
      version: 1,
      listeners: [{ name: 'grpc', address: '127.0.0.1', port: 0 }],
      admin: { address: '127.0.0.1', port: 0 },
      clusters: [{ name: 'one', discovery: { type: 'static', endpoints: [{ address: '127.0.0.1', port: backend.port }] } }],
      routes: [{ name: 'all', rules: [{ backendRefs: [{ name: 'one' }] }] }],
      drainTimeoutMs: 5000,
      accessLog: false,
    }));
    const child = startProcess(['--config', file]);
    const { listeners, admin } = await child.started();
    await untilReady(admin);
    const client = echoClient(`127.0.0.1:${listeners.grpc}`, cleanup);
    expect((await unary(client, {})).code).toBe(0);

    // The backend holds the call until the proxy has started to drain: it is in flight when SIGTERM comes.
    let release!: () => void;
    backend.unaryGate = new Promise((resolve) => (release = resolve));
    const slow = unary(client, { message: 'slow' });
    await waitFor(() => backend.calls.Unary === 2, 10_000, 'the slow call to reach the backend');
    child.signal('SIGTERM');
    await waitFor(() => child.log().some((l) => l.msg === 'draining'), 10_000, 'the drain to start');
    expect((await httpGet(admin, '/ready')).status).toBe(503);
    release();
    const outcome = await slow;
    expect(outcome.code).toBe(0);
    expect(outcome.replies[0].message).toBe('slow');
    expect(await child.exited).toBe(0);
    expect(child.stdout).toBe('');
  });
});
