import { createServer, type AddressInfo } from 'node:net';
import { bidi, Cleanup, clientStream, echoClient, LOCAL, proxyConfig, proxyPort, startBackends, startProxy, staticCluster, unary, waitFor } from './harness';
import type { ProxyRouteConfig } from '../../src/core/proxy-config';
import type { HTTPRequestMirrorFilter } from '../../src/routing';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A route sending every call to `main` and mirroring it to `shadow`. */
function mirroredRoute(mirror: Partial<HTTPRequestMirrorFilter> = {}): ProxyRouteConfig {
  return {
    name: 'mirrored',
    rules: [{
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow' }, ...mirror } }],
      backendRefs: [{ name: 'main' }],
    }],
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('RequestMirror', () => {
  test('copies every call of the rule to the mirror cluster, with its metadata, and answers from the backend only', async () => {
    const [main] = await startBackends(1, cleanup, 'm');
    const [shadow] = await startBackends(1, cleanup, 's');
    const proxy = await startProxy(proxyConfig([staticCluster('main', [main]), staticCluster('shadow', [shadow])], [mirroredRoute()]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => unary(client, { message: `m${i}` }, { metadata: { 'x-user': 'u1' } })));

    expect(outcomes.map((o) => [o.code, o.replies[0]?.backend])).toEqual(outcomes.map(() => [0, 'm1']));
    expect(main.calls.Unary).toBe(50);
    await waitFor(() => shadow.calls.Unary === 50, 10_000, 'the mirror to receive 50 copies');
    expect(shadow.lastMetadata?.get('x-user')).toEqual(['u1']);
  });

  test('mirrors the share of calls set by percent (30 % of 1,000 calls)', async () => {
    const [main] = await startBackends(1, cleanup, 'm');
    const [shadow] = await startBackends(1, cleanup, 's');
    const proxy = await startProxy(proxyConfig([staticCluster('main', [main]), staticCluster('shadow', [shadow])], [mirroredRoute({ percent: 30 })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 100 }, () => unary(client, {})));
    await waitFor(() => proxy.activeCalls === 0, 10_000, 'the mirrors to finish');
    console.log(`30 % mirror: ${shadow.calls.Unary} of 1,000 calls copied`);
    expect(shadow.calls.Unary).toBeGreaterThanOrEqual(240);
    expect(shadow.calls.Unary).toBeLessThanOrEqual(360);
  });

  test('never fails a call because of its mirror: unreachable, or answering with errors', async () => {
    const [main] = await startBackends(1, cleanup, 'm');
    const [failing] = await startBackends(1, cleanup, 's');
    failing.failWith = { code: 13, afterHeaders: false };
    const unreachable = { name: 'shadow', discovery: { type: 'static' as const, endpoints: [{ address: LOCAL, port: await closedPort() }] } };
    for (const shadowCluster of [unreachable, staticCluster('shadow', [failing])]) {
      const proxy = await startProxy(proxyConfig([staticCluster('main', [main]), shadowCluster], [mirroredRoute()]), cleanup);
      const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
      const outcomes = await Promise.all(Array.from({ length: 100 }, () => unary(client, {})));
      expect(outcomes.filter((o) => o.code !== 0)).toEqual([]);
    }
    expect(failing.calls.Unary).toBe(100);
  });

  test('copies a client-streaming call, and cancels the mirror when the client cancels the call', async () => {
    const [main] = await startBackends(1, cleanup, 'm');
    const [shadow] = await startBackends(1, cleanup, 's');
    const proxy = await startProxy(proxyConfig([staticCluster('main', [main]), staticCluster('shadow', [shadow])], [mirroredRoute()]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    const streamed = await clientStream(client, [{ message: 'a' }, { message: 'b' }, { message: 'c' }]);
    expect(streamed.code).toBe(0);
    await waitFor(() => shadow.calls.ClientStream === 1, 10_000, 'the mirror to receive the client stream');

    const cancelledBefore = shadow.cancelled;
    const cancelled = await bidi(client, [{ message: 'x', delayMs: 1000 }], { cancelAfterMs: 100 });
    expect(cancelled.code).toBe(1);
    await waitFor(() => shadow.cancelled > cancelledBefore, 10_000, 'the mirror to be cancelled with the call');
  });
});
