import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  balancerOf,
  formatWarning,
  gatewaysNotAllowed,
  listGrpcMeshServiceManifests,
  meshServiceBackendRef,
  meshServiceParentRef,
  renderGrpcMeshService,
  resolveGrpcMeshService,
  tiersRoutingTo,
  type GrpcMeshServiceManifests,
  type GrpcMeshServiceModel,
  type GrpcMeshServiceProps,
  type IGrpcBackend,
  type IRouteParent,
  type KubeObject,
  type RouteParentRef,
  type RoutingScope,
  type ServiceBackendRef,
  type EnvVarSource,
  type TierRoutes,
  type WorkloadProps,
} from '../core';
import { objectsWithInputs, PropsWithInputs, type InputRecord, type KubeObjectInputs, type PodArgs } from './inputs';
import { childOptions, kubeResource, type KubeResource } from './kube-resources';
import { declareRouteParent, servedRoutes, stackRoutingScope } from './served-routes';
import { logWarnings } from './warnings';

/**
 * The workload of a Pulumi `GrpcMeshService`: the cdk8s `WorkloadProps`, with the fields a program commonly takes
 * from other resources as `pulumi.Input`s.
 */
export interface WorkloadArgs extends Omit<WorkloadProps,
  'image' | 'replicas' | 'env' | 'podLabels' | 'podAnnotations' | 'serviceAccountName' | 'serviceAccountAnnotations' | 'imagePullSecrets'>, PodArgs {
  /** Container image of the gRPC server, e.g. the image a `docker.Image` built (`image.imageName`). Pin a version or digest. */
  readonly image: pulumi.Input<string>;
  /**
   * Pods.
   * @default 2
   */
  readonly replicas?: pulumi.Input<number>;
  /**
   * Environment variables: plain values, which may come from other resources (a database's endpoint), or
   * references to Secrets, ConfigMaps and pod fields (see the cdk8s `WorkloadProps.env`).
   * @default - none
   */
  readonly env?: Readonly<Record<string, pulumi.Input<string> | EnvVarSource>>;
  /**
   * Extra labels on the pods (the selector labels are always set).
   * @default - none
   */
  readonly podLabels?: InputRecord;
  /**
   * Annotations on the pods.
   * @default - none
   */
  readonly podAnnotations?: InputRecord;
}

/**
 * Arguments of a `GrpcMeshService`: the props of the cdk8s construct, with `namespace`, `labels` and the workload's
 * `image`, `replicas`, `serviceAccountName`, `serviceAccountAnnotations`, `imagePullSecrets`, `env`, `podLabels` and
 * `podAnnotations` as `pulumi.Input`s (the keys of labels, annotations and env stay plain). The options of `dataPlane`
 * take Inputs as {@link DataPlaneFactories} says.
 */
export interface GrpcMeshServiceArgs extends Omit<GrpcMeshServiceProps, 'namespace' | 'labels' | 'workload'> {
  /**
   * Namespace of every object, e.g. `namespace.metadata.name`. Routes that should see the same namespace must be
   * given the same Output (or the same string): two different Outputs are different namespaces until they resolve.
   * @default 'default'
   */
  readonly namespace?: pulumi.Input<string>;
  /**
   * Runs the server as a Deployment. Give either `workload` or `selector`.
   * @default - none: `selector` names an existing workload
   */
  readonly workload?: WorkloadArgs;
  /**
   * Extra labels on every object.
   * @default - none
   */
  readonly labels?: InputRecord;
}

/** The resources of a balancer tier (Envoy or grpc-mesh-proxy). */
export interface BalancerResources {
  /** ConfigMap holding the balancer's configuration (the Envoy bootstrap or the proxy's config). */
  readonly config: k8s.core.v1.ConfigMap;
  /** The balancer Deployment. */
  readonly deployment: k8s.apps.v1.Deployment;
  /** The Service that exposes the balancer. */
  readonly service: k8s.core.v1.Service;
  /** PodDisruptionBudget of the balancer pods. */
  readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
  /** HorizontalPodAutoscaler of the balancer pods, with `autoscaling`. */
  readonly horizontalPodAutoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  /** ServiceAccount of the balancer pods, named like the tier, unless `serviceAccountName` names an existing one. */
  readonly serviceAccount?: k8s.core.v1.ServiceAccount;
  /** cert-manager Certificate of the balancer's listener, with `listenerTls.certManager`. */
  readonly certificate?: k8s.apiextensions.CustomResource;
  /** NetworkPolicy of the balancer pods, unless `networkPolicy` switches the policies off. */
  readonly networkPolicy?: k8s.networking.v1.NetworkPolicy;
}

