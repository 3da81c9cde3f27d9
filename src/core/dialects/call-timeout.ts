import type { TimeoutPolicy } from '../traffic-policy';

/**
 * The one limit on a call's lifetime for dialects that have a single call timeout (Istio's route `timeout`,
 * Linkerd's `timeout.linkerd.io/request`): the shorter of `requestMs` and `maxStreamDurationMs`, as both bound
 * how long a call may last and the stricter one is the one that applies. `undefined` when neither is set.
 *
 * Approximate: Envoy starts the request timeout once the request is complete and the max stream duration when
 * the stream opens, while a single call timeout starts when the call does.
 */
export function callTimeoutMs(timeouts: TimeoutPolicy | undefined): number | undefined {
  const limits = [timeouts?.requestMs, timeouts?.maxStreamDurationMs].filter((ms): ms is number => ms !== undefined);
  return limits.length > 0 ? Math.min(...limits) : undefined;
}
