import { hostnameMatches, isWildcard } from './hostname-match';

/** What `selectListener` needs of a listener. */
export interface ListenerHostname {
  /** Listener hostname; absent matches every host. */
  readonly hostname?: string;
}

/**
 * The listener (of those sharing a port) that serves a request host, per the Gateway API: an exact hostname
 * beats a wildcard, a longer wildcard beats a shorter one, and a wildcard beats a listener without hostname.
 * On a tie the first listener wins.
 * @param listeners listeners on the port the request came in on
 * @param host the request host, normalized by `hostFromAuthority`
 * @returns undefined when no listener matches the host
 */
export function selectListener<T extends ListenerHostname>(listeners: readonly T[], host: string): T | undefined {
  let best: T | undefined;
  let bestRank = -1;
  for (const listener of listeners) {
    const rank = specificity(listener.hostname, host);
    if (rank > bestRank) {
      best = listener;
      bestRank = rank;
    }
  }
  return best;
}

/** How specifically a listener hostname matches a host: -1 no match, 0 no hostname, a wildcard by its length, exact highest. */
function specificity(hostname: string | undefined, host: string): number {
  if (hostname === undefined) return 0;
  if (!hostnameMatches(hostname, host)) return -1;
  return isWildcard(hostname) ? hostname.length : Number.MAX_SAFE_INTEGER;
}
