import type { DataPlaneService, RoutePolicyDialect } from './strategy';
import { translateToLinkerd } from '../dialects/linkerd';
import { linkerdServiceRouteName, linkerdServiceRoutes } from '../dialects/linkerd-route';
import type { PolicyTarget } from '../dialects/policy-target';
import type { GrpcMeshServiceModel, ResolvedMesh } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import { deploymentReadiness, podMatchers, type DataPlaneSeries } from '../monitoring/series';
import type { RoutePolicySubject } from '../route-policy';
import type { TrafficPolicy } from '../traffic-policy';
import type { IssueCollector } from '../validation';
import { MeshDataPlane } from './mesh';

/** Name of the Linkerd proxy's admin port serving `/metrics` (4191, in Linkerd's injection template). */
const LINKERD_METRICS_PORT_NAME = 'linkerd-admin';
/**
 * Linkerd's inbound port: a meshed client's proxy sends every connection to a meshed pod to 4143, whatever the
 * target port, so a NetworkPolicy that blocks it blocks all meshed traffic (linkerd.io, "Network Policy", common
 * errors). The admin port 4191 serves the metrics linkerd-viz scrapes, the tap port 4190 `linkerd viz tap`.
 */
const LINKERD_INBOUND_PORT = 4143;
const LINKERD_TELEMETRY_PORTS = [4191, 4190];

/**
 * The Linkerd mesh (`DataPlane.linkerd()`): the injection annotation on the workload's pods, the traffic policy as
 * Linkerd's annotations on the ClusterIP Service (and the GRPCRoute that carries its gRPC retries), the Linkerd
 * proxies' metrics.
 * @internal
 */
export class LinkerdDataPlane extends MeshDataPlane implements RoutePolicyDialect {
  public readonly kind = 'linkerd';

  protected translate(issues: IssueCollector, service: DataPlaneService, target: PolicyTarget): ResolvedMesh {
    const { serviceAnnotations, podAnnotations } = translateToLinkerd(service.props.trafficPolicy, issues);
    const serviceRoute = linkerdServiceRouteName(target, serviceAnnotations);
    return {
      kind: this.kind,
      podLabels: {},
      podAnnotations,
      serviceAnnotations,
      target,
      ...(serviceRoute !== undefined && { serviceRoute }),
      strategy: this,
      proxyInboundPorts: [LINKERD_INBOUND_PORT],
      proxyMetricsPorts: LINKERD_TELEMETRY_PORTS,
    };
  }

  /** The GRPCRoute that carries the service's gRPC retries, when the policy retries. */
  public renderPolicy(_model: GrpcMeshServiceModel, mesh: ResolvedMesh): KubeObject[] {
    return linkerdServiceRoutes(mesh.target, mesh.serviceAnnotations);
  }

  /** A route's policy becomes Linkerd's retry and timeout annotations on the GRPCRoute; failure accrual is the Service's. */
  public resolveRoutePolicy(issues: IssueCollector, _route: RoutePolicySubject, policy: TrafficPolicy): Readonly<Record<string, string>> {
    if (policy.outlierDetection) {
      issues.add({
        code: 'UNSUPPORTED_BY_DATA_PLANE',
        path: 'trafficPolicy.outlierDetection',
        value: policy.outlierDetection,
        message: 'cannot be attached to a route with Linkerd, whose failure accrual is configured on the Service',
        hint: 'Set outlierDetection on the backend GrpcMeshService with DataPlane.linkerd() instead.',
      });
    }
    return translateToLinkerd({ ...policy, outlierDetection: undefined }, issues).serviceAnnotations;
  }

  public renderRoutePolicy(): KubeObject[] {
    return []; // the annotations are the GRPCRoute's
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
  public series(model: GrpcMeshServiceModel): DataPlaneSeries {
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
}
