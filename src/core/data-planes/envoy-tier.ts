import * as d from '../defaults';
import { ENVOY_RETRYABLE_CODES } from '../dialects/envoy-retry-codes';
import type { ValidationIssue } from '../errors';
import type { GrpcMeshServiceModel, ResolvedBalancer } from '../grpc-mesh-service';
import { GrpcStatus, grpcStatusName } from '../grpc-status';
import type { ListenerTlsMounts } from '../listener-tls';
import { podMatchers, type DataPlaneSeries, type ScrapeTarget } from '../monitoring/series';
import type { BalancerManifests, BalancerTierSpec, TierPort } from '../render/balancer-tier';
import { envoyTierSpec, renderEnvoyBalancer } from '../render/envoy-balancer';
import { ENVOY_ADMIN_CLUSTER, ENVOY_SERVICE_CLUSTER } from '../render/envoy-bootstrap';
import { envoyTierBootstrap } from '../render/tier-config';
import type { TierRoutes } from '../served-routes';
import type { TrafficPolicy } from '../traffic-policy';
import type { IssueCollector } from '../validation';
import type { TierStrategy } from './strategy';

/** Name of the Envoy tier's container port serving `/stats/prometheus` (render/envoy-balancer.ts). */
const ENVOY_METRICS_PORT_NAME = 'metrics';

/**
 * An Envoy tier: a v3 bootstrap, Envoy's retry codes, Envoy's stats. The balancer of `DataPlane.envoy()` and the
 * tier of `GatewayImplementation.envoy()`.
 * @internal
 */
export class EnvoyTier implements TierStrategy {
  public readonly kind = 'envoy';
  public readonly defaultImage = d.DEFAULT_ENVOY_IMAGE;
  public readonly defaultLogLevel = d.DEFAULT_ENVOY_LOG_LEVEL;
  public readonly defaultMemory = { request: d.DEFAULT_ENVOY_MEMORY_REQUEST, limit: d.DEFAULT_ENVOY_MEMORY_LIMIT };
  public readonly imageRequired = undefined;
  public readonly imageHint = undefined;
  public readonly serviceCluster = ENVOY_SERVICE_CLUSTER;

  public checkPolicySupport(issues: IssueCollector, policy: TrafficPolicy, path: string): void {
    (policy.retry?.on ?? []).forEach((code, i) => {
      // Codes that are not retryable at all were reported by validateTrafficPolicy already.
      const invalid = !GrpcStatus[code] || code === GrpcStatus.OK;
      issues.require(invalid || ENVOY_RETRYABLE_CODES.includes(code), {
        code: 'UNSUPPORTED_BY_DATA_PLANE',
        path: `${path}.retry.on[${i}]`,
        value: grpcStatusName(code),
        message: `cannot be retried by Envoy, which retries only ${ENVOY_RETRYABLE_CODES.map(grpcStatusName).join(', ')}`,
        hint: 'Remove the code, or have the server answer a retryable code instead.',
      });
    });
  }

  public renderServiceBalancer(model: GrpcMeshServiceModel, balancer: ResolvedBalancer, served?: TierRoutes): BalancerManifests {
    return renderEnvoyBalancer(model, balancer, served);
  }

  public gatewayTierSpec(served: TierRoutes, ports: readonly TierPort[], mounts: ListenerTlsMounts): BalancerTierSpec {
    return envoyTierSpec(served.tier, envoyTierBootstrap(served).bootstrap, ports, mounts);
  }

  public servedIssues(served: TierRoutes): readonly ValidationIssue[] {
    return served.routes.length > 0 ? envoyTierBootstrap(served).issues : [];
  }

  /**
   * Envoy's `grpc_stats` filter counts calls per cluster (`cluster.<name>.grpc.{total,failure}`, not per method); the
   * cluster's `upstream_rq_time` histogram is in milliseconds. The admin cluster, which carries the scrapes, is left
   * out.
   */
  public series(namespace: string, target: Pick<ScrapeTarget, 'name' | 'podSelector'>, ownCluster?: string): DataPlaneSeries {
    const scrape = { ...target, port: ENVOY_METRICS_PORT_NAME, path: '/stats/prometheus' };
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
}

/**
 * The Envoy tier strategy.
 * @internal
 */
export const ENVOY_TIER: TierStrategy = new EnvoyTier();
