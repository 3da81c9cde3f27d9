import type { TimeoutPolicy } from '../traffic-policy';

/**
 * The one limit on a call's lifetime for dialects that have a single call timeout (Istio's route `timeout`,
 * Linkerd's `timeout.linkerd.io/request`, the `max_stream_duration` of our Envoy routes, Envoy Gateway's
 * `maxStreamDuration` when both are set): the shorter of `requestMs` and `maxStreamDurationMs`, as both bound how
 * long a call may last and the stricter one is the one that applies. `undefined` when neither is set.
 *
 * Where the dialect's timer starts differs: Envoy's `max_stream_duration` when the stream opens (as `requestMs`
 * means), Envoy's route `timeout` (Istio) only once the request is complete.
 */
export function callTimeoutMs(timeouts: TimeoutPolicy | undefined): number | undefined {
  const limits = [timeouts?.requestMs, timeouts?.maxStreamDurationMs].filter((ms): ms is number => ms !== undefined);
  return limits.length > 0 ? Math.min(...limits) : undefined;
}
