/**
 * Monitoring per data plane (issue 13, items 3 and 4): a PodMonitor for every tier we run and for the mesh sidecars,
 * series selected by the pod labels the PodMonitor copies into target labels (never pod-name regexes), the
 * error-rate, latency and no-ready-endpoints alerts on each data plane's own metrics, and a Grafana dashboard. Every
 * object validates against the prometheus-operator v0.93.0 CRDs (or Kubernetes' ConfigMap schema), and every
 * expression parses with Prometheus' own grammar.
 */
import { parser } from '@prometheus-io/lezer-promql';
import {
  DataPlane, dashboardPanels, GatewayImplementation, GrpcMeshValidationError, renderGrpcGateway, resolveGrpcGateway, resolveGrpcMeshService, seriesOf,
  type GrpcGatewayProps, type GrpcMeshServiceManifests, type GrpcMeshServiceProps, type KubeObject,
} from '../../src/core';
import { validateAnyManifests } from '../support/crd-validator';
import { USERS_PROPS } from '../support/fixtures';
import { evaluate, parseExposition, podMonitorTargetLabels, withTargetLabels, type Sample } from '../support/promql-eval';
import { at, render } from '../support/render';

/** Parses PromQL with the Prometheus project's own grammar and returns the syntax errors found. */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({ enter: (node) => { if (node.type.isError) errors.push(`error at ${node.from} in ${expr}`); } });
  return errors;
}

const PROXY = DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:1.0.0' });
const DATA_PLANES: Array<[string, Partial<GrpcMeshServiceProps>]> = [
  ['envoy', {}],
  ['proxy', { dataPlane: PROXY }],
  ['istio', { dataPlane: DataPlane.istio(), trafficPolicy: undefined }],
  ['linkerd', { dataPlane: DataPlane.linkerd(), trafficPolicy: undefined }],
];

