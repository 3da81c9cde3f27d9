import type { ResolvedBalancer } from '../grpc-mesh-service';
import { listenerTlsFiles, listenerTlsMounts, renderListenerCertificate, type ListenerTlsMounts } from '../listener-tls';
import type { ProxyTlsConfig } from '../proxy-config';
import type { TierRoutes } from '../served-routes';
import type { BalancerManifests } from './balancer-tier';

/** What a service balancer's listener TLS sets in its tier: the files its listener reads, and what the pods mount. */
export interface BalancerListenerTlsParts {
  /** The listener's TLS files, when it terminates TLS. */
  readonly files?: ProxyTlsConfig;
  /** The Secrets and ConfigMaps mounted for them. */
  readonly mounts?: ListenerTlsMounts;
  /** The routes the balancer serves (GAMMA), their listeners terminating TLS with the same files. */
  readonly served?: TierRoutes;
}

/**
 * The listener TLS of a service's balancer (`listenerTls`): the certificate and client CA files under the mount
 * paths of their Secret and ConfigMap, on the one listener of a balancer without routes and on every compiled
 * listener of one that serves routes.
 * @internal
 */
export function balancerListenerTls(balancer: ResolvedBalancer, served?: TierRoutes): BalancerListenerTlsParts {
  const tls = balancer.listenerTls;
  if (tls === undefined) return { served };
  const files = listenerTlsFiles(tls.secretName, tls.clientCa);
  return {
    files,
    mounts: listenerTlsMounts([tls.secretName], tls.clientCa ? [tls.clientCa] : []),
    served: served && { ...served, compiled: { ...served.compiled, listeners: served.compiled.listeners.map((l) => ({ ...l, tls: files })) } },
  };
}

/**
 * A service balancer's objects with the cert-manager Certificate of its listener, when cert-manager issues it.
 * @internal
 */
export function withListenerCertificate(manifests: BalancerManifests, namespace: string, balancer: ResolvedBalancer): BalancerManifests {
  const certificate = balancer.listenerTls && renderListenerCertificate(balancer.listenerTls, namespace, balancer.labels);
  return certificate ? { ...manifests, certificate } : manifests;
}
