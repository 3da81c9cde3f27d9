import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Cleanup, echoClient, startBackends, unary, unaryLoad, waitFor } from './harness';
import { DataPlane } from '../../src/core';
import type { ProxyConfig } from '../../src/core/proxy-config';
import { seededRandom } from '../../src/proxy/balancer/seeded-random';
import { run, type ManagedProxy, type RunOptions, type StartedProxy } from '../../src/proxy/cli';
import { channels } from '../../src/proxy/observability/channels';
import type { ProxyOptions } from '../../src/proxy/proxy';
import type { ProxySnapshot } from '../../src/proxy/proxy-snapshot';
import { render } from '../support/render';

/** A stand-in for `Proxy`: records what the command asks of it; `drain` waits until `finishDrain()`. */
class StubProxy implements ManagedProxy {
  public readonly ports = new Map([['grpc', 18080]]);
  public ready = true;
  public readonly applied: ProxyConfig[] = [];
  public readonly drains: number[] = [];
  public closed = 0;
  private endDrain: (() => void) | undefined;
  private drainFinished = false;
  private readonly drainStarted: Promise<void>;
  private startDrain!: () => void;

  public constructor(public readonly started: ProxyConfig) {
    this.drainStarted = new Promise((resolve) => (this.startDrain = resolve));
  }
  public async apply(next: ProxyConfig): Promise<void> {
    this.applied.push(next);
  }
  public drain(timeoutMs: number): Promise<void> {
    this.drains.push(timeoutMs);
    this.startDrain();
    return this.drainFinished ? Promise.resolve() : new Promise((resolve) => (this.endDrain = resolve));
  }
  public async close(): Promise<void> {
    this.closed++;
    this.endDrain?.();
  }
  public snapshot(): ProxySnapshot {
    return { clusters: {} };
  }
  public whenDraining(): Promise<void> {
    return this.drainStarted;
  }
  /** Ends the drain, now or as soon as it starts. */
  public finishDrain(): void {
    this.drainFinished = true;
    this.endDrain?.();
  }
}

/** Collects what a sink receives. */
class Sink {
  public text = '';
  public write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  public lines(): Array<Record<string, unknown>> {
    return this.text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  }
}

function config(overrides: Partial<ProxyConfig> = {}): ProxyConfig {
  return {
    version: 1,
    listeners: [{ name: 'grpc', address: '127.0.0.1', port: 0 }],
    admin: { address: '127.0.0.1', port: 0 },
    clusters: [{ name: 'backends', discovery: { type: 'static', endpoints: [{ address: '127.0.0.1', port: 50051 }] } }],
    routes: [{ name: 'default', rules: [{ backendRefs: [{ name: 'backends' }] }] }],
    drainTimeoutMs: 1234,
    ...overrides,
  };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject).end();
  });
}

async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs the command in-process against stub proxies; resolves once it started (or ended early). */
async function start(argv: string[], extra: Partial<RunOptions> = {}) {
  const stdout = new Sink();
  const stderr = new Sink();
  const accessLog = new Sink();
  const signals = new EventEmitter();
  const proxies: StubProxy[] = [];
  let started: StartedProxy | undefined;
  let resolveStarted!: () => void;
  const startedPromise = new Promise<void>((resolve) => (resolveStarted = resolve));
  const exit = run(argv, {
    stdout,
    stderr,
    signals,
    accessLogDestination: accessLog,
    startProxy: async (c) => {
      const proxy = new StubProxy(c);
      proxies.push(proxy);
      return proxy;
    },
    onStarted: (s) => {
      started = s;
      resolveStarted();
    },
    ...extra,
  });
  await Promise.race([startedPromise, exit]);
  return { exit, stdout, stderr, accessLog, signals, proxies, started: () => started! };
}

