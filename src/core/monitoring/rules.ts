import type { KubeObject } from '../kube';
import * as p from './props';
import type { ResolvedMonitoring } from './resolve';
import type { DataPlaneSeries } from './series';

/** What a set of monitoring objects watches: a service, or the tier of a self-hosted Gateway. */
export interface MonitoredSubject {
  /** Prefix of the PrometheusRule's and the dashboard's names. */
  readonly name: string;
  /** Namespace of the objects. */
  readonly namespace: string;
  /** What the alerts say receives the calls, e.g. `users.app.svc.cluster.local` or `Gateway infra/edge`. */
  readonly target: string;
  /** Labels every alert carries besides `severity` and `namespace`, e.g. `service: users`. */
  readonly alertLabels: Readonly<Record<string, string>>;
}

/** One alerting rule of a PrometheusRule. */
export interface AlertRule {
  /** Name of the alert, e.g. `GrpcHighErrorRate`. */
  readonly alert: string;
  /** PromQL expression; the alert is pending while it returns samples. */
  readonly expr: string;
  /** How long the expression must return samples before the alert fires, e.g. `5m`. */
  readonly for: string;
  /** Labels of the alert (severity, service or gateway, namespace). */
  readonly labels: Readonly<Record<string, string>>;
  /** Summary and description for people. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** The share of failed calls over the rate window (a ratio, NaN without calls). */
export function errorShareExpr(series: DataPlaneSeries, by: readonly string[] = []): string {
  const sum = by.length > 0 ? `sum by (${by.join(', ')})` : 'sum';
  return `${sum} (rate(${series.failedCalls}[${p.RATE_WINDOW}])) / ${sum} (rate(${series.calls}[${p.RATE_WINDOW}]))`;
}

/** The p99 call duration over the rate window, in seconds. */
export function p99SecondsExpr(series: DataPlaneSeries, by: readonly string[] = []): string {
  const quantile = `histogram_quantile(0.99, sum by (${['le', ...by].join(', ')}) (rate(${series.latencyBuckets}[${p.RATE_WINDOW}])))`;
  return series.latencyUnit === 's' ? quantile : `${quantile} / 1000`;
}

/** The alerting rules `monitoring` asks for, on the data plane's series. */
export function alertRules(monitoring: ResolvedMonitoring): AlertRule[] {
  const { subject, series } = monitoring;
  const rules: AlertRule[] = [];
  const labels = (severity: string) => ({ severity, ...subject.alertLabels, namespace: subject.namespace });
  const target = subject.target;
  if (monitoring.errorRateAlert) {
    const { thresholdPercent: percent, forMinutes: minutes, severity } = monitoring.errorRateAlert;
    rules.push({
      alert: 'GrpcHighErrorRate',
      expr: `(${errorShareExpr(series)}) > ${percent / 100}`,
      for: `${minutes}m`,
      labels: labels(severity),
      annotations: {
        summary: `More than ${percent}% of gRPC calls to ${target} fail.`,
        description: `The share of calls to ${target} that ended with a non-OK gRPC status `
          + `stayed above ${percent}% for ${minutes} minutes.`,
      },
    });
  }
  if (monitoring.latencyAlert) {
    const { thresholdMs: ms, forMinutes: minutes, severity } = monitoring.latencyAlert;
    const quantile = `histogram_quantile(0.99, sum by (le) (rate(${series.latencyBuckets}[${p.RATE_WINDOW}])))`;
    rules.push({
      alert: 'GrpcHighLatency',
      // Compared in the histogram's own unit.
      expr: `${quantile} > ${series.latencyUnit === 's' ? ms / 1000 : ms}`,
      for: `${minutes}m`,
      labels: labels(severity),
      annotations: {
        summary: `The p99 latency of gRPC calls to ${target} is above ${ms} ms.`,
        description: `The 99th percentile of the duration of calls to ${target} stayed above ${ms} ms for ${minutes} minutes.`,
      },
    });
  }
  if (monitoring.noReadyEndpointsAlert) {
    const { forMinutes: minutes, severity } = monitoring.noReadyEndpointsAlert;
    rules.push({
      alert: 'GrpcNoReadyEndpoints',
      expr: `${series.readyEndpoints} < 1`,
      for: `${minutes}m`,
      labels: labels(severity),
      annotations: {
        summary: `A backend of ${target} has no ready endpoint: its calls fail with UNAVAILABLE.`,
        description: `${series.readyEndpointsSource} stayed at 0 for ${minutes} minutes.`,
      },
    });
  }
  return rules;
}

/** The PrometheusRule holding the alerts, or undefined when every alert is turned off. */
export function renderPrometheusRule(monitoring: ResolvedMonitoring): KubeObject | undefined {
  const rules = alertRules(monitoring);
  if (rules.length === 0) return undefined;
  const { subject, labels } = monitoring;
  return {
    apiVersion: p.MONITORING_API_VERSION,
    kind: 'PrometheusRule',
    metadata: { name: `${subject.name}-grpc`, namespace: subject.namespace, labels },
    spec: { groups: [{ name: `${subject.namespace}.${subject.name}.grpc`, rules }] },
  };
}
