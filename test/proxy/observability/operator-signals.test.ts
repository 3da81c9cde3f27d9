/**
 * What operators see of discovery and traffic (issue 12): every DNS resolution is published and counted, a DNS
 * outage is two log lines (failed, recovered with the count), endpoint changes are logged with what changed, and
 * bytes, calls per endpoint and retries by status are counted from the call events.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Metadata } from '@grpc/grpc-js';
import type { ProxyClusterConfig } from '../../../src/core/proxy-config';
import { DnsResolver } from '../../../src/proxy/endpoints/dns-resolver';
import { channels, type CallEndMessage, type DnsResolutionMessage } from '../../../src/proxy/observability/channels';
import { EventLog } from '../../../src/proxy/observability/event-log';
import { ProxyMetrics } from '../../../src/proxy/observability/metrics';
import { BackendProcess } from '../backend-process';
import { Cleanup, echoClient, LOCAL, proxyConfig, proxyPort, startBackends, startProxy, staticCluster, unary, waitFor } from '../harness';

/** A logger that keeps its lines. */
function collector() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push({ level, fields, msg });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn') } as never };
}

async function samples(metrics: ProxyMetrics, name: string): Promise<string[]> {
  return (await metrics.text()).split('\n').filter((line) => line.startsWith(`${name}{`));
}

