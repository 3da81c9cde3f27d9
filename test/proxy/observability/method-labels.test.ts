/**
 * Metric labels are bounded by the config, not by clients: a real proxy counts calls under the gRPC method names
 * the matched rule names exactly, and every other call (here 500 made-up methods through a catch-all route) under
 * `other`/`other`, so `/metrics` does not grow with what clients send.
 */
import { ProxyMetrics } from '../../../src/proxy/observability/metrics';
import { catchAllRoute, Cleanup, echoClient, LOCAL, proxyConfig, proxyPort, startBackends, startProxy, staticCluster, unary } from '../harness';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Calls `path` with an empty message, whatever the answer. */
function call(client: ReturnType<typeof echoClient>, path: string): Promise<void> {
  return new Promise((resolve) => client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), () => resolve()));
}

test('500 calls to made-up methods through a catch-all route add no series; a method a rule names is labelled by name', async () => {
  const metrics = new ProxyMetrics({ defaultMetrics: false });
  cleanup.add(() => metrics.close());
  const backends = await startBackends(1, cleanup);
  const named = { name: 'unary', rules: [{ matches: [{ method: { service: 'test.echo.Echo', method: 'Unary' } }], backendRefs: [{ name: 'echo' }] }] };
  const proxy = await startProxy(proxyConfig([staticCluster('echo', backends)], [named, catchAllRoute('echo')]), cleanup);
  const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

  await unary(client, { message: 'hello' });
  for (let i = 0; i < 10; i++) await call(client, `/made.up.Service${i}/Method${i}`);
  const linesAfter10 = (await metrics.text()).split('\n').length;
  for (let i = 10; i < 500; i++) await call(client, `/made.up.Service${i}/Method${i}`);
  const text = await metrics.text();

  expect(text.split('\n').length).toBe(linesAfter10);
  expect(text.split('\n').filter((l) => l.startsWith('grpc_mesh_proxy_calls_total{'))).toEqual([
    'grpc_mesh_proxy_calls_total{listener="grpc",grpc_service="test.echo.Echo",grpc_method="Unary",grpc_code="OK",cluster="echo"} 1',
    // The echo backend answers UNIMPLEMENTED for methods it does not have: all 500 under one series.
    'grpc_mesh_proxy_calls_total{listener="grpc",grpc_service="other",grpc_method="other",grpc_code="UNIMPLEMENTED",cluster="echo"} 500',
  ]);
});
