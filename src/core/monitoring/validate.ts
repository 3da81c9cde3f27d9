import type { DataPlaneKind } from '../data-plane';
import type { ValidationIssue } from '../errors';
import type { IssueCollector } from '../validation';
import type { MonitoringProps } from './props';
import { targetLabelOf } from './series';

/** Code of the warning given when a mesh service's no-ready-endpoints alert cannot be made. */
export const NO_ENDPOINTS_ALERT_SKIPPED = 'NO_ENDPOINTS_ALERT_SKIPPED';

/**
 * Validates monitoring props against the data plane that must provide the metrics.
 * @param selector the pod labels of an existing workload (`selector` prop), if given
 */
export function validateMonitoring(
  issues: IssueCollector, monitoring: MonitoringProps | undefined, dataPlane: DataPlaneKind | string, ownsWorkload: boolean,
  selector?: Readonly<Record<string, string>>,
): void {
  if (!monitoring) return;
  validateAlerts(issues, monitoring);
  const endpoints = monitoring.noReadyEndpointsAlert;
  issues.require(dataPlane !== 'none', {
    code: 'MONITORING_WITHOUT_METRICS',
    path: 'monitoring',
    value: monitoring,
    message: 'needs gRPC metrics, and DataPlane.none() has no proxy that records them',
    hint: 'Use DataPlane.envoy(), DataPlane.proxy(), DataPlane.istio() or DataPlane.linkerd(), or remove monitoring.',
  });
  const mesh = dataPlane === 'istio' || dataPlane === 'linkerd';
  if (mesh && !ownsWorkload && endpoints !== false) {
    const issue: ValidationIssue = {
      code: endpoints === undefined ? NO_ENDPOINTS_ALERT_SKIPPED : 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'monitoring.noReadyEndpointsAlert',
      value: endpoints,
      message: `needs the name of the service's Deployment (kube-state-metrics counts its available replicas with DataPlane.${dataPlane}()), `
        + 'and selector names no Deployment',
      hint: 'Give `workload` instead of `selector`, or set noReadyEndpointsAlert: false.',
    };
    if (endpoints === undefined) issues.warn({ ...issue, message: `${issue.message}: the alert is not created` });
    else issues.add(issue);
  }
  checkTargetLabels(issues, selector);
}

/** Validates the monitoring props of a Gateway: only a self-hosted tier (grpc-mesh-proxy or Envoy) has metrics of ours. */
export function validateGatewayMonitoring(issues: IssueCollector, monitoring: MonitoringProps | undefined, implementation: string): void {
  if (!monitoring) return;
  validateAlerts(issues, monitoring);
  issues.require(implementation !== 'controller', {
    code: 'MONITORING_WITHOUT_METRICS',
    path: 'monitoring',
    value: monitoring,
    message: 'needs a tier of ours to scrape, and a Gateway API controller serves this Gateway with its own data plane',
    hint: 'Use implementation: GatewayImplementation.proxy() or .envoy(), or monitor the controller with its own dashboards.',
  });
}

function validateAlerts(issues: IssueCollector, monitoring: MonitoringProps): void {
  issues.labels('monitoring.labels', monitoring.labels);
  const { errorRateAlert: errors, latencyAlert: latency, noReadyEndpointsAlert: endpoints } = monitoring;
  if (errors) {
    issues.integerInRange('monitoring.errorRateAlert.thresholdPercent', errors.thresholdPercent, 1, 100);
    issues.integerInRange('monitoring.errorRateAlert.forMinutes', errors.forMinutes, 1, 1440);
  }
  if (latency) {
    issues.integerInRange('monitoring.latencyAlert.thresholdMs', latency.thresholdMs, 1, 3_600_000);
    issues.integerInRange('monitoring.latencyAlert.forMinutes', latency.forMinutes, 1, 1440);
  }
  if (endpoints) issues.integerInRange('monitoring.noReadyEndpointsAlert.forMinutes', endpoints.forMinutes, 1, 1440);
}

/** Two selector labels that Prometheus would copy into the same target label would make the series ambiguous. */
function checkTargetLabels(issues: IssueCollector, selector: Readonly<Record<string, string>> | undefined): void {
  const seen = new Map<string, string>();
  for (const key of Object.keys(selector ?? {})) {
    const target = targetLabelOf(key);
    const other = seen.get(target);
    issues.require(other === undefined, {
      code: 'AMBIGUOUS_TARGET_LABEL',
      path: `selector["${key}"]`,
      value: key,
      message: `and selector["${other}"] both become the Prometheus target label "${target}", so monitoring cannot tell their series apart`,
      hint: 'Select the pods by labels whose names differ in more than punctuation, or remove monitoring.',
    });
    seen.set(target, key);
  }
}
