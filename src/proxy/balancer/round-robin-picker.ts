import type { Endpoint } from './endpoint';
import type { Picker } from './picker';

/**
 * Takes the endpoints in turn, from a random start (so that many proxies do not hit the same endpoint first
 * after every change).
 */
export class RoundRobinPicker implements Picker {
  private readonly endpoints: readonly Endpoint[];
  private next: number;

  /**
   * @param endpoints the endpoints, in a stable order
   * @param random source of the random start
   */
  public constructor(endpoints: readonly Endpoint[], random: () => number) {
    this.endpoints = endpoints;
    this.next = Math.floor(random() * endpoints.length) || 0;
  }

  public pick(avoid?: Endpoint): Endpoint | undefined {
    const endpoints = this.endpoints;
    const n = endpoints.length;
    if (n === 0) return undefined;
    let index = this.next % n;
    let endpoint = endpoints[index];
    if (endpoint === avoid && n > 1) {
      index = (index + 1) % n;
      endpoint = endpoints[index];
    }
    this.next = index + 1;
    return endpoint;
  }
}
