import type { GrpcMeshServiceModel, ResolvedTier } from '../grpc-mesh-service';

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

/** The series of the service's data plane, as its strategy names them, or undefined when nothing records the calls. */
export function seriesOf(model: GrpcMeshServiceModel): DataPlaneSeries | undefined {
  return model.dataPlane.strategy.series(model, model.dataPlane);
}

/**
 * The series of an Envoy or grpc-mesh-proxy tier in `namespace`, as its tier strategy names them.
 * @param ownCluster the cluster whose ready endpoints the no-ready-endpoints alert watches (a service's pods);
 *   undefined for a Gateway's tier: every cluster, the alert labelled by it
 */
export function tierSeries(tier: ResolvedTier, namespace: string, ownCluster?: string): DataPlaneSeries {
  return tier.tierStrategy.series(namespace, { name: tier.name, podSelector: tier.selector }, ownCluster);
}

/**
 * The available replicas of the service's Deployment (kube-state-metrics), when the service runs it. Assumes
 * kube-state-metrics is scraped with `honorLabels: true` (as kube-prometheus-stack does), so `namespace` and
 * `deployment` are the Deployment's, not the exporter pod's.
 */
export function deploymentReadiness(model: GrpcMeshServiceModel): Pick<DataPlaneSeries, 'readyEndpoints' | 'readyEndpointsSource'> {
  if (model.workload === undefined) return {};
  return {
    readyEndpoints: `max(kube_deployment_status_replicas_available{namespace="${model.namespace}",deployment="${model.name}"})`,
    readyEndpointsSource: `kube-state-metrics' available replicas of Deployment ${model.name}`,
  };
}
