/**
 * The alerts of the Envoy tier and of the meshes evaluated on samples in the exposition format and with the labels
 * each data plane exports (no Envoy, Istio or Linkerd runs in the tests; the proxy tier's alerts are evaluated on a
 * running proxy in test/proxy/observability/monitoring-rules.test.ts): Envoy's `/stats/prometheus` with its default
 * tag extraction (`envoy_cluster_name`), Istio's standard metrics as its sidecar reports them
 * (`reporter="destination"`, `grpc_response_status`), Linkerd's proxy metrics (`direction`, `classification`). The
 * samples get the target labels of the emitted PodMonitor for a pod of the service, and a canary's pods are scraped
 * alongside: only the service's own calls count. Also checks the evaluator itself on hand-computed values.
 */
import { DataPlane, type GrpcMeshServiceManifests, type GrpcMeshServiceProps, type KubeObject } from '../../src/core';
import { evaluate, parseExposition, podMonitorTargetLabels, withTargetLabels, type Sample, type Scrape, type Vector } from '../support/promql-eval';
import { render } from '../support/render';

type Exposition = (ok: number, failed: number, slowMs: number) => string;

/** Envoy's `/stats/prometheus` for the grpc_stats filter, the upstream histogram (ms) and cluster membership. */
const envoy: Exposition = (ok, failed, slowMs) => [
  '# TYPE envoy_cluster_grpc_total counter',
  `envoy_cluster_grpc_total{envoy_cluster_name="grpc_backend"} ${ok + failed}`,
  `envoy_cluster_grpc_failure{envoy_cluster_name="grpc_backend"} ${failed}`,
  `envoy_cluster_grpc_success{envoy_cluster_name="grpc_backend"} ${ok}`,
  ...histogram('envoy_cluster_upstream_rq_time', 'envoy_cluster_name="grpc_backend",', ok + failed, slowMs, [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]),
  // The admin cluster carries the scrapes: slow, never a gRPC call.
  ...histogram('envoy_cluster_upstream_rq_time', 'envoy_cluster_name="envoy_admin",', 1000, 4000, [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]),
  'envoy_cluster_membership_healthy{envoy_cluster_name="grpc_backend"} 3',
  'envoy_cluster_membership_healthy{envoy_cluster_name="envoy_admin"} 1',
].join('\n');

/** Istio's standard metrics from the destination's sidecar (15090 `/stats/prometheus`). */
const istio: Exposition = (ok, failed, slowMs) => {
  const base = 'reporter="destination",source_workload="web",destination_workload="users",destination_service="users.app.svc.cluster.local",'
    + 'request_protocol="grpc",response_code="200"';
  return [
    `istio_requests_total{${base},grpc_response_status="0"} ${ok}`,
    `istio_requests_total{${base},grpc_response_status="14"} ${failed}`,
    // Calls the workload makes itself are reported by its sidecar as the source.
    `istio_requests_total{reporter="source",source_workload="users",destination_service="ledger.app.svc.cluster.local",request_protocol="grpc",grpc_response_status="2"} ${failed * 7}`,
    ...histogram('istio_request_duration_milliseconds', `${base},`, ok + failed, slowMs, [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]),
  ].join('\n');
};

/** Linkerd's proxy metrics on linkerd-admin (4191 `/metrics`). */
const linkerd: Exposition = (ok, failed, slowMs) => {
  const base = 'direction="inbound",authority="users.app.svc.cluster.local:50051",target_addr="10.0.0.7:50051",tls="true",status_code="200"';
  return [
    `response_total{${base},classification="success",grpc_status="0"} ${ok}`,
    `response_total{${base},classification="failure",grpc_status="14"} ${failed}`,
    `response_total{direction="outbound",authority="ledger.app.svc.cluster.local:50051",classification="failure",grpc_status="2"} ${failed * 7}`,
    ...histogram('response_latency_ms', `${base},`, ok + failed, slowMs, [1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000]),
  ].join('\n');
};

