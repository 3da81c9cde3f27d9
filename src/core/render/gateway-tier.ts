import { renderBalancerTier, type BalancerManifests } from './balancer-tier';
import { gatewayBackendClient, tierClientSecretMount } from '../backend-tls';
import type { GrpcGatewayModel } from '../grpc-gateway';
import type { KubeObject } from '../kube';
import { listenerTlsMounts, withSecretMounts } from '../listener-tls';
import { renderGatewayTierNetworkPolicy } from '../network-policy';
import { gatewayTierPorts, type TierRoutes } from '../served-routes';

/** The objects of a self-hosted Gateway's tier. */
export interface GatewayTierManifests extends BalancerManifests {
  /** The NetworkPolicy of the tier's pods, unless `networkPolicy` switches it off. */
  readonly networkPolicy?: KubeObject;
}

/**
 * Renders the tier of a self-hosted Gateway: a ConfigMap with every attached route compiled in (grpc-mesh-proxy
 * config or Envoy bootstrap), a Deployment with each listener's certificate Secret and client CA ConfigMap mounted
 * read-only, a Service with one port per listener port, a PDB, and the NetworkPolicy of its pods.
 * @param served the Gateway's routes, compiled by `compileTierRoutes`
 */
export function renderGatewayTier(model: GrpcGatewayModel, served: TierRoutes): GatewayTierManifests {
  const tier = served.tier;
  const ports = gatewayTierPorts(model);
  const client = gatewayBackendClient(model);
  const tls = model.listeners.flatMap((l) => (l.tls ? [l.tls] : []));
  const mounts = withSecretMounts(
    listenerTlsMounts(tls.map((t) => t.secretName), tls.flatMap((t) => (t.clientCa ? [t.clientCa] : []))),
    client ? [tierClientSecretMount(client)] : [],
  );
  const manifests = renderBalancerTier(model.namespace, tier, tier.tierStrategy.gatewayTierSpec(served, ports, mounts));
  const policy = model.tier?.networkPolicy;
  if (policy === undefined) return manifests;
  return { ...manifests, networkPolicy: renderGatewayTierNetworkPolicy(model.namespace, tier, policy, ports.map((p) => p.name), served) };
}
