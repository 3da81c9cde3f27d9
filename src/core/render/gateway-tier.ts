import { renderBalancerTier, type BalancerManifests } from './balancer-tier';
import { gatewayBackendClient, tierClientSecretMount } from '../backend-tls';
import type { GrpcGatewayModel } from '../grpc-gateway';
import { listenerTlsMounts, withSecretMounts } from '../listener-tls';
import { gatewayTierPorts, type TierRoutes } from '../served-routes';

/**
 * Renders the tier of a self-hosted Gateway: a ConfigMap with every attached route compiled in (grpc-mesh-proxy
 * config or Envoy bootstrap), a Deployment with each listener's certificate Secret and client CA ConfigMap mounted
 * read-only, a Service with one port per listener port, and a PDB.
 * @param served the Gateway's routes, compiled by `compileTierRoutes`
 */
export function renderGatewayTier(model: GrpcGatewayModel, served: TierRoutes): BalancerManifests {
  const tier = served.tier;
  const ports = gatewayTierPorts(model);
  const client = gatewayBackendClient(model);
  const tls = model.listeners.flatMap((l) => (l.tls ? [l.tls] : []));
  const mounts = withSecretMounts(
    listenerTlsMounts(tls.map((t) => t.secretName), tls.flatMap((t) => (t.clientCa ? [t.clientCa] : []))),
    client ? [tierClientSecretMount(client)] : [],
  );
  return renderBalancerTier(model.namespace, tier, tier.tierStrategy.gatewayTierSpec(served, ports, mounts));
}
