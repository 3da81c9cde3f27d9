import type { GrpcMeshServiceModel } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import { renderDashboard } from './dashboard';
import { renderPodMonitor } from './pod-monitor';
import type { MonitoringProps } from './props';
import { renderPrometheusRule } from './rules';
import { seriesOf } from './series';

export * from './props';
export { validateMonitoring, NO_ENDPOINTS_ALERT_SKIPPED } from './validate';
export { seriesOf, targetLabelOf, type DataPlaneSeries, type ScrapeTarget, type Breakdown } from './series';
export { alertRules, errorShareExpr, p99SecondsExpr, type AlertRule } from './rules';
export { dashboardPanels } from './dashboard';

/** The monitoring objects of a service, by role. */
export interface MonitoringManifests {
  /** Prometheus operator objects: the PodMonitor and the PrometheusRule, as asked. */
  readonly prometheus: readonly KubeObject[];
  /** The Grafana dashboard ConfigMap, unless turned off. */
  readonly dashboard?: KubeObject;
}

/** Renders the PodMonitor, PrometheusRule and Grafana dashboard of a service, as its `monitoring` props ask. */
export function renderMonitoring(model: GrpcMeshServiceModel, monitoring: MonitoringProps | undefined): MonitoringManifests {
  const series = monitoring && seriesOf(model);
  if (!monitoring || !series) return { prometheus: [] };
  const labels = { ...monitoring.labels, ...model.labels };
  const prometheus: KubeObject[] = [];
  if (monitoring.podMonitor !== false) prometheus.push(renderPodMonitor(model.namespace, series.scrape, labels));
  const rule = renderPrometheusRule(model, series, monitoring, labels);
  if (rule) prometheus.push(rule);
  return { prometheus, ...(monitoring.dashboard !== false && { dashboard: renderDashboard(model, series, labels) }) };
}