/** Classic histogram lines: `count` observations, all at `valueInUnit`. */
function histogram(name: string, labels: string, count: number, valueInUnit: number, bounds: number[]): string[] {
  return [
    ...bounds.map((le) => `${name}_bucket{${labels}le="${le}"} ${valueInUnit <= le ? count : 0}`),
    `${name}_bucket{${labels}le="+Inf"} ${count}`,
    `${name}_sum{${labels.replace(/,$/, '')}} ${count * valueInUnit}`,
    `${name}_count{${labels.replace(/,$/, '')}} ${count}`,
  ];
}

const CASES: Array<[string, Partial<GrpcMeshServiceProps>, Exposition, string]> = [
  ['envoy', {}, envoy, 'envoy'],
  ['istio', { dataPlane: DataPlane.istio(), trafficPolicy: undefined }, istio, 'istio-proxy'],
  ['linkerd', { dataPlane: DataPlane.linkerd(), trafficPolicy: undefined }, linkerd, 'linkerd-proxy'],
];

describe.each(CASES)('%s: the alerts on the data plane\'s own series', (_, props, exposition, container) => {
  const stable = render({ ...props, monitoring: {} });
  const canary = render({ ...props, name: 'users-canary', monitoring: {} });
  const scrapeOf = (m: GrpcMeshServiceManifests, pod: string, text: string): Sample[] => {
    const podMonitor = m.monitoring.find((o) => o.kind === 'PodMonitor') as KubeObject & { metadata: { name: string } };
    const deployment = m.balancer?.deployment ?? m.workload!.deployment;
    const labels = (deployment.spec as any).template.metadata.labels as Record<string, string>;
    return withTargetLabels(parseExposition(text), podMonitorTargetLabels(podMonitor, { name: pod, namespace: 'app', labels, container })!);
  };
  // The stable service: 100 calls per minute; the canary fails every call and is slow, and is not counted.
  const scrapeAt = (minute: number, failedPerMinute: number, slowMs: number): Scrape => ({
    timeSeconds: minute * 60,
    samples: [
      ...scrapeOf(stable, 'users-7d9f8b6c5-x2x9k', exposition(minute * (100 - failedPerMinute), minute * failedPerMinute, slowMs)),
      ...scrapeOf(canary, 'users-canary-6c5d4b3a2-q8w7e', exposition(0, minute * 100, 4000)),
    ],
  });
  const rule = (alert: string) => ((stable.monitoring.find((o) => o.kind === 'PrometheusRule')!.spec as any).groups[0].rules as any[]).find((r) => r.alert === alert).expr as string;

  test('the error-rate alert fires on the service\'s failed calls only', () => {
    expect(evaluate(rule('GrpcHighErrorRate'), [scrapeAt(1, 1, 3), scrapeAt(2, 1, 3)])).toEqual([]);
    const firing = evaluate(rule('GrpcHighErrorRate'), [scrapeAt(1, 30, 3), scrapeAt(2, 30, 3)]) as Vector;
    expect(firing).toHaveLength(1);
    expect(firing[0].value).toBeCloseTo(0.3, 9);
  });

  test('the latency alert fires on the p99 of the service\'s calls only', () => {
    expect(evaluate(rule('GrpcHighLatency'), [scrapeAt(1, 0, 3), scrapeAt(2, 0, 3)])).toEqual([]);
    const firing = evaluate(rule('GrpcHighLatency'), [scrapeAt(1, 0, 1800), scrapeAt(2, 0, 1800)]) as Vector;
    expect(firing).toHaveLength(1);
    expect(firing[0].value).toBeGreaterThan(1000);
  });
});

