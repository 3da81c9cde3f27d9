import { seededRandom } from './helpers';
import { pickBackend, WeightedPicker, type Weighted } from '../../src/routing';

const DRAWS = 10_000;

/** Share of the draws each index got. */
function shares(backends: readonly Weighted[], seed = 42): number[] {
  const picker = new WeightedPicker(backends);
  const random = seededRandom(seed);
  const counts = backends.map(() => 0);
  for (let i = 0; i < DRAWS; i++) counts[picker.pick(random)]++;
  return counts.map((c) => c / DRAWS);
}

describe('WeightedPicker', () => {
  test('splits 90/10 within 1.5 points over 10,000 seeded draws', () => {
    const [stable, canary] = shares([{ weight: 90 }, { weight: 10 }]);
    expect(Math.abs(stable - 0.9)).toBeLessThanOrEqual(0.015);
    expect(Math.abs(canary - 0.1)).toBeLessThanOrEqual(0.015);
  });

  test('treats weights as proportions, not percentages', () => {
    const [a, b, c] = shares([{ weight: 1 }, { weight: 1 }, { weight: 2 }], 3);
    expect([a, b, c].map((s) => Math.round(s * 20) / 20)).toEqual([0.25, 0.25, 0.5]);
  });

  test('never picks a backend with weight 0', () => {
    const [a, b, c, d, e] = shares([{ weight: 0 }, { weight: 70 }, { weight: 0 }, { weight: 30 }, { weight: 0 }]);
    expect([a, c, e]).toEqual([0, 0, 0]);
    expect(b + d).toBe(1);
  });

  test('counts a missing weight as 1', () => {
    const [a, b] = shares([{}, { weight: 1 }]);
    expect(Math.abs(a - 0.5)).toBeLessThanOrEqual(0.015);
    expect(Math.abs(b - 0.5)).toBeLessThanOrEqual(0.015);
  });

  test('picks nothing when every weight is 0 or there are no backends', () => {
    expect(new WeightedPicker([{ weight: 0 }, { weight: 0 }]).pick(Math.random)).toBe(-1);
    expect(new WeightedPicker([]).pick(Math.random)).toBe(-1);
  });

  test('is deterministic: the same random numbers give the same picks', () => {
    const picker = new WeightedPicker([{ weight: 1 }, { weight: 2 }, { weight: 3 }]);
    const run = (): number[] => {
      const random = seededRandom(9);
      return Array.from({ length: 20 }, () => picker.pick(random));
    };
    expect(run()).toEqual(run());
  });

  test('maps random numbers onto cumulative weights', () => {
    const picker = new WeightedPicker([{ weight: 1 }, { weight: 0 }, { weight: 3 }]);
    expect([0, 0.2499, 0.25, 0.9999].map((r) => picker.pick(() => r))).toEqual([0, 0, 2, 2]);
  });

  test('clamps random numbers outside [0, 1) onto a backend with weight', () => {
    const picker = new WeightedPicker([{ weight: 0 }, { weight: 1 }, { weight: 1 }, { weight: 0 }]);
    expect([-0.5, Number.NaN, 1, 7].map((r) => picker.pick(() => r))).toEqual([1, 1, 2, 2]);
  });

  test('does not draw a random number when only one backend has weight', () => {
    const random = jest.fn(() => 0.5);
    expect(new WeightedPicker([{ weight: 0 }, { weight: 5 }]).pick(random)).toBe(1);
    expect(random).not.toHaveBeenCalled();
  });

  test('rejects weights the CRD rejects', () => {
    expect(() => new WeightedPicker([{ weight: 1 }, { weight: -1 }])).toThrow(
      new RangeError('backend 1: weight must be an integer from 0 to 1000000; got -1'),
    );
    expect(() => new WeightedPicker([{ weight: 1.5 }])).toThrow(RangeError);
    expect(() => new WeightedPicker([{ weight: 1_000_001 }])).toThrow(RangeError);
    expect(new WeightedPicker([{ weight: 1_000_000 }]).totalWeight).toBe(1_000_000);
  });
});

describe('pickBackend', () => {
  const backends = [{ name: 'stable', weight: 9 }, { name: 'canary', weight: 1 }];

  test('picks a backend in proportion to its weight', () => {
    expect(pickBackend(backends, () => 0.89)?.name).toBe('stable');
    expect(pickBackend(backends, () => 0.9)?.name).toBe('canary');
  });

  test('picks nothing when there is no backend with weight', () => {
    expect(pickBackend([{ name: 'x', weight: 0 }], Math.random)).toBeUndefined();
    expect(pickBackend(undefined, Math.random)).toBeUndefined();
  });
});
