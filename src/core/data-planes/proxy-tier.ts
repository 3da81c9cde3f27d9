import * as d from '../defaults';
import type { ValidationIssue } from '../errors';
import type { GrpcMeshServiceModel, ResolvedBalancer } from '../grpc-mesh-service';
import type { ListenerTlsMounts } from '../listener-tls';
import { podMatchers, type DataPlaneSeries, type ScrapeTarget } from '../monitoring/series';
import { packageVersion, UNRELEASED_VERSION } from '../package-version';
import type { BalancerManifests, BalancerTierSpec, TierPort } from '../render/balancer-tier';
import { PROXY_SERVICE_CLUSTER, proxyTierSpec, renderProxyBalancer } from '../render/proxy-balancer';
import { proxyTierConfig } from '../render/tier-config';
import type { TierRoutes } from '../served-routes';
import type { TrafficPolicy } from '../traffic-policy';
import type { IssueCollector } from '../validation';
import type { TierStrategy } from './strategy';

/** Name of the grpc-mesh-proxy tier's probe port serving `/metrics` (render/proxy-balancer.ts). */
const PROXY_METRICS_PORT_NAME = 'probe';

/**
 * A grpc-mesh-proxy tier: this repository's proxy, its config, its policy support and its metrics. The balancer of
 * `DataPlane.proxy()` and the tier of `GatewayImplementation.proxy()`.
 * @internal
 */
export class ProxyTier implements TierStrategy {
  public readonly kind = 'proxy';
  public readonly defaultLogLevel = d.DEFAULT_PROXY_LOG_LEVEL;
  public readonly defaultMemory = { request: d.DEFAULT_PROXY_MEMORY_REQUEST, limit: d.DEFAULT_PROXY_MEMORY_LIMIT };
  public readonly serviceCluster = PROXY_SERVICE_CLUSTER;

  /** The image the release of this library built and tagged with its version; none for an unreleased build. */
  public get defaultImage(): string | undefined {
    return releasedProxyImage(packageVersion());
  }

  public get imageRequired(): string | undefined {
    const version = packageVersion();
    return releasedProxyImage(version) === undefined
      ? `this grpc-mesh is an unreleased build (version ${version}), for which no grpc-mesh-proxy image is published`
      : undefined;
  }

  public get imageHint(): string {
    const released = this.defaultImage;
    return released === undefined
      ? 'Build the image from this repository\'s Dockerfile (bash scripts/image/build.sh <registry>/grpc-mesh-proxy:<tag>), push it '
        + `and pass its reference as image, or install a released grpc-mesh, whose default is ${d.PROXY_IMAGE_REPOSITORY}:<its version>.`
      : `Leave image unset for ${released}, the image of this release, or give your registry's copy of it.`;
  }

  /** Settings grpc-mesh-proxy has no equivalent for, with what to do instead. */
  public checkPolicySupport(issues: IssueCollector, policy: TrafficPolicy, path: string): void {
    const unsupported = (at: string, value: unknown, message: string, hint?: string) => {
      issues.require(value === undefined, { code: 'UNSUPPORTED_BY_DATA_PLANE', path: at, value, message, hint });
    };
    if (policy.loadBalancer === 'RANDOM') {
      unsupported(`${path}.loadBalancer`, 'RANDOM', 'cannot be honoured by grpc-mesh-proxy, which balances with ROUND_ROBIN or LEAST_REQUEST');
    }
    unsupported(`${path}.timeouts.maxStreamDurationMs`, policy.timeouts?.maxStreamDurationMs,
      'cannot be honoured by grpc-mesh-proxy, which limits calls by requestMs and the client\'s deadline', 'Use timeouts.requestMs.');
    const breaker = policy.circuitBreaker;
    for (const key of ['maxPendingCalls', 'maxConnections', 'maxConcurrentRetries'] as const) {
      unsupported(`${path}.circuitBreaker.${key}`, breaker?.[key],
        'cannot be honoured by grpc-mesh-proxy, whose circuit breaker limits concurrent calls (and retries by a budget)',
        'Use circuitBreaker.maxConcurrentCalls.');
    }
  }

  public renderServiceBalancer(model: GrpcMeshServiceModel, balancer: ResolvedBalancer, served?: TierRoutes): BalancerManifests {
    return renderProxyBalancer(model, balancer, served);
  }

  public gatewayTierSpec(served: TierRoutes, ports: readonly TierPort[], mounts: ListenerTlsMounts): BalancerTierSpec {
    return proxyTierSpec(served.tier, proxyTierConfig(served), ports, mounts);
  }

  public servedIssues(_served: TierRoutes): readonly ValidationIssue[] {
    return []; // the proxy serves every compiled route as compiled
  }

  /**
   * grpc-mesh-proxy labels calls by `grpc_service`, `grpc_method`, `grpc_code` (the status name) and `cluster`; its
   * duration histogram is in seconds. `grpc_mesh_proxy_ready_endpoints` counts, per cluster, the endpoints that may
   * take calls (healthy, reachable, not ejected, not draining), 0 for a cluster with none.
   */
  public series(namespace: string, target: Pick<ScrapeTarget, 'name' | 'podSelector'>, ownCluster?: string): DataPlaneSeries {
    const scrape = { ...target, port: PROXY_METRICS_PORT_NAME, path: '/metrics' };
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
}

/**
 * The grpc-mesh-proxy image a version of this library deploys when given none: `<PROXY_IMAGE_REPOSITORY>:<version>`,
 * which that version's release built and tagged (scripts/release/image.sh); undefined for an unreleased build (0.0.0),
 * for which no image was published.
 * @internal
 */
export function releasedProxyImage(version: string): string | undefined {
  return version === UNRELEASED_VERSION ? undefined : `${d.PROXY_IMAGE_REPOSITORY}:${version}`;
}

/**
 * The grpc-mesh-proxy tier strategy.
 * @internal
 */
export const PROXY_TIER: TierStrategy = new ProxyTier();
