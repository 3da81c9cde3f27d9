import type { EnvoyDataPlaneOptions, ProxyDataPlaneOptions } from '../data-plane';
import type { GrpcMeshServiceModel, ResolvedBalancer, ResolvedEnvoy, ResolvedProxy } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import { resolveBalancerListenerTls, validateBalancerListenerTls } from '../listener-tls';
import type { MonitoringProps } from '../monitoring/props';
import { tierSeries, type DataPlaneSeries } from '../monitoring/series';
import type { BalancerManifests } from '../render/balancer-tier';
import type { TierRoutes } from '../served-routes';
import type { TrafficPolicy } from '../traffic-policy';
import type { IssueCollector } from '../validation';
import type { DataPlaneService, DataPlaneStrategy, TierStrategy } from './strategy';
import { resolveTier, validateTierOptions } from './tier';

/** The resolved data plane of a service with a balancer tier. */
type Resolved = ResolvedEnvoy | ResolvedProxy;

/**
 * A balancer tier in front of the service's pods (`DataPlane.envoy()`, `DataPlane.proxy()`): a Deployment of
 * balancer pods behind a Service, which serves the routes attached to the service (GAMMA). Everything that differs
 * between Envoy and grpc-mesh-proxy comes from the tier strategy.
 * @internal
 */
export class BalancerDataPlane implements DataPlaneStrategy {
  public readonly servesRoutes = true;
  public readonly appliesTrafficPolicy = true;

  public constructor(private readonly tier: TierStrategy, private readonly options: EnvoyDataPlaneOptions | ProxyDataPlaneOptions) {}

  public get kind(): 'envoy' | 'proxy' {
    return this.tier.kind;
  }

  public withOptions(map: (options: object) => object): BalancerDataPlane {
    return new BalancerDataPlane(this.tier, map(this.options) as EnvoyDataPlaneOptions | ProxyDataPlaneOptions);
  }

  public validateOptions(issues: IssueCollector): void {
    validateTierOptions(issues, 'dataPlane', this.tier, this.options);
    validateBalancerListenerTls(issues, 'dataPlane.listenerTls', this.options.listenerTls);
  }

  public checkPolicySupport(issues: IssueCollector, policy: TrafficPolicy | undefined): void {
    if (policy) this.tier.checkPolicySupport(issues, policy, 'trafficPolicy');
  }

  public validateMonitoring(_issues: IssueCollector, _monitoring: MonitoringProps): void {
    // The tier records every call.
  }

  public resolve(_issues: IssueCollector, service: DataPlaneService): Resolved {
    const tier = resolveTier(this.tier, service.name, service.props.labels, this.options);
    const tls = this.options.listenerTls;
    const listenerTls = tls && resolveBalancerListenerTls(tls);
    return { ...tier, port: this.options.port ?? service.props.port, ...(listenerTls && { listenerTls }), strategy: this } as Resolved;
  }

  public endpoint(balancer: Resolved, service: DataPlaneService): string {
    return `${balancer.name}.${service.namespace}.svc.${service.clusterDomain}:${balancer.port}`;
  }

  public balancerOf(balancer: Resolved): ResolvedBalancer {
    return balancer;
  }

  public meshOf(): undefined {
    return undefined;
  }

  public renderBalancer(model: GrpcMeshServiceModel, balancer: Resolved, served?: TierRoutes): BalancerManifests {
    return this.tier.renderServiceBalancer(model, balancer, served);
  }

  public renderPolicy(): KubeObject[] {
    return []; // the policy is in the balancer's config
  }

  public series(model: GrpcMeshServiceModel, balancer: Resolved): DataPlaneSeries {
    return tierSeries(balancer, model.namespace, this.tier.serviceCluster);
  }
}
