import type { KubeObject } from '../kube';
import type { TopologySpreadConstraint } from '../pod';

/**
 * A PodDisruptionBudget that lets voluntary disruptions (node drains, upgrades) take one pod at a time and never
 * lets unhealthy pods block a drain.
 */
export function renderPodDisruptionBudget(
  name: string,
  namespace: string,
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>>,
): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace, labels },
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selector },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}

/**
 * Spreads pods over nodes and zones where possible, without blocking scheduling on a small cluster.
 */
export function spreadConstraints(selector: Readonly<Record<string, string>>): TopologySpreadConstraint[] {
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway' as const,
    labelSelector: { matchLabels: selector },
  }));
}
