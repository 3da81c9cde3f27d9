import type { ResolvedNoDataPlane } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import type { MonitoringProps } from '../monitoring/props';
import { monitoringWithoutMetrics } from '../monitoring/validate';
import type { TrafficPolicy } from '../traffic-policy';
import type { IssueCollector } from '../validation';
import type { DataPlaneService, DataPlaneStrategy } from './strategy';

/**
 * No balancer (`DataPlane.none()`): clients balance over the headless Service themselves. Nothing enforces a traffic
 * policy, serves a route or records metrics.
 * @internal
 */
export class NoDataPlane implements DataPlaneStrategy {
  public readonly kind = 'none';
  public readonly servesRoutes = false;
  public readonly appliesTrafficPolicy = false;

  public validateOptions(): void {
    // It has none.
  }

  public checkPolicySupport(issues: IssueCollector, policy: TrafficPolicy | undefined): void {
    if (!policy) return;
    const fields = Object.keys(policy).filter((key) => (policy as Record<string, unknown>)[key] !== undefined);
    issues.require(fields.length === 0, {
      code: 'POLICY_WITHOUT_DATA_PLANE',
      path: 'trafficPolicy',
      value: fields,
      message: 'cannot be honoured by DataPlane.none(): nothing between clients and pods enforces it',
      hint: 'Choose a data plane such as DataPlane.envoy(), or remove trafficPolicy.',
    });
  }

  public validateMonitoring(issues: IssueCollector, monitoring: MonitoringProps): void {
    issues.add(monitoringWithoutMetrics(monitoring, 'needs gRPC metrics, and DataPlane.none() has no proxy that records them',
      'Use DataPlane.envoy(), DataPlane.proxy(), DataPlane.istio() or DataPlane.linkerd(), or remove monitoring.'));
  }

  public resolve(): ResolvedNoDataPlane {
    return { kind: 'none', strategy: this };
  }

  public endpoint(_resolved: ResolvedNoDataPlane, service: DataPlaneService): string {
    return `dns:///${service.headlessFqdn}:${service.props.port}`;
  }

  public balancerOf(): undefined {
    return undefined;
  }

  public meshOf(): undefined {
    return undefined;
  }

  public renderBalancer(): undefined {
    return undefined;
  }

  public renderPolicy(): KubeObject[] {
    return [];
  }

  public series(): undefined {
    return undefined;
  }
}
