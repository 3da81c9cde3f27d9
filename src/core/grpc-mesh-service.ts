import { resolveAutoscaling, validateScaling, type AutoscalingProps, type ResolvedAutoscaling } from './autoscaling';
import { resolveBackendTls, validateBackendTls, type BackendTlsProps, type BackendTlsService, type ResolvedBackendTls } from './backend-tls';
import { renderEnv, validateContainer, type ContainerProps, type EnvVar } from './container';
import { DataPlane, type BalancerDataPlaneOptions, type DataPlaneKind } from './data-plane';
import type { DataPlaneService, DataPlaneStrategy, TierStrategy } from './data-planes/strategy';
import * as d from './defaults';
import type { PolicyTarget } from './dialects/policy-target';
import type { ContainerResources } from './kube';
import type { ResolvedBalancerListenerTls } from './listener-tls';
import type { MonitoringProps } from './monitoring/props';
import { resolveMonitoring, type ResolvedMonitoring } from './monitoring/resolve';
import { seriesOf } from './monitoring/series';
import { validateMonitoring } from './monitoring/validate';
import { resolveNetworkPolicy, validateNetworkPolicy, type NetworkPolicyProps, type ResolvedNetworkPolicy } from './network-policy';
import { POD_PROP_KEYS, resolvePod, validatePod, type PodProps, type ResolvedPod } from './pod';
import { validateResources } from './quantity';
import type { ServiceBackendRef, ServiceParentRef } from './route-refs';
import { resolveTrafficPolicy, validateTrafficPolicy, type ResolvedTrafficPolicy, type TrafficPolicy } from './traffic-policy';
import { IssueCollector, MAX_DNS_LABEL_LENGTH } from './validation';

/**
 * The workload a {@link GrpcMeshServiceProps | GrpcMeshService} runs: a Deployment of a gRPC server image, under a
 * ServiceAccount of its own (named like the service) unless `serviceAccountName` names one, with the scheduling
 * ({@link PodProps}) and the environment and volumes ({@link ContainerProps}) given.
 */
export interface WorkloadProps extends PodProps, ContainerProps {
  /** Container image of the gRPC server. Pin a version or digest. */
  readonly image: string;
  /**
   * Pods. Leave it unset with `autoscaling`, whose HorizontalPodAutoscaler owns the count.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Scales the Deployment with a HorizontalPodAutoscaler (`autoscaling/v2`) on CPU and/or memory utilization; the
   * Deployment's `replicas` is then not written.
   * @default - a fixed `replicas`
   */
  readonly autoscaling?: AutoscalingProps;
  /**
   * Entrypoint override.
   * @default - the image's ENTRYPOINT
   */
  readonly command?: readonly string[];
  /**
   * Arguments.
   * @default - the image's CMD
   */
  readonly args?: readonly string[];
  /**
   * Resources of the server container.
   * @default - requests 100m CPU and 128Mi memory, limit 256Mi memory
   */
  readonly resources?: ContainerResources;
  /**
   * Seconds a terminating pod keeps serving before it gets SIGTERM, so every balancer and client has stopped
   * sending it new calls first (endpoint propagation plus DNS caching).
   * @default 10
   */
  readonly preStopDelaySeconds?: number;
  /**
   * Seconds Kubernetes waits for the pod to stop before killing it; must exceed `preStopDelaySeconds`.
   * @default - preStopDelaySeconds + 30
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Non-root UID the server runs as.
   * @default 65532
   */
  readonly runAsUser?: number;
  /**
   * Extra labels on the pods (the selector labels are always set).
   * @default - none
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * Annotations on the pods.
   * @default - none
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /**
   * When the kubelet pulls the image.
   * @default - Kubernetes' default (IfNotPresent for a pinned tag)
   */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
}

