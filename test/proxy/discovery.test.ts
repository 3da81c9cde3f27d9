import { Backend, Cleanup, echoClient, failures, LoadLoop, LOCAL, proxyConfig, proxyPort, serverStream, sleep, startProxy, waitFor } from './harness';
import type { ProxyClusterConfig } from '../../src/core/proxy-config';
import { channels, type RetryMessage } from '../../src/proxy/observability/channels';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const HOSTNAME = 'echo.default.svc.cluster.local';

/** Backends on 127.0.0.2, .3, ... sharing one port, as the pods of a headless Service would. */
async function startDnsBackends(count: number): Promise<Backend[]> {
  const first = await Backend.start({ id: 'b1', host: '127.0.0.2' });
  cleanup.add(() => first.kill());
  const backends = [first];
  for (let i = 2; i <= count; i++) {
    const backend = await Backend.start({ id: `b${i}`, host: `127.0.0.${i + 1}`, port: first.port });
    cleanup.add(() => backend.kill());
    backends.push(backend);
  }
  return backends;
}

/** An injected DNS: `records` is what the name resolves to right now. */
function fakeDns(records: Backend[]): (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>> {
  return async (hostname) => {
    if (hostname !== HOSTNAME) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return records.map((b) => ({ address: b.host, family: 4 as const }));
  };
}

/** A DNS cluster retrying UNAVAILABLE; `refreshIntervalMs` undefined keeps the default (1 s). */
function dnsCluster(port: number, refreshIntervalMs?: number, extra: Partial<ProxyClusterConfig> = {}): ProxyClusterConfig {
  return {
    name: 'echo',
    discovery: { type: 'dns', hostname: HOSTNAME, port, refreshIntervalMs },
    loadBalancer: 'ROUND_ROBIN',
    retry: { attempts: 3, on: [14], backoffBaseMs: 10, backoffMaxMs: 100, budgetPercent: 100 },
    ...extra,
  };
}

describe('DNS discovery', () => {
  test('a backend added to DNS receives calls within 2 s (default 1 s refresh)', async () => {
    // GIVEN two backends in DNS and a client calling steadily
    const [b1, b2, b3] = await startDnsBackends(3);
    const records = [b1, b2];
    const proxy = await startProxy(proxyConfig([dnsCluster(b1.port)]), cleanup, { lookup: fakeDns(records) });
    const load = new LoadLoop(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), 4, undefined, cleanup);
    await sleep(100);

    // WHEN a third one appears in DNS
    records.push(b3);
    const elapsedMs = await waitFor(() => b3.calls.Unary > 0, 3000, 'b3 to receive a call');
    const outcomes = await load.stop();

    // THEN it gets calls within 2 s, and no call failed
    console.log(`new DNS backend got its first call after ${elapsedMs} ms`);
    expect(elapsedMs).toBeLessThan(2000);
    expect(failures(outcomes)).toEqual([]);
  });

  test('a backend removed from DNS loses no unary call, and its in-flight streams complete', async () => {
    // GIVEN three backends, steady unary load, and slow server streams in flight on every backend
    const backends = await startDnsBackends(3);
    const records = [...backends];
    const proxy = await startProxy(proxyConfig([dnsCluster(backends[0].port, 100)]), cleanup, { lookup: fakeDns(records) });
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    const load = new LoadLoop(client, 8, undefined, cleanup);
    const streams = Array.from({ length: 6 }, () => serverStream(client, { count: 10, delayMs: 80 }));
    await waitFor(() => backends[2].calls.ServerStream > 0, 2000, 'a stream on b3');

    // WHEN b3 leaves DNS, and shuts down gracefully once the proxy stopped sending it calls
    records.splice(2, 1);
    await waitFor(() => proxy.snapshot().clusters.echo.endpoints.some((e) => e.port === backends[2].port && e.address === '127.0.0.4' && e.draining),
      2000, 'b3 draining');
    const callsAtRemoval = backends[2].calls.Unary;
    await sleep(300);
    const callsAfterRemoval = backends[2].calls.Unary - callsAtRemoval;
    const streamOutcomes = await Promise.all(streams);
    await backends[2].close();
    await sleep(200);
    const outcomes = await load.stop();

    // THEN no unary call failed, b3 got no call after its removal, and every stream got all its messages
    expect(failures(outcomes)).toEqual([]);
    expect(callsAfterRemoval).toBe(0);
    expect(streamOutcomes.map((o) => [o.code, o.replies.length])).toEqual(Array(6).fill([0, 10]));
    expect(streamOutcomes.some((o) => o.replies[0].backend === 'b3')).toBe(true);
  });

  test('a backend killed mid-load loses no idempotent unary call (retries on UNAVAILABLE)', async () => {
    // GIVEN three backends and steady unary load, with retries on UNAVAILABLE and outlier ejection
    const backends = await startDnsBackends(3);
    const proxy = await startProxy(proxyConfig([dnsCluster(backends[0].port, 100, {
      outlierDetection: { consecutiveErrors: 3, intervalMs: 100, baseEjectionTimeMs: 5000, maxEjectionPercent: 50 },
    })]), cleanup, { lookup: fakeDns(backends) });
    const load = new LoadLoop(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), 16, undefined, cleanup);
    const retries: RetryMessage[] = [];
    const onRetry = (message: unknown): void => void retries.push(message as RetryMessage);
    channels.retry.subscribe(onRetry);
    cleanup.add(() => channels.retry.unsubscribe(onRetry));
    await sleep(300);

    // WHEN b2 dies (connections closed, new ones refused) while DNS still lists it
    backends[1].kill();
    const servedBefore = load.outcomes.length;
    await sleep(700);
    const outcomes = await load.stop();

    // THEN no call failed, and the others served the calls
    console.log(`killed backend: ${servedBefore} calls before, ${outcomes.length - servedBefore} after, ${retries.length} retries`);
    expect(failures(outcomes)).toEqual([]);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((r) => r.endpoint === `127.0.0.3:${backends[1].port}` && r.status === 14)).toBe(true);
    expect(outcomes.length - servedBefore).toBeGreaterThan(100);
    expect(proxy.snapshot().clusters.echo.endpoints.find((e) => e.address === '127.0.0.3')?.ejected).toBe(true);
  });

  test('a failed resolution keeps the last good endpoint set', async () => {
    const [b1] = await startDnsBackends(1);
    let fail = false;
    const lookup = async (hostname: string): Promise<Array<{ address: string; family: 4 | 6 }>> => {
      if (fail) throw new Error('SERVFAIL');
      return fakeDns([b1])(hostname);
    };
    const proxy = await startProxy(proxyConfig([dnsCluster(b1.port, 50)]), cleanup, { lookup });
    fail = true;
    await sleep(200);
    const load = new LoadLoop(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), 2, 50, cleanup);
    expect(failures(await load.stop())).toEqual([]);
    expect(proxy.snapshot().clusters.echo.endpoints.map((e) => e.address)).toEqual(['127.0.0.2']);
  });
});
