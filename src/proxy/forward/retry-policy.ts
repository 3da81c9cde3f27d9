import type { ProxyClusterConfig } from '../../core/proxy-config';
import { DEFAULT_RETRY_BUDGET_PERCENT } from '../defaults';

/** Retry settings of a cluster. */
export type RetryConfig = NonNullable<ProxyClusterConfig['retry']>;

/** Highest gRPC status code. */
const MAX_STATUS = 16;

/**
 * A cluster's retry settings, compiled once: which statuses retry, how long to back off (exponential with full
 * jitter) and what share of the calls may be retried (the cluster's `RetryBudget` counts them).
 */
export class RetryPolicy {
  /** Retries after the first try. */
  public readonly attempts: number;
  /** Time each try may take; 0 for no per-try limit. */
  public readonly perTryTimeoutMs: number;
  private readonly retryable: readonly boolean[];
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  /** Retries allowed, in percent of the calls (see `RetryBudget`). */
  public readonly budgetPercent: number;

  /** @param config the cluster's `retry` */
  public constructor(config: RetryConfig) {
    this.attempts = config.attempts;
    this.perTryTimeoutMs = config.perTryTimeoutMs ?? 0;
    const retryable = new Array<boolean>(MAX_STATUS + 1).fill(false);
    for (const code of config.on) if (code >= 0 && code <= MAX_STATUS) retryable[code] = true;
    this.retryable = retryable;
    this.backoffBaseMs = config.backoffBaseMs;
    this.backoffMaxMs = Math.max(config.backoffBaseMs, config.backoffMaxMs);
    this.budgetPercent = config.budgetPercent ?? DEFAULT_RETRY_BUDGET_PERCENT;
  }

  /** Whether a status makes a call retryable. */
  public retriesOn(status: number): boolean {
    return this.retryable[status] === true;
  }

  /**
   * Backoff before a retry: a uniform draw in [0, min(max, base * 2^(retry - 1))) ("full jitter").
   * @param retry 1 for the first retry
   * @param random the random source
   */
  public backoffMs(retry: number, random: () => number): number {
    const ceiling = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.max(0, retry - 1));
    return random() * ceiling;
  }
}
