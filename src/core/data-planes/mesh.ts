import type { PolicyTarget } from '../dialects/policy-target';
import type { ValidationIssue } from '../errors';
import type { GrpcMeshServiceModel, ResolvedMesh } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import type { MonitoringProps } from '../monitoring/props';
import type { DataPlaneSeries } from '../monitoring/series';
import { NO_ENDPOINTS_ALERT_SKIPPED } from '../monitoring/validate';
import type { IssueCollector } from '../validation';
import type { DataPlaneService, DataPlaneStrategy } from './strategy';

/**
 * What the Istio and Linkerd data planes share: no options, no balancer of ours; they join the workload's pods, govern
 * its ClusterIP Service (neither balances a headless Service) and translate the traffic policy into their dialect
 * when the service resolves, which reports what the dialect cannot express.
 * @internal
 */
export abstract class MeshDataPlane implements DataPlaneStrategy {
  public abstract readonly kind: 'istio' | 'linkerd';
  public readonly servesRoutes = true;
  public readonly appliesTrafficPolicy = true;

  public validateOptions(): void {
    // A mesh has none.
  }

  public checkPolicySupport(): void {
    // The translation reports what the mesh cannot express, when the service resolves.
  }

  public validateMonitoring(issues: IssueCollector, monitoring: MonitoringProps, service: DataPlaneService): void {
    validateMeshMonitoring(issues, monitoring, service, this.kind);
  }

  public resolve(issues: IssueCollector, service: DataPlaneService): ResolvedMesh {
    warnInjectionNotManaged(issues, service, this.kind);
    return this.translate(issues, service, meshPolicyTarget(service));
  }

  /** Where clients send their calls: the ClusterIP Service, which the mesh balances. */
  public endpoint(_mesh: ResolvedMesh, service: DataPlaneService): string {
    return `${service.serviceFqdn}:${service.props.port}`;
  }

  public balancerOf(): undefined {
    return undefined;
  }

  public meshOf(mesh: ResolvedMesh): ResolvedMesh {
    return mesh;
  }

  public renderBalancer(): undefined {
    return undefined;
  }

  /** Translates the traffic policy for the target, reporting what the mesh cannot express. */
  protected abstract translate(issues: IssueCollector, service: DataPlaneService, target: PolicyTarget): ResolvedMesh;
  public abstract renderPolicy(model: GrpcMeshServiceModel, mesh: ResolvedMesh): KubeObject[];
  public abstract series(model: GrpcMeshServiceModel): DataPlaneSeries;
}

/** Warns that pods grpc-mesh does not create must join the mesh by other means. */
function warnInjectionNotManaged(issues: IssueCollector, service: DataPlaneService, mesh: 'istio' | 'linkerd'): void {
  if (service.props.workload) return;
  issues.warn({
    code: 'MESH_INJECTION_NOT_MANAGED',
    path: 'selector',
    value: service.props.selector,
    message: `selects pods grpc-mesh does not create: make sure they join the ${mesh} mesh (sidecar injection)`,
  });
}

/**
 * A mesh's ready endpoints are the available replicas of the service's Deployment, which a service that only selects
 * pods does not name: the alert is skipped with a warning, or refused when asked for explicitly.
 */
function validateMeshMonitoring(issues: IssueCollector, monitoring: MonitoringProps, service: DataPlaneService, mesh: 'istio' | 'linkerd'): void {
  const endpoints = monitoring.noReadyEndpointsAlert;
  if (service.props.workload !== undefined || endpoints === false) return;
  const issue: ValidationIssue = {
    code: endpoints === undefined ? NO_ENDPOINTS_ALERT_SKIPPED : 'UNSUPPORTED_BY_DATA_PLANE',
    path: 'monitoring.noReadyEndpointsAlert',
    value: endpoints,
    message: `needs the name of the service's Deployment (kube-state-metrics counts its available replicas with DataPlane.${mesh}()), `
      + 'and selector names no Deployment',
    hint: 'Give `workload` instead of `selector`, or set noReadyEndpointsAlert: false.',
  };
  if (endpoints === undefined) issues.warn({ ...issue, message: `${issue.message}: the alert is not created` });
  else issues.add(issue);
}

/** The ClusterIP Service a mesh's policy governs. */
function meshPolicyTarget(service: DataPlaneService): PolicyTarget {
  return { name: service.name, namespace: service.namespace, host: service.serviceFqdn, port: service.props.port, labels: service.props.labels };
}
