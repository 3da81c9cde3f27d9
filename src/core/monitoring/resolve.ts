import * as d from '../defaults';
import type { ErrorRateAlertProps, LatencyAlertProps, MonitoringProps, NoReadyEndpointsAlertProps } from './props';
import type { MonitoredSubject } from './rules';
import type { DataPlaneSeries } from './series';

/** Monitoring of a service or a Gateway's tier with every default applied: the input of the monitoring render functions. */
export interface ResolvedMonitoring {
  /** What the objects watch, and how they are named. */
  readonly subject: MonitoredSubject;
  /** The series of the data plane that records the calls. */
  readonly series: DataPlaneSeries;
  /** Whether the PodMonitor is created. */
  readonly podMonitor: boolean;
  /** The error-rate alert, or undefined for none. */
  readonly errorRateAlert?: Required<ErrorRateAlertProps>;
  /** The latency alert, or undefined for none. */
  readonly latencyAlert?: Required<LatencyAlertProps>;
  /** The no-ready-endpoints alert, or undefined for none (turned off, or no series counts the ready endpoints). */
  readonly noReadyEndpointsAlert?: Required<NoReadyEndpointsAlertProps>;
  /** Whether the Grafana dashboard is created. */
  readonly dashboard: boolean;
  /** Labels on every monitoring object: the props' own, then the owner's. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Applies the defaults of `core/defaults.ts` to monitoring props, on the series of the data plane that records the calls.
 * @param ownerLabels labels of the objects being watched, put on the monitoring objects after the props' own
 */
export function resolveMonitoring(
  props: MonitoringProps, subject: MonitoredSubject, series: DataPlaneSeries, ownerLabels: Readonly<Record<string, string>>,
): ResolvedMonitoring {
  const { errorRateAlert: errors, latencyAlert: latency, noReadyEndpointsAlert: endpoints } = props;
  return {
    subject,
    series,
    podMonitor: props.podMonitor ?? d.DEFAULT_POD_MONITOR,
    ...(errors !== false && {
      errorRateAlert: {
        thresholdPercent: errors?.thresholdPercent ?? d.DEFAULT_ERROR_RATE_PERCENT,
        forMinutes: errors?.forMinutes ?? d.DEFAULT_ERROR_RATE_FOR_MINUTES,
        severity: errors?.severity ?? d.DEFAULT_ALERT_SEVERITY,
      },
    }),
    ...(latency !== false && {
      latencyAlert: {
        thresholdMs: latency?.thresholdMs ?? d.DEFAULT_LATENCY_THRESHOLD_MS,
        forMinutes: latency?.forMinutes ?? d.DEFAULT_LATENCY_FOR_MINUTES,
        severity: latency?.severity ?? d.DEFAULT_ALERT_SEVERITY,
      },
    }),
    ...(endpoints !== false && series.readyEndpoints !== undefined && {
      noReadyEndpointsAlert: {
        forMinutes: endpoints?.forMinutes ?? d.DEFAULT_NO_ENDPOINTS_FOR_MINUTES,
        severity: endpoints?.severity ?? d.DEFAULT_NO_ENDPOINTS_SEVERITY,
      },
    }),
    dashboard: props.dashboard ?? d.DEFAULT_DASHBOARD,
    labels: { ...props.labels, ...ownerLabels },
  };
}
