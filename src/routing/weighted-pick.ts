/** Largest backend weight the GRPCRoute CRD allows. */
export const MAX_BACKEND_WEIGHT = 1_000_000;

/** What weighted picking needs of a backend. */
export interface Weighted {
  /** Proportion of the traffic (not a percentage); 1 when absent, 0 gets nothing. */
  readonly weight?: number;
}

/**
 * Picks indexes in proportion to weights, from cumulative weights computed once. Weight 0 is never picked, a
 * missing weight counts 1, and when every weight is 0 (or there are none) nothing is picked. Deterministic for a
 * given `random()`.
 */
export class WeightedPicker {
  /** Sum of the weights. */
  public readonly totalWeight: number;
  private readonly cumulative: readonly number[];
  private readonly lastPickable: number;
  private readonly onlyPickable: number;

  /**
   * @param backends the weighted items, in order
   * @throws RangeError when a weight is not an integer from 0 to 1,000,000
   */
  public constructor(backends: readonly Weighted[]) {
    let sum = 0;
    let pickable = 0;
    let last = -1;
    this.cumulative = backends.map((b, i) => {
      const weight = effectiveWeight(b);
      if (!isValidWeight(weight)) throw new RangeError(`backend ${i}: weight must be an integer from 0 to ${MAX_BACKEND_WEIGHT}; got ${weight}`);
      if (weight > 0) {
        pickable++;
        last = i;
      }
      sum += weight;
      return sum;
    });
    this.totalWeight = sum;
    this.lastPickable = last;
    this.onlyPickable = pickable === 1 ? last : -1;
  }

  /**
   * Picks an index. `random` is called at most once, and not at all when at most one item has weight.
   * @param random returns a number in [0, 1), like `Math.random`; values outside are clamped
   * @returns the index, or -1 when every weight is 0
   */
  public pick(random: () => number): number {
    if (this.lastPickable === -1 || this.onlyPickable !== -1) return this.lastPickable;
    const r = random();
    const target = (r > 0 ? r : 0) * this.totalWeight;
    const cumulative = this.cumulative;
    for (let i = 0; i < cumulative.length; i++) {
      if (target < cumulative[i]) return i;
    }
    return this.lastPickable;
  }
}

/**
 * Picks one backend of a rule in proportion to the weights (see `WeightedPicker`; build one yourself to reuse
 * the cumulative weights across calls).
 * @param backendRefs the rule's backends
 * @param random returns a number in [0, 1), like `Math.random`
 * @returns the backend, or undefined when there is none with a weight above 0
 */
export function pickBackend<T extends Weighted>(backendRefs: readonly T[] | undefined, random: () => number): T | undefined {
  const index = new WeightedPicker(backendRefs ?? []).pick(random);
  return index === -1 ? undefined : backendRefs?.[index];
}

/** The weight a backend counts with: its `weight`, or 1 when absent. */
export function effectiveWeight(backend: Weighted): number {
  return backend.weight ?? 1;
}

/** Whether a weight is one the CRD accepts: an integer from 0 to 1,000,000. */
export function isValidWeight(weight: number): boolean {
  return Number.isInteger(weight) && weight >= 0 && weight <= MAX_BACKEND_WEIGHT;
}
