import { RetryPolicy } from '../../../src/proxy/forward/retry-policy';

describe('RetryPolicy', () => {
  const policy = new RetryPolicy({ attempts: 3, on: [14, 8], backoffBaseMs: 10, backoffMaxMs: 50, budgetPercent: 25 });

  test('retries on the configured statuses only', () => {
    expect([14, 8, 13, 0, 4].map((s) => policy.retriesOn(s))).toEqual([true, true, false, false, false]);
  });

  test('backs off exponentially with full jitter, capped', () => {
    expect([1, 2, 3, 4, 5].map((retry) => policy.backoffMs(retry, () => 0.999999))).toEqual([10, 20, 40, 50, 50].map((v) => v * 0.999999));
    expect(policy.backoffMs(3, () => 0)).toBe(0);
    expect(policy.backoffMs(2, () => 0.5)).toBe(10);
  });
});
