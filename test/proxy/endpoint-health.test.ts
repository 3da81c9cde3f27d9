import { Cleanup, echoClient, failures, LoadLoop, LOCAL, proxyConfig, proxyPort, startBackends, startProxy, staticCluster, unary, unaryLoad, waitFor } from './harness';
import { channels, type EndpointEjectionMessage, type EndpointHealthMessage } from '../../src/proxy/observability/channels';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Collects the messages of a channel during a test, each with the time it came (`at`, ms since the epoch). */
function record<T>(channel: typeof channels.endpointHealth): Array<T & { at: number }> {
  const messages: Array<T & { at: number }> = [];
  const onMessage = (message: unknown): void => void messages.push({ ...(message as T), at: Date.now() });
  channel.subscribe(onMessage);
  cleanup.add(() => channel.unsubscribe(onMessage));
  return messages;
}

const INTERVAL_MS = 200;
// A generous check timeout: a busy CI machine must not fail checks of healthy backends (a 1 s one did).
const HEALTH_CHECK = { intervalMs: INTERVAL_MS, timeoutMs: 5000, unhealthyThreshold: 1, healthyThreshold: 2, serviceName: '' };

describe('active health checks', () => {
  test('a NOT_SERVING backend is taken out at the first check that says so, gets no call after, and returns once SERVING', async () => {
    // GIVEN three backends checked every 200 ms, and steady load
    const backends = await startBackends(3, cleanup);
    const b2 = backends[1];
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { loadBalancer: 'ROUND_ROBIN', healthCheck: HEALTH_CHECK })]), cleanup);
    // What b2 had seen, and what the proxy had in flight to it, at the moment the proxy marked it unhealthy.
    let atMarking: { checks: number; calls: number; inFlight: number } | undefined;
    let flipped = false;
    const onHealth = (message: unknown): void => {
      const { endpoint, healthy } = message as EndpointHealthMessage;
      if (!flipped || endpoint !== b2.address || healthy || atMarking !== undefined) return;
      const inFlight = proxy.snapshot().clusters.echo.endpoints.find((e) => e.port === b2.port)?.activeCalls ?? 0;
      atMarking = { checks: b2.healthChecks, calls: b2.calls.Unary, inFlight };
    };
    channels.endpointHealth.subscribe(onHealth);
    cleanup.add(() => channels.endpointHealth.unsubscribe(onHealth));
    const load = new LoadLoop(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), 4, undefined, cleanup);
    await waitFor(() => b2.calls.Unary > 0, 10_000, 'b2 to serve');

    // WHEN b2 (healthy now) says NOT_SERVING
    await waitFor(() => proxy.snapshot().clusters.echo.endpoints[1].healthy, 10_000, 'b2 healthy');
    const checksAtFlip = b2.healthChecks;
    flipped = true;
    b2.serving = false;
    await waitFor(() => atMarking !== undefined, 10_000, 'b2 marked unhealthy');
    const marked = atMarking as { checks: number; calls: number; inFlight: number };
    const servedAtMarking = load.outcomes.length;
    await waitFor(() => load.outcomes.length >= servedAtMarking + 100, 10_000, '100 more calls');

    // THEN the first check answered NOT_SERVING marked it (one more may have been under way), and it got no call
    // the proxy had not already sent it
    console.log(`NOT_SERVING backend marked unhealthy after ${marked.checks - checksAtFlip} check(s) answered since the flip`);
    expect(marked.checks - checksAtFlip).toBeGreaterThanOrEqual(1);
    expect(marked.checks - checksAtFlip).toBeLessThanOrEqual(2);
    expect(b2.calls.Unary).toBeLessThanOrEqual(marked.calls + marked.inFlight);
    expect(proxy.snapshot().clusters.echo.endpoints[1]).toMatchObject({ healthy: false, ejected: false, draining: false });

    // WHEN it serves again, it gets calls after `healthyThreshold` passes
    const callsWhileUnhealthy = b2.calls.Unary;
    b2.serving = true;
    await waitFor(() => b2.calls.Unary > callsWhileUnhealthy, 10_000, 'b2 back in rotation');
    expect(failures(await load.stop())).toEqual([]);
  });

  test('fails open over every endpoint when all are unhealthy (panic mode)', async () => {
    const backends = await startBackends(2, cleanup);
    for (const backend of backends) backend.serving = false;
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, { healthCheck: HEALTH_CHECK })]), cleanup);
    await waitFor(() => proxy.snapshot().clusters.echo.panic, 10_000, 'panic mode');
    const outcomes = await unaryLoad(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), 40, 4);
    expect(failures(outcomes)).toEqual([]);
    expect(backends.every((b) => b.calls.Unary > 0)).toBe(true);
  });
});

