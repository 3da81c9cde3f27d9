import { backendTlsSecretMounts } from '../backend-tls';
import * as d from '../defaults';
import type { GrpcMeshServiceModel, ResolvedBalancer, ResolvedTier } from '../grpc-mesh-service';
import { withSecretMounts, type ListenerTlsMounts } from '../listener-tls';
import type { TierRoutes } from '../served-routes';
import { balancerListenerTls, withListenerCertificate } from './balancer-listener-tls';
import { renderBalancerTier, type BalancerManifests, type BalancerTierSpec, type TierPort } from './balancer-tier';
import { renderEnvoyBootstrap, type EnvoyBootstrap } from './envoy-bootstrap';
import { envoyTierBootstrap } from './tier-config';

/** Key of the bootstrap in the Envoy ConfigMap. */
export const ENVOY_CONFIG_KEY = 'envoy.yaml';
const CONFIG_DIR = '/etc/envoy';

/** Renders the Envoy tier of a gRPC service: ConfigMap with the v3 bootstrap, Deployment, Service and PDB. */
export function renderEnvoyBalancer(model: GrpcMeshServiceModel, envoy: ResolvedBalancer, served?: TierRoutes): BalancerManifests {
  const tls = balancerListenerTls(envoy, served);
  // Without routes of its own, the service's balancer is one catch-all route to its pods.
  const config = tls.served !== undefined && tls.served.routes.length > 0
    ? envoyTierBootstrap(tls.served, model.trafficPolicy.timeouts.streamIdleMs).bootstrap
    : renderEnvoyBootstrap(model, envoy, tls.files);
  const manifests = renderBalancerTier(model.namespace, envoy, envoyTierSpec(envoy, config, [
    { name: d.GRPC_PORT_NAME, port: envoy.port, containerPort: d.ENVOY_LISTENER_PORT, tls: tls.files !== undefined },
  ], withSecretMounts(tls.mounts, backendTlsSecretMounts(model.backendTls))));
  return withListenerCertificate(manifests, model.namespace, envoy);
}

/**
 * What an Envoy tier (a service's balancer or a Gateway's) sets in the shared tier shape.
 * @internal
 */
export function envoyTierSpec(
  envoy: ResolvedTier, bootstrap: EnvoyBootstrap, ports: readonly TierPort[], mounts?: ListenerTlsMounts,
): BalancerTierSpec {
  return {
    configKey: ENVOY_CONFIG_KEY,
    config: bootstrap,
    container: envoyContainer(envoy),
    configDir: CONFIG_DIR,
    uid: d.ENVOY_UID,
    // Drain time plus room for Envoy to flush and exit.
    terminationGracePeriodSeconds: envoy.drainSeconds + 15,
    metrics: { port: d.ENVOY_PROBE_PORT, path: '/stats/prometheus' },
    ports,
    secretMounts: mounts?.secrets,
    configMapMounts: mounts?.configMaps,
  };
}

function envoyContainer(envoy: ResolvedTier): Record<string, unknown> {
  return {
    name: 'envoy',
    image: envoy.image,
    command: ['envoy'],
    args: [
      '--config-path', `${CONFIG_DIR}/${ENVOY_CONFIG_KEY}`,
      '--log-level', envoy.logLevel,
      '--drain-time-s', String(envoy.drainSeconds),
      '--drain-strategy', 'immediate',
    ],
    ports: [
      { name: 'metrics', containerPort: d.ENVOY_PROBE_PORT, protocol: 'TCP' },
    ],
    // The admin interface is on loopback; probes go to the probe listener, which answers /ready itself.
    readinessProbe: { httpGet: { path: '/ready', port: 'metrics' }, periodSeconds: 5, failureThreshold: 2 },
    livenessProbe: { tcpSocket: { port: 'metrics' }, periodSeconds: 10, failureThreshold: 3 },
    lifecycle: { preStop: { exec: { command: ['/bin/bash', '-c', drainScript(envoy.drainSeconds)] } } },
  };
}

/**
 * The preStop hook: fail readiness (so the Service stops sending new connections), start a graceful drain
 * (GOAWAY on every connection, in-flight calls finish), then wait out the drain before SIGTERM stops Envoy.
 * The image has no curl: bash's /dev/tcp talks to the loopback admin interface.
 */
function drainScript(drainSeconds: number): string {
  return [
    'admin() { exec 3<>/dev/tcp/127.0.0.1/' + d.ENVOY_ADMIN_PORT
      + " && printf 'POST %s HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n' \"$1\" >&3"
      + ' && cat <&3 >/dev/null; exec 3>&-; }',
    'admin /healthcheck/fail',
    "admin '/drain_listeners?graceful&skip_exit'",
    `sleep ${drainSeconds}`,
  ].join('\n');
}
