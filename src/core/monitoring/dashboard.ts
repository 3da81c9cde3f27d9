import type { KubeObject } from '../kube';
import { GRAFANA_DASHBOARD_LABEL, RATE_WINDOW } from './props';
import { errorShareExpr, p99SecondsExpr, type MonitoredSubject } from './rules';
import type { Breakdown, DataPlaneSeries } from './series';

/** Key of the dashboard JSON in its ConfigMap. */
export const DASHBOARD_KEY_SUFFIX = '-grpc.json';
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** A Grafana panel and the PromQL of its queries, in grid order. */
interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly targets: ReadonlyArray<{ readonly expr: string; readonly legend: string }>;
}

/** Every PromQL expression of the dashboard of a service, for tests and for {@link renderDashboard}. */
export function dashboardPanels(series: DataPlaneSeries): Panel[] {
  const breakdowns: Array<[string, Breakdown]> = [['backend', series.perBackend]];
  if (series.perMethod !== undefined) breakdowns.unshift(['method', series.perMethod]);
  return breakdowns.flatMap(([what, b]) => [
    { title: `Calls per second by ${what}`, unit: 'reqps', targets: [{ expr: `sum by (${b.by.join(', ')}) (rate(${series.calls}[${RATE_WINDOW}]))`, legend: b.legend }] },
    { title: `Error share by ${what}`, unit: 'percentunit', targets: [{ expr: errorShareExpr(series, b.by), legend: b.legend }] },
    { title: `p99 latency by ${what}`, unit: 's', targets: [{ expr: p99SecondsExpr(series, b.by), legend: b.legend }] },
  ]);
}

/**
 * A ConfigMap labelled for the Grafana sidecar (`grafana_dashboard: "1"`) holding a dashboard of the service's
 * calls per second, error share and p99 latency, per method (when the data plane labels calls by method) and per
 * backend, on a `datasource` variable that picks the Prometheus.
 */
export function renderDashboard(subject: MonitoredSubject, series: DataPlaneSeries, labels: Readonly<Record<string, string>>): KubeObject {
  const panels = dashboardPanels(series).map((panel, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: panel.title,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: 8, x: (i % 3) * 8, y: Math.floor(i / 3) * 8 },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    targets: panel.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource: DATASOURCE, expr: t.expr, legendFormat: t.legend })),
  }));
  const dashboard = {
    uid: `grpc-mesh-${subject.namespace}-${subject.name}`.slice(0, 40),
    title: `gRPC ${subject.target}`,
    tags: ['grpc-mesh', 'grpc'],
    timezone: 'browser',
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus' }] },
    panels,
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${subject.name}-grpc-dashboard`, namespace: subject.namespace, labels: { ...labels, ...GRAFANA_DASHBOARD_LABEL } },
    data: { [`${subject.name}${DASHBOARD_KEY_SUFFIX}`]: JSON.stringify(dashboard, undefined, 2) },
  };
}
