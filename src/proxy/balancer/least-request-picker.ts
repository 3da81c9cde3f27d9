import type { Endpoint } from './endpoint';
import type { Picker } from './picker';

/**
 * Least request with the power of two choices: two distinct endpoints drawn at random, the one with fewer calls
 * in flight wins (the first drawn on a tie). Close to the global least-loaded choice without its herd effect.
 */
export class LeastRequestPicker implements Picker {
  private readonly endpoints: readonly Endpoint[];
  private readonly random: () => number;

  /**
   * @param endpoints the endpoints
   * @param random the random source
   */
  public constructor(endpoints: readonly Endpoint[], random: () => number) {
    this.endpoints = endpoints;
    this.random = random;
  }

  public pick(avoid?: Endpoint): Endpoint | undefined {
    const endpoints = this.endpoints;
    const n = endpoints.length;
    if (n <= 1) return endpoints[0];
    const avoidIndex = avoid === undefined ? -1 : endpoints.indexOf(avoid);
    if (n === 2 && avoidIndex !== -1) return endpoints[1 - avoidIndex];
    // Draw among the endpoints other than `avoid`: indexes 0..m-1 skip over it.
    const m = avoidIndex === -1 ? n : n - 1;
    let i = Math.floor(this.random() * m);
    let j = Math.floor(this.random() * (m - 1));
    if (j >= i) j++;
    if (avoidIndex !== -1) {
      if (i >= avoidIndex) i++;
      if (j >= avoidIndex) j++;
    }
    const a = endpoints[i] ?? endpoints[0];
    const b = endpoints[j] ?? endpoints[0];
    return b.activeCalls < a.activeCalls ? b : a;
  }
}
