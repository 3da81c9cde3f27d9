import { Cleanup, echoClient, LOCAL, proxyConfig, proxyPort, startBackends, startProxy, staticCluster, unary, waitFor } from './harness';
import { channels, type CallEndMessage, type CallStartMessage, type EndpointsMessage } from '../../src/proxy/observability/channels';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function record<T>(channel: (typeof channels)[keyof typeof channels]): T[] {
  const messages: T[] = [];
  const onMessage = (message: unknown): void => void messages.push(message as T);
  channel.subscribe(onMessage);
  cleanup.add(() => channel.unsubscribe(onMessage));
  return messages;
}

describe('diagnostics channels', () => {
  test('publishes the endpoint set, and the start and end of every call with its route, cluster, endpoint, status and sizes', async () => {
    const endpoints = record<EndpointsMessage>(channels.endpoints);
    const starts = record<CallStartMessage>(channels.callStart);
    const ends = record<CallEndMessage>(channels.callEnd);
    const backends = await startBackends(1, cleanup);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends)], [{
      name: 'all', rules: [{ matches: [{ method: { service: 'test.echo.Echo' } }], backendRefs: [{ name: 'echo' }] }],
    }]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    await unary(client, { message: 'hello' }, { metadata: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    await new Promise((resolve) => client.makeUnaryRequest('/other.v1.Other/Do', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), resolve));
    await waitFor(() => ends.length === 2, 10_000, 'two call ends');

    expect(endpoints).toEqual([{ cluster: 'echo', endpoints: [backends[0].address] }]);
    expect(starts[0]).toEqual({
      listener: 'grpc', service: 'test.echo.Echo', method: 'Unary', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(ends[0]).toEqual({
      listener: 'grpc',
      service: 'test.echo.Echo',
      method: 'Unary',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      route: 'default/all',
      methodNaming: 'service', // the rule names the service, not the method
      cluster: 'echo',
      endpoint: backends[0].address,
      status: 0,
      retries: 0,
      durationMs: expect.any(Number),
      requestBytes: 12,
      responseBytes: expect.any(Number),
      remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(ends[0].responseBytes).toBeGreaterThan(20);
    expect(ends[1]).toEqual({
      listener: 'grpc',
      service: 'other.v1.Other',
      method: 'Do',
      traceparent: expect.stringMatching(/^00-/),
      methodNaming: 'none',
      status: 12,
      retries: 0,
      durationMs: expect.any(Number),
      requestBytes: 0,
      responseBytes: 0,
      remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
  });
});