/**
 * A gRPC service made balanceable per call: a headless and a ClusterIP Service for the same pods, optionally the
 * server Deployment, and the data plane that balances each call (an Envoy tier by default). The same objects as
 * the cdk8s construct of the same name, as Pulumi resources named `<name>-<role>` (`users-service`,
 * `users-headless-service`, `users-balancer-deployment`...), children of this component.
 *
 * Props a program takes from other resources (namespace, image, replicas, labels...) may be Outputs: see
 * {@link GrpcMeshServiceArgs}. Every child is registered at construction; the fields those props decide are Outputs.
 *
 * `opts` reach every child: provider(s), transformations and `protect` through the parent, `dependsOn` passed on.
 * Invalid props throw a {@link GrpcMeshResourceError} listing every problem; warnings go to `pulumi.log.warn`.
 *
 * With `DataPlane.proxy()` or `DataPlane.envoy()`, the routes attached to the service (GAMMA) are compiled into its
 * balancer's config once the program's synchronous declarations are over: declare them in the same synchronous part
 * of the program as the service (a route declared after an `await` fails with `ROUTE_AFTER_COMPILE`).
 *
 * @example
 * import { DataPlane, GrpcMeshService } from 'grpc-mesh/pulumi';
 *
 * const users = new GrpcMeshService('users', {
 *   namespace: 'app',
 *   port: 50051,
 *   workload: { image: 'registry.example.com/user-service:1.0.0', replicas: 3 },
 *   dataPlane: DataPlane.envoy({ replicas: 2, serviceType: 'LoadBalancer' }),
 * });
 * export const address = users.loadBalancerAddress;
 */
export class GrpcMeshService extends pulumi.ComponentResource implements IRouteParent, IGrpcBackend {
  /** Name of the ClusterIP Service and prefix of every object's name. */
  public readonly name: string;
  /** Namespace of every object. */
  public readonly namespace: pulumi.Output<string>;
  /** Port of the gRPC service. */
  public readonly port: number;
  /**
   * Where clients send their calls, in-cluster: `host:port` of the balancer's Service, or with `DataPlane.none()` a
   * `dns:///` target of the headless Service for clients that balance themselves.
   */
  public readonly endpoint: pulumi.Output<string>;
  /** Name of the ClusterIP Service. */
  public readonly serviceName: string;
  /** Name of the headless Service. */
  public readonly headlessServiceName: string;
  /** Name of the balancer's Service, with `DataPlane.envoy()` or `DataPlane.proxy()`. */
  public readonly balancerServiceName?: string;
  /**
   * IP address, else hostname, of the balancer's load balancer (`status.loadBalancer.ingress[0]`), when the
   * balancer's Service is of type `LoadBalancer`.
   */
  public readonly loadBalancerAddress?: pulumi.Output<string | undefined>;
  /** The ClusterIP Service. */
  public readonly service: k8s.core.v1.Service;
  /** The headless Service. */
  public readonly headlessService: k8s.core.v1.Service;
  /** The server Deployment, when `workload` was given. */
  public readonly deployment?: k8s.apps.v1.Deployment;
  /** The server's PodDisruptionBudget, when `workload` was given. */
  public readonly podDisruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
  /** The server's HorizontalPodAutoscaler, with `workload.autoscaling`. */
  public readonly horizontalPodAutoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  /**
   * The server pods' ServiceAccount, named like the service: their identity, also in Istio and Linkerd. None when
   * `workload.serviceAccountName` names an existing one.
   */
  public readonly serviceAccount?: k8s.core.v1.ServiceAccount;
  /** The balancer tier, with `DataPlane.envoy()` or `DataPlane.proxy()`. */
  public readonly balancer?: BalancerResources;
  /**
   * The mesh's policy objects: with `DataPlane.istio()` a DestinationRule and a VirtualService, with
   * `DataPlane.linkerd()` the GRPCRoute that carries a retry policy.
   */
  public readonly meshPolicy: readonly k8s.apiextensions.CustomResource[];
  /** cert-manager Certificates of `backendTls`: the server's, and the balancer tier's client certificate with mTLS. */
  public readonly certificates: readonly k8s.apiextensions.CustomResource[];
  /** Prometheus operator objects (PodMonitor, PrometheusRule), when `monitoring` asks for them. */
  public readonly monitoring: readonly k8s.apiextensions.CustomResource[];
  /** The Grafana dashboard ConfigMap, when `monitoring` asks for it. */
  public readonly dashboard?: k8s.core.v1.ConfigMap;
  /**
   * NetworkPolicy of the server pods, unless `networkPolicy` switches the policies off (the balancer's is
   * `balancer.networkPolicy`). The grpc-mesh tiers of the stack that route to the service are added to it once the
   * program's synchronous declarations are over.
   */
  public readonly networkPolicy?: k8s.networking.v1.NetworkPolicy;
  /**
   * Warnings found when the props were resolved at construction (also logged). With Output-valued props, those found
   * with their placeholders: the warnings of the real values are logged once the Outputs resolve.
   */
  public readonly warnings: readonly string[];
  /**
   * How a route attaches to this service (GAMMA): through the ClusterIP Service. With an Output namespace, its namespace is a placeholder that grpc-mesh components resolve.
   */
  public readonly routeParentRef: RouteParentRef;
  /**
   * How a route sends calls to this service: the ClusterIP Service and port. With an Output namespace, its namespace is a placeholder that grpc-mesh components resolve.
   */
  public readonly backendRef: ServiceBackendRef;
  /** The resolved model, with placeholders for the Inputs (see inputs.ts), for other components of this library. @internal */
  public readonly _model: GrpcMeshServiceModel;

