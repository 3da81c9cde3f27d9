import type { GrpcMeshServiceModel } from '../grpc-mesh-service';
import { ENVOY_ADMIN_CLUSTER, ENVOY_SERVICE_CLUSTER } from '../render/envoy-bootstrap';
import { PROXY_SERVICE_CLUSTER } from '../render/proxy-balancer';

/** Where the pods whose proxies see a service's calls serve their metrics, and which pods those are. */
export interface ScrapeTarget {
  /** Name of the PodMonitor. */
  readonly name: string;
  /** Labels that select the pods (the tier's selector, or the workload's). */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Name of the container port serving the metrics. */
  readonly port: string;
  /** HTTP path of the metrics. */
  readonly path: string;
}

/** A label of a series and the dashboard title of a breakdown by it. */
export interface Breakdown {
  /** Labels to aggregate by. */
  readonly by: readonly string[];
  /** What a legend shows, as a Grafana legend format. */
  readonly legend: string;
}

/** The PromQL series of one data plane for one service: what the alerts and the dashboard query. */
export interface DataPlaneSeries {
  /** The pods to scrape. */
  readonly scrape: ScrapeTarget;
  /** Counter of every call (a PromQL selector). */
  readonly calls: string;
  /** Counter of the calls that ended with a non-OK gRPC status. */
  readonly failedCalls: string;
  /** Bucket counter of the call-duration histogram (with its `le` label). */
  readonly latencyBuckets: string;
  /** Unit of the histogram's `le`: seconds or milliseconds. */
  readonly latencyUnit: 's' | 'ms';
  /** Expression of the ready endpoints of the service (0 when none), or undefined when the data plane has none. */
  readonly readyEndpoints?: string;
  /** Where the ready-endpoint count comes from, for the alert's description. */
  readonly readyEndpointsSource?: string;
  /** Breakdown per gRPC method, when the data plane labels calls by method. */
  readonly perMethod?: Breakdown;
  /** Breakdown per backend (cluster or pod). */
  readonly perBackend: Breakdown;
}

/** Name of the Envoy tier's container port serving `/stats/prometheus` (render/envoy-balancer.ts). */
export const ENVOY_METRICS_PORT_NAME = 'metrics';
/** Name of the grpc-mesh-proxy tier's probe port serving `/metrics` (render/proxy-balancer.ts). */
export const PROXY_METRICS_PORT_NAME = 'probe';
/** Name of the Istio sidecar's port serving Envoy's `/stats/prometheus` (15090, in Istio's injection template). */
export const ISTIO_METRICS_PORT_NAME = 'http-envoy-prom';
/** Name of the Linkerd proxy's admin port serving `/metrics` (4191, in Linkerd's injection template). */
export const LINKERD_METRICS_PORT_NAME = 'linkerd-admin';

/**
 * The target label Prometheus gives a pod label copied by relabeling: its name with every character that is not
 * a letter, digit or `_` replaced by `_`, as Kubernetes service discovery names `__meta_kubernetes_pod_label_*`.
 */
