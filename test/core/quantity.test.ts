import { quantityValue } from '../../src/core/quantity';

describe('quantityValue', () => {
  it('reads the forms Kubernetes documents for memory and CPU', () => {
    // "Resource units in Kubernetes": these all express roughly the same memory.
    expect(quantityValue('128974848')).toBe(128974848);
    expect(quantityValue('129e6')).toBe(129e6);
    expect(quantityValue('129M')).toBe(129e6);
    expect(quantityValue('123Mi')).toBe(123 * 2 ** 20);
    expect(quantityValue('128974848000m')).toBeCloseTo(128974848, 3);
    expect(quantityValue('0.5Gi')).toBe(2 ** 29);
    expect(quantityValue('100m')).toBeCloseTo(0.1, 10);
    expect(quantityValue('2')).toBe(2);
    expect(quantityValue('.5')).toBe(0.5);
    expect(quantityValue('1E')).toBe(1e18);
    expect(quantityValue('1E3')).toBe(1000);
  });

  it('refuses what is not a quantity', () => {
    for (const bad of ['', 'Mi', '256MB', '1.5.5', '-1', '1 Gi', 'two', '1e', '0x10']) expect(quantityValue(bad)).toBeUndefined();
  });
});
