import type { KubeObject } from '../kube';
import { MONITORING_API_VERSION } from './props';
import { targetLabelOf, type ScrapeTarget } from './series';

/**
 * A PodMonitor for the pods of `target` in `namespace`. Besides the operator's own target labels (`namespace`,
 * `pod`, `container`, `endpoint`, `job`), every pod label of the selector is copied into a target label of its
 * sanitized name, which the alerts and the dashboard select by.
 */
export function renderPodMonitor(namespace: string, target: ScrapeTarget, labels: Readonly<Record<string, string>>): KubeObject {
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: 'PodMonitor',
    metadata: { name: target.name, namespace, labels },
    spec: {
      selector: { matchLabels: target.podSelector },
      podMetricsEndpoints: [{
        port: target.port,
        path: target.path,
        relabelings: Object.keys(target.podSelector).map((key) => ({
          action: 'replace',
          sourceLabels: [`__meta_kubernetes_pod_label_${targetLabelOf(key)}`],
          targetLabel: targetLabelOf(key),
        })),
      }],
    },
  };
}