describe('the no-ready-endpoints alerts', () => {
  test('Envoy: the healthy members of the service\'s cluster, not the admin cluster', () => {
    const m = render({ monitoring: {} });
    const expr = ((m.monitoring[1].spec as any).groups[0].rules as any[])[2].expr as string;
    const podMonitor = m.monitoring[0] as KubeObject & { metadata: { name: string } };
    const labels = (m.balancer!.deployment.spec as any).template.metadata.labels;
    const target = podMonitorTargetLabels(podMonitor, { name: 'users-envoy-5d8f-abcde', namespace: 'app', labels, container: 'envoy' })!;
    const scrape = (healthy: number): Scrape => ({
      timeSeconds: 0,
      samples: withTargetLabels(parseExposition(envoy(1, 0, 1).replace(/(membership_healthy\{envoy_cluster_name="grpc_backend"\}) 3/, `$1 ${healthy}`)), target),
    });
    expect(evaluate(expr, [scrape(3), scrape(3)])).toEqual([]);
    expect(evaluate(expr, [scrape(0), scrape(0)])).toEqual([{ labels: {}, value: 0 }]);
  });

  test('meshes: kube-state-metrics\' available replicas of the service\'s Deployment', () => {
    const m = render({ dataPlane: DataPlane.istio(), trafficPolicy: undefined, monitoring: {} });
    const expr = ((m.monitoring[1].spec as any).groups[0].rules as any[])[2].expr as string;
    const ksm = (users: number): Scrape => ({
      timeSeconds: 0,
      samples: parseExposition([
        `kube_deployment_status_replicas_available{namespace="app",deployment="users"} ${users}`,
        'kube_deployment_status_replicas_available{namespace="app",deployment="users-canary"} 0',
      ].join('\n')),
    });
    expect(evaluate(expr, [ksm(2), ksm(2)])).toEqual([]);
    expect(evaluate(expr, [ksm(0), ksm(0)])).toEqual([{ labels: {}, value: 0 }]);
  });
});

describe('the PromQL evaluator', () => {
  const at = (timeSeconds: number, text: string): Scrape => ({ timeSeconds, samples: parseExposition(text) });

  test('rate: the increase over the time between scrapes, a counter reset counting from zero, no rate without two samples', () => {
    const first = at(0, 'c{a="x"} 100\nc{a="y"} 50');
    const last = at(10, 'c{a="x"} 130\nc{a="y"} 20\nc{a="z"} 5');
    expect(evaluate('rate(c[5m])', [first, last])).toEqual([{ labels: { a: 'x' }, value: 3 }, { labels: { a: 'y' }, value: 2 }]);
    expect(evaluate('sum by (a) (rate(c{a=~"x|z"}[5m]))', [first, last])).toEqual([{ labels: { a: 'x' }, value: 3 }]);
    expect(evaluate('sum(rate(c{a!="x"}[5m])) / sum(rate(c[5m]))', [first, last])).toEqual([{ labels: {}, value: 0.4 }]);
  });

  test('histogram_quantile interpolates inside the bucket and answers the highest bound for the +Inf bucket', () => {
    const text = (counts: number[]) => ['0.1', '0.5', '1', '+Inf'].map((le, i) => `h_bucket{le="${le}"} ${counts[i]}`).join('\n');
    const zero = at(0, text([0, 0, 0, 0]));
    // 100 observations: 50 up to 0.1, 40 in (0.1, 0.5], 10 in (0.5, 1]. The 0.9 quantile is rank 90: the top of the
    // second bucket; 0.7 is rank 70: 20 of 40 into (0.1, 0.5], so 0.3.
    const later = at(60, text([50, 90, 100, 100]));
    expect(evaluate('histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))', [zero, later])).toEqual([{ labels: {}, value: 0.5 }]);
    expect((evaluate('histogram_quantile(0.7, sum by (le) (rate(h_bucket[5m])))', [zero, later]) as Vector)[0].value).toBeCloseTo(0.3, 12);
    const overflow = at(60, text([0, 0, 0, 10]));
    expect(evaluate('histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m]))) > 0.9', [zero, overflow])).toEqual([{ labels: {}, value: 1 }]);
  });

  test('or fills in label sets the left side lacks; anything outside the subset is refused', () => {
    const s = at(0, 'a{pod="p1"} 2\nb{pod="p1"} 5\nb{pod="p2"} 0');
    expect(evaluate('max(sum by (pod) (a) or sum by (pod) (b)) < 1', [s, s])).toEqual([]);
    expect(evaluate('min(sum by (pod) (a) or sum by (pod) (b)) < 1', [s, s])).toEqual([{ labels: {}, value: 0 }]);
    expect(() => evaluate('increase(a[5m])', [s, s])).toThrow('unsupported PromQL function increase');
    expect(() => evaluate('a / on (pod) b', [s, s])).toThrow('unsupported');
    expect(() => evaluate('sum(', [s, s])).toThrow('PromQL syntax error');
  });
});
