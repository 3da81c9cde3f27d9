import { methodNaming, namedMethodsOf } from '../../../src/proxy/forward/named-methods';
import { channels, type CallEndMessage } from '../../../src/proxy/observability/channels';
import { ProxyMetrics } from '../../../src/proxy/observability/metrics';
import { MethodLabelCap } from '../../../src/proxy/observability/metrics-label-cap';
import type { EndpointSnapshot } from '../../../src/proxy/proxy-snapshot';

const CALL = { listener: 'grpc', service: 'user.v1.UserService', method: 'GetUser', traceparent: '' };

function ended(overrides: Partial<CallEndMessage> = {}): CallEndMessage {
  return {
    ...CALL,
    route: 'app/users',
    methodNaming: 'method',
    cluster: 'users',
    endpoint: '10.0.0.1:50051',
    status: 0,
    retries: 0,
    durationMs: 3,
    requestBytes: 10,
    responseBytes: 20,
    ...overrides,
  };
}

/** The sample lines of the metrics named `name` (no HELP/TYPE lines). */
async function samples(metrics: ProxyMetrics, name: string): Promise<string[]> {
  return (await metrics.text()).split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('ProxyMetrics', () => {
  let metrics: ProxyMetrics;
  beforeEach(() => (metrics = new ProxyMetrics({ defaultMetrics: false })));
  afterEach(() => metrics.close());

  test('counts finished calls by listener, service, method, status name and cluster', async () => {
    channels.callEnd.publish(ended());
    channels.callEnd.publish(ended());
    channels.callEnd.publish(ended({ status: 14, cluster: 'users-canary' }));
    channels.callEnd.publish(ended({ route: undefined, methodNaming: 'none', cluster: undefined, endpoint: undefined, status: 12, service: 'x.Y', method: 'Z' }));
    expect(await samples(metrics, 'grpc_mesh_proxy_calls_total')).toEqual([
      'grpc_mesh_proxy_calls_total{listener="grpc",grpc_service="user.v1.UserService",grpc_method="GetUser",grpc_code="OK",cluster="users"} 2',
      'grpc_mesh_proxy_calls_total{listener="grpc",grpc_service="user.v1.UserService",grpc_method="GetUser",grpc_code="UNAVAILABLE",cluster="users-canary"} 1',
      'grpc_mesh_proxy_calls_total{listener="grpc",grpc_service="other",grpc_method="other",grpc_code="UNIMPLEMENTED",cluster=""} 1',
    ]);
  });

  test('observes call durations in seconds into RPC-sized buckets', async () => {
    channels.callEnd.publish(ended({ durationMs: 3 }));
    channels.callEnd.publish(ended({ durationMs: 1500 }));
    const lines = await samples(metrics, 'grpc_mesh_proxy_call_duration_seconds_bucket');
    const labels = 'listener="grpc",grpc_service="user.v1.UserService",grpc_method="GetUser",cluster="users"';
    expect(lines).toEqual([
      ['0.0005', 0], ['0.001', 0], ['0.0025', 0], ['0.005', 1], ['0.01', 1], ['0.025', 1], ['0.05', 1], ['0.1', 1], ['0.25', 1],
      ['0.5', 1], ['1', 1], ['2.5', 2], ['5', 2], ['10', 2], ['30', 2], ['60', 2], ['300', 2], ['+Inf', 2],
    ].map(([le, count]) => `grpc_mesh_proxy_call_duration_seconds_bucket{le="${le}",${labels}} ${count}`));
    expect(await samples(metrics, 'grpc_mesh_proxy_call_duration_seconds_sum')).toEqual([`grpc_mesh_proxy_call_duration_seconds_sum{${labels}} 1.503`]);
  });

  test('gauges calls in flight per listener, never below zero', async () => {
    channels.callStart.publish(CALL);
    channels.callStart.publish(CALL);
    channels.callStart.publish({ ...CALL, listener: 'tls' });
    channels.callEnd.publish(ended());
    expect(await samples(metrics, 'grpc_mesh_proxy_active_calls')).toEqual([
      'grpc_mesh_proxy_active_calls{listener="grpc"} 1',
      'grpc_mesh_proxy_active_calls{listener="tls"} 1',
    ]);
    channels.callEnd.publish(ended({ listener: 'tls' }));
    channels.callEnd.publish(ended({ listener: 'tls' }));
    expect(await samples(metrics, 'grpc_mesh_proxy_active_calls')).toEqual([
      'grpc_mesh_proxy_active_calls{listener="grpc"} 1',
      'grpc_mesh_proxy_active_calls{listener="tls"} 0',
    ]);
  });

  test('tracks endpoints and their health, forgetting removed endpoints', async () => {
    channels.endpoints.publish({ cluster: 'users', endpoints: ['10.0.0.1:50051', '10.0.0.2:50051'] });
    channels.endpointHealth.publish({ cluster: 'users', endpoint: '10.0.0.2:50051', healthy: false });
    expect(await samples(metrics, 'grpc_mesh_proxy_endpoints')).toEqual(['grpc_mesh_proxy_endpoints{cluster="users"} 2']);
    expect(await samples(metrics, 'grpc_mesh_proxy_endpoint_healthy')).toEqual([
      'grpc_mesh_proxy_endpoint_healthy{cluster="users",endpoint="10.0.0.1:50051"} 1',
      'grpc_mesh_proxy_endpoint_healthy{cluster="users",endpoint="10.0.0.2:50051"} 0',
    ]);
    channels.endpoints.publish({ cluster: 'users', endpoints: ['10.0.0.2:50051', '10.0.0.3:50051'] });
    channels.endpointHealth.publish({ cluster: 'users', endpoint: '10.0.0.1:50051', healthy: true });
    expect(await samples(metrics, 'grpc_mesh_proxy_endpoint_healthy')).toEqual([
      'grpc_mesh_proxy_endpoint_healthy{cluster="users",endpoint="10.0.0.2:50051"} 0',
      'grpc_mesh_proxy_endpoint_healthy{cluster="users",endpoint="10.0.0.3:50051"} 1',
    ]);
  });

  test('counts the endpoints of each cluster that may take calls, read from the proxy\'s state when scraped', async () => {
    expect(await samples(metrics, 'grpc_mesh_proxy_ready_endpoints')).toEqual([]);
    const endpoint = (port: number, state: Partial<EndpointSnapshot> = {}): EndpointSnapshot => ({
      address: '10.0.0.1', port, healthy: true, ejected: false, reachable: true, draining: false, activeCalls: 0, connections: 1, ...state,
    });
    let users = [
      endpoint(1), endpoint(2, { healthy: false }), endpoint(3, { ejected: true }),
      endpoint(4, { reachable: false }), endpoint(5, { draining: true }),
    ];
    metrics.readEndpointsFrom(() => ({
      clusters: {
        users: { ready: true, panic: false, activeCalls: 0, endpoints: users },
        orders: { ready: true, panic: false, activeCalls: 0, endpoints: [] },
      },
    }));
    expect(await samples(metrics, 'grpc_mesh_proxy_ready_endpoints')).toEqual([
      'grpc_mesh_proxy_ready_endpoints{cluster="users"} 1',
      'grpc_mesh_proxy_ready_endpoints{cluster="orders"} 0',
    ]);
    users = [endpoint(1, { reachable: false })];
    expect(await samples(metrics, 'grpc_mesh_proxy_ready_endpoints')).toEqual([
      'grpc_mesh_proxy_ready_endpoints{cluster="users"} 0',
      'grpc_mesh_proxy_ready_endpoints{cluster="orders"} 0',
    ]);
  });

  test('counts retries, ejections (not returns) and config loads by result', async () => {
    channels.retry.publish({ cluster: 'users', endpoint: '10.0.0.1:50051', attempt: 1, status: 14 });
    channels.endpointEjection.publish({ cluster: 'users', endpoint: '10.0.0.1:50051', ejected: true });
    channels.endpointEjection.publish({ cluster: 'users', endpoint: '10.0.0.1:50051', ejected: false });
    channels.config.publish({ ok: true });
    channels.config.publish({ ok: false, error: 'bad' });
    channels.config.publish({ ok: false, error: 'bad' });
    expect(await samples(metrics, 'grpc_mesh_proxy_retries_total')).toEqual(['grpc_mesh_proxy_retries_total{cluster="users"} 1']);
    expect(await samples(metrics, 'grpc_mesh_proxy_ejections_total')).toEqual(['grpc_mesh_proxy_ejections_total{cluster="users"} 1']);
    expect(await samples(metrics, 'grpc_mesh_proxy_config_reloads_total')).toEqual([
      'grpc_mesh_proxy_config_reloads_total{result="success"} 1',
      'grpc_mesh_proxy_config_reloads_total{result="failure"} 2',
    ]);
  });

  test('gauges client connections per listener and counts closed ones by reason, refused ones included', async () => {
    channels.connectionOpen.publish({ listener: 'grpc' });
    channels.connectionOpen.publish({ listener: 'grpc' });
    channels.connectionOpen.publish({ listener: 'grpc' });
    channels.connectionClose.publish({ listener: 'grpc', reason: 'idle' });
    channels.connectionClose.publish({ listener: 'grpc', reason: 'rapid_reset' });
    channels.connectionClose.publish({ listener: 'grpc', reason: 'connection_limit' });
    expect(await samples(metrics, 'grpc_mesh_proxy_connections')).toEqual(['grpc_mesh_proxy_connections{listener="grpc"} 1']);
    expect(await samples(metrics, 'grpc_mesh_proxy_connections_closed_total')).toEqual([
      'grpc_mesh_proxy_connections_closed_total{listener="grpc",reason="idle"} 1',
      'grpc_mesh_proxy_connections_closed_total{listener="grpc",reason="rapid_reset"} 1',
      'grpc_mesh_proxy_connections_closed_total{listener="grpc",reason="connection_limit"} 1',
    ]);
  });

  test('starts the reload counters at zero so that rates work from the first scrape', async () => {
    expect(await samples(metrics, 'grpc_mesh_proxy_config_reloads_total')).toEqual([
      'grpc_mesh_proxy_config_reloads_total{result="success"} 0',
      'grpc_mesh_proxy_config_reloads_total{result="failure"} 0',
    ]);
  });

  test('labels methods beyond the cap, and malformed names, as other', async () => {
    metrics.close();
    metrics = new ProxyMetrics({ defaultMetrics: false, maxMethodLabels: 2 });
    for (const method of ['A', 'B', 'C', 'D', 'A']) channels.callEnd.publish(ended({ method }));
    channels.callEnd.publish(ended({ service: 'not a service', method: 'B' }));
    const labels = (await samples(metrics, 'grpc_mesh_proxy_calls_total')).map((l) => /grpc_method="(\w+)".* (\d+)$/.exec(l)!.slice(1).join('='));
    expect(labels).toEqual(['A=2', 'B=1', 'other=3']);
  });

  test('stops counting once closed, and leaves the global registry empty', async () => {
    metrics.close();
    channels.callEnd.publish(ended());
    expect(await samples(metrics, 'grpc_mesh_proxy_calls_total')).toEqual([]);
    const { register } = await import('prom-client');
    expect(await register.metrics()).toBe('\n');
  });

  test('exposes Node process metrics unless told not to', async () => {
    const withDefaults = new ProxyMetrics();
    try {
      const text = await withDefaults.text();
      expect(text).toContain('\nprocess_cpu_user_seconds_total ');
      expect(text).toContain('\nnodejs_heap_size_used_bytes ');
    } finally {
      withDefaults.close();
    }
    expect(await metrics.text()).not.toContain('process_cpu_user_seconds_total');
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});

describe('MethodLabelCap', () => {
  test('names at most maxPairs pairs, only what the matched rule names, with well-formed names of at most 128 characters', () => {
    const cap = new MethodLabelCap(3);
    expect(cap.labels('a.B', 'C', 'method')).toEqual({ grpc_service: 'a.B', grpc_method: 'C' });
    expect(cap.labels('a.B', 'D', 'none')).toEqual({ grpc_service: 'other', grpc_method: 'other' });
    expect(cap.labels('a.B', 'Random123', 'service')).toEqual({ grpc_service: 'a.B', grpc_method: 'other' });
    expect(cap.labels('a.B', 'x'.repeat(129), 'method')).toEqual({ grpc_service: 'other', grpc_method: 'other' });
    expect(cap.labels('a.B', 'E/../F', 'method')).toEqual({ grpc_service: 'other', grpc_method: 'other' });
    expect(cap.labels('a.B', 'D', 'method')).toEqual({ grpc_service: 'a.B', grpc_method: 'D' });
    expect(cap.labels('a.B', 'E', 'method')).toEqual({ grpc_service: 'other', grpc_method: 'other' });
    expect(cap.labels('a.B', 'C', 'method')).toEqual({ grpc_service: 'a.B', grpc_method: 'C' });
    expect(cap.size).toBe(3);
  });
});

describe('namedMethodsOf and methodNaming', () => {
  test('a rule names the Exact service/method pairs and services of its matches; regular expressions and catch-alls name nothing', () => {
    const named = namedMethodsOf({
      matches: [
        { method: { service: 'user.v1.UserService', method: 'GetUser' } },
        { method: { type: 'Exact', service: 'order.v1.OrderService' } },
        { method: { type: 'RegularExpression', service: 'search\\..*', method: 'Find' } },
        { method: { method: 'Anything' } },
        { headers: [{ name: 'x-canary', value: 'always' }] },
      ],
    });
    expect([...named].sort()).toEqual(['order.v1.OrderService/', 'user.v1.UserService/GetUser']);
    expect(methodNaming(named, 'user.v1.UserService', 'GetUser')).toBe('method');
    expect(methodNaming(named, 'user.v1.UserService', 'MadeUp')).toBe('none');
    expect(methodNaming(named, 'order.v1.OrderService', 'PlaceOrder')).toBe('service');
    expect(methodNaming(named, 'search.v1.Search', 'Find')).toBe('none');
    expect(methodNaming(namedMethodsOf({ backendRefs: [] }), 'user.v1.UserService', 'GetUser')).toBe('none');
  });
});
