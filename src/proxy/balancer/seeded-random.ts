/** The largest seed {@link seededRandom} takes (the Park-Miller modulus, 2^31 - 1, less one). */
export const MAX_SEED = 2_147_483_646;

/** Whether `seed` is one {@link seededRandom} takes: an integer in 1..{@link MAX_SEED}. */
export function isSeed(seed: number): boolean {
  return Number.isInteger(seed) && seed >= 1 && seed <= MAX_SEED;
}

/**
 * A Park-Miller generator (multiplier 48271, exact in doubles): values in [0, 1), the same sequence for the same
 * seed, so that a run's weighted picks, least-request choices and jitter can be replayed (`--seed`).
 * @param seed an integer in 1..{@link MAX_SEED}
 */
export function seededRandom(seed: number): () => number {
  if (!isSeed(seed)) throw new RangeError(`seed must be an integer in 1..${MAX_SEED}; got ${seed}`);
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}
