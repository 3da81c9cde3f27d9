import { renderBackendTlsCertificates } from '../backend-tls';
import type { GrpcMeshServiceModel } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import { renderMonitoring } from '../monitoring';
import { renderNetworkPolicies, type NetworkPolicyManifests, type TierPods } from '../network-policy';
import type { TierRoutes } from '../served-routes';
import type { BalancerManifests } from './balancer-tier';
import { renderServices } from './services';
import { renderWorkload, type WorkloadManifests } from './workload';

/** Every object of a `GrpcMeshService`, by role. */
export interface GrpcMeshServiceManifests {
  /** ClusterIP Service (named after the service). */
  readonly service: KubeObject;
  /** Headless Service (`<name>-headless`). */
  readonly headlessService: KubeObject;
  /** The server's Deployment and PDB, when the service runs its own workload. */
  readonly workload?: WorkloadManifests;
  /** The balancer tier, with `DataPlane.envoy()`. */
  readonly balancer?: BalancerManifests;
  /** The mesh's policy objects: Istio's DestinationRule and VirtualService, the GRPCRoute of Linkerd's gRPC retries. */
  readonly meshPolicy: readonly KubeObject[];
  /** cert-manager Certificates of `backendTls`: the server's, and the balancer tier's client certificate with mTLS. */
  readonly certificates: readonly KubeObject[];
  /** Prometheus operator objects (PodMonitor, PrometheusRule), when `monitoring` asks for them. */
  readonly monitoring: readonly KubeObject[];
  /** The Grafana dashboard ConfigMap, when `monitoring` asks for it. */
  readonly dashboard?: KubeObject;
  /** The NetworkPolicies of the server pods and the balancer pods, unless `networkPolicy` switches them off. */
  readonly networkPolicies?: NetworkPolicyManifests;
}

/**
 * Renders every object of a `GrpcMeshService` from its resolved model. Same model, same objects.
 * @param served the routes its balancer serves (GAMMA), compiled by `compileTierRoutes`; without them, or when
 *   none is attached, the balancer sends every call to the service's pods
 * @param reaching the pods of the other grpc-mesh tiers with routes to the service (`tiersRoutingTo`), which the
 *   server pods' NetworkPolicy admits
 */
export function renderGrpcMeshService(model: GrpcMeshServiceModel, served?: TierRoutes, reaching?: readonly TierPods[]): GrpcMeshServiceManifests {
  const networkPolicies = renderNetworkPolicies(model, reaching, served);
  const { prometheus, dashboard } = renderMonitoring(model.monitoring);
  const { strategy } = model.dataPlane;
  return {
    ...renderServices(model),
    workload: renderWorkload(model),
    balancer: strategy.renderBalancer(model, model.dataPlane, served),
    meshPolicy: strategy.renderPolicy(model, model.dataPlane),
    certificates: renderBackendTlsCertificates(model.backendTls, model),
    monitoring: prometheus,
    ...(dashboard && { dashboard }),
    ...(networkPolicies && { networkPolicies }),
  };
}

/** One object with the id adapters give it: a cdk8s construct id, or the suffix of a Pulumi resource name. */
export interface RoleManifest {
  /** Stable role id, e.g. `headless-service` or `balancer-deployment`. */
  readonly id: string;
  /** The object. */
  readonly manifest: KubeObject;
}

/** Lists the objects of a `GrpcMeshService` in a fixed order with their role ids. */
export function listGrpcMeshServiceManifests(manifests: GrpcMeshServiceManifests): RoleManifest[] {
  const { service, headlessService, workload, balancer, meshPolicy, certificates, monitoring, dashboard, networkPolicies } = manifests;
  const list: RoleManifest[] = [
    { id: 'service', manifest: service },
    { id: 'headless-service', manifest: headlessService },
  ];
  if (workload) {
    if (workload.serviceAccount) list.push({ id: 'service-account', manifest: workload.serviceAccount });
    list.push({ id: 'deployment', manifest: workload.deployment }, { id: 'pdb', manifest: workload.podDisruptionBudget });
    if (workload.horizontalPodAutoscaler) list.push({ id: 'hpa', manifest: workload.horizontalPodAutoscaler });
  }
  if (balancer) {
    if (balancer.serviceAccount) list.push({ id: 'balancer-service-account', manifest: balancer.serviceAccount });
    list.push(
      { id: 'balancer-config', manifest: balancer.config },
      { id: 'balancer-deployment', manifest: balancer.deployment },
      { id: 'balancer-service', manifest: balancer.service },
      { id: 'balancer-pdb', manifest: balancer.podDisruptionBudget },
    );
    if (balancer.horizontalPodAutoscaler) list.push({ id: 'balancer-hpa', manifest: balancer.horizontalPodAutoscaler });
    if (balancer.certificate) list.push({ id: 'balancer-certificate', manifest: balancer.certificate });
  }
  for (const manifest of meshPolicy) list.push({ id: `mesh-${manifest.kind.toLowerCase()}`, manifest });
  for (const manifest of certificates) list.push({ id: `certificate-${manifest.metadata.name}`, manifest });
  for (const manifest of monitoring) list.push({ id: `monitoring-${manifest.kind.toLowerCase()}`, manifest });
  if (dashboard) list.push({ id: 'monitoring-dashboard', manifest: dashboard });
  if (networkPolicies) {
    list.push({ id: 'network-policy', manifest: networkPolicies.server });
    if (networkPolicies.balancer) list.push({ id: 'balancer-network-policy', manifest: networkPolicies.balancer });
  }
  return list;
}
