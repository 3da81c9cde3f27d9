import { Chart, type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
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
  type GrpcMeshServiceModel,
  type GrpcMeshServiceProps,
  type IGrpcBackend,
  type IRouteParent,
  type KubeObject,
  type RouteParentRef,
  type ServiceBackendRef,
} from '../core';
import { lazyApiObject, toApiObject } from './api-objects';
import { routingScopeOf, ServedRoutes, type RoutingPart } from './served-routes';
import { problemsOf, reportWarnings, resolveForSynthesis, warningsAtSynthesis } from './synthesis-checks';

/** The objects of a balancer tier, as cdk8s escape hatches. */
export interface BalancerObjects {
  /** ConfigMap holding the balancer's configuration (the Envoy bootstrap). */
  readonly config: ApiObject;
  /** The balancer Deployment. */
  readonly deployment: ApiObject;
  /** The Service that exposes the balancer. */
  readonly service: ApiObject;
  /** PodDisruptionBudget of the balancer pods. */
  readonly podDisruptionBudget: ApiObject;
  /** HorizontalPodAutoscaler of the balancer pods, with `autoscaling`. */
  readonly horizontalPodAutoscaler?: ApiObject;
  /** ServiceAccount of the balancer pods, named like the tier, unless `serviceAccountName` names an existing one. */
  readonly serviceAccount?: ApiObject;
  /** cert-manager Certificate of the balancer's listener, with `listenerTls.certManager`. */
  readonly certificate?: ApiObject;
  /** NetworkPolicy of the balancer pods, unless `networkPolicy` switches the policies off. */
  readonly networkPolicy?: ApiObject;
}

/**
 * A gRPC service made balanceable per call: a headless and a ClusterIP Service for the same pods, optionally the
 * server Deployment, and the data plane that balances each call (an Envoy tier by default).
 *
 * Every child is exposed as an `ApiObject`, so what the props do not cover can be patched with `addJsonPatch`.
 *
 * Invalid props do not throw: they fail synthesis (`app.synth()`, `cdk8s synth`) with the problems of every
 * construct of the app in one error, one line per problem. Warnings are printed at synthesis; the context key
 * `grpc-mesh:warningsAsErrors` (or `GRPC_MESH_WARNINGS_AS_ERRORS=true`) makes them fail it too.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { DataPlane, GrpcMeshService } from 'grpc-mesh/cdk8s';
 *
 * const app = new App();
 * const chart = new Chart(app, 'shop');
 * new GrpcMeshService(chart, 'users', {
 *   port: 50051,
 *   workload: { image: 'registry.example.com/user-service:1.0.0', replicas: 3 },
 *   dataPlane: DataPlane.envoy({ replicas: 2 }),
 * });
 * app.synth();
 */
export class GrpcMeshService extends Construct implements IRouteParent, IGrpcBackend {
  /** Name of the ClusterIP Service and prefix of every object's name. */
  public readonly name: string;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** Port of the gRPC service. */
  public readonly port: number;
  /**
   * Where clients send their calls, in-cluster: `host:port` of the balancer's Service, or with `DataPlane.none()` a
   * `dns:///` target of the headless Service for clients that balance themselves.
   */
  public readonly endpoint: string;
  /** The ClusterIP Service. */
  public readonly service: ApiObject;
  /** The headless Service. */
  public readonly headlessService: ApiObject;
  /** The server Deployment, when `workload` was given. */
  public readonly deployment?: ApiObject;
  /** The server's PodDisruptionBudget, when `workload` was given. */
  public readonly podDisruptionBudget?: ApiObject;
  /** The server's HorizontalPodAutoscaler, with `workload.autoscaling`. */
  public readonly horizontalPodAutoscaler?: ApiObject;
  /**
   * The server pods' ServiceAccount, named like the service: their identity, also in Istio and Linkerd. None when
   * `workload.serviceAccountName` names an existing one.
   */
  public readonly serviceAccount?: ApiObject;
  /**
   * The balancer tier, with `DataPlane.envoy()` or `DataPlane.proxy()`. The routes attached to the service are
   * compiled into its config at synthesis, wherever they are declared.
   */
  public readonly balancer?: BalancerObjects;
  /**
   * The mesh's policy objects: with `DataPlane.istio()` a DestinationRule and a VirtualService, with
   * `DataPlane.linkerd()` the GRPCRoute that carries a retry policy.
   */
  public readonly meshPolicy: readonly ApiObject[];
  /** cert-manager Certificates of `backendTls`: the server's, and the balancer tier's client certificate with mTLS. */
  public readonly certificates: readonly ApiObject[];
  /** Prometheus operator objects (PodMonitor, PrometheusRule), when `monitoring` asks for them. */
  public readonly monitoring: readonly ApiObject[];
  /** The Grafana dashboard ConfigMap, when `monitoring` asks for it. */
  public readonly dashboard?: ApiObject;
  /**
   * NetworkPolicy of the server pods, unless `networkPolicy` switches the policies off (the balancer's is
   * `balancer.networkPolicy`). The grpc-mesh tiers that route to the service are added to it at synthesis.
   */
  public readonly networkPolicy?: ApiObject;
  /** Warnings found at synthesis (also printed). */
  public readonly warnings: readonly string[];
  /** How a route attaches to this service (GAMMA): through the ClusterIP Service. */
  public readonly routeParentRef: RouteParentRef;
  /** How a route sends calls to this service: the ClusterIP Service and port. */
  public readonly backendRef: ServiceBackendRef;
  /** The resolved model, for other constructs of this library. @internal */
  public readonly _model: GrpcMeshServiceModel;
  /** What this service adds to the app's routing. @internal */
  public readonly _routingPart: RoutingPart;

