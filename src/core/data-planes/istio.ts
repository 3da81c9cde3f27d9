import { translateToIstio } from '../dialects/istio';
import type { PolicyTarget } from '../dialects/policy-target';
import type { GrpcMeshServiceModel, ResolvedMesh } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import { deploymentReadiness, podMatchers, type DataPlaneSeries } from '../monitoring/series';
import type { RoutePolicySubject } from '../route-policy';
import type { TrafficPolicy } from '../traffic-policy';
import { IssueCollector } from '../validation';
import { MeshDataPlane } from './mesh';
import type { DataPlaneService, RoutePolicyDialect } from './strategy';

/** Name of the Istio sidecar's port serving Envoy's `/stats/prometheus` (15090, in Istio's injection template). */
const ISTIO_METRICS_PORT_NAME = 'http-envoy-prom';
/**
 * Ports of Istio's sidecar that NetworkPolicies must leave open (istio.io, "Application Requirements", ports used by
 * the sidecar proxy): 15008, the HBONE mTLS tunnel, which callers over HBONE (ambient pods, waypoints) connect to
 * instead of the target port; sidecar callers connect to the target port itself (the redirect to 15006 happens
 * inside the pod, after the NetworkPolicy). Telemetry: 15090 (Envoy's stats) and 15020 (the merged endpoint the
 * injector's `prometheus.io/*` annotations point at). Health checks (15021) come from the kubelet, on the node.
 */
const ISTIO_HBONE_PORT = 15008;
const ISTIO_METRICS_PORTS = [15090, 15020];

/**
 * The Istio mesh (`DataPlane.istio()`): the sidecar injection label on the workload's pods, the traffic policy as a
 * DestinationRule and a VirtualService for the ClusterIP Service, the sidecars' Istio metrics.
 * @internal
 */
export class IstioDataPlane extends MeshDataPlane implements RoutePolicyDialect {
  public readonly kind = 'istio';

  protected translate(issues: IssueCollector, service: DataPlaneService, target: PolicyTarget): ResolvedMesh {
    translateToIstio(service.props.trafficPolicy, target, issues); // for its issues: the objects are rendered later
    return {
      kind: this.kind,
      podLabels: { 'sidecar.istio.io/inject': 'true' },
      podAnnotations: {},
      serviceAnnotations: {},
      target,
      strategy: this,
      proxyInboundPorts: [ISTIO_HBONE_PORT],
      proxyMetricsPorts: ISTIO_METRICS_PORTS,
    };
  }

  /** The DestinationRule and the VirtualService, from the policy resolution found Istio can express. */
  public renderPolicy(model: GrpcMeshServiceModel, mesh: ResolvedMesh): KubeObject[] {
    return translateToIstio(model.givenTrafficPolicy, mesh.target, new IssueCollector(mesh.target.name));
  }

  /** Istio applies traffic policy per destination host, never per route. */
  public resolveRoutePolicy(issues: IssueCollector, _route: RoutePolicySubject, policy: TrafficPolicy): undefined {
    issues.add({
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy',
      value: Object.keys(policy),
      message: 'cannot be attached to a route with Istio, which applies traffic policy per destination host',
      hint: 'Set trafficPolicy on the backend GrpcMeshService with DataPlane.istio() instead.',
    });
    return undefined;
  }

  public renderRoutePolicy(): KubeObject[] {
    return [];
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
  public series(model: GrpcMeshServiceModel): DataPlaneSeries {
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
}
