import type { GRPCRouteFilter, HTTPHeaderFilter } from '../../routing';

/** Headers as the proxy's HTTP/2 layer gives and takes them: lower-case names, a repeated header as an array. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/**
 * A RequestHeaderModifier or ResponseHeaderModifier (Gateway API `HTTPHeaderFilter`), compiled once: lower-case
 * names, in the order set, add, remove. `set` replaces every value, `add` appends to the existing value with a
 * comma (`foo` + `bar` gives `foo,bar`), `remove` drops the header. Several filters of one rule (and of the
 * picked backend) are merged into one modifier, applied in their order.
 */
export class HeaderModifier {
  /**
   * The modifier of the filters of a given type, or undefined when there is none.
   * @param filters rule filters, then backend filters
   * @param type which modifier
   */
  public static fromFilters(filters: readonly GRPCRouteFilter[], type: 'RequestHeaderModifier' | 'ResponseHeaderModifier'): HeaderModifier | undefined {
    const parts: HTTPHeaderFilter[] = [];
    for (const filter of filters) {
      if (filter.type !== type) continue;
      const part = type === 'RequestHeaderModifier' ? filter.requestHeaderModifier : filter.responseHeaderModifier;
      if (part !== undefined) parts.push(part);
    }
    return parts.length === 0 ? undefined : new HeaderModifier(parts);
  }

  private readonly steps: ReadonlyArray<readonly [kind: 0 | 1 | 2, name: string, value: string]>;

  /** @param filters the filters, applied in order */
  public constructor(filters: readonly HTTPHeaderFilter[]) {
    const steps: Array<[0 | 1 | 2, string, string]> = [];
    for (const filter of filters) {
      for (const { name, value } of filter.set ?? []) steps.push([0, name.toLowerCase(), value]);
      for (const { name, value } of filter.add ?? []) steps.push([1, name.toLowerCase(), value]);
      for (const name of filter.remove ?? []) steps.push([2, name.toLowerCase(), '']);
    }
    this.steps = steps;
  }

  /** Modifies `headers` in place. */
  public apply(headers: HeaderMap): void {
    const steps = this.steps;
    for (let i = 0; i < steps.length; i++) {
      const [kind, name, value] = steps[i];
      if (kind === 0) {
        headers[name] = value;
      } else if (kind === 1) {
        const existing = headers[name];
        headers[name] = existing === undefined ? value : `${typeof existing === 'string' ? existing : existing.join(',')},${value}`;
      } else {
        headers[name] = undefined;
      }
    }
  }
}
