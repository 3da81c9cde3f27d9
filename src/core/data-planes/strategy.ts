/**
 * The strategies behind `DataPlane` and `GatewayImplementation`. Each data plane is one class that owns its option
 * validation, resolution, rendering (through the render functions), the traffic-policy dialect it speaks and its
 * monitoring series; nothing else in the core asks which data plane it holds. These interfaces are internal: users
 * pick a strategy with the static factories of `DataPlane` and `GatewayImplementation` and never call them.
 * @module
 */
import type { DataPlaneKind } from '../data-plane';
import type { ValidationIssue } from '../errors';
import type { GatewayImplementationKind } from '../gateway-implementation';
import type { GrpcGatewayProps, ResolvedGatewayTier } from '../grpc-gateway';
import type {
  GrpcMeshServiceModel, GrpcMeshServiceProps, ResolvedBalancer, ResolvedDataPlane, ResolvedMesh,
} from '../grpc-mesh-service';
import type { KubeObject } from '../kube';
import type { ListenerTlsMounts } from '../listener-tls';
import type { MonitoringProps } from '../monitoring/props';
import type { DataPlaneSeries, ScrapeTarget } from '../monitoring/series';
import type { BalancerManifests, BalancerTierSpec, TierPort } from '../render/balancer-tier';
import type { RoutePolicySubject } from '../route-policy';
import type { TierRoutes } from '../served-routes';
import type { TrafficPolicy } from '../traffic-policy';
import type { IssueCollector } from '../validation';

/** What a data plane knows of the service it serves while the service's props are resolved. */
export interface DataPlaneService {
  /** The service's props. */
  readonly props: GrpcMeshServiceProps;
  /** Name of the ClusterIP Service. */
  readonly name: string;
  /** Namespace of every object. */
  readonly namespace: string;
  /** DNS domain of the cluster. */
  readonly clusterDomain: string;
  /** Fully qualified DNS name of the ClusterIP Service. */
  readonly serviceFqdn: string;
  /** Fully qualified DNS name of the headless Service. */
  readonly headlessFqdn: string;
}

/**
 * A data plane of a `GrpcMeshService`: who balances its calls.
 * @internal
 */
export interface DataPlaneStrategy {
  /** Which data plane this is: data for references and messages, never a branch. */
  readonly kind: DataPlaneKind;
  /** Whether a route attached to the service (GAMMA) is served by something of this data plane. */
  readonly servesRoutes: boolean;
  /** Whether something between the clients and the pods applies the service's traffic policy. */
  readonly appliesTrafficPolicy: boolean;
  /** Validates the options given to the factory. */
  validateOptions(issues: IssueCollector): void;
  /** Reports each traffic-policy setting this data plane cannot honour (a mesh reports them when it resolves). */
  checkPolicySupport(issues: IssueCollector, policy: TrafficPolicy | undefined): void;
  /** Checks that this data plane has the metrics `monitoring` asks for. */
  validateMonitoring(issues: IssueCollector, monitoring: MonitoringProps, service: DataPlaneService): void;
  /** Applies the defaults, reporting what the data plane's dialect cannot express. */
  resolve(issues: IssueCollector, service: DataPlaneService): ResolvedDataPlane;
  /** Where clients send their calls. */
  endpoint(resolved: ResolvedDataPlane, service: DataPlaneService): string;
  /** The balancer tier, for a data plane that deploys one. */
  balancerOf(resolved: ResolvedDataPlane): ResolvedBalancer | undefined;
  /** The mesh settings, for a mesh data plane. */
  meshOf(resolved: ResolvedDataPlane): ResolvedMesh | undefined;
  /** Renders the balancer tier, if any, serving `served` (GAMMA routes) or only the service's pods. */
  renderBalancer(model: GrpcMeshServiceModel, resolved: ResolvedDataPlane, served?: TierRoutes): BalancerManifests | undefined;
  /** Renders the policy objects of the data plane's dialect. */
  renderPolicy(model: GrpcMeshServiceModel, resolved: ResolvedDataPlane): KubeObject[];
  /** The PromQL series of the service's calls, or undefined when nothing records them. */
  series(model: GrpcMeshServiceModel, resolved: ResolvedDataPlane): DataPlaneSeries | undefined;
  /** A copy with its factory options mapped (how an adapter puts values in later); absent without options. */
  withOptions?(map: (options: object) => object): DataPlaneStrategy;
}

