import { reconnectBackoffMs } from '../../../src/proxy/upstream/endpoint-pool';
import { Backend, Cleanup, echoClient, LOCAL, proxyConfig, proxyPort, startProxy, staticCluster, unary, unaryLoad } from '../harness';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('upstream connections', () => {
  test('opens another connection to an endpoint when the open ones reach its concurrent-stream limit, up to the maximum', async () => {
    // GIVEN a backend that takes 2 streams per connection, and at most 3 connections per endpoint
    const backend = await Backend.start({ id: 'b1', serverOptions: { 'grpc.max_concurrent_streams': 2 } });
    cleanup.add(() => backend.kill());
    const proxy = await startProxy(proxyConfig([staticCluster('echo', [backend], { maxConnectionsPerEndpoint: 3 })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    expect((await unary(client, {})).code).toBe(0);

    // WHEN 10 slow calls are in flight at once
    const outcomes = await unaryLoad(client, 10, 10, () => ({ delayMs: 200 }));

    // THEN all succeed, over 3 connections
    expect(outcomes.map((o) => o.code)).toEqual(Array(10).fill(0));
    expect(backend.peers.size).toBe(3);
    expect(proxy.snapshot().clusters.echo.endpoints[0].connections).toBe(3);
  });

  test('reconnects after the endpoint restarts', async () => {
    const first = await Backend.start({ id: 'b1' });
    const proxy = await startProxy(proxyConfig([staticCluster('echo', [first])]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    expect((await unary(client, {})).code).toBe(0);
    await first.close();
    const second = await Backend.start({ id: 'b1-again', port: first.port });
    cleanup.add(() => second.kill());
    expect((await unary(client, {})).replies[0].backend).toBe('b1-again');
  });
});

describe('reconnect backoff', () => {
  test('doubles from 200 ms per failure in a row up to 2.5 s, each wait spread by ±20 %', () => {
    const middle = [1, 2, 3, 4, 5, 6, 10].map((n) => reconnectBackoffMs(n, () => 0.5));
    expect(middle).toEqual([200, 400, 800, 1600, 2500, 2500, 2500]);
    expect(reconnectBackoffMs(1, () => 0)).toBeCloseTo(160);
    expect(reconnectBackoffMs(10, () => 0.999999)).toBeCloseTo(3000, 0);
  });
});