  public constructor(scope: Construct, id: string, props: GrpcMeshServiceProps) {
    super(scope, id);
    this._model = resolveForSynthesis(this, () => resolveGrpcMeshService(props, {
      defaultName: id,
      defaultNamespace: Chart.of(this).namespace,
      subject: `GrpcMeshService "${this.node.path}"`,
    }));
    try {
      this.name = this._model.name;
      this.namespace = this._model.namespace;
      this.port = this._model.port;
      this.endpoint = this._model.endpoint;
      this.routeParentRef = meshServiceParentRef(this._model);
      this._routingPart = { kind: 'service', model: this._model };
      this.backendRef = meshServiceBackendRef(this._model);

      // One ApiObject per manifest, with the role ids the core assigns (the same ids name Pulumi's children). A
      // balancer's config and pods depend on the routes attached to the service, compiled at synthesis.
      const manifests = renderGrpcMeshService(this._model);
      const model = this._model;
      const served = balancerOf(model) !== undefined
        ? new ServedRoutes(this, { kind: 'service', model })
        : undefined;
      const balancer = manifests.balancer;
      const policies = manifests.networkPolicies;
      // The policies admit the tiers that route to the service, and the balancer's egress reaches its routes' backends.
      const policiesNow = () => renderGrpcMeshService(model, served?.compile(), tiersRoutingTo(routingScopeOf(this), model)).networkPolicies!;
      const objectOf = (role: string, manifest: KubeObject): ApiObject => {
        if (manifest === policies?.server) return lazyApiObject(this, role, manifest, ['spec'], () => policiesNow().server);
        if (manifest === policies?.balancer) return lazyApiObject(this, role, manifest, ['spec'], () => policiesNow().balancer!);
        if (served !== undefined && manifest === balancer?.config) {
          return served.lazyApiObject(role, manifest, ['data'], (routes) => renderGrpcMeshService(model, routes).balancer!.config);
        }
        if (served !== undefined && manifest === balancer?.deployment) {
          return served.lazyApiObject(role, manifest, ['spec'], (routes) => renderGrpcMeshService(model, routes).balancer!.deployment);
        }
        return toApiObject(this, role, manifest);
      };
      const objects = new Map<KubeObject, ApiObject>();
      for (const { id: role, manifest } of listGrpcMeshServiceManifests(manifests)) objects.set(manifest, objectOf(role, manifest));
      const of = (manifest: KubeObject) => objects.get(manifest)!;
      this.service = of(manifests.service);
      this.headlessService = of(manifests.headlessService);
      this.deployment = manifests.workload && of(manifests.workload.deployment);
      this.podDisruptionBudget = manifests.workload && of(manifests.workload.podDisruptionBudget);
      const hpa = manifests.workload?.horizontalPodAutoscaler;
      this.horizontalPodAutoscaler = hpa && of(hpa);
      const serviceAccount = manifests.workload?.serviceAccount;
      this.serviceAccount = serviceAccount && of(serviceAccount);
      const b = manifests.balancer;
      this.balancer = b && {
        config: of(b.config),
        deployment: of(b.deployment),
        service: of(b.service),
        podDisruptionBudget: of(b.podDisruptionBudget),
        ...(b.horizontalPodAutoscaler && { horizontalPodAutoscaler: of(b.horizontalPodAutoscaler) }),
        ...(b.serviceAccount && { serviceAccount: of(b.serviceAccount) }),
        ...(b.certificate && { certificate: of(b.certificate) }),
        ...(policies?.balancer && { networkPolicy: of(policies.balancer) }),
      };
      this.meshPolicy = manifests.meshPolicy.map(of);
      this.certificates = manifests.certificates.map(of);
      this.monitoring = manifests.monitoring.map(of);
      this.dashboard = manifests.dashboard && of(manifests.dashboard);
      this.networkPolicy = policies && of(policies.server);
      this.warnings = this._model.warnings;
      reportWarnings(this, this.warnings);
      if (policies) {
        const subject = `GrpcMeshService "${this.node.path}"`;
        this.node.addValidation({
          validate: () => (problemsOf(this) ? [] : warningsAtSynthesis(this, gatewaysNotAllowed(routingScopeOf(this), model)
            .filter((w) => !(props.silenceWarnings ?? []).includes(w.code)).map((w) => formatWarning(subject, w)))),
        });
      }
    } catch (error) {
      throw problemsOf(this) ?? error;
    }
  }
}
