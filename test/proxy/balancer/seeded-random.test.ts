import { MAX_SEED, seededRandom } from '../../../src/proxy/balancer/seeded-random';

describe('seededRandom (Park-Miller, multiplier 48271)', () => {
  test('replays the same sequence for the same seed, and another for another seed', () => {
    const take = (seed: number): number[] => {
      const random = seededRandom(seed);
      return Array.from({ length: 5 }, () => random());
    };
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
    // The generator's own recurrence: state' = state * 48271 mod (2^31 - 1), value = (state' - 1) / (2^31 - 2).
    expect(seededRandom(1)()).toBe((48271 - 1) / 2147483646);
  });

  test('stays in [0, 1) at both ends of the seed range', () => {
    for (const seed of [1, MAX_SEED]) {
      const random = seededRandom(seed);
      for (let i = 0; i < 10_000; i++) {
        const value = random();
        expect(value >= 0 && value < 1).toBe(true);
      }
    }
  });

  test.each([0, MAX_SEED + 1, 1.5, -3, Number.NaN])('refuses the seed %p', (seed) => {
    expect(() => seededRandom(seed)).toThrow(`seed must be an integer in 1..${MAX_SEED}; got ${seed}`);
  });
});