  /**
   * @param name The unique name of this component: the default `name` prop and the prefix of its children's names.
   * @param args The same props as the cdk8s `GrpcMeshService`.
   * @param opts Options of the component, passed on to its children.
   */
  public constructor(name: string, args: GrpcMeshServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('grpc-mesh:index:GrpcMeshService', name, {}, opts);
    const subject = `GrpcMeshService "${name}"`;
    const props = new PropsWithInputs<GrpcMeshServiceProps>(args);
    const resolved = props.resolve(this, (p) => resolveGrpcMeshService(p, { defaultName: name, subject }));
    this._model = resolved.model;
    const model = this._model;
    this.name = model.name;
    this.namespace = resolved.real.apply((m) => m.namespace);
    this.port = model.port;
    this.endpoint = resolved.real.apply((m) => m.endpoint);
    this.routeParentRef = meshServiceParentRef(model);
    this.backendRef = meshServiceBackendRef(model);
    this.warnings = model.warnings;

    this.serviceName = model.name;
    this.headlessServiceName = model.headlessServiceName;

    // Every object gets the role id the core gives it (the cdk8s construct id): `<name>-<role>`. A balancer's
    // config and pods depend on the routes attached to the service, compiled once the program has declared them.
    const declared = { kind: 'service', model, real: resolved.real } as const;
    declareRouteParent(declared);
    const manifests = renderGrpcMeshService(model);
    const listed = listGrpcMeshServiceManifests(manifests);
    const objects = objectsWithInputs(this, subject, resolved, (m) => listGrpcMeshServiceManifests(renderGrpcMeshService(m)).map((l) => l.manifest));
    const inputsOf = new Map<KubeObject, KubeObjectInputs>(listed.map((l, i) => [l.manifest, objects[i]]));
    // The balancer's config and pods depend on the routes it serves; the NetworkPolicies on the tiers routing to the
    // service too (and the balancer's egress on its routes' backends).
    type WithRoutes = Pick<GrpcMeshServiceManifests, 'balancer' | 'networkPolicies'>;
    const withRoutes = (m: GrpcMeshServiceModel, scope: RoutingScope, routes?: TierRoutes): WithRoutes => {
      const { balancer, networkPolicies } = renderGrpcMeshService(m, routes, tiersRoutingTo(scope, m));
      const refused = networkPolicies ? gatewaysNotAllowed(scope, m).filter((w) => !(args.silenceWarnings ?? []).includes(w.code)) : [];
      logWarnings(refused.map((w) => formatWarning(subject, w)), this);
      return { balancer, networkPolicies };
    };
    const rendered = balancerOf(model) !== undefined
      ? servedRoutes(declared, this, (routes, served, scope) => withRoutes(served.model as GrpcMeshServiceModel, scope, routes))
      : manifests.networkPolicies && stackRoutingScope().apply((scope) => resolved.real.apply((m) => withRoutes(m, scope)));
    const lazySpec = (manifest: KubeObject | undefined, produce: (r: WithRoutes) => KubeObject | undefined) => {
      if (manifest === undefined || rendered === undefined) return;
      inputsOf.set(manifest, { ...inputsOf.get(manifest)!, spec: rendered.apply((r) => produce(r)?.spec) });
    };
    lazySpec(manifests.balancer?.deployment, (r) => r.balancer?.deployment);
    lazySpec(manifests.networkPolicies?.server, (r) => r.networkPolicies?.server);
    lazySpec(manifests.networkPolicies?.balancer, (r) => r.networkPolicies?.balancer);
    if (rendered !== undefined && manifests.balancer !== undefined) {
      const { config } = manifests.balancer;
      inputsOf.set(config, { ...inputsOf.get(config)!, data: rendered.apply((r) => r.balancer?.config.data) });
    }
    const child = childOptions(this, opts);
    const children = new Map<KubeObject, KubeResource>();
    for (const { id, manifest } of listed) children.set(manifest, kubeResource(`${name}-${id}`, inputsOf.get(manifest)!, child));
    const of = <T extends KubeResource>(manifest: KubeObject) => children.get(manifest) as T;
    this.service = of(manifests.service);
    this.headlessService = of(manifests.headlessService);
    if (manifests.workload) {
      this.deployment = of(manifests.workload.deployment);
      this.podDisruptionBudget = of(manifests.workload.podDisruptionBudget);
      const hpa = manifests.workload.horizontalPodAutoscaler;
      if (hpa) this.horizontalPodAutoscaler = of(hpa);
      const serviceAccount = manifests.workload.serviceAccount;
      if (serviceAccount) this.serviceAccount = of(serviceAccount);
    }
    if (manifests.balancer) {
      const b = manifests.balancer;
      this.balancer = {
        config: of(b.config),
        deployment: of(b.deployment),
        service: of(b.service),
        podDisruptionBudget: of(b.podDisruptionBudget),
        ...(b.horizontalPodAutoscaler && { horizontalPodAutoscaler: of<k8s.autoscaling.v2.HorizontalPodAutoscaler>(b.horizontalPodAutoscaler) }),
        ...(b.serviceAccount && { serviceAccount: of<k8s.core.v1.ServiceAccount>(b.serviceAccount) }),
        ...(b.certificate && { certificate: of<k8s.apiextensions.CustomResource>(b.certificate) }),
        ...(manifests.networkPolicies?.balancer && { networkPolicy: of<k8s.networking.v1.NetworkPolicy>(manifests.networkPolicies.balancer) }),
      };
      this.balancerServiceName = b.service.metadata.name;
      if ((b.service.spec as { type?: string } | undefined)?.type === 'LoadBalancer') {
        this.loadBalancerAddress = this.balancer.service.status.apply((status) => {
          const ingress = status?.loadBalancer?.ingress?.[0];
          return ingress?.ip ?? ingress?.hostname;
        });
      }
    }
    this.meshPolicy = manifests.meshPolicy.map((m) => of(m));
    this.certificates = manifests.certificates.map((m) => of(m));
    this.monitoring = manifests.monitoring.map((m) => of(m));
    if (manifests.dashboard) this.dashboard = of(manifests.dashboard);
    if (manifests.networkPolicies) this.networkPolicy = of(manifests.networkPolicies.server);
    if (!resolved.hasInputs) logWarnings(this.warnings, this);
    this.registerOutputs({
      // With Inputs, the warnings of the real props are logged (or thrown) once they resolve.
      ...(resolved.hasInputs && { warnings: resolved.real.apply((m) => (logWarnings(m.warnings, this), m.warnings)) }),
      serviceName: this.serviceName,
      headlessServiceName: this.headlessServiceName,
      balancerServiceName: this.balancerServiceName,
      endpoint: this.endpoint,
      loadBalancerAddress: this.loadBalancerAddress,
    });
  }
}