/**
 * A tier of balancer pods we deploy (Envoy or grpc-mesh-proxy): the balancer of a service (`DataPlane.envoy()`,
 * `DataPlane.proxy()`) or the tier of a self-hosted Gateway (`GatewayImplementation.envoy()`, `.proxy()`). Everything
 * that differs between the two balancers lives in their tier strategy; the shape they share is rendered by
 * `renderBalancerTier`.
 * @internal
 */
export interface TierStrategy {
  /** Which balancer: the suffix of the tier's name (`<owner>-<kind>`) and how messages name it. */
  readonly kind: 'envoy' | 'proxy';
  /** The image when the options give none, or undefined when the options must give one. */
  readonly defaultImage: string | undefined;
  /** Why the options must give an image, when there is no default: the message of the error for a missing one. */
  readonly imageRequired: string | undefined;
  /** The log level when the options give none. */
  readonly defaultLogLevel: string;
  /** The container's memory request and limit when the options give none. */
  readonly defaultMemory: { readonly request: string; readonly limit: string };
  /** Hint of the error given for a missing or invalid image. */
  readonly imageHint: string | undefined;
  /** Name of the cluster of a service's own pods in the balancer's config (stats and alerts go by it). */
  readonly serviceCluster: string;
  /** Reports each traffic-policy setting found at `path` that the balancer cannot honour. */
  checkPolicySupport(issues: IssueCollector, policy: TrafficPolicy, path: string): void;
  /** Renders a service's balancer: the service's pods only, or the routes attached to the service. */
  renderServiceBalancer(model: GrpcMeshServiceModel, balancer: ResolvedBalancer, served?: TierRoutes): BalancerManifests;
  /** What the tier of a self-hosted Gateway sets in the shared tier shape, serving `served`. */
  gatewayTierSpec(served: TierRoutes, ports: readonly TierPort[], mounts: ListenerTlsMounts): BalancerTierSpec;
  /** What the balancer cannot serve of routes compiled for it, known only once they are translated. */
  servedIssues(served: TierRoutes): readonly ValidationIssue[];
  /** The series of the tier's pods; `ownCluster` is a service's own cluster, undefined for a Gateway's tier. */
  series(namespace: string, scrape: Pick<ScrapeTarget, 'name' | 'podSelector'>, ownCluster?: string): DataPlaneSeries;
}

/**
 * Who serves a `GrpcGateway`: a Gateway API controller, or a tier we deploy.
 * @internal
 */
export interface GatewayImplementationStrategy {
  /** Which implementation this is: data for messages, never a branch. */
  readonly kind: GatewayImplementationKind;
  /** The GatewayClass a controller serves, if this is a controller. */
  readonly gatewayClassName: string | undefined;
  /** A copy with its factory options mapped (how an adapter puts values in later); absent without options. */
  withOptions?(map: (options: object) => object): GatewayImplementationStrategy;
  /** Validates the implementation against the Gateway's props. */
  validate(issues: IssueCollector, props: GrpcGatewayProps): void;
  /** Checks that the implementation can serve the listeners. */
  validateListeners(issues: IssueCollector, props: GrpcGatewayProps, namespace: string): void;
  /** Checks that the implementation has the metrics `monitoring` asks for. */
  validateMonitoring(issues: IssueCollector, monitoring: MonitoringProps): void;
  /** The tier serving the Gateway, with defaults applied, or undefined for a controller. */
  resolveTier(name: string, labels: Readonly<Record<string, string>> | undefined): ResolvedGatewayTier | undefined;
}


/**
 * How an implementation of routes (a Gateway API controller, a mesh) writes a route's traffic policy: its dialect.
 * @internal
 */
export interface RoutePolicyDialect {
  /** Reports what the dialect cannot express of `policy` on a route; returns the annotations the GRPCRoute carries. */
  resolveRoutePolicy(issues: IssueCollector, route: RoutePolicySubject, policy: TrafficPolicy): Readonly<Record<string, string>> | undefined;
  /** Renders the policy objects of a route, from a policy resolution accepted. */
  renderRoutePolicy(route: RoutePolicySubject, policy: TrafficPolicy): KubeObject[];
}