describe('DNS resolutions', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('each one is published, counted by result, and an outage is logged once when it starts and once when it ends', async () => {
    const metrics = new ProxyMetrics({ defaultMetrics: false });
    const { lines, logger } = collector();
    const events = new EventLog(logger);
    const published: DnsResolutionMessage[] = [];
    const record = (m: unknown) => void published.push(m as DnsResolutionMessage);
    channels.dnsResolution.subscribe(record);
    const answers = [[{ address: '10.0.0.1', family: 4 }], new Error('SERVFAIL'), new Error('SERVFAIL'), new Error('ETIMEOUT'),
      [{ address: '10.0.0.1', family: 4 }, { address: '10.0.0.2', family: 4 }]] as const;
    let calls = 0;
    const resolver = new DnsResolver({
      hostname: 'orders-headless.shop.svc.cluster.local',
      port: 50051,
      refreshIntervalMs: 100,
      lookup: async () => {
        const answer = answers[Math.min(calls++, answers.length - 1)];
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    try {
      resolver.start({ onEndpoints: () => undefined, onResolutionError: () => undefined });
      await jest.advanceTimersByTimeAsync(450);
      expect(calls).toBe(5);
      const hostname = 'orders-headless.shop.svc.cluster.local';
      expect(published.slice(0, 5)).toEqual([
        { hostname, ok: true, addresses: 1 },
        { hostname, ok: false, error: 'SERVFAIL' },
        { hostname, ok: false, error: 'SERVFAIL' },
        { hostname, ok: false, error: 'ETIMEOUT' },
        { hostname, ok: true, addresses: 2 },
      ]);
      expect(lines).toEqual([
        { level: 'warn', fields: { hostname, error: 'SERVFAIL' }, msg: 'DNS resolution failed; the last endpoints are kept' },
        { level: 'info', fields: { hostname, failures: 3, addresses: 2 }, msg: 'DNS resolution recovered' },
      ]);
      expect(await samples(metrics, 'grpc_mesh_proxy_dns_resolutions_total')).toEqual([
        `grpc_mesh_proxy_dns_resolutions_total{hostname="${hostname}",result="success"} 2`,
        `grpc_mesh_proxy_dns_resolutions_total{hostname="${hostname}",result="failure"} 3`,
      ]);
    } finally {
      resolver.stop();
      channels.dnsResolution.unsubscribe(record);
      events.close();
      metrics.close();
    }
  });
});

test('endpoint changes are logged with the count and what was added and removed', () => {
  const { lines, logger } = collector();
  const events = new EventLog(logger);
  try {
    channels.endpoints.publish({ cluster: 'orders', endpoints: ['10.0.0.1:50051', '10.0.0.2:50051'] });
    channels.endpoints.publish({ cluster: 'orders', endpoints: ['10.0.0.2:50051', '10.0.0.3:50051'] });
    expect(lines).toEqual([
      { level: 'info', fields: { cluster: 'orders', endpoints: 2, added: ['10.0.0.1:50051', '10.0.0.2:50051'], removed: [] }, msg: 'endpoints changed' },
      { level: 'info', fields: { cluster: 'orders', endpoints: 2, added: ['10.0.0.3:50051'], removed: ['10.0.0.1:50051'] }, msg: 'endpoints changed' },
    ]);
  } finally {
    events.close();
  }
});

test('bytes, calls per endpoint and retries by status are counted, and read at scrape time', async () => {
  const metrics = new ProxyMetrics({ defaultMetrics: false });
  try {
    const end = (endpoint: string, requestBytes: number, responseBytes: number): CallEndMessage => ({
      listener: 'grpc',
      service: 'a.B',
      method: 'C',
      traceparent: '',
      route: 'shop/orders',
      methodNaming: 'none',
      cluster: 'orders',
      endpoint,
      status: 0,
      retries: 0,
      durationMs: 1,
      requestBytes,
      responseBytes,
    });
    channels.callEnd.publish(end('10.0.0.1:50051', 10, 100));
    channels.callEnd.publish(end('10.0.0.1:50051', 5, 50));
    channels.callEnd.publish(end('10.0.0.2:50051', 1, 0));
    channels.retry.publish({ cluster: 'orders', endpoint: '10.0.0.1:50051', attempt: 1, status: 14 });
    expect(await samples(metrics, 'grpc_mesh_proxy_request_bytes_total')).toEqual(['grpc_mesh_proxy_request_bytes_total{listener="grpc",cluster="orders"} 16']);
    expect(await samples(metrics, 'grpc_mesh_proxy_response_bytes_total')).toEqual(['grpc_mesh_proxy_response_bytes_total{listener="grpc",cluster="orders"} 150']);
    expect(await samples(metrics, 'grpc_mesh_proxy_endpoint_calls_total')).toEqual([
      'grpc_mesh_proxy_endpoint_calls_total{cluster="orders",endpoint="10.0.0.1:50051"} 2',
      'grpc_mesh_proxy_endpoint_calls_total{cluster="orders",endpoint="10.0.0.2:50051"} 1',
    ]);
    expect(await samples(metrics, 'grpc_mesh_proxy_retries_by_status_total')).toEqual(['grpc_mesh_proxy_retries_by_status_total{cluster="orders",grpc_code="UNAVAILABLE"} 1']);
    // A second scrape adds nothing that was already counted.
    expect(await samples(metrics, 'grpc_mesh_proxy_request_bytes_total')).toEqual(['grpc_mesh_proxy_request_bytes_total{listener="grpc",cluster="orders"} 16']);
  } finally {
    metrics.close();
  }
});

describe('a real proxy', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  test('counts connections to an endpoint that refuses them, and calls its circuit breaker refuses', async () => {
    const metrics = new ProxyMetrics({ defaultMetrics: false });
    cleanup.add(() => metrics.close());
    const [backend] = await startBackends(1, cleanup);
    const refusing = await closedPort();
    const clusters: ProxyClusterConfig[] = [
      staticCluster('held', [backend], { circuitBreaker: { maxConcurrentCalls: 1, overflowStatus: 'UNAVAILABLE' } }),
      { name: 'refusing', discovery: { type: 'static', endpoints: [{ address: LOCAL, port: refusing }] } },
    ];
    const routes = [
      { name: 'held', rules: [{ matches: [{ method: { service: 'test.echo.Echo' } }], backendRefs: [{ name: 'held' }] }] },
      { name: 'refusing', rules: [{ backendRefs: [{ name: 'refusing' }] }] },
    ];
    const proxy = await startProxy(proxyConfig(clusters, routes), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // The refused connection: the call fails UNAVAILABLE after its transparent retries.
    const refused = await new Promise<number | undefined>((resolve) => client.makeUnaryRequest('/other.v1.Other/Do', (b: Buffer) => b, (b: Buffer) => b,
      Buffer.alloc(0), (error) => resolve(error?.code)));
    expect(refused).toBe(14);
    const failures = (await samples(metrics, 'grpc_mesh_proxy_upstream_connect_failures_total')).map((l) => /} (\d+)$/.exec(l)![1]);
    expect(failures.length).toBe(1);
    expect(Number(failures[0])).toBeGreaterThanOrEqual(1);

    // One call held by the backend fills the breaker; the next is refused with the overflow status.
    const held = client.Unary({ message: 'held', delayMs: 60_000 }, new Metadata(), {}, () => undefined);
    await waitFor(() => proxy.snapshot().clusters.held.activeCalls === 1, 10_000, 'the held call');
    const overflow = await unary(client, { message: 'over' });
    held.cancel();
    expect(overflow.code).toBe(14);
    expect(await samples(metrics, 'grpc_mesh_proxy_circuit_breaker_overflows_total'))
      .toEqual(['grpc_mesh_proxy_circuit_breaker_overflows_total{cluster="held"} 1']);
  });
});

describe('an endpoint that dies and comes back', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  test('is logged and counted: its lost connection with the calls in flight, unreachable with why, reachable again', async () => {
    const metrics = new ProxyMetrics({ defaultMetrics: false });
    cleanup.add(() => metrics.close());
    const { lines, logger } = collector();
    const events = new EventLog(logger);
    cleanup.add(() => events.close());
    let backend = await BackendProcess.start('b1', 0);
    cleanup.add(() => backend.kill());
    const proxy = await startProxy(proxyConfig([{ name: 'echo', discovery: { type: 'static', endpoints: [{ address: LOCAL, port: backend.port }] } }]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    expect((await unary(client, {})).code).toBe(0);

    // WHEN the backend dies (SIGKILL) with a call in flight
    const held = unary(client, { delayMs: 60_000 });
    await waitFor(() => proxy.snapshot().clusters.echo.activeCalls === 1, 10_000, 'the held call');
    await backend.kill();

    // THEN the call fails UNAVAILABLE, the lost connection is logged with it and counted, and the endpoint is
    // logged unreachable (connection refused) once the proxy tries to reconnect
    expect((await held).code).toBe(14);
    await waitFor(() => lines.some((l) => l.msg.startsWith('endpoint unreachable')), 10_000, 'the unreachable line');
    const endpoint = `${LOCAL}:${backend.port}`;
    expect(lines.find((l) => l.msg === 'connection to endpoint lost')).toEqual({ level: 'warn', msg: 'connection to endpoint lost', fields: { cluster: 'echo', endpoint, callsInFlight: 1 } });
    expect(lines.find((l) => l.msg.startsWith('endpoint unreachable'))).toMatchObject({
      level: 'warn', fields: { cluster: 'echo', endpoint, error: expect.stringContaining('ECONNREFUSED') },
    });
    expect(await samples(metrics, 'grpc_mesh_proxy_upstream_connections_lost_total')).toEqual(['grpc_mesh_proxy_upstream_connections_lost_total{cluster="echo"} 1']);

    // WHEN it comes back on the same address, THEN the proxy reconnects by itself and says so
    backend = await BackendProcess.start('b1-again', backend.port);
    await waitFor(() => lines.some((l) => l.msg === 'endpoint reachable again'), 10_000, 'the reachable line');
    expect((await unary(client, {})).replies[0].backend).toBe('b1-again');
  });
});

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
