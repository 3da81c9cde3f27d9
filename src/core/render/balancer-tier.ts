import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import * as d from '../defaults';
import type { GrpcMeshServiceModel, ResolvedBalancer } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
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

/** What differs between the Envoy and the grpc-mesh-proxy tiers; everything else they share. */
export interface BalancerTierSpec {
  /** Key of the configuration file in the ConfigMap. */
  readonly configKey: string;
  /** The configuration file's content; the tier writes it as YAML (no line folding, no anchors). */
  readonly config: unknown;
  /** The balancer container; the tier adds its resources, security context and the config and /tmp mounts. */
  readonly container: Record<string, unknown>;
  /** Directory the ConfigMap is mounted at. */
  readonly configDir: string;
  /** Non-root UID the pod runs as. */
  readonly uid: number;
  /** Grace period between SIGTERM and SIGKILL, covering the drain. */
  readonly terminationGracePeriodSeconds: number;
  /** Where Prometheus scrapes the balancer's metrics. */
  readonly metrics: MetricsEndpoint;
  /** Port the container's gRPC listener binds. */
  readonly listenerPort: number;
}

/** Where Prometheus scrapes a pod's metrics. */
export interface MetricsEndpoint {
  /** Container port. */
  readonly port: number;
  /** HTTP path. */
  readonly path: string;
}

/** Short, stable hash of a configuration, for the config-hash annotation that rolls pods on change. */
export function configHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Renders a balancer tier: a ConfigMap with its configuration, a Deployment (config-hash rollouts, restricted
 * security, anti-affinity, Prometheus annotations), a Service exposing it and a PodDisruptionBudget.
 */
export function renderBalancerTier(model: GrpcMeshServiceModel, balancer: ResolvedBalancer, spec: BalancerTierSpec): BalancerManifests {
  const configText = stringify(spec.config, { lineWidth: 0, aliasDuplicateObjects: false });
  const metadata = { name: balancer.name, namespace: model.namespace, labels: balancer.labels };
  return {
    config: { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { [spec.configKey]: configText } },
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: balancer.replicas,
        selector: { matchLabels: balancer.selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: d.DEFAULT_MAX_SURGE, maxUnavailable: d.DEFAULT_MAX_UNAVAILABLE } },
        template: {
          metadata: {
            labels: balancer.labels,
            annotations: {
              [d.CONFIG_HASH_ANNOTATION]: configHash(configText),
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(spec.metrics.port),
              'prometheus.io/path': spec.metrics.path,
            },
          },
          spec: podSpec(balancer, spec),
        },
      },
    },
    service: balancerService(model, balancer, spec.listenerPort),
    podDisruptionBudget: renderPodDisruptionBudget(balancer.name, model.namespace, balancer.labels, balancer.selector),
  };
}

function podSpec(balancer: ResolvedBalancer, spec: BalancerTierSpec): Record<string, unknown> {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    securityContext: restrictedPodSecurityContext(spec.uid),
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: balancer.selector } },
        }],
      },
    },
    topologySpreadConstraints: [{
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: balancer.selector },
    }],
    containers: [{
      ...spec.container,
      resources: balancer.resources,
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [
        { name: 'config', mountPath: spec.configDir, readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ],
    }],
    volumes: [
      { name: 'config', configMap: { name: balancer.name } },
      { name: 'tmp', emptyDir: { sizeLimit: d.DEFAULT_TMP_SIZE_LIMIT } },
    ],
  };
}

function balancerService(model: GrpcMeshServiceModel, balancer: ResolvedBalancer, listenerPort: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: balancer.name,
      namespace: model.namespace,
      labels: balancer.labels,
      ...(balancer.serviceAnnotations && { annotations: balancer.serviceAnnotations }),
    },
    spec: {
      type: balancer.serviceType,
      selector: balancer.selector,
      ports: [{
        name: d.GRPC_PORT_NAME,
        port: balancer.port,
        targetPort: listenerPort,
        protocol: 'TCP',
        appProtocol: d.GRPC_APP_PROTOCOL,
      }],
      ...(balancer.loadBalancerSourceRanges?.length && { loadBalancerSourceRanges: balancer.loadBalancerSourceRanges }),
    },
  };
}
