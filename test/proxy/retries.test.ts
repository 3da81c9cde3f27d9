import { Metadata } from '@grpc/grpc-js';
import { Backend, Cleanup, echoClient, failures, LOCAL, proxyConfig, proxyPort, serverStream, startBackends, startProxy, staticCluster, unary, unaryLoad, waitFor, type EchoReply } from './harness';
import type { ProxyClusterConfig } from '../../src/core/proxy-config';
import { channels, type RetryMessage } from '../../src/proxy/observability/channels';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const RETRY: ProxyClusterConfig['retry'] = { attempts: 2, on: [14], backoffBaseMs: 5, backoffMaxMs: 20, budgetPercent: 100 };

function recordRetries(): RetryMessage[] {
  const retries: RetryMessage[] = [];
  const onRetry = (message: unknown): void => void retries.push(message as RetryMessage);
  channels.retry.subscribe(onRetry);
  cleanup.add(() => channels.retry.unsubscribe(onRetry));
  return retries;
}

describe('retries', () => {
  test.each([
    ['in trailers, after response headers', true],
    ['in a trailers-only response', false],
  ])('retries on another endpoint a status sent %s', async (_where, afterHeaders) => {
    // GIVEN two backends, b1 answering UNAVAILABLE to everything, and retries on UNAVAILABLE
    const backends = await startBackends(2, cleanup);
    backends[0].failWith = { code: 14, afterHeaders };
    const retries = recordRetries();
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { loadBalancer: 'ROUND_ROBIN', retry: RETRY })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // WHEN 20 calls go through
    const outcomes = await unaryLoad(client, 20, 1);

    // THEN every call succeeds on b2, with b2's headers and trailers only, after one retry off each b1 try
    // (round robin goes on after the endpoint a retry used, so most calls try b1 first)
    expect(failures(outcomes)).toEqual([]);
    expect(outcomes.every((o) => o.replies[0].backend === 'b2' && o.metadata['x-backend'] === 'b2' && o.trailers['x-trailer'] === 'from-b2')).toBe(true);
    expect(backends[0].calls.Unary).toBeGreaterThanOrEqual(10);
    expect(retries).toHaveLength(backends[0].calls.Unary);
    expect(retries[0]).toEqual({ cluster: 'echo', endpoint: backends[0].address, attempt: 1, status: 14 });
  });

  test('does not retry once a message went downstream', async () => {
    // GIVEN a server stream that sends one message and then fails with UNAVAILABLE
    const backends = await startBackends(2, cleanup);
    const retries = recordRetries();
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { retry: RETRY })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // WHEN the client calls
    const outcome = await serverStream(client, { count: 1, status: 14, statusMessage: 'gone' });

    // THEN it gets the message and the status, and the call was made once
    expect([outcome.code, outcome.details, outcome.replies.length]).toEqual([14, 'gone', 1]);
    expect(backends[0].calls.ServerStream + backends[1].calls.ServerStream).toBe(1);
    expect(retries).toEqual([]);
  });

  test('gives up after the configured attempts and answers with the last status and trailers', async () => {
    const backends = await startBackends(2, cleanup);
    for (const backend of backends) backend.failWith = { code: 14, afterHeaders: true };
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { retry: RETRY })]), cleanup);
    const outcome = await unary(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), {});
    expect(outcome.code).toBe(14);
    expect(outcome.trailers['x-trailer']).toMatch(/^from-b[12]$/);
    expect(backends[0].calls.Unary + backends[1].calls.Unary).toBe(3);
  });

  test('does not retry a status the cluster does not retry on', async () => {
    const backends = await startBackends(2, cleanup);
    for (const backend of backends) backend.failWith = { code: 13, afterHeaders: false };
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { retry: RETRY })]), cleanup);
    expect((await unary(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), {})).code).toBe(13);
    expect(backends[0].calls.Unary + backends[1].calls.Unary).toBe(1);
  });

  test('retries a try that exceeds the per-try timeout on another endpoint', async () => {
    // GIVEN b1 taking 2 s per call, and a per-try timeout of 100 ms
    const backends = await startBackends(2, cleanup);
    backends[0].unaryDelayMs = 2000;
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, {
      loadBalancer: 'ROUND_ROBIN', retry: { ...RETRY, on: [], perTryTimeoutMs: 100 },
    })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // WHEN two calls go through (one lands on b1 first)
    const outcomes = await unaryLoad(client, 2, 2);

    // THEN both succeed on b2 (b1 would have answered after 2 s), and b1 saw its call cancelled
    expect(outcomes.map((o) => o.replies[0]?.backend)).toEqual(['b2', 'b2']);
    await waitFor(() => backends[0].cancelled === 1, 10_000, 'b1 to see its call cancelled');
  });

  test('retries on another endpoint a call whose upstream connection is lost while its request is still being sent', async () => {
    // GIVEN two backends and retries on UNAVAILABLE
    const backends = await startBackends(2, cleanup);
    const retries = recordRetries();
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { loadBalancer: 'ROUND_ROBIN', retry: RETRY })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // WHEN a client-streaming call has sent one message, and the backend that took it dies before the request ends
    let outcome: { code: number; reply?: EchoReply } | undefined;
    const call = client.ClientStream(new Metadata(), {}, (error, reply) => void (outcome = { code: error?.code ?? 0, reply }));
    call.write({ message: 'first' });
    await waitFor(() => backends.some((b) => b.calls.ClientStream > 0), 10_000, 'a backend to take the call');
    const first = backends.find((b) => b.calls.ClientStream > 0) as Backend;
    first.kill();
    await waitFor(() => retries.length > 0, 10_000, 'the retry');
    call.write({ message: 'second' });
    call.end();
    await waitFor(() => outcome !== undefined, 10_000, 'the answer');

    // THEN the other backend answered, having received both messages (the first one replayed)
    const other = backends.find((b) => b !== first) as Backend;
    expect(outcome).toMatchObject({ code: 0, reply: { backend: other.id, message: 'second', index: 2 } });
    expect(retries).toEqual([{ cluster: 'echo', endpoint: first.address, attempt: 1, status: 14 }]);
  });

  test('retries calls refused before any processing (connection refused) even without a retry policy', async () => {
    // GIVEN two endpoints, one of which refuses connections
    const backends = await startBackends(2, cleanup);
    backends[1].kill();
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { loadBalancer: 'ROUND_ROBIN' })]), cleanup);

    // WHEN calls go through
    const outcomes = await unaryLoad(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), 20, 2);

    // THEN none fails
    expect(failures(outcomes)).toEqual([]);
  });
});
