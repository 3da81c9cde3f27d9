import { resolveAutoscaling, validateScaling } from '../autoscaling';
import type { EnvoyDataPlaneOptions, ProxyDataPlaneOptions } from '../data-plane';
import * as d from '../defaults';
import type { ResolvedTier } from '../grpc-mesh-service';
import { SERVICE_TYPES, type ContainerResources, type ResourceQuantities } from '../kube';
import { resolvePod, validatePod } from '../pod';
import { validateResources } from '../quantity';
import type { IssueCollector } from '../validation';
import type { TierStrategy } from './strategy';

/** The options of a balancer tier, less the port (a Gateway's listeners have their own). */
export type TierOptions = Omit<EnvoyDataPlaneOptions, 'port'> | Omit<ProxyDataPlaneOptions, 'port'>;

/**
 * Validates the options of a balancer tier (a service's data plane or a self-hosted Gateway), found at `path`.
 * @internal
 */
export function validateTierOptions(
  issues: IssueCollector, path: string, tier: TierStrategy, o: Partial<EnvoyDataPlaneOptions | ProxyDataPlaneOptions>,
): void {
  if (tier.defaultImage === undefined || o.image !== undefined) {
    issues.require(typeof o.image === 'string' && o.image.trim() !== '' && !/\s/.test(o.image), {
      code: 'INVALID_IMAGE',
      path: `${path}.image`,
      value: o.image,
      message: o.image === undefined ? `is required: ${tier.imageRequired}` : 'must be an image reference without spaces',
      hint: tier.imageHint,
    });
  }
  validateScaling(issues, {
    replicasPath: `${path}.replicas`,
    replicas: o.replicas,
    autoscalingPath: `${path}.autoscaling`,
    autoscaling: o.autoscaling,
    requests: tierRequests(tier, o),
  });
  issues.port(`${path}.port`, o.port);
  validateResources(issues, path, o.resources);
  validatePod(issues, path, o);
  issues.milliseconds(`${path}.dnsRefreshMs`, o.dnsRefreshMs);
  issues.integerInRange(`${path}.drainSeconds`, o.drainSeconds, 0, 3600);
  if (o.serviceType !== undefined) {
    issues.require(SERVICE_TYPES.includes(o.serviceType), {
      code: 'UNKNOWN_SERVICE_TYPE',
      path: `${path}.serviceType`,
      value: o.serviceType,
      message: `must be one of ${SERVICE_TYPES.join(', ')}`,
    });
  }
  if (o.loadBalancerSourceRanges?.length) {
    issues.require((o.serviceType ?? d.DEFAULT_BALANCER_SERVICE_TYPE) === 'LoadBalancer', {
      code: 'SOURCE_RANGES_WITHOUT_LOAD_BALANCER',
      path: `${path}.loadBalancerSourceRanges`,
      value: o.loadBalancerSourceRanges,
      message: 'only applies to a LoadBalancer Service',
      hint: "Set serviceType: 'LoadBalancer' or remove the ranges.",
    });
  }
}

/** The requests of a tier's container: the tier's defaults, overridden by the options. */
function tierRequests(tier: TierStrategy, o: { readonly resources?: ContainerResources }): ResourceQuantities {
  return { cpu: d.DEFAULT_BALANCER_CPU_REQUEST, memory: tier.defaultMemory.request, ...o.resources?.requests };
}

/**
 * Applies the defaults to the options of a balancer tier named `<owner>-<kind>`, for a service or a Gateway.
 * @param extraLabels the owner's extra labels, put on every object of the tier
 * @internal
 */
export function resolveTier(
  tier: TierStrategy, owner: string, extraLabels: Readonly<Record<string, string>> | undefined, o: TierOptions,
): ResolvedTier {
  const name = `${owner}-${tier.kind}`;
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'load-balancer' };
  return {
    kind: tier.kind,
    name,
    replicas: o.replicas ?? d.DEFAULT_BALANCER_REPLICAS,
    // Validation made sure a tier without a default image was given one.
    image: o.image ?? tier.defaultImage ?? '',
    serviceType: o.serviceType ?? d.DEFAULT_BALANCER_SERVICE_TYPE,
    serviceAnnotations: o.serviceAnnotations,
    loadBalancerSourceRanges: o.loadBalancerSourceRanges,
    resources: { requests: tierRequests(tier, o), limits: { memory: tier.defaultMemory.limit, ...o.resources?.limits } },
    ...(o.autoscaling && { autoscaling: resolveAutoscaling(o.autoscaling) }),
    dnsRefreshMs: o.dnsRefreshMs ?? d.DEFAULT_DNS_REFRESH_MS,
    drainSeconds: o.drainSeconds ?? d.DEFAULT_BALANCER_DRAIN_SECONDS,
    logLevel: o.logLevel ?? tier.defaultLogLevel,
    accessLog: o.accessLog ?? d.DEFAULT_BALANCER_ACCESS_LOG,
    selector,
    labels: { ...extraLabels, ...selector, 'app.kubernetes.io/part-of': owner, 'app.kubernetes.io/managed-by': d.MANAGED_BY },
    tierStrategy: tier,
    pod: resolvePod(o, name),
  };
}