/** Properties of a `GrpcMeshService`: a gRPC service made balanceable per call. */
export interface GrpcMeshServiceProps {
  /**
   * Name of the ClusterIP Service and prefix of every other object's name.
   * @default - the construct id (cdk8s) or the resource name (Pulumi)
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default - the cdk8s chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /** Port the gRPC service is reached on. */
  readonly port: number;
  /**
   * Port the server listens on inside its pods.
   * @default - the same as `port`
   */
  readonly targetPort?: number;
  /**
   * Runs the server as a Deployment. Give either `workload` or `selector`.
   * @default - none: `selector` names an existing workload
   */
  readonly workload?: WorkloadProps;
  /**
   * Pod labels of an existing workload to balance. Give either `workload` or `selector`.
   * @default - the labels of the pods `workload` creates
   */
  readonly selector?: Readonly<Record<string, string>>;
  /**
   * Who balances the calls.
   * @default DataPlane.envoy()
   */
  readonly dataPlane?: DataPlane;
  /**
   * Load balancing, retries, timeouts, circuit breaking, outlier detection and health checks.
   * @default - see {@link TrafficPolicy}
   */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * TLS, and by default mTLS, from the balancer tier to the pods: cert-manager Certificates (or existing Secrets), the
   * server's Secret mounted at `/etc/grpc-mesh/tls`, the tier verifying the pods' certificate. See {@link BackendTlsProps}.
   * @default - the tier speaks h2c (plaintext HTTP/2) to the pods
   */
  readonly backendTls?: BackendTlsProps;
  /**
   * Monitoring: a PodMonitor for the pods whose proxies see the calls, error-rate, latency and no-ready-endpoints
   * alerts, and a Grafana dashboard.
   * @default - none
   */
  readonly monitoring?: MonitoringProps;
  /**
   * NetworkPolicies for the server pods and the balancer pods, **on by default**: only the balancer (or, without one,
   * `allowFrom`), the grpc-mesh tiers routing to the service and `ingress` reach the server's gRPC port; see
   * {@link NetworkPolicyProps}. `{ enabled: false }` writes none.
   * @default - NetworkPolicies with the defaults of {@link NetworkPolicyProps}
   */
  readonly networkPolicy?: NetworkPolicyProps;
  /**
   * Extra labels on every object.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Codes of warnings not to print.
   * @default - none
   */
  readonly silenceWarnings?: readonly string[];
  /**
   * DNS domain of the cluster, for fully qualified Service names.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
}

/** The workload with every default applied. */
export interface ResolvedWorkload extends Required<Pick<WorkloadProps,
  'image' | 'replicas' | 'resources' | 'preStopDelaySeconds' | 'terminationGracePeriodSeconds' | 'runAsUser' | 'podLabels'>>,
  Pick<WorkloadProps, 'command' | 'args' | 'podAnnotations' | 'imagePullPolicy' | 'envFrom' | 'volumes' | 'volumeMounts'> {
  /** Environment variables in the order given, references as `valueFrom`. */
  readonly env: ReadonlyArray<EnvVar>;
  /** The pods' scheduling and identity. */
  readonly pod: ResolvedPod;
  /** The HorizontalPodAutoscaler's settings, when it owns the replica count. */
  readonly autoscaling?: ResolvedAutoscaling;
}

/** A tier of balancer pods (Envoy or grpc-mesh-proxy) with every default applied, for a service or a Gateway. */
export interface ResolvedTier extends Required<Omit<BalancerDataPlaneOptions,
  'serviceAnnotations' | 'loadBalancerSourceRanges' | 'port' | 'autoscaling' | 'listenerTls' | typeof POD_PROP_KEYS[number]>>,
  Pick<BalancerDataPlaneOptions, 'serviceAnnotations' | 'loadBalancerSourceRanges'> {
  /** The balancer pods' scheduling and identity. */
  readonly pod: ResolvedPod;
  /** The HorizontalPodAutoscaler's settings, when it owns the replica count. */
  readonly autoscaling?: ResolvedAutoscaling;
  /** Discriminant of the data plane. */
  readonly kind: 'envoy' | 'proxy';
  /** Name of every object of the tier (`<owner>-envoy`, `<owner>-proxy`). */
  readonly name: string;
  /** The balancer's image. */
  readonly image: string;
  /** The balancer's log level. */
  readonly logLevel: string;
  /** Labels that select the balancer pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** Labels on every object of the tier. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * What the tier is: Envoy or grpc-mesh-proxy.
   * @internal
   */
  readonly tierStrategy: TierStrategy;
}

/** The balancer tier of a service, with every default applied. */
export interface ResolvedBalancer extends ResolvedTier {
  /** Port of the balancer's Service. */
  readonly port: number;
  /** TLS on the balancer's listener, when it terminates TLS. */
  readonly listenerTls?: ResolvedBalancerListenerTls;
}

/** What every resolved data plane has: which one it is, and the strategy that resolved it and renders it. */
export interface ResolvedDataPlaneBase {
  /** Which data plane this is (for references and messages). */
  readonly kind: DataPlaneKind;
  /**
   * The data plane's behaviour: renders this resolved data plane.
   * @internal
   */
  readonly strategy: DataPlaneStrategy;
}

/** The Envoy data plane with every default applied. */
export interface ResolvedEnvoy extends ResolvedBalancer, ResolvedDataPlaneBase {
  /** Discriminant of the data plane. */
  readonly kind: 'envoy';
}

/** The grpc-mesh-proxy data plane with every default applied. */
export interface ResolvedProxy extends ResolvedBalancer, ResolvedDataPlaneBase {
  /** Discriminant of the data plane. */
  readonly kind: 'proxy';
}

/** The data plane of a service without a balancer. */
export interface ResolvedNoDataPlane extends ResolvedDataPlaneBase {
  /** Discriminant of the data plane. */
  readonly kind: 'none';
}

/** A mesh data plane: what it adds to the workload and Service, and what its policy objects govern. */
export interface ResolvedMesh extends ResolvedDataPlaneBase {
  /** Discriminant of the data plane. */
  readonly kind: 'istio' | 'linkerd';
  /** Labels added to the workload's pods (Istio's injection label). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Annotations added to the workload's pods (Linkerd's injection annotation). */
  readonly podAnnotations: Readonly<Record<string, string>>;
  /** Annotations added to the ClusterIP Service (Linkerd's policy annotations). */
  readonly serviceAnnotations: Readonly<Record<string, string>>;
  /** The Service the mesh's policy objects govern (its ClusterIP Service). */
  readonly target: PolicyTarget;
  /** Name of the GRPCRoute grpc-mesh attaches to the Service for the mesh's own policy (Linkerd's gRPC retries), if any. */
  readonly serviceRoute?: string;
  /**
   * Ports of the mesh proxy on the pods that the callers of the service must reach besides `targetPort` (Linkerd's
   * inbound port, Istio's HBONE port): NetworkPolicies open them with it.
   */
  readonly proxyInboundPorts: readonly number[];
  /** Ports of the mesh proxy on the pods that the mesh's telemetry scrapes: NetworkPolicies open them to `metricsFrom`. */
  readonly proxyMetricsPorts: readonly number[];
}

/** A service's data plane with every default applied. */
export type ResolvedDataPlane = ResolvedEnvoy | ResolvedProxy | ResolvedNoDataPlane | ResolvedMesh;

/** A `GrpcMeshService` after validation, with every default applied: the input of the render functions. */
export interface GrpcMeshServiceModel {
  /** Name of the ClusterIP Service and prefix of every object's name. */
  readonly name: string;
  /** Namespace of every object. */
  readonly namespace: string;
  /** Port of the Services. */
  readonly port: number;
  /** Port the server listens on in its pods. */
  readonly targetPort: number;
  /** Labels on every object of the service. */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels that select the server pods. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Name of the headless Service. */
  readonly headlessServiceName: string;
  /** Fully qualified DNS name of the headless Service (resolves to every ready pod). */
  readonly headlessFqdn: string;
  /** Fully qualified DNS name of the ClusterIP Service. */
  readonly serviceFqdn: string;
  /**
   * Where clients send their calls: `host:port` of the balancer's Service, or with `DataPlane.none()` a
   * `dns:///` target of the headless Service for clients that balance themselves.
   */
  readonly endpoint: string;
  /** The server Deployment's settings, when the service runs its own workload. */
  readonly workload?: ResolvedWorkload;
  /** The data plane's settings. */
  readonly dataPlane: ResolvedDataPlane;
  /** The traffic policy, defaults applied. */
  readonly trafficPolicy: ResolvedTrafficPolicy;
  /** The traffic policy as the props gave it, to check what a tier routing to the service can honour. */
  readonly givenTrafficPolicy?: TrafficPolicy;
  /** Monitoring, with every default applied, on the series of the data plane. */
  readonly monitoring?: ResolvedMonitoring;
  /** TLS from the balancer tier to the pods, with every default applied. */
  readonly backendTls?: ResolvedBackendTls;
  /** The NetworkPolicies' settings, unless they are switched off. */
  readonly networkPolicy?: ResolvedNetworkPolicy;
  /** Warnings to show the user. */
  readonly warnings: readonly string[];
}

/** Where a set of props comes from, to name objects and errors. */
export interface ResolveContext {
  /** Name to use when the props give none (the construct id or Pulumi resource name). */
  readonly defaultName: string;
  /** Namespace to use when the props give none (a cdk8s chart's namespace). */
  readonly defaultNamespace?: string;
  /** How errors name the construct, e.g. `GrpcMeshService "shop/users"`. */
  readonly subject?: string;
}

/** Longest suffix added to the service name (`-headless`), so every derived name stays a DNS label. */
const MAX_NAME_LENGTH = MAX_DNS_LABEL_LENGTH - d.HEADLESS_SERVICE_SUFFIX.length;

/**
 * Validates `GrpcMeshService` props, collecting every problem into one {@link GrpcMeshValidationError}, and
 * returns the resolved model.
 */
export function resolveGrpcMeshService(props: GrpcMeshServiceProps, context: ResolveContext): GrpcMeshServiceModel {
  const name = props.name ?? context.defaultName;
  const namespace = props.namespace ?? context.defaultNamespace ?? d.DEFAULT_NAMESPACE;
  const issues = new IssueCollector(context.subject ?? `GrpcMeshService "${name}"`, props.silenceWarnings);
  const dataPlane = (props.dataPlane ?? DataPlane.envoy()).strategy;
  const clusterDomain = props.clusterDomain ?? d.DEFAULT_CLUSTER_DOMAIN;
  const headlessServiceName = `${name}${d.HEADLESS_SERVICE_SUFFIX}`;
  const service: DataPlaneService = {
    props,
    name,
    namespace,
    clusterDomain,
    serviceFqdn: `${name}.${namespace}.svc.${clusterDomain}`,
    headlessFqdn: `${headlessServiceName}.${namespace}.svc.${clusterDomain}`,
  };

  issues.dns1035Label('name', name, MAX_NAME_LENGTH, `It names Services, and "${d.HEADLESS_SERVICE_SUFFIX}" is appended to one of them.`);
  issues.dns1123Label('namespace', namespace);
  issues.port('port', props.port);
  issues.port('targetPort', props.targetPort);
  issues.labels('labels', props.labels);
  validateWorkloadChoice(issues, props);
  if (props.workload) validateWorkload(issues, props.workload, name);
  dataPlane.validateOptions(issues);
  validateTrafficPolicy(issues, 'trafficPolicy', props.trafficPolicy);
  dataPlane.checkPolicySupport(issues, props.trafficPolicy);
  validateMonitoring(issues, props.monitoring, (monitoring) => dataPlane.validateMonitoring(issues, monitoring, service), props.selector);
  validateNetworkPolicy(issues, 'networkPolicy', props.networkPolicy);
  const resolved = dataPlane.resolve(issues, service);
  const tlsService: BackendTlsService = {
    ...service,
    targetPort: props.targetPort ?? props.port,
    hasWorkload: props.workload !== undefined,
    mesh: dataPlane.meshOf(resolved) !== undefined,
    balancer: dataPlane.balancerOf(resolved),
  };
  validateBackendTls(issues, props.backendTls, tlsService);
  issues.throwIfAny();

  const networkPolicy = resolveNetworkPolicy(props.networkPolicy);
  const labels = { ...props.labels, 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': d.MANAGED_BY };
  const model: GrpcMeshServiceModel = {
    name,
    namespace,
    port: props.port,
    targetPort: props.targetPort ?? props.port,
    labels,
    podSelector: props.selector ?? { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'grpc-server' },
    headlessServiceName,
    headlessFqdn: service.headlessFqdn,
    serviceFqdn: service.serviceFqdn,
    endpoint: dataPlane.endpoint(resolved, service),
    workload: props.workload && resolveWorkload(props.workload, name),
    dataPlane: resolved,
    warnings: issues.warnings,
    trafficPolicy: resolveTrafficPolicy(props.trafficPolicy),
    givenTrafficPolicy: props.trafficPolicy,
    ...(props.backendTls !== undefined && { backendTls: resolveBackendTls(props.backendTls, tlsService) }),
    ...(networkPolicy !== undefined && { networkPolicy }),
  };
  return props.monitoring ? { ...model, monitoring: resolveServiceMonitoring(props.monitoring, model) } : model;
}

/** Monitoring of a service, on the series its data plane records (validation made sure it records some). */
function resolveServiceMonitoring(monitoring: MonitoringProps, model: GrpcMeshServiceModel): ResolvedMonitoring | undefined {
  const series = seriesOf(model);
  if (series === undefined) return undefined;
  const subject = { name: model.name, namespace: model.namespace, target: model.serviceFqdn, alertLabels: { service: model.name } };
  return resolveMonitoring(monitoring, subject, series, model.labels);
}

function validateWorkloadChoice(issues: IssueCollector, props: GrpcMeshServiceProps): void {
  const hint = 'Give `workload` to run the server, or `selector` to balance pods you already run.';
  if (props.workload && props.selector) {
    issues.add({ code: 'WORKLOAD_AND_SELECTOR', path: 'selector', value: props.selector, message: 'cannot be combined with workload', hint });
  } else if (!props.workload && !props.selector) {
    issues.add({ code: 'NO_WORKLOAD', path: 'workload', value: undefined, message: 'or selector is required: the Services must select some pods', hint });
  }
  if (props.selector) {
    issues.require(Object.keys(props.selector).length > 0, {
      code: 'EMPTY_SELECTOR', path: 'selector', value: props.selector, message: 'must have at least one label', hint: 'An empty selector would select every pod in the namespace.',
    }) && issues.labels('selector', props.selector);
  }
}

function validateWorkload(issues: IssueCollector, w: WorkloadProps, name: string): void {
  issues.require(typeof w.image === 'string' && w.image.trim() !== '' && !/\s/.test(w.image), {
    code: 'INVALID_IMAGE', path: 'workload.image', value: w.image, message: 'must be an image reference without spaces',
  });
  issues.integerInRange('workload.preStopDelaySeconds', w.preStopDelaySeconds, 0, 3600);
  issues.integerInRange('workload.runAsUser', w.runAsUser, 1, 0x7fffffff, 'Pods run as non-root: UID 0 is not allowed.');
  const preStop = w.preStopDelaySeconds ?? d.DEFAULT_PRE_STOP_DELAY_SECONDS;
  if (issues.integerInRange('workload.terminationGracePeriodSeconds', w.terminationGracePeriodSeconds, 0, 0x7fffffff)
    && w.terminationGracePeriodSeconds !== undefined) {
    issues.require(w.terminationGracePeriodSeconds > preStop, {
      code: 'GRACE_PERIOD_TOO_SHORT',
      path: 'workload.terminationGracePeriodSeconds',
      value: w.terminationGracePeriodSeconds,
      message: `must exceed preStopDelaySeconds (${preStop}), or the server is killed before it can finish its calls`,
    });
  }
  validateContainer(issues, 'workload', w);
  validateResources(issues, 'workload', w.resources);
  validatePod(issues, 'workload', w);
  issues.labels('workload.podLabels', w.podLabels);
  validateScaling(issues, {
    replicasPath: 'workload.replicas',
    replicas: w.replicas,
    autoscalingPath: 'workload.autoscaling',
    autoscaling: w.autoscaling,
    requests: resolveWorkload(w, name).resources.requests ?? {},
  });
}

/** The workload with its defaults; its pods run under `name`'s ServiceAccount unless the props name one. */
function resolveWorkload(w: WorkloadProps, name: string): ResolvedWorkload {
  const preStopDelaySeconds = w.preStopDelaySeconds ?? d.DEFAULT_PRE_STOP_DELAY_SECONDS;
  return {
    image: w.image,
    replicas: w.replicas ?? d.DEFAULT_WORKLOAD_REPLICAS,
    command: w.command,
    args: w.args,
    env: renderEnv(w.env),
    envFrom: w.envFrom,
    volumes: w.volumes,
    volumeMounts: w.volumeMounts,
    pod: resolvePod(w, name),
    resources: {
      requests: { cpu: d.DEFAULT_WORKLOAD_CPU_REQUEST, memory: d.DEFAULT_WORKLOAD_MEMORY_REQUEST, ...w.resources?.requests },
      limits: { memory: d.DEFAULT_WORKLOAD_MEMORY_LIMIT, ...w.resources?.limits },
    },
    preStopDelaySeconds,
    terminationGracePeriodSeconds: w.terminationGracePeriodSeconds ?? preStopDelaySeconds + d.DEFAULT_SHUTDOWN_GRACE_SECONDS,
    runAsUser: w.runAsUser ?? d.DEFAULT_RUN_AS_USER,
    podLabels: w.podLabels ?? {},
    podAnnotations: w.podAnnotations,
    imagePullPolicy: w.imagePullPolicy,
    ...(w.autoscaling !== undefined && { autoscaling: resolveAutoscaling(w.autoscaling) }),
  };
}

/** How a route attaches to the service (GAMMA): through its ClusterIP Service, never the headless one. */
export function meshServiceParentRef(model: GrpcMeshServiceModel): ServiceParentRef {
  const mesh = meshOf(model)?.kind;
  const meshRoute = meshOf(model)?.serviceRoute;
  return {
    kind: 'Service',
    name: model.name,
    namespace: model.namespace,
    port: model.port,
    headless: false,
    ...(mesh && { mesh }),
    dataPlane: model.dataPlane.kind,
    ...(meshRoute !== undefined && { meshRoute }),
  };
}

/** How a route sends calls to the service: its ClusterIP Service and port. */
export function meshServiceBackendRef(model: GrpcMeshServiceModel): ServiceBackendRef {
  return { name: model.name, namespace: model.namespace, port: model.port };
}

/** The mesh data plane of a service, if it has one. */
export function meshOf(model: GrpcMeshServiceModel): ResolvedMesh | undefined {
  return model.dataPlane.strategy.meshOf(model.dataPlane);
}

/** The balancer tier of a service (Envoy or grpc-mesh-proxy), if it has one: it serves the routes attached to the service. */
export function balancerOf(model: GrpcMeshServiceModel): ResolvedBalancer | undefined {
  return model.dataPlane.strategy.balancerOf(model.dataPlane);
}
