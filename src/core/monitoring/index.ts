import type { GrpcGatewayModel } from '../grpc-gateway';
import type { GrpcMeshServiceModel } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import { renderDashboard } from './dashboard';
import { renderPodMonitor } from './pod-monitor';
import type { MonitoringProps } from './props';
import { renderPrometheusRule, type MonitoredSubject } from './rules';
import { seriesOf, tierSeries, type DataPlaneSeries } from './series';

export * from './props';
export { validateMonitoring, validateGatewayMonitoring, NO_ENDPOINTS_ALERT_SKIPPED } from './validate';
export { seriesOf, tierSeries, targetLabelOf, type DataPlaneSeries, type ScrapeTarget, type Breakdown, type MonitoredTier } from './series';
export { alertRules, errorShareExpr, p99SecondsExpr, type AlertRule, type MonitoredSubject } from './rules';
export { dashboardPanels } from './dashboard';

/** The monitoring objects of a service or a Gateway, by role. */
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
  const subject = { name: model.name, namespace: model.namespace, target: model.serviceFqdn, alertLabels: { service: model.name } };
  return renderFor(subject, series, monitoring, { ...monitoring.labels, ...model.labels });
}

/**
 * Renders the PodMonitor, PrometheusRule and Grafana dashboard of a self-hosted Gateway's tier (objects named
 * `<gateway>-gateway-grpc...`, alerts labelled `gateway: <name>`; the no-ready-endpoints alert fires per cluster).
 * A Gateway served by a controller gets none: its data plane is the controller's.
 */
export function renderGatewayMonitoring(model: GrpcGatewayModel): MonitoringManifests {
  const monitoring = model.monitoring;
  if (!monitoring || !model.tier) return { prometheus: [] };
  const subject = { name: `${model.name}-gateway`, namespace: model.namespace, target: `Gateway ${model.namespace}/${model.name}`, alertLabels: { gateway: model.name } };
  return renderFor(subject, tierSeries(model.tier, model.namespace), monitoring, { ...monitoring.labels, ...model.tier.labels });
}

function renderFor(
  subject: MonitoredSubject, series: DataPlaneSeries, monitoring: MonitoringProps, labels: Readonly<Record<string, string>>,
): MonitoringManifests {
  const prometheus: KubeObject[] = [];
  if (monitoring.podMonitor !== false) prometheus.push(renderPodMonitor(subject.namespace, series.scrape, labels));
  const rule = renderPrometheusRule(subject, series, monitoring, labels);
  if (rule) prometheus.push(rule);
  return { prometheus, ...(monitoring.dashboard !== false && { dashboard: renderDashboard(subject, series, labels) }) };
}
