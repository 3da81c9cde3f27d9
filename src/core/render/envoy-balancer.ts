import * as d from '../defaults';
import type { GrpcMeshServiceModel, ResolvedEnvoy } from '../grpc-mesh-service';
import { renderBalancerTier, type BalancerManifests } from './balancer-tier';
import { renderEnvoyBootstrap } from './envoy-bootstrap';

/** Key of the bootstrap in the Envoy ConfigMap. */
export const ENVOY_CONFIG_KEY = 'envoy.yaml';
const CONFIG_DIR = '/etc/envoy';

/** Renders the Envoy tier of a gRPC service: ConfigMap with the v3 bootstrap, Deployment, Service and PDB. */
export function renderEnvoyBalancer(model: GrpcMeshServiceModel, envoy: ResolvedEnvoy): BalancerManifests {
  return renderBalancerTier(model.namespace, envoy, {
    configKey: ENVOY_CONFIG_KEY,
    config: renderEnvoyBootstrap(model, envoy),
    container: envoyContainer(envoy),
    configDir: CONFIG_DIR,
    uid: d.ENVOY_UID,
    // Drain time plus room for Envoy to flush and exit.
    terminationGracePeriodSeconds: envoy.drainSeconds + 15,
    metrics: { port: d.ENVOY_PROBE_PORT, path: '/stats/prometheus' },
    ports: [{ name: d.GRPC_PORT_NAME, port: envoy.port, containerPort: d.ENVOY_LISTENER_PORT, tls: false }],
  });
}

function envoyContainer(envoy: ResolvedEnvoy): Record<string, unknown> {
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