const byKind = (m: GrpcMeshServiceManifests, kind: string) => m.monitoring.find((o) => o.kind === kind) as KubeObject & { spec: any };
const rulesOf = (m: GrpcMeshServiceManifests) => byKind(m, 'PrometheusRule').spec.groups[0].rules as Array<{ alert: string; expr: string; for: string; labels: Record<string, string> }>;
const exprOf = (m: GrpcMeshServiceManifests, alert: string) => rulesOf(m).find((r) => r.alert === alert)!.expr;
const podLabelsOf = (deployment: KubeObject) => at(deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
const containerPorts = (deployment: KubeObject) => (at(deployment, 'spec', 'template', 'spec', 'containers') as any[]).flatMap((c) => c.ports.map((p: any) => p.name));

describe('monitoring per data plane', () => {
  test.each(DATA_PLANES)('%s: PodMonitor, three alerts and a dashboard, valid against the prometheus-operator CRDs, in valid PromQL', (_, props) => {
    const m = render({ ...props, monitoring: { labels: { release: 'kube-prometheus-stack' } } });
    expect(m.monitoring.map((o) => o.kind)).toEqual(['PodMonitor', 'PrometheusRule']);
    expect(rulesOf(m).map((r) => r.alert)).toEqual(['GrpcHighErrorRate', 'GrpcHighLatency', 'GrpcNoReadyEndpoints']);
    expect(m.dashboard?.metadata.labels).toMatchObject({ grafana_dashboard: '1', release: 'kube-prometheus-stack' });
    expect(validateAnyManifests([...m.monitoring, m.dashboard!])).toEqual([]);
    const exprs = [...rulesOf(m).map((r) => r.expr), ...dashboardPanels(seriesOf(resolve(props))!).flatMap((p) => p.targets.map((t) => t.expr))];
    expect(exprs.flatMap(promqlErrors)).toEqual([]);
    // The dashboard holds those expressions, in Grafana's JSON.
    const json = JSON.parse(Object.values(m.dashboard!.data as Record<string, string>)[0]);
    expect(json.panels.map((p: any) => p.targets[0].expr)).toEqual(dashboardPanels(seriesOf(resolve(props))!).map((p) => p.targets[0].expr));
    // Never a pod-name regex.
    expect(exprs.join('\n')).not.toMatch(/pod=~/);
  });

  test('Envoy tier: scrapes its metrics port, counts grpc_stats per cluster, latency from upstream_rq_time, healthy members of its cluster', () => {
    const m = render({ monitoring: {} });
    const podMonitor = byKind(m, 'PodMonitor');
    expect(podMonitor.metadata.name).toBe('users-envoy');
    expect(podMonitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'users-envoy', 'app.kubernetes.io/component': 'load-balancer' } },
      podMetricsEndpoints: [{
        port: 'metrics',
        path: '/stats/prometheus',
        relabelings: [
          { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'app_kubernetes_io_name' },
          { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], targetLabel: 'app_kubernetes_io_component' },
        ],
      }],
    });
    expect(containerPorts(m.balancer!.deployment)).toContain('metrics');
    const sel = 'namespace="app",app_kubernetes_io_name="users-envoy",app_kubernetes_io_component="load-balancer"';
    expect(exprOf(m, 'GrpcHighErrorRate')).toBe(`(sum (rate(envoy_cluster_grpc_failure{${sel}}[5m])) / sum (rate(envoy_cluster_grpc_total{${sel}}[5m]))) > 0.05`);
    expect(exprOf(m, 'GrpcHighLatency')).toBe(
      `histogram_quantile(0.99, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{${sel},envoy_cluster_name!="envoy_admin"}[5m]))) > 1000`);
    expect(exprOf(m, 'GrpcNoReadyEndpoints')).toBe(`max(envoy_cluster_membership_healthy{${sel},envoy_cluster_name="grpc_backend"}) < 1`);
  });

  test('grpc-mesh-proxy tier: scrapes its probe port, and alerts on the metrics the proxy exports', () => {
    const m = render({ dataPlane: PROXY, monitoring: {} });
    const podMonitor = byKind(m, 'PodMonitor');
    expect(podMonitor.metadata.name).toBe('users-proxy');
    expect(podMonitor.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'users-proxy', 'app.kubernetes.io/component': 'load-balancer' } });
    expect(podMonitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'probe', path: '/metrics' });
    expect(containerPorts(m.balancer!.deployment)).toContain('probe');
    const sel = 'namespace="app",app_kubernetes_io_name="users-proxy",app_kubernetes_io_component="load-balancer"';
    expect(exprOf(m, 'GrpcHighErrorRate')).toBe(
      `(sum (rate(grpc_mesh_proxy_calls_total{${sel},grpc_code!="OK"}[5m])) / sum (rate(grpc_mesh_proxy_calls_total{${sel}}[5m]))) > 0.05`);
    expect(exprOf(m, 'GrpcHighLatency')).toBe(`histogram_quantile(0.99, sum by (le) (rate(grpc_mesh_proxy_call_duration_seconds_bucket{${sel}}[5m]))) > 1`);
    expect(exprOf(m, 'GrpcNoReadyEndpoints')).toBe(`max(grpc_mesh_proxy_ready_endpoints{${sel},cluster="grpc-backend"}) < 1`);
    expect(JSON.stringify(m.monitoring)).not.toContain('envoy_');
  });

  test('Istio: scrapes the sidecars\' Envoy stats of the workload pods, calls reported by the destination', () => {
    const m = render({ dataPlane: DataPlane.istio(), trafficPolicy: undefined, monitoring: { latencyAlert: { thresholdMs: 250 } } });
    const podMonitor = byKind(m, 'PodMonitor');
    expect(podMonitor.metadata.name).toBe('users-istio-proxy');
    expect(podMonitor.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'users', 'app.kubernetes.io/component': 'grpc-server' } });
    expect(podMonitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'http-envoy-prom', path: '/stats/prometheus' });
    const sel = 'namespace="app",app_kubernetes_io_name="users",app_kubernetes_io_component="grpc-server",reporter="destination",request_protocol="grpc"';
    expect(exprOf(m, 'GrpcHighErrorRate')).toContain(`istio_requests_total{${sel},grpc_response_status!="0"}`);
    expect(exprOf(m, 'GrpcHighLatency')).toBe(`histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${sel}}[5m]))) > 250`);
    expect(exprOf(m, 'GrpcNoReadyEndpoints')).toBe('max(kube_deployment_status_replicas_available{namespace="app",deployment="users"}) < 1');
  });

  test('Linkerd: scrapes linkerd-admin of the workload pods itself, so no linkerd-viz relabeling is needed', () => {
    const m = render({ dataPlane: DataPlane.linkerd(), trafficPolicy: undefined, monitoring: {} });
    const podMonitor = byKind(m, 'PodMonitor');
    expect(podMonitor.metadata.name).toBe('users-linkerd-proxy');
    expect(podMonitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'linkerd-admin', path: '/metrics' });
    const sel = 'namespace="app",app_kubernetes_io_name="users",app_kubernetes_io_component="grpc-server",direction="inbound"';
    expect(exprOf(m, 'GrpcHighErrorRate')).toBe(
      `(sum (rate(response_total{${sel},classification="failure"}[5m])) / sum (rate(response_total{${sel}}[5m]))) > 0.05`);
    expect(exprOf(m, 'GrpcHighLatency')).toContain(`response_latency_ms_bucket{${sel}}`);
    // The labels linkerd-viz's Prometheus adds by relabeling (deployment) are not used.
    expect(rulesOf(m).slice(0, 2).map((r) => r.expr).join()).not.toContain('deployment=');
  });

  test('the series of a canary\'s pods never count towards the stable service (label selection, not name regexes)', () => {
    const model = (name: string) => resolveGrpcMeshService({ ...USERS_PROPS, name, dataPlane: PROXY, monitoring: {} }, { defaultName: name });
    const stable = render({ name: 'orders', dataPlane: PROXY, monitoring: {} });
    const canary = render({ name: 'orders-canary', dataPlane: PROXY, monitoring: {} });
    const scrapeOf = (m: GrpcMeshServiceManifests, pod: string, value: number): Sample[] => {
      const target = podMonitorTargetLabels(byKind(m, 'PodMonitor') as any, { name: pod, namespace: 'app', labels: podLabelsOf(m.balancer!.deployment), container: 'proxy' })!;
      return withTargetLabels([
        { labels: { __name__: 'grpc_mesh_proxy_calls_total', grpc_code: 'OK', cluster: 'grpc-backend' }, value },
        { labels: { __name__: 'grpc_mesh_proxy_calls_total', grpc_code: 'UNAVAILABLE', cluster: 'grpc-backend' }, value: value / 2 },
      ], target);
    };
    // Both tiers' pods carry the "orders-" prefix; only the stable one's pods are selected.
    const first = { timeSeconds: 0, samples: [...scrapeOf(stable, 'orders-proxy-5d8f-abcde', 0), ...scrapeOf(canary, 'orders-canary-proxy-7c9b-fghij', 0)] };
    const last = { timeSeconds: 60, samples: [...scrapeOf(stable, 'orders-proxy-5d8f-abcde', 600), ...scrapeOf(canary, 'orders-canary-proxy-7c9b-fghij', 6000)] };
    const calls = seriesOf(model('orders'))!.calls;
    expect(evaluate(`sum (rate(${calls}[5m]))`, [first, last])).toEqual([{ labels: {}, value: 15 }]); // (600 + 300) / 60
    expect(evaluate(`sum (rate(${seriesOf(model('orders-canary'))!.calls}[5m]))`, [first, last])).toEqual([{ labels: {}, value: 150 }]);
    // And a PodMonitor selects only its own tier's pods.
    expect(podMonitorTargetLabels(byKind(stable, 'PodMonitor') as any, {
      name: 'orders-canary-proxy-7c9b-fghij', namespace: 'app', labels: podLabelsOf(canary.balancer!.deployment), container: 'proxy',
    })).toBeUndefined();
  });

  test('each alert, the PodMonitor and the dashboard can be turned off; the alerts take their thresholds', () => {
    const kinds = (monitoring: GrpcMeshServiceProps['monitoring']) => {
      const m = render({ monitoring });
      return [...m.monitoring.map((o) => o.kind === 'PrometheusRule' ? `rule:${rulesOf(m).map((r) => r.alert).join('+')}` : o.kind), ...(m.dashboard ? ['dashboard'] : [])];
    };
    expect(kinds({ errorRateAlert: false, latencyAlert: false, noReadyEndpointsAlert: false, dashboard: false })).toEqual(['PodMonitor']);
    expect(kinds({ podMonitor: false, errorRateAlert: false, noReadyEndpointsAlert: false })).toEqual(['rule:GrpcHighLatency', 'dashboard']);
    expect(kinds({ latencyAlert: false })).toEqual(['PodMonitor', 'rule:GrpcHighErrorRate+GrpcNoReadyEndpoints', 'dashboard']);
    expect(render().monitoring).toEqual([]);
    expect(render().dashboard).toBeUndefined();
    const m = render({
      monitoring: {
        errorRateAlert: { thresholdPercent: 2, forMinutes: 10, severity: 'critical' },
        latencyAlert: { thresholdMs: 300, forMinutes: 3 },
        noReadyEndpointsAlert: { forMinutes: 1, severity: 'page' },
      },
    });
    expect(rulesOf(m).map((r) => [r.alert, r.for, r.labels.severity, r.expr.slice(r.expr.lastIndexOf(' ') + 1)])).toEqual([
      ['GrpcHighErrorRate', '10m', 'critical', '0.02'],
      ['GrpcHighLatency', '3m', 'warning', '300'],
      ['GrpcNoReadyEndpoints', '1m', 'page', '1'],
    ]);
    expect(at(render({ dataPlane: PROXY, monitoring: { latencyAlert: { thresholdMs: 300 } } }), 'monitoring', 1, 'spec', 'groups', 0, 'rules', 1, 'expr')).toMatch(/ > 0\.3$/);
  });

  test('a mesh service that selects an existing workload: monitored by its pod labels; no Deployment for the no-endpoints alert', () => {
    const props = { dataPlane: DataPlane.linkerd(), trafficPolicy: undefined, workload: undefined, selector: { app: 'users', track: 'stable' } };
    const m = render({ ...props, monitoring: {} });
    expect(byKind(m, 'PodMonitor').spec.selector).toEqual({ matchLabels: { app: 'users', track: 'stable' } });
    expect(rulesOf(m).map((r) => r.alert)).toEqual(['GrpcHighErrorRate', 'GrpcHighLatency']);
    expect(exprOf(m, 'GrpcHighErrorRate')).toContain('response_total{namespace="app",app="users",track="stable",direction="inbound"');
    const model = resolveGrpcMeshService({ ...USERS_PROPS, ...props, monitoring: {} } as GrpcMeshServiceProps, { defaultName: 'users' });
    expect(model.warnings.join()).toContain('NO_ENDPOINTS_ALERT_SKIPPED');
    expect(codes({ ...props, monitoring: { noReadyEndpointsAlert: {} } })).toEqual(['UNSUPPORTED_BY_DATA_PLANE monitoring.noReadyEndpointsAlert']);
    expect(codes({ ...props, monitoring: { noReadyEndpointsAlert: false } })).toEqual([]);
  });

  test('refuses monitoring without metrics and out-of-range settings, naming the field', () => {
    expect(codes({ dataPlane: DataPlane.none(), trafficPolicy: undefined, monitoring: {} })).toEqual(['MONITORING_WITHOUT_METRICS monitoring']);
    const monitoring = {
      errorRateAlert: { thresholdPercent: 0 }, latencyAlert: { thresholdMs: 0.5, forMinutes: 0 }, noReadyEndpointsAlert: { forMinutes: 2000 },
    };
    expect(codes({ monitoring })).toEqual([
      'OUT_OF_RANGE monitoring.errorRateAlert.thresholdPercent',
      'NOT_AN_INTEGER monitoring.latencyAlert.thresholdMs',
      'OUT_OF_RANGE monitoring.latencyAlert.forMinutes',
      'OUT_OF_RANGE monitoring.noReadyEndpointsAlert.forMinutes',
    ]);
    expect(codes({ workload: undefined, selector: { 'a.b': 'x', 'a_b': 'y' }, monitoring: {} })).toEqual(['AMBIGUOUS_TARGET_LABEL selector["a_b"]']);
    // The proxy tier and the meshes get a PodMonitor on request now.
    expect(codes({ dataPlane: PROXY, monitoring: { podMonitor: true } })).toEqual([]);
    expect(codes({ dataPlane: DataPlane.istio(), trafficPolicy: undefined, monitoring: { podMonitor: true } })).toEqual([]);
  });
});