describe('grpc-mesh-proxy (in-process, stub proxy)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'grpc-mesh-proxy-main-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('exits 2 and prints every problem of an invalid config file on stderr', async () => {
    const file = join(dir, 'proxy.yaml');
    writeFileSync(file, stringify({ ...config(), admin: { address: '127.0.0.1', port: 70000 }, routes: [{ name: 'r', rules: [{ backendRefs: [{ name: 'nope' }] }] }] }));
    const { exit, stderr, proxies } = await start(['--config', file]);
    expect(await exit).toBe(2);
    expect(stderr.text).toBe(`grpc-mesh-proxy: Invalid proxy config ${file}: 2 problems:\n`
      + '  - admin.port must be an integer between 0 and 65535; got 70000. [SCHEMA_VIOLATION]\n'
      + '  - routes[0].rules[0].backendRefs[0].name must name a cluster (known clusters: backends); got "nope". [CLUSTER_NOT_FOUND]\n');
    expect(proxies).toEqual([]);
  });

  test('exits 2 for a config file that does not exist', async () => {
    const { exit, stderr } = await start(['--config', join(dir, 'missing.yaml')]);
    expect(await exit).toBe(2);
    expect(stderr.text).toMatch(/^grpc-mesh-proxy: Invalid proxy config .+missing\.yaml: must be a readable file \(ENOENT.*\[UNREADABLE_FILE\]\n$/);
  });

  test.each<[string[], string]>([
    [[], 'error: give --config <file>, or --listen <host:port> with --backends <list>\n'],
    [['--listen', '127.0.0.1:0'], 'error: give --config <file>, or --listen <host:port> with --backends <list>\n'],
    [['--config', 'a.yaml', '--listen', '127.0.0.1:0'], 'error: --config cannot be combined with --listen, --backends or --admin\n'],
    [['--config'], 'error: option \'-c, --config <file>\' argument missing\n'],
    [['--config', 'a.yaml', '--log-level', 'loud'],
      'error: option \'--log-level <level>\' argument \'loud\' is invalid. Allowed choices are trace, debug, info, warn, error, fatal, silent.\n'],
    [['--bogus'], 'error: unknown option \'--bogus\'\n'],
    ...['0', '2147483647', '1.5', 'x'].map((seed): [string[], string] => [['--listen', '127.0.0.1:0', '--backends', '127.0.0.1:1', '--seed', seed],
      `error: option '--seed <n>' argument '${seed}' is invalid. an integer in 1..2147483646\n`]),
  ])('exits 2 for the usage error of %j', async (argv, message) => {
    const { exit, stderr } = await start(argv);
    expect(await exit).toBe(2);
    expect(stderr.text).toBe(message);
  });

  test('exits 2 naming a malformed --backends entry', async () => {
    const { exit, stderr } = await start(['--listen', '127.0.0.1:0', '--backends', '127.0.0.1']);
    expect(await exit).toBe(2);
    expect(stderr.text).toContain('--backends must be host:port (e.g. 127.0.0.1:8080 or [::1]:8080, port 1 to 65535); got "127.0.0.1". [INVALID_ADDRESS]');
  });

  test('prints its version and its help, and exits 0', async () => {
    const version = await start(['--version']);
    expect(await version.exit).toBe(0);
    expect(version.stdout.text).toBe(`${JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version}\n`);
    const help = await start(['--help']);
    expect(await help.exit).toBe(0);
    expect(help.stdout.text).toContain('Usage: grpc-mesh-proxy [options]');
    expect(help.stdout.text).toContain('grpc-mesh-proxy --listen 127.0.0.1:8083 --backends');
  });

  test('builds the harness config from --listen and --backends, with the admin interface on a free loopback port', async () => {
    const { exit, signals, proxies, started } = await start(['--listen', '127.0.0.1:8083', '--backends', '127.0.0.1:50051,127.0.0.1:50052']);
    expect(proxies[0].started).toMatchObject({
      listeners: [{ name: 'grpc', address: '127.0.0.1', port: 8083 }],
      admin: { address: '127.0.0.1', port: 0 },
      clusters: [{ discovery: { type: 'static', endpoints: [{ address: '127.0.0.1', port: 50051 }, { address: '127.0.0.1', port: 50052 }] } }],
    });
    expect(started().adminPort).toBeGreaterThan(0);
    expect((await get(started().adminPort, '/live')).status).toBe(200);
    signals.emit('SIGINT', 'SIGINT');
    proxies[0].finishDrain();
    expect(await exit).toBe(0);
    expect(proxies[0].drains).toEqual([30000]);
  });

  test('serves the admin interface, metrics and access log, reloads a changed file, and drains on SIGTERM', async () => {
    const file = join(dir, 'proxy.yaml');
    writeFileSync(file, stringify(config()));
    const { exit, stderr, accessLog, signals, proxies, started } = await start(['--config', file, '--log-level', 'debug']);
    const proxy = proxies[0];
    const admin = started().adminPort;
    expect(stderr.lines()).toContainEqual(expect.objectContaining({ msg: 'started', listeners: { grpc: 18080 }, admin, config: file }));
    expect(await get(admin, '/ready')).toMatchObject({ status: 200, body: expect.stringContaining('"status": "ready"') });
    expect(JSON.parse((await get(admin, '/config')).body)).toEqual(config());

    channels.callEnd.publish({
      listener: 'grpc',
      service: 'a.B',
      method: 'C',
      traceparent: '',
      route: 'default/default',
      methodNaming: 'none',
      cluster: 'backends',
      endpoint: '127.0.0.1:50051',
      status: 0,
      retries: 0,
      durationMs: 1,
      requestBytes: 5,
      responseBytes: 7,
    });
    expect(accessLog.lines()).toEqual([expect.objectContaining({ path: '/a.B/C', grpc_status: 0, upstream_cluster: 'backends' })]);
    const metrics = (await get(admin, '/metrics')).body;
    // The route's rule names no method (a catch-all): the call is counted under other/other.
    expect(metrics).toContain('grpc_mesh_proxy_calls_total{listener="grpc",grpc_service="other",grpc_method="other",grpc_code="OK",cluster="backends"} 1\n');
    expect(metrics).toContain('grpc_mesh_proxy_config_reloads_total{result="success"} 1\n');

    writeFileSync(file, stringify(config({ drainTimeoutMs: 4321 })));
    await eventually(() => proxy.applied.length === 1);
    expect(proxy.applied[0].drainTimeoutMs).toBe(4321);
    await eventually(() => started().config().drainTimeoutMs === 4321);
    expect(JSON.parse((await get(admin, '/config')).body).drainTimeoutMs).toBe(4321);

    writeFileSync(file, 'version: 1\nlisteners: []\n');
    await eventually(() => stderr.lines().some((l) => l.msg === 'config reload refused; the running config stays'));
    expect((await get(admin, '/metrics')).body).toContain('grpc_mesh_proxy_config_reloads_total{result="failure"} 1\n');
    expect(started().config().drainTimeoutMs).toBe(4321);

    signals.emit('SIGTERM', 'SIGTERM');
    await proxy.whenDraining();
    expect(proxy.drains).toEqual([4321]);
    expect(await get(admin, '/ready')).toMatchObject({ status: 503, body: expect.stringContaining('"status": "draining"') });
    proxy.finishDrain();
    expect(await exit).toBe(0);
    expect(stderr.lines().map((l) => l.msg)).toEqual(expect.arrayContaining(['draining', 'stopped']));
    await expect(get(admin, '/live')).rejects.toThrow(/ECONNREFUSED/);
    channels.callEnd.publish({ listener: 'grpc', service: 'a.B', method: 'C', traceparent: '', methodNaming: 'none', status: 0, retries: 0, durationMs: 1, requestBytes: 0, responseBytes: 0 });
    expect(accessLog.lines()).toHaveLength(1);
  });

  test('serves /ready, /live and /metrics on the probe listener, keeps it on a reload that moves it, and closes it after the drain', async () => {
    const file = join(dir, 'proxy.yaml');
    const probes = { address: '127.0.0.1', port: 0 };
    writeFileSync(file, stringify(config({ probes })));
    const { exit, stderr, signals, proxies, started } = await start(['--config', file]);
    const { adminPort, probePort } = started();
    expect(probePort).toBeGreaterThan(0);
    expect(probePort).not.toBe(adminPort);
    expect(stderr.lines()).toContainEqual(expect.objectContaining({ msg: 'started', admin: adminPort, probes: probePort }));
    const ready = await get(probePort!, '/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual(JSON.parse((await get(adminPort, '/ready')).body));
    expect((await get(probePort!, '/live')).status).toBe(200);
    expect((await get(probePort!, '/metrics')).body).toContain('grpc_mesh_proxy_config_reloads_total{result="success"}');
    expect(await get(probePort!, '/config')).toMatchObject({ status: 404 });
    expect(await get(probePort!, '/endpoints')).toMatchObject({ status: 404 });

    const moved = { address: '127.0.0.1', port: 19001 };
    writeFileSync(file, stringify(config({ probes: moved, drainTimeoutMs: 4321 })));
    await eventually(() => stderr.lines().some((l) => l.msg === 'the probe listener changes at the next restart'));
    expect(stderr.lines()).toContainEqual(expect.objectContaining({ level: 40, running: probes, configured: moved }));
    expect(proxies[0].applied.map((c) => c.drainTimeoutMs)).toEqual([4321]);
    expect((await get(probePort!, '/live')).status).toBe(200);

    signals.emit('SIGTERM', 'SIGTERM');
    await proxies[0].whenDraining();
    expect(await get(probePort!, '/ready')).toMatchObject({ status: 503, body: expect.stringContaining('"status": "draining"') });
    proxies[0].finishDrain();
    expect(await exit).toBe(0);
    await expect(get(probePort!, '/live')).rejects.toThrow(/ECONNREFUSED/);
  });

  test('--seed gives the proxy a seeded random source: the same seed, the same choices', async () => {
    const options: Array<ProxyOptions | undefined> = [];
    const proxies: StubProxy[] = [];
    const { exit, signals } = await start(['--listen', '127.0.0.1:0', '--backends', '127.0.0.1:50051', '--seed', '42'], {
      startProxy: async (c, o) => {
        options.push(o);
        proxies.push(new StubProxy(c));
        return proxies[0];
      },
    });
    const replay = seededRandom(42);
    expect([1, 2, 3].map(() => options[0]!.random!())).toEqual([1, 2, 3].map(() => replay()));
    signals.emit('SIGTERM', 'SIGTERM');
    proxies[0].finishDrain();
    expect(await exit).toBe(0);
  });

  test('closes at once on a second signal during the drain', async () => {
    const { exit, signals, proxies } = await start(['--listen', '127.0.0.1:0', '--backends', '127.0.0.1:50051']);
    signals.emit('SIGTERM', 'SIGTERM');
    await proxies[0].whenDraining();
    signals.emit('SIGINT', 'SIGINT');
    expect(await exit).toBe(0);
    expect(proxies[0].closed).toBe(1);
  });

  test('writes no access log with --no-access-log, nor when the config turns it off', async () => {
    const file = join(dir, 'proxy.yaml');
    writeFileSync(file, stringify(config({ accessLog: false })));
    for (const argv of [['--config', file], ['--listen', '127.0.0.1:0', '--backends', '127.0.0.1:50051', '--no-access-log']]) {
      const { exit, signals, proxies, accessLog } = await start(argv);
      channels.callEnd.publish({ listener: 'grpc', service: 'a.B', method: 'C', traceparent: '', methodNaming: 'none', status: 0, retries: 0, durationMs: 1, requestBytes: 0, responseBytes: 0 });
      signals.emit('SIGTERM', 'SIGTERM');
      proxies[0].finishDrain();
      expect(await exit).toBe(0);
      expect(accessLog.text).toBe('');
    }
  });

  test('exits 1 and logs why when the proxy cannot start', async () => {
    const { exit, stderr } = await start(['--listen', '127.0.0.1:0', '--backends', '127.0.0.1:50051'], {
      startProxy: () => Promise.reject(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8083')),
    });
    expect(await exit).toBe(1);
    expect(stderr.lines()).toEqual([expect.objectContaining({ level: 50, msg: 'the proxy could not start', err: expect.objectContaining({ message: 'listen EADDRINUSE: address already in use 127.0.0.1:8083' }) })]);
  });

  test('exits 1 and closes the proxy when the admin port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const { exit, stderr, proxies } = await start(['--listen', '127.0.0.1:0', '--backends', '127.0.0.1:50051', '--admin', `127.0.0.1:${port}`]);
      expect(await exit).toBe(1);
      expect(proxies[0].closed).toBe(1);
      expect(stderr.lines()).toEqual([expect.objectContaining({ level: 50, msg: 'the admin interface could not start' })]);
    } finally {
      taken.close();
    }
  });

  test('exits 1 and closes the admin interface and the proxy when the probe port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const file = join(dir, 'proxy.yaml');
      writeFileSync(file, stringify(config({ probes: { address: '127.0.0.1', port: (taken.address() as AddressInfo).port } })));
      const { exit, stderr, proxies } = await start(['--config', file]);
      expect(await exit).toBe(1);
      expect(proxies[0].closed).toBe(1);
      expect(stderr.lines()).toEqual([expect.objectContaining({ level: 50, msg: 'the probe listener could not start' })]);
    } finally {
      taken.close();
    }
  });

  test('exits 1 after closing the proxy when the drain fails', async () => {
    const failing: StubProxy[] = [];
    const { exit, stderr, signals } = await start(['--listen', '127.0.0.1:0', '--backends', '127.0.0.1:50051'], {
      startProxy: async (c) => {
        const proxy = new StubProxy(c);
        proxy.drain = () => Promise.reject(new Error('drain broke'));
        failing.push(proxy);
        return proxy;
      },
    });
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await exit).toBe(1);
    expect(failing[0].closed).toBe(1);
    expect(stderr.lines().map((l) => l.msg)).toEqual(['started', 'draining', 'drain failed; closing', 'stopped']);
  });
});

