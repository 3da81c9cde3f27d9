import { renderBalancerTier, type BalancerManifests } from './balancer-tier';
import { gatewayBackendClient, tierClientSecretMount } from '../backend-tls';
import type { GrpcGatewayModel } from '../grpc-gateway';
import { gatewayTierPorts, TIER_SECRETS_DIR, type TierRoutes } from '../served-routes';

/**
 * Renders the tier of a self-hosted Gateway: a ConfigMap with every attached route compiled in (grpc-mesh-proxy
 * config or Envoy bootstrap), a Deployment with each listener's certificate Secret mounted read-only, a Service
 * with one port per listener port, and a PDB.
 * @param served the Gateway's routes, compiled by `compileTierRoutes`
 */
export function renderGatewayTier(model: GrpcGatewayModel, served: TierRoutes): BalancerManifests {
  const tier = served.tier;
  const ports = gatewayTierPorts(model);
  const client = gatewayBackendClient(model);
  const secrets = [
    ...[...new Set(model.listeners.flatMap((l) => (l.tls ? [l.tls.secretName] : [])))].map((secretName) => ({ secretName, mountPath: `${TIER_SECRETS_DIR}/${secretName}` })),
    ...(client ? [tierClientSecretMount(client)] : []),
  ];
  return renderBalancerTier(model.namespace, tier, tier.tierStrategy.gatewayTierSpec(served, ports, secrets));
}
