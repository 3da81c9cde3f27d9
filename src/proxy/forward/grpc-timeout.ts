/** Milliseconds per unit of a `grpc-timeout` value. */
const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({ H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 });
const MAX_DIGITS = 8;
const MAX_VALUE = 99_999_999;

/**
 * Parses a `grpc-timeout` header: 1 to 8 ASCII digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`), nothing else
 * (gRPC over HTTP/2, "Requests").
 * @returns the timeout in milliseconds (possibly fractional, possibly 0), or -1 when malformed
 */
export function parseGrpcTimeout(value: string): number {
  const length = value.length;
  if (length < 2 || length > MAX_DIGITS + 1) return -1;
  const unit = UNIT_MS[value[length - 1]];
  if (unit === undefined) return -1;
  let amount = 0;
  for (let i = 0; i < length - 1; i++) {
    const digit = value.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    amount = amount * 10 + digit;
  }
  return amount * unit;
}

/**
 * A `grpc-timeout` header for a remaining budget: whole milliseconds, rounded down (never promise the upstream
 * more time than is left), or microseconds below 1 ms, or coarser units when the value would not fit in 8 digits.
 * @param ms the remaining time, above 0
 */
export function formatGrpcTimeout(ms: number): string {
  if (ms < 1) return `${Math.max(1, Math.floor(ms * 1000))}u`;
  const whole = Math.floor(ms);
  if (whole <= MAX_VALUE) return `${whole}m`;
  const seconds = Math.floor(ms / 1000);
  if (seconds <= MAX_VALUE) return `${seconds}S`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes <= MAX_VALUE) return `${minutes}M`;
  return `${Math.min(MAX_VALUE, Math.floor(ms / 3_600_000))}H`;
}