describe('grpc-mesh-proxy (in-process, real proxy)', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  test('balances one client connection round robin over the --backends and drains on SIGTERM', async () => {
    const backends = await startBackends(3, cleanup);
    const signals = new EventEmitter();
    let started: StartedProxy | undefined;
    const accessLog = new Sink();
    const exit = run(['--listen', '127.0.0.1:0', '--backends', backends.map((b) => b.address).join(',')], {
      stderr: new Sink(),
      signals,
      accessLogDestination: accessLog,
      onStarted: (s) => (started = s),
    });
    cleanup.add(() => void signals.emit('SIGINT', 'SIGINT'));
    await waitFor(() => started?.proxy.ready === true, 10_000, 'the proxy to be ready');
    const client = echoClient(`127.0.0.1:${started!.proxy.ports.get('grpc')}`, cleanup);
    const outcomes = await unaryLoad(client, 9, 1);
    expect(outcomes.map((o) => o.code)).toEqual(new Array(9).fill(0));
    expect(backends.map((b) => b.calls.Unary)).toEqual([3, 3, 3]);
    expect(accessLog.lines()).toHaveLength(9);
    expect(JSON.parse((await get(started!.adminPort, '/endpoints')).body).clusters.backends.endpoints).toHaveLength(3);
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await exit).toBe(0);
  });

  test('runs a rendered tier\'s config: /ready on the probe listener, /config on the admin interface only', async () => {
    const [backend] = await startBackends(1, cleanup);
    const balancer = render({ dataPlane: DataPlane.proxy({ image: 'grpc-mesh-proxy:test' }) }).balancer!;
    const rendered = parse((balancer.config.data as Record<string, string>)['proxy.yaml']) as ProxyConfig;
    expect(rendered).toMatchObject({ admin: { address: '127.0.0.1' }, probes: { address: '0.0.0.0' } });
    // What a test machine needs changed: free loopback ports, the backend instead of the headless Service's DNS name.
    const local: ProxyConfig = {
      ...rendered,
      listeners: rendered.listeners.map((l) => ({ ...l, address: '127.0.0.1', port: 0 })),
      admin: { ...rendered.admin, port: 0 },
      probes: { address: '127.0.0.1', port: 0 },
      clusters: rendered.clusters.map((c) => ({ ...c, discovery: { type: 'static', endpoints: [{ address: '127.0.0.1', port: backend.port }] } })),
    };
    const dir = mkdtempSync(join(tmpdir(), 'grpc-mesh-proxy-rendered-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'proxy.yaml');
    writeFileSync(file, stringify(local));
    const signals = new EventEmitter();
    let started: StartedProxy | undefined;
    const exit = run(['--config', file], { stderr: new Sink(), signals, accessLogDestination: new Sink(), onStarted: (s) => (started = s) });
    cleanup.add(() => void signals.emit('SIGINT', 'SIGINT'));
    await waitFor(() => started?.proxy.ready === true, 10_000, 'the proxy to be ready');
    const { adminPort, probePort } = started!;
    const ready = await get(probePort!, '/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', listeners: { grpc: started!.proxy.ports.get('grpc') } });
    expect(await get(probePort!, '/config')).toMatchObject({ status: 404 });
    expect(JSON.parse((await get(adminPort, '/config')).body)).toEqual(local);
    const outcome = await unary(echoClient(`127.0.0.1:${started!.proxy.ports.get('grpc')}`, cleanup), { message: 'through the rendered config' });
    expect(outcome.code).toBe(0);
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await exit).toBe(0);
  });
});
