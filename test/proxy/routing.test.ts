import { Cleanup, echoClient, LOCAL, proxyConfig, proxyPort, startBackends, startProxy, staticCluster, unary, waitFor } from './harness';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('routing', () => {
  test('answers UNIMPLEMENTED when no rule matches the call', async () => {
    const backends = await startBackends(1, cleanup);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends)], [{
      name: 'other', rules: [{ matches: [{ method: { service: 'other.v1.Other' } }], backendRefs: [{ name: 'echo' }] }],
    }]), cleanup);
    const outcome = await unary(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), {});
    expect([outcome.code, outcome.details]).toEqual([12, 'no route rule matches the call']);
    expect(backends[0].totalCalls).toBe(0);
  });

  test('answers UNIMPLEMENTED when no route serves the host of the call', async () => {
    const backends = await startBackends(1, cleanup);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends)], [{
      name: 'hosted', hostnames: ['api.example.com'], rules: [{ backendRefs: [{ name: 'echo' }] }],
    }]), cleanup);
    const outcome = await unary(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), {});
    expect([outcome.code, outcome.details]).toEqual([12, 'no route serves the host of the call']);

    const hosted = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup, { 'grpc.default_authority': 'api.example.com' });
    expect((await unary(hosted, {})).code).toBe(0);
  });

  test('answers UNAVAILABLE when every weight of the matched rule is zero', async () => {
    const backends = await startBackends(1, cleanup);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends)], [{
      name: 'zero', rules: [{ backendRefs: [{ name: 'echo', weight: 0 }] }],
    }]), cleanup);
    const outcome = await unary(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), {});
    expect([outcome.code, outcome.details]).toEqual([14, 'rule 0 of route default/zero has no backend with a weight above 0']);
  });

  test('answers UNAVAILABLE for the share of a backend that names no cluster', async () => {
    const backends = await startBackends(1, cleanup);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends)], [{
      name: 'broken', rules: [{ backendRefs: [{ name: 'missing' }] }],
    }]), cleanup);
    expect((await unary(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), {})).code).toBe(14);
  });

  test('answers UNAVAILABLE when the cluster has no endpoint', async () => {
    const proxy = await startProxy(proxyConfig([{ name: 'empty', discovery: { type: 'static', endpoints: [] } }]), cleanup);
    const outcome = await unary(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), {});
    expect([outcome.code, outcome.details]).toEqual([14, 'no endpoint of cluster "empty" is available']);
  });

  test.each([
    ['UNAVAILABLE', 14],
    ['RESOURCE_EXHAUSTED', 8],
  ] as const)('answers calls over the circuit breaker limit with its overflow status (%s)', async (overflowStatus, code) => {
    // GIVEN a cluster limited to 2 calls in flight, with 2 slow calls in flight
    const backends = await startBackends(1, cleanup);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { circuitBreaker: { maxConcurrentCalls: 2, overflowStatus } })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    const slow = [unary(client, { delayMs: 3000 }), unary(client, { delayMs: 3000 })];
    await waitFor(() => proxy.snapshot().clusters.echo.activeCalls === 2, 10_000, 'the two slow calls in flight');

    // WHEN a third call comes
    const overflow = await unary(client, {});

    // THEN it gets the overflow status at once, and the others finish; then calls go through again
    expect([overflow.code, overflow.details]).toEqual([code, 'cluster "echo" has 2 calls in flight, its circuit breaker\'s limit']);
    expect((await Promise.all(slow)).map((o) => o.code)).toEqual([0, 0]);
    expect((await unary(client, {})).code).toBe(0);
  });

  test('applies the rule\'s request and response header modifiers', async () => {
    // GIVEN a rule that sets, adds and removes request and response headers
    const backends = await startBackends(1, cleanup);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends)], [{
      name: 'filters',
      rules: [{
        filters: [
          {
            type: 'RequestHeaderModifier',
            requestHeaderModifier: {
              set: [{ name: 'X-Set', value: 'set-by-proxy' }],
              add: [{ name: 'x-add', value: 'added' }],
              remove: ['x-secret'],
            },
          },
          {
            type: 'ResponseHeaderModifier',
            responseHeaderModifier: { set: [{ name: 'x-served-by', value: 'proxy' }], remove: ['x-backend'] },
          },
        ],
        backendRefs: [{ name: 'echo', filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-backend-filter', value: 'yes' }] } }] }],
      }],
    }]), cleanup);

    // WHEN a call with headers to set, add to and remove goes through
    const outcome = await unary(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), {}, {
      metadata: { 'x-set': 'from-client', 'x-add': 'from-client', 'x-secret': 'hunter2' },
    });

    // THEN the backend saw the modified request headers, and the client the modified response headers
    const seen = outcome.replies[0].metadata;
    expect(seen).toMatchObject({ 'x-set': 'set-by-proxy', 'x-add': 'from-client,added', 'x-backend-filter': 'yes' });
    expect(seen['x-secret']).toBeUndefined();
    expect(outcome.metadata).toEqual({ 'x-served-by': 'proxy' });
  });

  test('propagates a valid traceparent and tracestate, and creates a traceparent when missing or invalid', async () => {
    const backends = await startBackends(1, cleanup);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends)]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    const kept = (await unary(client, {}, { metadata: { traceparent: valid, tracestate: 'vendor=1' } })).replies[0].metadata;
    const created = (await unary(client, {})).replies[0].metadata;
    const replaced = (await unary(client, {}, { metadata: { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' } })).replies[0].metadata;

    expect(kept).toMatchObject({ traceparent: valid, tracestate: 'vendor=1' });
    expect(created.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(replaced.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(replaced.traceparent).not.toContain('00000000000000000000000000000000');
  });
});
