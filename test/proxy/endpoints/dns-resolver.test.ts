import { DnsResolver } from '../../../src/proxy/endpoints/dns-resolver';
import type { EndpointAddress } from '../../../src/proxy/endpoints/resolver';
import { StaticResolver } from '../../../src/proxy/endpoints/static-resolver';
import { channels, type DnsResolutionMessage } from '../../../src/proxy/observability/channels';

type Answer = Array<{ address: string; family: 4 | 6 }> | Error;

interface Scripted {
  readonly resolver: DnsResolver;
  readonly published: string[][];
  readonly errors: string[];
  readonly lookups: () => number;
}

/** A resolver with a scripted lookup, and what it published. */
function scripted(answers: Answer[], refreshIntervalMs = 1000): Scripted {
  let calls = 0;
  const published: string[][] = [];
  const errors: string[] = [];
  const resolver = new DnsResolver({
    hostname: 'svc.local',
    port: 50051,
    refreshIntervalMs,
    lookup: async () => {
      const answer = answers[Math.min(calls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
  resolver.start({
    onEndpoints: (endpoints: readonly EndpointAddress[]) => published.push(endpoints.map((e) => `${e.address}:${e.port}`)),
    onResolutionError: (error) => errors.push(error.message),
  });
  return { resolver, published, errors, lookups: () => calls };
}

const A = { address: '10.0.0.1', family: 4 as const };
const B = { address: '10.0.0.2', family: 4 as const };

describe('DnsResolver', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('re-resolves every refreshIntervalMs and publishes only changes', async () => {
    const { resolver, published, lookups } = scripted([[A], [A], [B, A], [A, B, A]], 1000);
    await jest.advanceTimersByTimeAsync(0);
    expect(published).toEqual([['10.0.0.1:50051']]);
    await jest.advanceTimersByTimeAsync(999);
    expect(lookups()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(lookups()).toBe(2);
    await jest.advanceTimersByTimeAsync(2000);
    expect(published).toEqual([['10.0.0.1:50051'], ['10.0.0.1:50051', '10.0.0.2:50051']]);
    resolver.stop();
  });

  test('keeps the last good set when a resolution fails, and publishes an empty answer', async () => {
    const { resolver, published, errors } = scripted([[A, B], new Error('SERVFAIL'), new Error('ENOTFOUND'), []], 100);
    await jest.advanceTimersByTimeAsync(350);
    expect(errors).toEqual(['SERVFAIL', 'ENOTFOUND']);
    expect(published).toEqual([['10.0.0.1:50051', '10.0.0.2:50051'], []]);
    resolver.stop();
  });

  test('stops resolving when stopped, and its timer does not keep the process alive', async () => {
    const { resolver, lookups } = scripted([[A]], 100);
    await jest.advanceTimersByTimeAsync(0);
    resolver.stop();
    await jest.advanceTimersByTimeAsync(1000);
    expect(lookups()).toBe(1);
  });

  test('survives a lookup that throws synchronously', async () => {
    const errors: string[] = [];
    const resolver = new DnsResolver({ hostname: 'x', port: 1, refreshIntervalMs: 100, lookup: () => { throw new Error('boom'); } });
    resolver.start({ onEndpoints: () => undefined, onResolutionError: (e) => errors.push(e.message) });
    await jest.advanceTimersByTimeAsync(150);
    expect(errors).toEqual(['boom', 'boom']);
    resolver.stop();
  });
});

describe('DnsResolver with an absolute name (grpc-mesh writes Service names with a trailing dot)', () => {
  test('looks the name up as written, reports it as written, and keys endpoints by address and port', async () => {
    const hostname = 'users-headless.app.svc.cluster.local.';
    const asked: string[] = [];
    const reported: DnsResolutionMessage[] = [];
    const onDns = (m: unknown) => reported.push(m as DnsResolutionMessage);
    channels.dnsResolution.subscribe(onDns);
    const published: string[][] = [];
    const resolver = new DnsResolver({ hostname, port: 50051, lookup: async (name) => (asked.push(name), [A, B]) });
    try {
      resolver.start({ onEndpoints: (e) => published.push(e.map((x) => `${x.address}:${x.port}`)), onResolutionError: () => undefined });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      resolver.stop();
      channels.dnsResolution.unsubscribe(onDns);
    }
    expect(asked).toEqual([hostname]);
    expect(reported).toEqual([{ hostname, ok: true, addresses: 2 }]);
    expect(published).toEqual([['10.0.0.1:50051', '10.0.0.2:50051']]);
  });
});

describe('StaticResolver', () => {
  test('publishes its list once, at start', () => {
    const published: EndpointAddress[][] = [];
    new StaticResolver([{ address: '10.0.0.1', port: 1 }]).start({ onEndpoints: (e) => published.push([...e]), onResolutionError: () => undefined });
    expect(published).toEqual([[{ address: '10.0.0.1', port: 1 }]]);
  });
});
