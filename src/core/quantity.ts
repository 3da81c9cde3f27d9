import type { ContainerResources } from './kube';
import type { IssueCollector } from './validation';

const MULTIPLIERS: Readonly<Record<string, number>> = {
  '': 1,
  'n': 1e-9,
  'u': 1e-6,
  'm': 1e-3,
  'k': 1e3,
  'M': 1e6,
  'G': 1e9,
  'T': 1e12,
  'P': 1e15,
  'E': 1e18,
  'Ki': 2 ** 10,
  'Mi': 2 ** 20,
  'Gi': 2 ** 30,
  'Ti': 2 ** 40,
  'Pi': 2 ** 50,
  'Ei': 2 ** 60,
};

/** A Kubernetes quantity: a decimal number, then one of the suffixes above (binary ones first) or an exponent. */
const QUANTITY = new RegExp(`^\\+?(\\d+(?:\\.\\d*)?|\\.\\d+)(${Object.keys(MULTIPLIERS).filter((k) => k !== '').sort((a, b) => b.length - a.length).join('|')}|[eE][+-]?\\d+)?$`);

/**
 * The value of a Kubernetes quantity (`256Mi` is 268435456, `1.5G` 1500000000, `100m` 0.1), or undefined when
 * `quantity` is not one.
 * @internal
 */
export function quantityValue(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity);
  if (match === null) return undefined;
  const [, number, suffix = ''] = match;
  const multiplier = suffix in MULTIPLIERS ? MULTIPLIERS[suffix] : 10 ** Number(suffix.slice(1));
  return Number(number) * multiplier;
}

/**
 * Checks that every quantity of a container's `resources` (at `path`) is one Kubernetes accepts.
 * @internal
 */
export function validateResources(issues: IssueCollector, path: string, resources: ContainerResources | undefined): void {
  for (const kind of ['requests', 'limits'] as const) {
    for (const [name, quantity] of Object.entries(resources?.[kind] ?? {})) {
      if (quantity === undefined) continue;
      issues.require(typeof quantity === 'string' && quantityValue(quantity) !== undefined, {
        code: 'INVALID_QUANTITY',
        path: `${path}.resources.${kind}.${name}`,
        value: quantity,
        message: 'must be a Kubernetes quantity',
        hint: name === 'cpu' ? "Give cores or millicores, e.g. '500m' or '2'." : "Give bytes with a suffix, e.g. '256Mi' or '1Gi'.",
      });
    }
  }
}
