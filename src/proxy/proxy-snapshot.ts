import type { EndpointSnapshot } from './balancer/cluster-balancer';

/** One endpoint's state (re-exported for the admin server). */
export type { EndpointSnapshot } from './balancer/cluster-balancer';

/** The state of one cluster, for the admin endpoint-state page. */
export interface ClusterSnapshot {
  /** Whether discovery published at least once. */
  readonly ready: boolean;
  /** Whether every endpoint is unhealthy, unreachable or ejected, so calls spread over all of them (panic mode). */
  readonly panic: boolean;
  /** Calls in flight. */
  readonly activeCalls: number;
  /** Endpoints, draining ones (dropped by discovery, calls still in flight) included. */
  readonly endpoints: readonly EndpointSnapshot[];
}

/** Endpoints of a cluster that may take calls: healthy, reachable, not ejected and not draining. */
export function readyEndpointCount(cluster: ClusterSnapshot): number {
  let count = 0;
  for (const e of cluster.endpoints) if (e.healthy && e.reachable && !e.ejected && !e.draining) count++;
  return count;
}

/** The proxy's state, for the admin endpoint-state page: cluster name to cluster state. JSON-ready. */
export interface ProxySnapshot {
  /** Clusters by name. */
  readonly clusters: Readonly<Record<string, ClusterSnapshot>>;
}
