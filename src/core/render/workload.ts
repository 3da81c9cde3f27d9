import { renderHorizontalPodAutoscaler } from '../autoscaling';
import { workloadTls, type WorkloadTls } from '../backend-tls';
import { renderVolumeMounts, renderVolumes } from '../container';
import * as d from '../defaults';
import { meshOf, type GrpcMeshServiceModel, type ResolvedWorkload } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import { plain, renderPodFields, renderServiceAccount } from '../pod';
import { renderPodDisruptionBudget, spreadConstraints } from './pod-disruption-budget';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security';

/** The gRPC server's own objects. */
export interface WorkloadManifests {
  /** The server Deployment. */
  readonly deployment: KubeObject;
  /** Its PodDisruptionBudget. */
  readonly podDisruptionBudget: KubeObject;
  /** Its HorizontalPodAutoscaler, with `autoscaling`. */
  readonly horizontalPodAutoscaler?: KubeObject;
  /** The pods' ServiceAccount, named like the Deployment, unless `serviceAccountName` names an existing one. */
  readonly serviceAccount?: KubeObject;
}

/** Renders the server Deployment and its PodDisruptionBudget, when the service runs its own workload. */
export function renderWorkload(model: GrpcMeshServiceModel): WorkloadManifests | undefined {
  const w = model.workload;
  if (!w) return undefined;
  const mesh = meshOf(model);
  const podLabels = { ...w.podLabels, ...mesh?.podLabels, ...model.labels, ...model.podSelector };
  const podAnnotations = { ...w.podAnnotations, ...mesh?.podAnnotations };
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: model.name, namespace: model.namespace, labels: model.labels },
    spec: {
      ...(w.autoscaling === undefined && { replicas: w.replicas }), // else the HPA owns the count
      selector: { matchLabels: model.podSelector },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: d.DEFAULT_MAX_SURGE, maxUnavailable: d.DEFAULT_MAX_UNAVAILABLE },
      },
      template: {
        metadata: { labels: podLabels, ...(Object.keys(podAnnotations).length > 0 && { annotations: podAnnotations }) },
        spec: podSpec(model, w),
      },
    },
  };
  const pdb = renderPodDisruptionBudget(model.name, model.namespace, model.labels, model.podSelector);
  const hpa = w.autoscaling && renderHorizontalPodAutoscaler(deployment, w.autoscaling);
  const serviceAccount = renderServiceAccount(w.pod, { name: model.name, namespace: model.namespace, labels: model.labels });
  return { deployment, podDisruptionBudget: pdb, ...(hpa && { horizontalPodAutoscaler: hpa }), ...(serviceAccount && { serviceAccount }) };
}

function podSpec(model: GrpcMeshServiceModel, w: ResolvedWorkload): Record<string, unknown> {
  return {
    ...renderPodFields(w.pod, { selector: model.podSelector, topologySpreadConstraints: spreadConstraints(model.podSelector) }),
    terminationGracePeriodSeconds: w.terminationGracePeriodSeconds,
    securityContext: restrictedPodSecurityContext(w.runAsUser),
    containers: [serverContainer(model, w)],
    volumes: [
      { name: d.TMP_VOLUME_NAME, emptyDir: { sizeLimit: d.DEFAULT_TMP_SIZE_LIMIT } },
      ...(model.backendTls ? [tlsOf(model)!.volume] : []),
      ...renderVolumes(w),
    ],
  };
}

function grpcProbeOf(model: GrpcMeshServiceModel): { port: number; service?: string } {
  const service = model.trafficPolicy.healthCheck.grpcServiceName;
  return { port: model.targetPort, ...(service && { service }) };
}

/** The server container's share of backend TLS: its Secret mounted, probes that need no TLS. */
function tlsOf(model: GrpcMeshServiceModel): WorkloadTls | undefined {
  return model.backendTls && workloadTls(model.backendTls, grpcProbeOf(model));
}

function serverContainer(model: GrpcMeshServiceModel, w: ResolvedWorkload): Record<string, unknown> {
  const tls = tlsOf(model);
  // Native gRPC probes (grpc.health.v1), unless the port speaks TLS, which they cannot.
  const probe = tls?.probe ?? { grpc: grpcProbeOf(model) };
  return {
    name: d.WORKLOAD_CONTAINER_NAME,
    image: w.image,
    ...(w.imagePullPolicy && { imagePullPolicy: w.imagePullPolicy }),
    ...(w.command && { command: w.command }),
    ...(w.args && { args: w.args }),
    ...(w.env.length > 0 && { env: w.env }),
    ...(w.envFrom?.length && { envFrom: plain(w.envFrom) }),
    ports: [{ name: d.GRPC_PORT_NAME, containerPort: model.targetPort, protocol: 'TCP' }, ...tls?.ports ?? []],
    // The startup probe gives a slow start a minute before liveness counts.
    startupProbe: { ...probe, periodSeconds: 2, failureThreshold: 30 },
    readinessProbe: { ...probe, periodSeconds: 5, failureThreshold: 2 },
    livenessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
    // Keep serving while endpoint removal propagates; SIGTERM only comes after this delay.
    ...(w.preStopDelaySeconds > 0 && { lifecycle: { preStop: { sleep: { seconds: w.preStopDelaySeconds } } } }),
    resources: w.resources,
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [{ name: d.TMP_VOLUME_NAME, mountPath: '/tmp' }, ...(tls ? [tls.volumeMount] : []), ...renderVolumeMounts(w)],
  };
}
