import { backendTlsSecretMounts, backendTlsUpstream } from '../backend-tls';
import * as d from '../defaults';
import { absoluteDnsName } from '../dns-name';
import type { GrpcMeshServiceModel, ResolvedBalancer, ResolvedTier } from '../grpc-mesh-service';
import { withSecretMounts, type ListenerTlsMounts } from '../listener-tls';
import { PROXY_CONFIG_VERSION, type ProxyClusterConfig, type ProxyConfig } from '../proxy-config';
import { quantityValue } from '../quantity';
import type { TierRoutes } from '../served-routes';
import { balancerListenerTls, withListenerCertificate } from './balancer-listener-tls';
import { renderBalancerTier, type BalancerManifests, type BalancerTierSpec, type TierPort } from './balancer-tier';
import { PROXY_TIER_ADMIN, proxyCluster, proxyTierConfig } from './tier-config';

/** Key of the configuration in the grpc-mesh-proxy ConfigMap. */
export const PROXY_CONFIG_KEY = 'proxy.yaml';
const CONFIG_DIR = '/etc/grpc-mesh-proxy';
/** Name of the container port of the proxy's probe listener, which the probes use. */
const PROBE_PORT_NAME = 'probe';
/** Name of the proxy's cluster of the service's pods. */
export const PROXY_SERVICE_CLUSTER = 'grpc-backend';

/** Renders grpc-mesh-proxy's configuration for a gRPC service: one listener, one DNS cluster, one catch-all route. */
export function renderProxyConfig(model: GrpcMeshServiceModel, proxy: ResolvedBalancer): ProxyConfig {
  const tls = balancerListenerTls(proxy).files;
  return {
    version: PROXY_CONFIG_VERSION,
    listeners: [{ name: 'grpc', address: '0.0.0.0', port: d.PROXY_LISTENER_PORT, ...(tls && { tls }) }],
    ...PROXY_TIER_ADMIN,
    clusters: [serviceCluster(model, proxy)],
    routes: [{ name: model.name, namespace: model.namespace, rules: [{ backendRefs: [{ name: PROXY_SERVICE_CLUSTER, port: model.targetPort }] }] }],
    drainTimeoutMs: proxy.drainSeconds * 1000,
    accessLog: proxy.accessLog,
  };
}

function serviceCluster(model: GrpcMeshServiceModel, proxy: ResolvedBalancer): ProxyClusterConfig {
  const discovery = { type: 'dns' as const, hostname: absoluteDnsName(model.headlessFqdn), port: model.targetPort, refreshIntervalMs: proxy.dnsRefreshMs };
  const cluster = proxyCluster(PROXY_SERVICE_CLUSTER, discovery, model.trafficPolicy);
  return model.backendTls ? { ...cluster, tls: backendTlsUpstream(model.backendTls) } : cluster;
}


/**
 * Renders the grpc-mesh-proxy tier of a gRPC service: ConfigMap with the proxy config, Deployment, Service and
 * PDB, the same shape as the Envoy tier. The proxy drains itself on SIGTERM (GOAWAY, in-flight calls finish).
 */
export function renderProxyBalancer(model: GrpcMeshServiceModel, proxy: ResolvedBalancer, served?: TierRoutes): BalancerManifests {
  const tls = balancerListenerTls(proxy, served);
  // Without routes of its own, the service's balancer is one catch-all route to its pods.
  const config = tls.served !== undefined && tls.served.routes.length > 0 ? proxyTierConfig(tls.served) : renderProxyConfig(model, proxy);
  const manifests = renderBalancerTier(model.namespace, proxy, proxyTierSpec(proxy, config, [
    { name: d.GRPC_PORT_NAME, port: proxy.port, containerPort: d.PROXY_LISTENER_PORT, tls: tls.files !== undefined },
  ], withSecretMounts(tls.mounts, backendTlsSecretMounts(model.backendTls))));
  return withListenerCertificate(manifests, model.namespace, proxy);
}

/**
 * What a grpc-mesh-proxy tier (a service's balancer or a Gateway's) sets in the shared tier shape.
 * @internal
 */
export function proxyTierSpec(
  proxy: ResolvedTier, config: ProxyConfig, ports: readonly TierPort[], mounts?: ListenerTlsMounts,
): BalancerTierSpec {
  return {
    configKey: PROXY_CONFIG_KEY,
    config,
    container: proxyContainer(proxy),
    configDir: CONFIG_DIR,
    uid: d.PROXY_UID,
    terminationGracePeriodSeconds: d.PROXY_PRE_STOP_DELAY_SECONDS + proxy.drainSeconds + 5,
    metrics: { port: d.PROXY_PROBE_PORT, path: '/metrics' },
    ports,
    secretMounts: mounts?.secrets,
    configMapMounts: mounts?.configMaps,
  };
}

/**
 * `NODE_OPTIONS` sizing V8's old generation to a share of the container's memory limit (V8 does not read cgroup
 * limits: without it, garbage may grow until the container is killed instead of being collected).
 */
function heapLimitEnv(memoryLimit: string | undefined): Array<{ name: string; value: string }> | undefined {
  const bytes = memoryLimit === undefined ? undefined : quantityValue(memoryLimit);
  if (bytes === undefined) return undefined;
  const mebibytes = Math.max(16, Math.floor((bytes * d.PROXY_HEAP_SHARE_OF_MEMORY_LIMIT) / 2 ** 20));
  return [{ name: 'NODE_OPTIONS', value: `--max-old-space-size=${mebibytes}` }];
}

function proxyContainer(proxy: ResolvedTier): Record<string, unknown> {
  return {
    name: 'proxy',
    image: proxy.image,
    args: ['--config', `${CONFIG_DIR}/${PROXY_CONFIG_KEY}`, '--log-level', proxy.logLevel],
    env: heapLimitEnv(proxy.resources.limits?.memory),
    ports: [
      { name: PROBE_PORT_NAME, containerPort: d.PROXY_PROBE_PORT, protocol: 'TCP' },
    ],
    // The admin interface is on loopback; probes and the scrape go to the probe listener.
    readinessProbe: { httpGet: { path: '/ready', port: PROBE_PORT_NAME }, periodSeconds: 5, failureThreshold: 2 },
    livenessProbe: { httpGet: { path: '/live', port: PROBE_PORT_NAME }, periodSeconds: 10, failureThreshold: 3 },
    // Keep accepting while the endpoint removal propagates; SIGTERM then starts the proxy's own drain.
    lifecycle: { preStop: { sleep: { seconds: d.PROXY_PRE_STOP_DELAY_SECONDS } } },
  };
}
