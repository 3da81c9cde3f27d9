import { request } from 'node:http';
import { AdminServer, PROBE_PATHS, type AdminProxyView } from '../../../src/proxy/admin/server';
import { ProxyMetrics } from '../../../src/proxy/observability/metrics';
import type { ProxySnapshot } from '../../../src/proxy/proxy-snapshot';
import { validConfig } from '../config/fixtures';

/** A stand-in for the proxy: readiness and a snapshot, as plain fields. */
class StubProxy implements AdminProxyView {
  public ready = true;
  public readonly ports = new Map([['grpc', 8080]]);
  public snapshotValue: unknown = {
    clusters: {
      users: {
        ready: true,
        panic: false,
        activeCalls: 2,
        endpoints: [{ address: '10.0.0.1', port: 50051, healthy: true, ejected: false, reachable: true, activeCalls: 2, connections: 1, draining: false }],
      },
    },
  };
  public snapshot(): ProxySnapshot {
    if (this.snapshotValue instanceof Error) throw this.snapshotValue;
    return this.snapshotValue as ProxySnapshot;
  }
}

interface Reply {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
        resolve({ status: res.statusCode!, contentType: res.headers['content-type'], body });
      });
    });
    req.on('error', reject).end();
  });
}

describe('AdminServer', () => {
  let proxy: StubProxy;
  let draining: boolean;
  let lastConfigError: string | undefined;
  let admin: AdminServer;
  const metrics = { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: jest.fn(async () => 'grpc_mesh_proxy_active_calls{listener="grpc"} 0\n') };

  beforeEach(async () => {
    proxy = new StubProxy();
    draining = false;
    lastConfigError = undefined;
    admin = await AdminServer.start({
      address: '127.0.0.1', port: 0, proxy, metrics, config: validConfig, draining: () => draining, lastConfigError: () => lastConfigError,
    });
  });
  afterEach(() => admin.close());

  const readiness = async () => {
    const reply = await get(admin.port, '/ready');
    expect(reply.contentType).toBe('application/json; charset=utf-8');
    return { status: reply.status, body: JSON.parse(reply.body) as Record<string, unknown> };
  };

  test('answers /ready with 200 while the proxy is ready, and says so in JSON', async () => {
    expect(await readiness()).toEqual({
      status: 200,
      body: {
        status: 'ready',
        reason: 'every listener is bound and every cluster has resolved',
        listeners: { grpc: 8080 },
        clustersNotResolved: [],
        clustersWithoutReadyEndpoints: [],
      },
    });
  });

  test('answers /ready with 503 before the proxy is ready and while it drains, naming the clusters it waits for', async () => {
    proxy.ready = false;
    const users = (proxy.snapshotValue as any).clusters.users;
    proxy.snapshotValue = { clusters: { users, orders: { ready: false, panic: false, activeCalls: 0, endpoints: [] } } };
    expect(await readiness()).toMatchObject({
      status: 503,
      body: { status: 'not ready', reason: 'waiting for the first resolution of cluster(s) orders', clustersNotResolved: ['orders'] },
    });
    proxy.ready = true;
    draining = true;
    expect(await readiness()).toMatchObject({ status: 503, body: { status: 'draining' } });
  });

  test('/ready lists clusters with no endpoint that may take calls, and the last config error, without turning 503', async () => {
    const ejected = { address: '10.0.0.2', port: 50051, healthy: true, ejected: true, reachable: true, activeCalls: 0, connections: 0, draining: false };
    const unhealthy = { ...ejected, address: '10.0.0.3', healthy: false, ejected: false };
    const unreachable = { ...ejected, address: '10.0.0.4', ejected: false, reachable: false, unreachableReason: 'connect ECONNREFUSED' };
    proxy.snapshotValue = {
      clusters: {
        ...(proxy.snapshotValue as any).clusters,
        orders: { ready: true, panic: true, activeCalls: 0, endpoints: [ejected, unhealthy] },
        empty: { ready: true, panic: false, activeCalls: 0, endpoints: [] },
        payments: { ready: true, panic: true, activeCalls: 0, endpoints: [unreachable] },
      },
    };
    lastConfigError = 'Invalid proxy config /etc/grpc-mesh-proxy/proxy.yaml: 1 problem';
    expect(await readiness()).toMatchObject({
      status: 200,
      body: { status: 'ready', clustersWithoutReadyEndpoints: ['orders', 'empty', 'payments'], lastConfigError },
    });
  });

  test('answers /live with 200 whatever the readiness', async () => {
    proxy.ready = false;
    draining = true;
    expect(await get(admin.port, '/live')).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'live\n' });
  });

  test('serves /metrics in the Prometheus text format', async () => {
    expect(await get(admin.port, '/metrics')).toEqual({
      status: 200,
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      body: 'grpc_mesh_proxy_active_calls{listener="grpc"} 0\n',
    });
  });

  test('serves the running config as JSON at /config', async () => {
    const reply = await get(admin.port, '/config?pretty');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(reply.body)).toEqual(validConfig());
  });

  test('serves the endpoint snapshot as JSON at /endpoints, maps and sets included', async () => {
    expect(JSON.parse((await get(admin.port, '/endpoints')).body)).toEqual(proxy.snapshotValue);
    proxy.snapshotValue = { clusters: new Map([['users', { endpoints: new Set(['10.0.0.1:50051']) }]]) };
    expect(JSON.parse((await get(admin.port, '/endpoints')).body)).toEqual({ clusters: { users: { endpoints: ['10.0.0.1:50051'] } } });
  });

  test('answers 404 for other paths and 405 for other methods', async () => {
    expect(await get(admin.port, '/quitquitquit', 'POST')).toMatchObject({ status: 404, body: 'not found: /quitquitquit\n' });
    expect(await get(admin.port, '/')).toMatchObject({ status: 404 });
    expect(await get(admin.port, '/ready', 'POST')).toMatchObject({ status: 405, body: 'method not allowed\n' });
  });

  test('answers HEAD with the status and no body', async () => {
    expect(await get(admin.port, '/ready', 'HEAD')).toMatchObject({ status: 200, body: '' });
  });

  test('answers 500 when a source fails, and keeps serving', async () => {
    proxy.snapshotValue = new Error('snapshot broke');
    metrics.text.mockRejectedValueOnce(new Error('registry broke'));
    expect(await get(admin.port, '/endpoints')).toMatchObject({ status: 500, body: 'internal error: snapshot broke\n' });
    expect(await get(admin.port, '/metrics')).toMatchObject({ status: 500, body: 'internal error: registry broke\n' });
    expect(await get(admin.port, '/live')).toMatchObject({ status: 200 });
  });

  test('refuses to start on a port already bound', async () => {
    await expect(AdminServer.start({ address: '127.0.0.1', port: admin.port, proxy, metrics, config: validConfig })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('AdminServer with PROBE_PATHS (the probe listener)', () => {
  const proxy = new StubProxy();
  const metrics = new ProxyMetrics();
  let admin: AdminServer;
  let probes: AdminServer;

  beforeAll(async () => {
    const options = { address: '127.0.0.1', port: 0, proxy, metrics, config: validConfig };
    admin = await AdminServer.start(options);
    probes = await AdminServer.start({ ...options, paths: PROBE_PATHS });
  });
  afterAll(async () => {
    await Promise.all([admin.close(), probes.close()]);
    metrics.close();
  });

  test('answers /ready with the admin interface\'s JSON readiness, /live, and /metrics in the Prometheus text format', async () => {
    const ready = await get(probes.port, '/ready');
    expect(ready).toMatchObject({ status: 200, contentType: 'application/json; charset=utf-8' });
    expect(JSON.parse(ready.body)).toEqual(JSON.parse((await get(admin.port, '/ready')).body));
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', listeners: { grpc: 8080 } });
    expect(await get(probes.port, '/live')).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'live\n' });
    const scraped = await get(probes.port, '/metrics');
    expect(scraped).toMatchObject({ status: 200, contentType: metrics.contentType });
    expect(scraped.body).toContain('# TYPE grpc_mesh_proxy_calls_total counter\n');
  });

  test('answers 404 for /config and /endpoints (which the admin interface serves), and 405 for other methods', async () => {
    for (const path of ['/config', '/endpoints']) {
      expect(await get(probes.port, path)).toMatchObject({ status: 404, body: `not found: ${path}\n` });
      expect(await get(admin.port, path)).toMatchObject({ status: 200 });
    }
    expect(await get(probes.port, '/metrics', 'POST')).toMatchObject({ status: 405, body: 'method not allowed\n' });
  });
});
