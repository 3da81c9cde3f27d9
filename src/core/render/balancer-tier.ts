import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { renderHorizontalPodAutoscaler } from '../autoscaling';
import * as d from '../defaults';
import type { ResolvedTier } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import { renderPodFields, renderServiceAccount, type PodAffinity, type TopologySpreadConstraint } from '../pod';
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
  /** HorizontalPodAutoscaler of the balancer Deployment, with `autoscaling`. */
  readonly horizontalPodAutoscaler?: KubeObject;
  /** ServiceAccount of the balancer pods, named like the tier, unless `serviceAccountName` names an existing one. */
  readonly serviceAccount?: KubeObject;
  /** cert-manager Certificate of the balancer's listener, when cert-manager issues it (`listenerTls.certManager`). */
  readonly certificate?: KubeObject;
}

/** What differs between the Envoy and the grpc-mesh-proxy tiers; everything else they share. */
export interface BalancerTierSpec {
  /** Key of the configuration file in the ConfigMap. */
  readonly configKey: string;
  /** The configuration file's content; the tier writes it as YAML (no line folding, no anchors). */
  readonly config: unknown;
  /**
   * The balancer container; the tier adds the gRPC ports before its `ports`, its resources, security context and
   * the config, /tmp and Secret mounts.
   */
  readonly container: Record<string, unknown>;
  /** Directory the ConfigMap is mounted at. */
  readonly configDir: string;
  /** Non-root UID the pod runs as. */
  readonly uid: number;
  /** Grace period between SIGTERM and SIGKILL, covering the drain. */
  readonly terminationGracePeriodSeconds: number;
  /** Where Prometheus scrapes the balancer's metrics. */
  readonly metrics: MetricsEndpoint;
  /** The gRPC ports: one for a service's balancer, one per listener port for a Gateway. */
  readonly ports: readonly TierPort[];
  /**
   * Secrets mounted read-only in the balancer container (TLS certificates).
   * @default - none
   */
  readonly secretMounts?: readonly SecretMount[];
  /**
   * ConfigMaps mounted read-only in the balancer container (CA bundles of client certificates).
   * @default - none
   */
  readonly configMapMounts?: readonly ConfigMapMount[];
}

/** A gRPC port of a balancer tier: the Service port and the container port behind it. */
export interface TierPort {
  /** Port name, unique in the tier (at most 15 characters). */
  readonly name: string;
  /** Port of the tier's Service. */
  readonly port: number;
  /** Port the balancer binds in its pod. */
  readonly containerPort: number;
  /** Whether clients speak TLS to it (no `kubernetes.io/h2c` appProtocol then). */
  readonly tls: boolean;
}

/** A Secret mounted read-only in the balancer container. */
export interface SecretMount {
  /** Secret name (in the tier's namespace). */
  readonly secretName: string;
  /** Directory it is mounted at. */
  readonly mountPath: string;
  /**
   * The keys of the Secret that appear as files (a CA without the key beside it).
   * @default - every key
   */
  readonly keys?: readonly string[];
}

/** A ConfigMap mounted read-only in the balancer container. */
export interface ConfigMapMount {
  /** ConfigMap name (in the tier's namespace). */
  readonly configMapName: string;
  /** Directory it is mounted at. */
  readonly mountPath: string;
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
export function renderBalancerTier(namespace: string, balancer: ResolvedTier, spec: BalancerTierSpec): BalancerManifests {
  const configText = stringify(spec.config, { lineWidth: 0, aliasDuplicateObjects: false });
  const metadata = { name: balancer.name, namespace, labels: balancer.labels };
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      ...(balancer.autoscaling === undefined && { replicas: balancer.replicas }), // else the HPA owns the count
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
  };
  const hpa = balancer.autoscaling && renderHorizontalPodAutoscaler(deployment, balancer.autoscaling);
  const serviceAccount = renderServiceAccount(balancer.pod, metadata);
  return {
    config: { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { [spec.configKey]: configText } },
    deployment,
    service: balancerService(namespace, balancer, spec.ports),
    podDisruptionBudget: renderPodDisruptionBudget(balancer.name, namespace, balancer.labels, balancer.selector),
    ...(hpa && { horizontalPodAutoscaler: hpa }),
    ...(serviceAccount && { serviceAccount }),
  };
}

/** The tier's own scheduling: balancer pods prefer different nodes, and spread over zones, never blocking scheduling. */
function tierPodDefaults(balancer: ResolvedTier): { podAntiAffinity: PodAffinity; topologySpreadConstraints: TopologySpreadConstraint[] } {
  const labelSelector = { matchLabels: balancer.selector };
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector } }],
    },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector }],
  };
}

function podSpec(balancer: ResolvedTier, spec: BalancerTierSpec): Record<string, unknown> {
  const secrets = spec.secretMounts ?? [];
  const secretVolume = (i: number) => `secret-${i}`;
  const configMaps = spec.configMapMounts ?? [];
  const configMapVolume = (i: number) => `configmap-${i}`;
  return {
    ...renderPodFields(balancer.pod, { selector: balancer.selector, ...tierPodDefaults(balancer) }),
    enableServiceLinks: false,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    securityContext: restrictedPodSecurityContext(spec.uid),
    containers: [{
      ...spec.container,
      ports: [
        ...spec.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
        ...(spec.container.ports as unknown[] | undefined ?? []),
      ],
      resources: balancer.resources,
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [
        { name: 'config', mountPath: spec.configDir, readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
        ...secrets.map((s, i) => ({ name: secretVolume(i), mountPath: s.mountPath, readOnly: true })),
        ...configMaps.map((c, i) => ({ name: configMapVolume(i), mountPath: c.mountPath, readOnly: true })),
      ],
    }],
    volumes: [
      { name: 'config', configMap: { name: balancer.name } },
      { name: 'tmp', emptyDir: { sizeLimit: d.DEFAULT_TMP_SIZE_LIMIT } },
      // Readable by the pod's group only (fsGroup is the balancer's UID).
      ...secrets.map((s, i) => ({
        name: secretVolume(i),
        secret: { secretName: s.secretName, defaultMode: 0o440, ...(s.keys && { items: s.keys.map((key) => ({ key, path: key })) }) },
      })),
      ...configMaps.map((c, i) => ({ name: configMapVolume(i), configMap: { name: c.configMapName, defaultMode: 0o440 } })),
    ],
  };
}

function balancerService(namespace: string, balancer: ResolvedTier, ports: readonly TierPort[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: balancer.name,
      namespace,
      labels: balancer.labels,
      ...(balancer.serviceAnnotations && { annotations: balancer.serviceAnnotations }),
    },
    spec: {
      type: balancer.serviceType,
      selector: balancer.selector,
      ports: ports.map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.containerPort,
        protocol: 'TCP',
        ...(!p.tls && { appProtocol: d.GRPC_APP_PROTOCOL }),
      })),
      ...(balancer.loadBalancerSourceRanges?.length && { loadBalancerSourceRanges: balancer.loadBalancerSourceRanges }),
    },
  };
}
