const MS_PER_SECOND = 1_000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;

/**
 * Longest duration the Gateway API format can write: every component has at most five digits, so
 * `99999h59m59s999ms`. Envoy Gateway's CRDs enforce it.
 */
export const MAX_GATEWAY_API_DURATION_MS = 100_000 * MS_PER_HOUR - 1;

/**
 * Formats whole milliseconds as a Gateway API duration (GEP-2257): hours, minutes, seconds and milliseconds,
 * largest first, zero parts left out: `250ms`, `5s`, `1m30s`, `1s500ms`; `0s` for zero. Envoy Gateway reads
 * this format, and Istio reads it too (its durations are Go durations, of which it is a subset).
 *
 * Expects a whole, non-negative number of milliseconds (what `validateTrafficPolicy` admits) of at most
 * {@link MAX_GATEWAY_API_DURATION_MS} for the result to match the Gateway API pattern.
 */
export function formatDuration(ms: number): string;
/** As {@link formatDuration}, passing `undefined` through, for optional settings. */
export function formatDuration(ms: number | undefined): string | undefined;
export function formatDuration(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  if (ms === 0) return '0s';
  const parts: Array<[number, string]> = [
    [Math.floor(ms / MS_PER_HOUR), 'h'],
    [Math.floor((ms % MS_PER_HOUR) / MS_PER_MINUTE), 'm'],
    [Math.floor((ms % MS_PER_MINUTE) / MS_PER_SECOND), 's'],
    [ms % MS_PER_SECOND, 'ms'],
  ];
  return parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join('');
}

/**
 * Formats whole milliseconds as one number and one unit, the largest unit that divides it exactly: `1500ms`,
 * `5s`, `2m`, `1h`. Linkerd parses its duration annotations this way only (a compound `1s500ms` is rejected).
 */
export function formatDurationInOneUnit(ms: number): string {
  for (const [size, unit] of [[MS_PER_HOUR, 'h'], [MS_PER_MINUTE, 'm'], [MS_PER_SECOND, 's']] as const) {
    if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