describe('outlier ejection', () => {
  test('ejects a backend after consecutive INTERNAL answers, and sends it nothing while it is ejected', async () => {
    // GIVEN three backends, b2 answering INTERNAL to everything, and an ejection far longer than the test
    const backends = await startBackends(3, cleanup);
    backends[1].failWith = { code: 13, afterHeaders: false };
    const ejections = record<EndpointEjectionMessage>(channels.endpointEjection);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, {
      loadBalancer: 'ROUND_ROBIN',
      outlierDetection: { consecutiveErrors: 3, intervalMs: 50, baseEjectionTimeMs: 600_000, maxEjectionPercent: 50 },
    })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // WHEN 60 calls go through one at a time
    const outcomes = await unaryLoad(client, 60, 1);

    // THEN b2 failed exactly 3 calls, was ejected at the third, and the rest went to the others
    expect(outcomes.filter((o) => o.code === 13)).toHaveLength(3);
    expect(backends[1].calls.Unary).toBe(3);
    expect(ejections).toEqual([expect.objectContaining({ cluster: 'echo', endpoint: backends[1].address, ejected: true })]);
  });

  test('brings an ejected backend back after the ejection time', async () => {
    // GIVEN b2 answering INTERNAL and a short ejection time
    const backends = await startBackends(3, cleanup);
    backends[1].failWith = { code: 13, afterHeaders: false };
    const ejections = record<EndpointEjectionMessage>(channels.endpointEjection);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, {
      loadBalancer: 'ROUND_ROBIN',
      outlierDetection: { consecutiveErrors: 3, intervalMs: 50, baseEjectionTimeMs: 300, maxEjectionPercent: 50 },
    })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // WHEN calls go through one at a time until b2 is ejected
    for (let i = 0; i < 60 && ejections.length === 0; i++) await unary(client, {});
    expect(ejections[0]).toMatchObject({ cluster: 'echo', endpoint: backends[1].address, ejected: true });

    // THEN it returns once the ejection time has passed
    await waitFor(() => ejections.length >= 2, 10_000, 'the ejection to end');
    expect(ejections[1]).toMatchObject({ cluster: 'echo', endpoint: backends[1].address, ejected: false });
  });

  test('brings an ejected backend back as soon as it passes an active health check, long before its ejection time', async () => {
    // GIVEN b2 answering INTERNAL to calls while its health service says SERVING, a 10-minute ejection and health checks
    const backends = await startBackends(3, cleanup);
    backends[1].failWith = { code: 13, afterHeaders: false };
    const ejections = record<EndpointEjectionMessage>(channels.endpointEjection);
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, {
      loadBalancer: 'ROUND_ROBIN',
      healthCheck: HEALTH_CHECK,
      outlierDetection: { consecutiveErrors: 3, intervalMs: 50, baseEjectionTimeMs: 600_000, maxEjectionPercent: 50 },
    })]), cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // WHEN calls go through one at a time until b2 is ejected, and it recovers
    for (let i = 0; i < 60 && ejections.length === 0; i++) await unary(client, {});
    expect(ejections[0]).toMatchObject({ cluster: 'echo', endpoint: backends[1].address, ejected: true });
    backends[1].failWith = undefined;

    // THEN its next passed health check re-admits it (the ejection time is 10 minutes), and it gets calls again
    await waitFor(() => ejections.length >= 2, 10_000, 'the re-admission');
    expect(ejections[1]).toMatchObject({ cluster: 'echo', endpoint: backends[1].address, ejected: false });
    const before = backends[1].calls.Unary;
    await unaryLoad(client, 30, 1);
    expect(backends[1].calls.Unary - before).toBeGreaterThan(0);
  });

  test('never ejects more than maxEjectionPercent of the endpoints (but always one)', async () => {
    const backends = await startBackends(3, cleanup);
    for (const backend of backends) backend.failWith = { code: 14, afterHeaders: false };
    const proxy = await startProxy(proxyConfig([staticCluster('echo', backends, {
      outlierDetection: { consecutiveErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 10_000, maxEjectionPercent: 10 },
    })]), cleanup);
    await unaryLoad(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), 30, 1);
    expect(proxy.snapshot().clusters.echo.endpoints.filter((e) => e.ejected)).toHaveLength(1);
  });
});
