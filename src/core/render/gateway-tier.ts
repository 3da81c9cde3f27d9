import { renderBalancerTier, type BalancerManifests } from './balancer-tier';
import type { GrpcGatewayModel } from '../grpc-gateway';
import type { KubeObject } from '../kube';
import { renderGatewayTierNetworkPolicy } from '../network-policy';
import { gatewayTierPorts, TIER_SECRETS_DIR, type TierRoutes } from '../served-routes';

/** The objects of a self-hosted Gateway's tier. */
export interface GatewayTierManifests extends BalancerManifests {
  /** The NetworkPolicy of the tier's pods, unless `networkPolicy` switches it off. */
  readonly networkPolicy?: KubeObject;
}

/**
 * Renders the tier of a self-hosted Gateway: a ConfigMap with every attached route compiled in (grpc-mesh-proxy
 * config or Envoy bootstrap), a Deployment with each listener's certificate Secret mounted read-only, a Service
 * with one port per listener port, a PDB, and the NetworkPolicy of its pods.
 * @param served the Gateway's routes, compiled by `compileTierRoutes`
 */
export function renderGatewayTier(model: GrpcGatewayModel, served: TierRoutes): GatewayTierManifests {
  const tier = served.tier;
  const ports = gatewayTierPorts(model);
  const secrets = [...new Set(model.listeners.flatMap((l) => (l.tls ? [l.tls.secretName] : [])))]
    .map((secretName) => ({ secretName, mountPath: `${TIER_SECRETS_DIR}/${secretName}` }));
  const manifests = renderBalancerTier(model.namespace, tier, tier.tierStrategy.gatewayTierSpec(served, ports, secrets));
  const policy = model.tier?.networkPolicy;
  if (policy === undefined) return manifests;
  return { ...manifests, networkPolicy: renderGatewayTierNetworkPolicy(model.namespace, tier, policy, ports.map((p) => p.name), served) };
}
