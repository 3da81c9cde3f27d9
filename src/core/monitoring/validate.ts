import type { ValidationIssue } from '../errors';
import type { IssueCollector } from '../validation';
import type { MonitoringProps } from './props';
import { targetLabelOf } from './series';

/** Code of the warning given when a mesh service's no-ready-endpoints alert cannot be made. */
export const NO_ENDPOINTS_ALERT_SKIPPED = 'NO_ENDPOINTS_ALERT_SKIPPED';

/**
 * Validates monitoring props: the alerts' settings, then what the data plane that must provide the metrics says of
 * them (`dataPlaneCheck`), then the pod labels the series select by.
 * @param selector the pod labels of an existing workload (`selector` prop), if given
 */
export function validateMonitoring(
  issues: IssueCollector, monitoring: MonitoringProps | undefined, dataPlaneCheck: (monitoring: MonitoringProps) => void,
  selector?: Readonly<Record<string, string>>,
): void {
  if (!monitoring) return;
  validateAlerts(issues, monitoring);
  dataPlaneCheck(monitoring);
  checkTargetLabels(issues, selector);
}

/** Validates the monitoring props of a Gateway: the alerts' settings, then what its implementation says of them. */
export function validateGatewayMonitoring(
  issues: IssueCollector, monitoring: MonitoringProps | undefined, implementationCheck: (monitoring: MonitoringProps) => void,
): void {
  if (!monitoring) return;
  validateAlerts(issues, monitoring);
  implementationCheck(monitoring);
}

/** The issue of monitoring asked of a data plane or Gateway implementation that records no gRPC metrics of ours. */
export function monitoringWithoutMetrics(monitoring: MonitoringProps, message: string, hint: string): ValidationIssue {
  return { code: 'MONITORING_WITHOUT_METRICS', path: 'monitoring', value: monitoring, message, hint };
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
