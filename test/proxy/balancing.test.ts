import { Cleanup, echoClient, LOCAL, proxyConfig, proxyPort, shares, startBackends, startProxy, staticCluster, unary, unaryLoad } from './harness';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('balancing', () => {
  test.each(['ROUND_ROBIN', 'LEAST_REQUEST'] as const)(
    'spreads 3,000 unary calls of one client connection over three backends, 33 %% ± 3 points each (%s)', async (loadBalancer) => {
      // GIVEN three backends behind the proxy, and ONE client connection to the proxy
      const backends = await startBackends(3, cleanup);
      const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { loadBalancer })]), cleanup);
      const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

      // WHEN it makes 3,000 calls, 32 at a time
      const outcomes = await unaryLoad(client, 3000, 32);

      // THEN every call succeeds and each backend served a third of them
      expect(outcomes.filter((o) => o.code !== 0)).toEqual([]);
      const share = shares(outcomes);
      console.log(`${loadBalancer} shares over 3,000 calls: ${JSON.stringify(share)}`);
      expect(Object.keys(share).sort()).toEqual(['b1', 'b2', 'b3']);
      for (const value of Object.values(share)) expect(Math.abs(value - 100 / 3)).toBeLessThanOrEqual(3);
    });

  test('sends 10 % ± 1.5 points of 10,000 calls to the canary of a 90/10 rule, and a header-forced call always reaches it', async () => {
    // GIVEN a stable and a canary cluster, a 90/10 rule, and a rule that forces the canary by header
    const [stable] = await startBackends(1, cleanup, 'stable');
    const [canary] = await startBackends(1, cleanup, 'canary');
    const proxy = await startProxy(proxyConfig(
      [staticCluster('stable', [stable]), staticCluster('canary', [canary])],
      [{
        name: 'split',
        rules: [
          { matches: [{ headers: [{ name: 'x-canary', value: 'always' }] }], backendRefs: [{ name: 'canary' }] },
          { backendRefs: [{ name: 'stable', weight: 90 }, { name: 'canary', weight: 10 }] },
        ],
      }],
    ), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // WHEN 10,000 calls go through, then 200 with the header
    const outcomes = await unaryLoad(client, 10_000, 64);
    const forced = await unaryLoad(client, 200, 32, () => ({}), { metadata: { 'x-canary': 'always' } });

    // THEN the canary got 10 % of the first, and every forced one
    expect(outcomes.filter((o) => o.code !== 0)).toEqual([]);
    const share = shares(outcomes);
    console.log(`90/10 split over 10,000 calls: ${JSON.stringify(share)}`);
    expect(Math.abs(share.canary1 - 10)).toBeLessThanOrEqual(1.5);
    expect(shares(forced)).toEqual({ canary1: 100 });
  });

  test('routes by method to another cluster', async () => {
    const [a] = await startBackends(1, cleanup, 'a');
    const [b] = await startBackends(1, cleanup, 'b');
    const proxy = await startProxy(proxyConfig(
      [staticCluster('a', [a]), staticCluster('b', [b])],
      [{
        name: 'by-method',
        rules: [
          { matches: [{ method: { service: 'test.echo.Echo', method: 'Unary' } }], backendRefs: [{ name: 'b' }] },
          { backendRefs: [{ name: 'a' }] },
        ],
      }],
    ), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    expect((await unary(client, {})).replies[0].backend).toBe('b1');
  });
});
