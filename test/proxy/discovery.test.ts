import { Backend, Cleanup, echoClient, failures, LoadLoop, LOCAL, proxyConfig, proxyPort, serverStream, sleep, startProxy, waitFor } from './harness';
import type { ProxyClusterConfig } from '../../src/core/proxy-config';
import type { EndpointSnapshot } from '../../src/proxy/balancer/cluster-balancer';
import { DEFAULT_DNS_REFRESH_INTERVAL_MS } from '../../src/proxy/defaults';
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
  test('a backend added to DNS receives calls before the next resolution (so within 2 s at the default 1 s refresh)', async () => {
    // GIVEN two backends in DNS, resolutions counted, and a client calling steadily
    const [b1, b2, b3] = await startDnsBackends(3);
    const records = [b1, b2];
    const answers: number[] = []; // per resolution: how many addresses it returned
    const dns = fakeDns(records);
    const lookup: typeof dns = async (hostname) => {
      const addresses = await dns(hostname);
      answers.push(addresses.length);
      return addresses;
    };
    const proxy = await startProxy(proxyConfig([dnsCluster(b1.port)]), cleanup, { lookup });
    const load = new LoadLoop(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), 4, undefined, cleanup);
    await waitFor(() => b1.calls.Unary > 0 && b2.calls.Unary > 0, 10_000, 'b1 and b2 to serve');

    // WHEN a third one appears in DNS
    records.push(b3);
    const elapsedMs = await waitFor(() => b3.calls.Unary > 0, 10_000, 'b3 to receive a call');
    const resolutionsWithB3 = answers.filter((n) => n === 3).length;
    const outcomes = await load.stop();

    // THEN the first resolution that lists it puts it in rotation: it served a call before a second one came, so
    // within one refresh interval (1 s by default) of the change plus a connection; and no call failed
    console.log(`new DNS backend got its first call after ${elapsedMs} ms, ${resolutionsWithB3} resolution(s) after it appeared`);
    expect(DEFAULT_DNS_REFRESH_INTERVAL_MS).toBe(1000);
    expect(resolutionsWithB3).toBe(1);
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
    await waitFor(() => backends[2].calls.ServerStream > 0, 10_000, 'a stream on b3');

    // WHEN b3 leaves DNS, and shuts down gracefully once the proxy stopped sending it calls
    records.splice(2, 1);
    const b3 = (): EndpointSnapshot | undefined =>
      proxy.snapshot().clusters.echo.endpoints.find((e) => e.port === backends[2].port && e.address === '127.0.0.4');
    await waitFor(() => b3()?.draining === true, 10_000, 'b3 draining');
    // Calls the proxy had already sent to b3 may still reach it: at most what it had in flight.
    const callsAtRemoval = backends[2].calls.Unary;
    const inFlightAtRemoval = b3()?.activeCalls ?? 0;
    const servedAtRemoval = load.outcomes.length;
    await waitFor(() => load.outcomes.length >= servedAtRemoval + 100, 10_000, '100 calls after the removal');
    const callsAfterRemoval = backends[2].calls.Unary - callsAtRemoval;
    const streamOutcomes = await Promise.all(streams);
    await backends[2].close();
    await sleep(200);
    const outcomes = await load.stop();

    // THEN no unary call failed, b3 got no call after its removal, and every stream got all its messages
    expect(failures(outcomes)).toEqual([]);
    expect(callsAfterRemoval).toBeLessThanOrEqual(inFlightAtRemoval);
    expect(streamOutcomes.map((o) => [o.code, o.replies.length])).toEqual(Array(6).fill([0, 10]));
    expect(streamOutcomes.some((o) => o.replies[0].backend === 'b3')).toBe(true);
  });

  test('a backend killed mid-load loses no idempotent unary call (retries on UNAVAILABLE), and is left out until it is back', async () => {
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
    await waitFor(() => backends.every((b) => b.calls.Unary > 0), 10_000, 'every backend to serve');

    // WHEN b2 dies (connections closed, new ones refused) while DNS still lists it
    backends[1].kill();
    const b2 = (): EndpointSnapshot | undefined => proxy.snapshot().clusters.echo.endpoints.find((e) => e.address === '127.0.0.3');
    await waitFor(() => b2()?.reachable === false, 10_000, 'b2 unreachable');
    const servedWhenUnreachable = load.outcomes.length;
    await waitFor(() => load.outcomes.length >= servedWhenUnreachable + 200, 30_000, '200 calls after b2 became unreachable');
    const outcomes = await load.stop();

    // THEN no call failed, the calls that had reached b2 were retried, and b2 is out as unreachable, not ejected
    // (a dead address costs no call: the pool reconnects in the background)
    console.log(`killed backend: ${retries.length} retries; b2 ${JSON.stringify(b2())}`);
    expect(failures(outcomes)).toEqual([]);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((r) => r.endpoint === `127.0.0.3:${backends[1].port}` && r.status === 14)).toBe(true);
    expect(b2()).toMatchObject({ reachable: false, ejected: false, unreachableReason: expect.stringContaining('ECONNREFUSED') });
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
