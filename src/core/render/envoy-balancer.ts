import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import * as d from '../defaults';
import type { GrpcMeshServiceModel, ResolvedEnvoy } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import { renderEnvoyBootstrap } from './envoy-bootstrap';
import { renderPodDisruptionBudget } from './pod-disruption-budget';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security';

/** The objects of a balancer tier. */
export interface BalancerManifests {
  /** ConfigMap holding the balancer's configuration. */
  readonly config: KubeObject;
  /** The balancer Deployment. */
  readonly deployment: KubeObject;
  /** The Service that exposes the balancer to clients. */
  readonly service: KubeObject;
  /** PodDisruptionBudget of the balancer pods. */
  readonly podDisruptionBudget: KubeObject;
}

/** Key of the bootstrap in the Envoy ConfigMap. */
export const ENVOY_CONFIG_KEY = 'envoy.yaml';
const CONFIG_DIR = '/etc/envoy';

/** Short, stable hash of a configuration, for the config-hash annotation that rolls pods on change. */
export function configHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Renders the Envoy tier of a gRPC service: ConfigMap with the v3 bootstrap, Deployment, Service and PDB. */
export function renderEnvoyBalancer(model: GrpcMeshServiceModel, envoy: ResolvedEnvoy): BalancerManifests {
  const bootstrap = stringify(renderEnvoyBootstrap(model, envoy), { lineWidth: 0, aliasDuplicateObjects: false });
  const metadata = { name: envoy.name, namespace: model.namespace, labels: envoy.labels };
  return {
    config: { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { [ENVOY_CONFIG_KEY]: bootstrap } },
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: envoy.replicas,
        selector: { matchLabels: envoy.selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: d.DEFAULT_MAX_SURGE, maxUnavailable: d.DEFAULT_MAX_UNAVAILABLE } },
        template: {
          metadata: {
            labels: envoy.labels,
            annotations: {
              [d.CONFIG_HASH_ANNOTATION]: configHash(bootstrap),
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(d.ENVOY_PROBE_PORT),
              'prometheus.io/path': '/stats/prometheus',
            },
          },
          spec: envoyPodSpec(envoy),
        },
      },
    },
    service: balancerService(model, envoy),
    podDisruptionBudget: renderPodDisruptionBudget(envoy.name, model.namespace, envoy.labels, envoy.selector),
  };
}

function envoyPodSpec(envoy: ResolvedEnvoy): Record<string, unknown> {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    // Drain time plus room for Envoy to flush and exit.
    terminationGracePeriodSeconds: envoy.drainSeconds + 15,
    securityContext: restrictedPodSecurityContext(d.ENVOY_UID),
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: envoy.selector } },
        }],
      },
    },
    topologySpreadConstraints: [{
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: envoy.selector },
    }],
    containers: [envoyContainer(envoy)],
    volumes: [
      { name: 'config', configMap: { name: envoy.name } },
      { name: 'tmp', emptyDir: { sizeLimit: d.DEFAULT_TMP_SIZE_LIMIT } },
    ],
  };
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
      { name: d.GRPC_PORT_NAME, containerPort: d.ENVOY_LISTENER_PORT, protocol: 'TCP' },
      { name: 'metrics', containerPort: d.ENVOY_PROBE_PORT, protocol: 'TCP' },
    ],
    // The admin interface is on loopback; probes go to the probe listener, which answers /ready itself.
    readinessProbe: { httpGet: { path: '/ready', port: 'metrics' }, periodSeconds: 5, failureThreshold: 2 },
    livenessProbe: { tcpSocket: { port: 'metrics' }, periodSeconds: 10, failureThreshold: 3 },
    lifecycle: { preStop: { exec: { command: ['/bin/bash', '-c', drainScript(envoy.drainSeconds)] } } },
    resources: envoy.resources,
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
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

function balancerService(model: GrpcMeshServiceModel, envoy: ResolvedEnvoy): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: envoy.name,
      namespace: model.namespace,
      labels: envoy.labels,
      ...(envoy.serviceAnnotations && { annotations: envoy.serviceAnnotations }),
    },
    spec: {
      type: envoy.serviceType,
      selector: envoy.selector,
      ports: [{
        name: d.GRPC_PORT_NAME,
        port: envoy.port,
        targetPort: d.ENVOY_LISTENER_PORT,
        protocol: 'TCP',
        appProtocol: d.GRPC_APP_PROTOCOL,
      }],
      ...(envoy.loadBalancerSourceRanges?.length && { loadBalancerSourceRanges: envoy.loadBalancerSourceRanges }),
    },
  };
}
