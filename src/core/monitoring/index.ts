import type { KubeObject } from '../kube';
import { renderDashboard } from './dashboard';
import { renderPodMonitor } from './pod-monitor';
import type { ResolvedMonitoring } from './resolve';
import { renderPrometheusRule } from './rules';

export * from './props';
export { validateMonitoring, validateGatewayMonitoring, NO_ENDPOINTS_ALERT_SKIPPED } from './validate';
export { seriesOf, tierSeries, targetLabelOf, type DataPlaneSeries, type ScrapeTarget, type Breakdown } from './series';
export { alertRules, errorShareExpr, p99SecondsExpr, type AlertRule, type MonitoredSubject } from './rules';
export { resolveMonitoring, type ResolvedMonitoring } from './resolve';
export { dashboardPanels } from './dashboard';

/** The monitoring objects of a service or a Gateway, by role. */
export interface MonitoringManifests {
  /** Prometheus operator objects: the PodMonitor and the PrometheusRule, as asked. */
  readonly prometheus: readonly KubeObject[];
  /** The Grafana dashboard ConfigMap, unless turned off. */
  readonly dashboard?: KubeObject;
}

/**
 * Renders the PodMonitor, PrometheusRule and Grafana dashboard of a service or of a self-hosted Gateway's tier, as
 * its resolved monitoring asks; nothing without monitoring.
 */
export function renderMonitoring(monitoring: ResolvedMonitoring | undefined): MonitoringManifests {
  if (!monitoring) return { prometheus: [] };
  const { subject, series, labels } = monitoring;
  const prometheus: KubeObject[] = [];
  if (monitoring.podMonitor) prometheus.push(renderPodMonitor(subject.namespace, series.scrape, labels));
  const rule = renderPrometheusRule(monitoring);
  if (rule) prometheus.push(rule);
  return { prometheus, ...(monitoring.dashboard && { dashboard: renderDashboard(subject, series, labels) }) };
}
