import { performance } from 'node:perf_hooks';
import { MIN_RETRIES_PER_SECOND, RETRY_BUDGET_WINDOW_MS } from '../defaults';

/** Slots of the sliding window (one per tenth of it). */
const SLOTS = 10;

/**
 * How many retries a cluster may make: a share of its recent calls, plus a small allowance per second that is
 * always there (Linkerd's and Finagle's retry budget). Calls and retries are counted over a sliding window of
 * `RETRY_BUDGET_WINDOW_MS` in ten slots; a retry is allowed while
 * `retries < ratio × calls + MIN_RETRIES_PER_SECOND × window seconds`.
 *
 * Unlike a cap on retries in flight (Envoy's retry budget), a burst is allowed: when a pod dies with a third of the
 * calls in flight on it, all of them are retried at once. What is bounded is the extra load over time, so a
 * service that fails every call sees at most `1 + ratio` times its traffic, not `1 + attempts` times.
 */
export class RetryBudget {
  /** Retries allowed per call made, 0.2 for 20 %. */
  public ratio: number;
  private readonly now: () => number;
  private readonly slotMs = RETRY_BUDGET_WINDOW_MS / SLOTS;
  private readonly calls = new Array<number>(SLOTS).fill(0);
  private readonly retries = new Array<number>(SLOTS).fill(0);
  /** Index (time / slot length) of the newest slot. */
  private newest = 0;

  /**
   * @param percent retries allowed, in percent of the calls
   * @param now the clock, in milliseconds
   */
  public constructor(percent: number, now: () => number = () => performance.now()) {
    this.ratio = percent / 100;
    this.now = now;
    this.newest = Math.floor(now() / this.slotMs);
  }

  /** Counts a call. */
  public recordCall(): void {
    this.calls[this.advance()]++;
  }

  /** Takes one retry out of the budget, when the budget allows it. */
  public tryRetry(): boolean {
    const slot = this.advance();
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < SLOTS; i++) {
      calls += this.calls[i];
      retries += this.retries[i];
    }
    if (retries >= this.ratio * calls + MIN_RETRIES_PER_SECOND * (RETRY_BUDGET_WINDOW_MS / 1000)) return false;
    this.retries[slot]++;
    return true;
  }

  /** Clears the slots that fell out of the window; returns the slot of now. */
  private advance(): number {
    const current = Math.floor(this.now() / this.slotMs);
    const stale = Math.min(SLOTS, current - this.newest);
    for (let i = 1; i <= stale; i++) {
      const slot = (this.newest + i) % SLOTS;
      this.calls[slot] = 0;
      this.retries[slot] = 0;
    }
    if (current > this.newest) this.newest = current;
    return this.newest % SLOTS;
  }
}