function resolve(props: Partial<GrpcMeshServiceProps>) {
  return resolveGrpcMeshService({ ...USERS_PROPS, ...props, monitoring: {} } as GrpcMeshServiceProps, { defaultName: 'users' });
}

function codes(props: Partial<GrpcMeshServiceProps>): string[] {
  try {
    render(props);
  } catch (e) {
    if (GrpcMeshValidationError.isValidationError(e)) return e.issues.map((i) => `${i.code} ${i.path}`);
    throw e;
  }
  return [];
}

describe('monitoring of a self-hosted Gateway\'s tier', () => {
  const gateway = (implementation: GatewayImplementation, monitoring: GrpcGatewayProps['monitoring'] = {}) => renderGrpcGateway(resolveGrpcGateway({
    namespace: 'infra', implementation, listeners: [{ name: 'grpc', port: 8080 }], monitoring,
  }, { defaultName: 'edge' }));

  test.each([
    ['proxy', GatewayImplementation.proxy({ image: 'registry.example.com/grpc-mesh-proxy:1.0.0' }), 'probe', 'grpc_mesh_proxy_calls_total'],
    ['envoy', GatewayImplementation.envoy(), 'metrics', 'envoy_cluster_grpc_total'],
  ])('%s: PodMonitor of the tier, alerts labelled by the Gateway, per-cluster no-ready-endpoints, valid objects', (kind, implementation, port, metric) => {
    const m = gateway(implementation, { labels: { release: 'prometheus' } });
    expect(m.monitoring.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([`PodMonitor/edge-${kind}`, 'PrometheusRule/edge-gateway-grpc']);
    expect(m.dashboard?.metadata.name).toBe('edge-gateway-grpc-dashboard');
    expect(at(m.monitoring[0], 'spec', 'podMetricsEndpoints', 0, 'port')).toBe(port);
    const rules = at(m.monitoring[1], 'spec', 'groups', 0, 'rules') as Array<{ expr: string; labels: Record<string, string> }>;
    expect(rules.map((r) => r.labels)).toEqual(Array(3).fill(expect.objectContaining({ gateway: 'edge', namespace: 'infra' })));
    expect(rules[0].expr).toContain(`${metric}{namespace="infra",app_kubernetes_io_name="edge-${kind}",app_kubernetes_io_component="load-balancer"`);
    expect(rules[2].expr).toMatch(kind === 'proxy' ? /^max by \(cluster\) \(/ : /^max by \(envoy_cluster_name\) \(/);
    expect(rules.map((r) => r.expr).flatMap(promqlErrors)).toEqual([]);
    expect(validateAnyManifests([...m.monitoring, m.dashboard!])).toEqual([]);
  });

  test('the proxy Gateway\'s no-ready-endpoints alert fires for the cluster without endpoints only', () => {
    const m = gateway(GatewayImplementation.proxy({ image: 'registry.example.com/grpc-mesh-proxy:1.0.0' }));
    const expr = at(m.monitoring[1], 'spec', 'groups', 0, 'rules', 2, 'expr') as string;
    const target = { namespace: 'infra', app_kubernetes_io_name: 'edge-proxy', app_kubernetes_io_component: 'load-balancer', pod: 'edge-proxy-1' };
    const exposition = [
      'grpc_mesh_proxy_ready_endpoints{cluster="app/users:50051"} 1',
      'grpc_mesh_proxy_ready_endpoints{cluster="app/orders:50051"} 0',
      'grpc_mesh_proxy_ready_endpoints{cluster="app/ledger:50051"} 0',
    ].join('\n');
    const s = { timeSeconds: 0, samples: withTargetLabels(parseExposition(exposition), target) };
    expect(evaluate(expr, [s, s])).toEqual([{ labels: { cluster: 'app/orders:50051' }, value: 0 }, { labels: { cluster: 'app/ledger:50051' }, value: 0 }]);
  });

  test('a controller\'s Gateway cannot be monitored by us, and says so', () => {
    expect(() => resolveGrpcGateway({ gatewayClassName: 'eg', listeners: [{ name: 'grpc', port: 8080 }], monitoring: {} }, { defaultName: 'edge' }))
      .toThrow(/monitoring.*needs a tier of ours to scrape/);
    const unmonitored = renderGrpcGateway(resolveGrpcGateway({ implementation: GatewayImplementation.envoy(), listeners: [{ name: 'grpc', port: 8080 }] }, { defaultName: 'edge' }));
    expect([unmonitored.monitoring, unmonitored.dashboard]).toEqual([[], undefined]);
  });
});

describe('the Grafana dashboard', () => {
  const panelsOf = (m: GrpcMeshServiceManifests) => JSON.parse(Object.values(m.dashboard!.data as Record<string, string>)[0]).panels as any[];

  test('per method and per backend where the data plane labels them; one Prometheus data source variable', () => {
    const proxy = render({ dataPlane: PROXY, monitoring: {} });
    expect(panelsOf(proxy).map((p) => p.title)).toEqual([
      'Calls per second by method', 'Error share by method', 'p99 latency by method',
      'Calls per second by backend', 'Error share by backend', 'p99 latency by backend',
    ]);
    expect(panelsOf(proxy)[0].targets[0]).toMatchObject({ legendFormat: '{{grpc_service}}/{{grpc_method}}', datasource: { uid: '${datasource}' } });
    expect(panelsOf(proxy)[5].targets[0].expr).toMatch(/^histogram_quantile\(0\.99, sum by \(le, cluster\) \(rate\(grpc_mesh_proxy_call_duration_seconds_bucket/);
    // Envoy counts calls per cluster only; the meshes' backends are the pods.
    expect(panelsOf(render({ monitoring: {} })).map((p) => p.targets[0].legendFormat)).toEqual(Array(3).fill('{{envoy_cluster_name}}'));
    const linkerd = panelsOf(render({ dataPlane: DataPlane.linkerd(), trafficPolicy: undefined, monitoring: {} }));
    expect(linkerd.map((p) => p.targets[0].legendFormat)).toEqual(Array(3).fill('{{pod}}'));
    // Milliseconds histograms are shown in seconds, as the proxy's.
    expect(linkerd[2].targets[0].expr).toMatch(/ \/ 1000$/);
    expect(render({ monitoring: { dashboard: false } }).dashboard).toBeUndefined();
  });
});