export function targetLabelOf(podLabel: string): string {
  return podLabel.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** PromQL label matchers of the series scraped from the pods of `selector` in `namespace` (see the PodMonitor). */
export function podMatchers(namespace: string, selector: Readonly<Record<string, string>>): string[] {
  return [`namespace="${namespace}"`, ...Object.entries(selector).map(([k, v]) => `${targetLabelOf(k)}=${promString(v)}`)];
}

/** A PromQL string literal. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** The series of the service's data plane, or undefined for `DataPlane.none()`. */
export function seriesOf(model: GrpcMeshServiceModel): DataPlaneSeries | undefined {
  const dp = model.dataPlane;
  switch (dp.kind) {
    case 'envoy': return tierSeries(dp, model.namespace, ENVOY_SERVICE_CLUSTER);
    case 'proxy': return tierSeries(dp, model.namespace, PROXY_SERVICE_CLUSTER);
    case 'istio': return istioSeries(model);
    case 'linkerd': return linkerdSeries(model);
    default: return undefined;
  }
}

/** The pods of an Envoy or grpc-mesh-proxy tier, what the series name it by. */
export interface MonitoredTier {
  /** `envoy` or `proxy`. */
  readonly kind: 'envoy' | 'proxy';
  /** Name of the tier's objects (its PodMonitor's too). */
  readonly name: string;
  /** Labels that select the tier's pods. */
  readonly selector: Readonly<Record<string, string>>;
}

/**
 * The series of an Envoy or grpc-mesh-proxy tier in `namespace`.
 * @param ownCluster the cluster whose ready endpoints the no-ready-endpoints alert watches (a service's pods);
 *   undefined for a Gateway's tier: every cluster, the alert labelled by it
 */
export function tierSeries(tier: MonitoredTier, namespace: string, ownCluster?: string): DataPlaneSeries {
  return tier.kind === 'envoy'
    ? envoySeries(namespace, { name: tier.name, podSelector: tier.selector, port: ENVOY_METRICS_PORT_NAME, path: '/stats/prometheus' }, ownCluster)
    : proxySeries(namespace, { name: tier.name, podSelector: tier.selector, port: PROXY_METRICS_PORT_NAME, path: '/metrics' }, ownCluster);
}

/**
 * Envoy's `grpc_stats` filter counts calls per cluster (`cluster.<name>.grpc.{total,failure}`, not per method); the
 * cluster's `upstream_rq_time` histogram is in milliseconds. The admin cluster, which carries the scrapes, is left
 * out.
 */
function envoySeries(namespace: string, scrape: ScrapeTarget, ownCluster: string | undefined): DataPlaneSeries {
  const pods = podMatchers(namespace, scrape.podSelector);
  const m = (...extra: string[]) => `{${[...pods, ...extra].join(',')}}`;
  const notAdmin = `envoy_cluster_name!="${ENVOY_ADMIN_CLUSTER}"`;
  const healthy = ownCluster === undefined
    ? `max by (envoy_cluster_name) (envoy_cluster_membership_healthy${m(notAdmin)})`
    : `max(envoy_cluster_membership_healthy${m(`envoy_cluster_name="${ownCluster}"`)})`;
  return {
    scrape,
    calls: `envoy_cluster_grpc_total${m()}`,
    failedCalls: `envoy_cluster_grpc_failure${m()}`,
    latencyBuckets: `envoy_cluster_upstream_rq_time_bucket${m(notAdmin)}`,
    latencyUnit: 'ms',
    readyEndpoints: healthy,
    readyEndpointsSource: `Envoy's healthy members of cluster ${ownCluster ?? '{{ $labels.envoy_cluster_name }}'}`,
    perBackend: { by: ['envoy_cluster_name'], legend: '{{envoy_cluster_name}}' },
  };
}

/**
 * grpc-mesh-proxy labels calls by `grpc_service`, `grpc_method`, `grpc_code` (the status name) and `cluster`; its
 * duration histogram is in seconds. `grpc_mesh_proxy_ready_endpoints` counts, per cluster, the endpoints that may
 * take calls (healthy, reachable, not ejected, not draining), 0 for a cluster with none.
 */
function proxySeries(namespace: string, scrape: ScrapeTarget, ownCluster: string | undefined): DataPlaneSeries {
  const pods = podMatchers(namespace, scrape.podSelector);
  const m = (...extra: string[]) => `{${[...pods, ...extra].join(',')}}`;
  const cluster = ownCluster === undefined ? [] : [`cluster="${ownCluster}"`];
  const ready = `grpc_mesh_proxy_ready_endpoints${m(...cluster)}`;
  return {
    scrape,
    calls: `grpc_mesh_proxy_calls_total${m()}`,
    failedCalls: `grpc_mesh_proxy_calls_total${m('grpc_code!="OK"')}`,
    latencyBuckets: `grpc_mesh_proxy_call_duration_seconds_bucket${m()}`,
    latencyUnit: 's',
    readyEndpoints: ownCluster === undefined ? `max by (cluster) (${ready})` : `max(${ready})`,
    readyEndpointsSource: `grpc-mesh-proxy's ready endpoints of cluster ${ownCluster ?? '{{ $labels.cluster }}'}`,
    perMethod: { by: ['grpc_service', 'grpc_method'], legend: '{{grpc_service}}/{{grpc_method}}' },
    perBackend: { by: ['cluster'], legend: '{{cluster}}' },
  };
}

/**
 * The available replicas of the service's Deployment (kube-state-metrics), when the service runs it. Assumes
 * kube-state-metrics is scraped with `honorLabels: true` (as kube-prometheus-stack does), so `namespace` and
 * `deployment` are the Deployment's, not the exporter pod's.
 */
function deploymentReadiness(model: GrpcMeshServiceModel): Pick<DataPlaneSeries, 'readyEndpoints' | 'readyEndpointsSource'> {
  if (model.workload === undefined) return {};
  return {
    readyEndpoints: `max(kube_deployment_status_replicas_available{namespace="${model.namespace}",deployment="${model.name}"})`,
    readyEndpointsSource: `kube-state-metrics' available replicas of Deployment ${model.name}`,
  };
}

/**
 * Istio's sidecar serves Envoy's stats, the `istio_*` metrics included, on `http-envoy-prom` (15090,
 * `/stats/prometheus`, a named port of the injected container); calls into the workload are those its own sidecar
 * reports (`reporter="destination"`), labelled by the stats plugin itself (`request_protocol`,
 * `grpc_response_status`...), so no relabeling beyond the pod labels is needed. The merged endpoint on 15020 (the
 * `prometheus.io/*` annotations Istio's injector writes) carries the same series plus the application's, but is no
 * named port a PodMonitor can select. Neither `istio_requests_total` nor `istio_request_duration_milliseconds` has a
 * method label.
 */
function istioSeries(model: GrpcMeshServiceModel): DataPlaneSeries {
  const pods = podMatchers(model.namespace, model.podSelector);
  const m = (...extra: string[]) => `{${[...pods, 'reporter="destination"', 'request_protocol="grpc"', ...extra].join(',')}}`;
  return {
    scrape: { name: `${model.name}-istio-proxy`, podSelector: model.podSelector, port: ISTIO_METRICS_PORT_NAME, path: '/stats/prometheus' },
    calls: `istio_requests_total${m()}`,
    failedCalls: `istio_requests_total${m('grpc_response_status!="0"')}`,
    latencyBuckets: `istio_request_duration_milliseconds_bucket${m()}`,
    latencyUnit: 'ms',
    ...deploymentReadiness(model),
    perBackend: { by: ['pod'], legend: '{{pod}}' },
  };
}

/**
 * Linkerd's proxy serves its metrics on `linkerd-admin` (4191, `/metrics`); calls into the workload are
 * `direction="inbound"`, a non-OK `grpc-status` is `classification="failure"`. The latency histogram is in
 * milliseconds; neither has a method label (only a route's name, with routes). linkerd-viz's Prometheus adds
 * `namespace`, `pod` and the `linkerd.io/proxy-*` pod labels (`deployment`...) by relabeling its own scrape job
 * (viz/charts/linkerd-viz/templates/prometheus.yaml), and reads no PrometheusRule; our PodMonitor scrapes the same
 * port for a prometheus-operator Prometheus and adds the labels the alerts select by. The kubelet's gRPC probes
 * pass the inbound proxy too and count as (successful) calls.
 */
function linkerdSeries(model: GrpcMeshServiceModel): DataPlaneSeries {
  const pods = podMatchers(model.namespace, model.podSelector);
  const m = (...extra: string[]) => `{${[...pods, 'direction="inbound"', ...extra].join(',')}}`;
  return {
    scrape: { name: `${model.name}-linkerd-proxy`, podSelector: model.podSelector, port: LINKERD_METRICS_PORT_NAME, path: '/metrics' },
    calls: `response_total${m()}`,
    failedCalls: `response_total${m('classification="failure"')}`,
    latencyBuckets: `response_latency_ms_bucket${m()}`,
    latencyUnit: 'ms',
    ...deploymentReadiness(model),
    perBackend: { by: ['pod'], legend: '{{pod}}' },
  };
}
