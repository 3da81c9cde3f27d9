import { Endpoint } from '../../../src/proxy/balancer/endpoint';
import { LeastRequestPicker } from '../../../src/proxy/balancer/least-request-picker';
import { RoundRobinPicker } from '../../../src/proxy/balancer/round-robin-picker';
import { seededRandom } from '../../routing/helpers';

const POOL = { connectTimeoutMs: 1000, maxConnections: 1 };

function endpoints(count: number): Endpoint[] {
  return Array.from({ length: count }, (_, i) => new Endpoint(`10.0.0.${i + 1}`, 50051, `10.0.0.${i + 1}:50051`, POOL));
}

function tally(pick: () => Endpoint | undefined, times: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < times; i++) {
    const key = pick()?.address ?? 'none';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('RoundRobinPicker', () => {
  test('takes the endpoints in turn from a random start', () => {
    const list = endpoints(3);
    const picker = new RoundRobinPicker(list, () => 0.5);
    expect(Array.from({ length: 4 }, () => picker.pick()?.address)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.1', '10.0.0.2']);
  });

  test('skips the endpoint to avoid when another exists', () => {
    const list = endpoints(2);
    const picker = new RoundRobinPicker(list, () => 0);
    expect(picker.pick(list[0])).toBe(list[1]);
    expect(new RoundRobinPicker([list[0]], () => 0).pick(list[0])).toBe(list[0]);
  });

  test('picks nothing from an empty list', () => {
    expect(new RoundRobinPicker([], () => 0.3).pick()).toBeUndefined();
  });
});

describe('LeastRequestPicker', () => {
  test('spreads evenly when every endpoint is idle', () => {
    const counts = tally(() => new LeastRequestPicker(endpoints(4), seededRandom(7)).pick(), 1);
    expect(Object.values(counts)).toEqual([1]);
    const picker = new LeastRequestPicker(endpoints(4), seededRandom(42));
    for (const share of Object.values(tally(() => picker.pick(), 40_000))) expect(Math.abs(share - 10_000)).toBeLessThan(400);
  });

  test('prefers the endpoint with fewer calls in flight of the two it draws', () => {
    const list = endpoints(3);
    list[0].activeCalls = 10;
    list[1].activeCalls = 5;
    const counts = tally(() => new LeastRequestPicker(list, seededRandom(3)).pick(), 1);
    expect(counts['10.0.0.1']).toBeUndefined();
    // The busiest endpoint is never chosen: it always loses its draw.
    const picker = new LeastRequestPicker(list, seededRandom(5));
    const shares = tally(() => picker.pick(), 3000);
    expect(shares['10.0.0.1']).toBeUndefined();
    expect(shares['10.0.0.3']).toBeGreaterThan(shares['10.0.0.2']);
  });

  test('avoids the given endpoint, with two endpoints and with many', () => {
    const two = endpoints(2);
    expect(new LeastRequestPicker(two, () => 0).pick(two[0])).toBe(two[1]);
    const five = endpoints(5);
    const picker = new LeastRequestPicker(five, seededRandom(9));
    expect(tally(() => picker.pick(five[2]), 1000)['10.0.0.3']).toBeUndefined();
    expect(new LeastRequestPicker([five[0]], Math.random).pick(five[0])).toBe(five[0]);
    expect(new LeastRequestPicker([], Math.random).pick()).toBeUndefined();
  });
});
