import { parser } from '@prometheus-io/lezer-promql';
import { DataPlane, GrpcMeshValidationError, type KubeObject } from '../../src/core';
import { render } from '../support/render';

/** Parses PromQL with the Prometheus project's own grammar and returns the syntax errors found. */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({ enter: (node) => { if (node.type.isError) errors.push(`error at ${node.from}`); } });
  return errors;
}

const ruleOf = (objects: readonly KubeObject[]) => (objects.find((o) => o.kind === 'PrometheusRule')!.spec as any).groups[0].rules[0];

describe('monitoring', () => {
  test('scrapes the Envoy balancer with a PodMonitor and alerts on the gRPC error rate', () => {
    const { monitoring } = render({ monitoring: { labels: { release: 'kube-prometheus-stack' } } });
    expect(monitoring.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['PodMonitor/users-envoy', 'PrometheusRule/users-grpc-errors']);
    expect(monitoring[0].spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'users-envoy', 'app.kubernetes.io/component': 'load-balancer' } },
      podMetricsEndpoints: [{ port: 'metrics', path: '/stats/prometheus' }],
    });
    expect(monitoring[0].metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const rule = ruleOf(monitoring);
    expect(rule).toMatchObject({ alert: 'GrpcHighErrorRate', for: '5m', labels: { severity: 'warning', service: 'users', namespace: 'app' } });
    expect(rule.expr).toBe('(sum(rate(envoy_cluster_grpc_failure{namespace="app",pod=~"users-envoy-.*",envoy_cluster_name="grpc_backend"}[5m]))'
      + ' / sum(rate(envoy_cluster_grpc_total{namespace="app",pod=~"users-envoy-.*",envoy_cluster_name="grpc_backend"}[5m]))) > 0.05');
    expect(promqlErrors(rule.expr)).toEqual([]);
  });

  test('writes the alert on the metrics of Istio and Linkerd, in valid PromQL, with the chosen threshold', () => {
    const monitoring = { errorRateAlert: { thresholdPercent: 2, forMinutes: 10 } };
    const istio = ruleOf(render({ dataPlane: DataPlane.istio(), trafficPolicy: undefined, monitoring }).monitoring);
    expect(istio.expr).toContain(
      'istio_requests_total{reporter="destination",destination_service="users.app.svc.cluster.local",request_protocol="grpc",grpc_response_status!="0"}');
    expect(istio.expr).toMatch(/ > 0\.02$/);
    expect(istio.for).toBe('10m');
    expect(promqlErrors(istio.expr)).toEqual([]);
    const linkerd = ruleOf(render({ dataPlane: DataPlane.linkerd(), trafficPolicy: undefined, monitoring: {} }).monitoring);
    expect(linkerd.expr).toContain('response_total{direction="inbound",namespace="app",deployment="users",classification="failure"}');
    expect(promqlErrors(linkerd.expr)).toEqual([]);
  });

  test('emits only what is asked for', () => {
    expect(render({ monitoring: { errorRateAlert: false } }).monitoring.map((o) => o.kind)).toEqual(['PodMonitor']);
    expect(render({ monitoring: { podMonitor: false } }).monitoring.map((o) => o.kind)).toEqual(['PrometheusRule']);
    expect(render().monitoring).toEqual([]);
  });

  test('refuses monitoring that has no metrics to work with', () => {
    const codes = (props: Parameters<typeof render>[0]) => {
      try {
        render(props);
      } catch (e) {
        if (GrpcMeshValidationError.isValidationError(e)) return e.issues.map((i) => `${i.code} ${i.path}`);
      }
      return [];
    };
    expect(codes({ dataPlane: DataPlane.none(), trafficPolicy: undefined, monitoring: {} })).toEqual(['MONITORING_WITHOUT_METRICS monitoring']);
    expect(codes({ dataPlane: DataPlane.linkerd(), trafficPolicy: undefined, workload: undefined, selector: { app: 'u' }, monitoring: {} }))
      .toEqual(['MONITORING_WITHOUT_METRICS monitoring']);
    expect(codes({ dataPlane: DataPlane.istio(), trafficPolicy: undefined, monitoring: { podMonitor: true } })).toEqual(['UNSUPPORTED_BY_DATA_PLANE monitoring.podMonitor']);
    expect(codes({ monitoring: { errorRateAlert: { thresholdPercent: 0 } } })).toEqual(['OUT_OF_RANGE monitoring.errorRateAlert.thresholdPercent']);
  });
});
