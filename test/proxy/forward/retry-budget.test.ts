import { MIN_RETRIES_PER_SECOND, RETRY_BUDGET_WINDOW_MS } from '../../../src/proxy/defaults';
import { RetryBudget } from '../../../src/proxy/forward/retry-budget';

/** A budget on a clock the test moves. */
function budgetAt(percent: number): { budget: RetryBudget; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { budget: new RetryBudget(percent, () => now), advance: (ms) => void (now += ms) };
}

/** Retries the budget grants out of `wanted`. */
function grant(budget: RetryBudget, wanted: number): number {
  let granted = 0;
  for (let i = 0; i < wanted; i++) if (budget.tryRetry()) granted++;
  return granted;
}

const RESERVE = MIN_RETRIES_PER_SECOND * (RETRY_BUDGET_WINDOW_MS / 1000);

describe('RetryBudget', () => {
  test('grants a burst: every call in flight on a pod that died may be retried at once', () => {
    const { budget } = budgetAt(20);
    for (let i = 0; i < 1000; i++) budget.recordCall();
    // 16 calls in flight, a third of them on the dead pod: far under 20 % of the window's calls plus the reserve.
    expect(grant(budget, 6)).toBe(6);
  });

  test('bounds retries to budgetPercent of the window\'s calls plus the per-second reserve', () => {
    const { budget } = budgetAt(20);
    for (let i = 0; i < 1000; i++) budget.recordCall();
    expect(grant(budget, 1000)).toBe(200 + RESERVE);
  });

  test('with no calls, only the reserve: a service failing everything gets bounded extra load', () => {
    const { budget } = budgetAt(20);
    expect(grant(budget, 500)).toBe(RESERVE);
  });

  test('forgets calls and retries older than the window', () => {
    const { budget, advance } = budgetAt(0);
    expect(grant(budget, 500)).toBe(RESERVE);
    advance(RETRY_BUDGET_WINDOW_MS / 2);
    expect(grant(budget, 1)).toBe(0);
    advance(RETRY_BUDGET_WINDOW_MS / 2 + RETRY_BUDGET_WINDOW_MS / 10);
    expect(grant(budget, 500)).toBe(RESERVE);
  });

  test('a window slides slot by slot: the oldest tenth leaves first', () => {
    const { budget, advance } = budgetAt(100);
    for (let i = 0; i < 100; i++) budget.recordCall();
    advance(RETRY_BUDGET_WINDOW_MS / 2);
    for (let i = 0; i < 50; i++) budget.recordCall();
    expect(grant(budget, 1000)).toBe(150 + RESERVE);
    // The first 100 calls leave the window; the retries (made in the newer slot) stay.
    advance(RETRY_BUDGET_WINDOW_MS / 2);
    expect(grant(budget, 1000)).toBe(0);
  });
});
