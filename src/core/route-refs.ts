/**
 * What routes attach to and send traffic to. Constructs of this library implement {@link IRouteParent} and
 * {@link IGrpcBackend}; objects the library did not create are named with plain references.
 */

/**
 * The data planes this library deploys itself (`DataPlane.proxy()` / `envoy()`, `GatewayImplementation.proxy()` /
 * `envoy()`): they serve the routes of their parent, compiled in at synthesis, with no controller.
 */
export type SelfHostedDataPlane = 'proxy' | 'envoy';

/** A listener of a Gateway, as routes need to know it (for `sectionName`, hostnames and allowed namespaces). */
export interface ListenerSummary {
  /** Listener name (the route's `sectionName`). */
  readonly name: string;
  /** Port. */
  readonly port: number;
  /** Hostname the listener serves; every hostname when absent. */
  readonly hostname?: string;
  /** Which namespaces' routes may attach: `Same`, `All` or `Selector`. */
  readonly allowedRoutesFrom: 'Same' | 'All' | 'Selector';
}

/** A Gateway a route attaches to (north-south traffic). */
export interface GatewayParentRef {
  /** Discriminant. */
  readonly kind: 'Gateway';
  /** Gateway name. */
  readonly name: string;
  /**
   * Gateway namespace.
   * @default - the route's namespace
   */
  readonly namespace?: string;
  /**
   * One listener of the Gateway.
   * @default - every listener the route may attach to
   */
  readonly sectionName?: string;
  /**
   * The Gateway's listeners, when known, so hostnames, `sectionName` and allowed namespaces are checked at synthesis.
   * @default - unknown: those checks are skipped
   */
  readonly listeners?: readonly ListenerSummary[];
  /**
   * The Gateway's class, when known, to pick the dialect of traffic policies.
   * @default - unknown
   */
  readonly gatewayClassName?: string;
  /**
   * The grpc-mesh tier that serves the Gateway when it is self-hosted: its routes are compiled into the tier.
   * @default - a Gateway API controller serves it
   */
  readonly servedBy?: SelfHostedDataPlane;
  /**
   * Whether the Gateway exists as a Gateway API object (false for a self-hosted Gateway that does not emit it).
   * @default true
   */
  readonly gatewayApiObjects?: boolean;
}

/** A Service a route attaches to: a GAMMA route for east-west (mesh) traffic to that Service. */
export interface ServiceParentRef {
  /** Discriminant. */
  readonly kind: 'Service';
  /** Service name. */
  readonly name: string;
  /**
   * Service namespace.
   * @default - the route's namespace
   */
  readonly namespace?: string;
  /**
   * Port of the Service the route applies to.
   * @default - every port
   */
  readonly port?: number;
  /**
   * Whether the Service is headless. A headless Service cannot be a GAMMA parent: synthesis fails.
   * @default false
   */
  readonly headless?: boolean;
  /**
   * The mesh the Service is part of, to pick the dialect of a route's traffic policy.
   * @default - unknown
   */
  readonly mesh?: 'istio' | 'linkerd';
  /**
   * The data plane of a Service grpc-mesh created: `proxy` and `envoy` compile the Service's routes into its
   * balancer; `none` serves no route (synthesis fails).
   * @default - unknown (a Service grpc-mesh did not create): the route is left to the mesh
   */
  readonly dataPlane?: 'envoy' | 'proxy' | 'none' | 'istio' | 'linkerd';
  /**
   * The GRPCRoute grpc-mesh attaches to the Service itself for the service's own traffic policy (with
   * `DataPlane.linkerd()`, the route that carries its gRPC retries). A route rule that matches every call would tie
   * with it: synthesis fails.
   * @default - none
   */
  readonly meshRoute?: string;
}

/** A plain reference to a route parent. */
export type RouteParentRef = GatewayParentRef | ServiceParentRef;

/** Something a route can attach to: a `GrpcGateway`, a `GrpcMeshService` or one of their listeners. */
export interface IRouteParent {
  /** How a route refers to this parent. */
  readonly routeParentRef: RouteParentRef;
}

/** A route parent: a construct of this library or a plain reference. */
export type RouteParent = IRouteParent | RouteParentRef;

/** A plain reference to a Service that receives gRPC calls. */
export interface ServiceBackendRef {
  /** Service name. */
  readonly name: string;
  /**
   * Service namespace.
   * @default - the route's namespace
   */
  readonly namespace?: string;
  /** Service port. */
  readonly port: number;
}

/** Something a route can send calls to: a `GrpcMeshService`. */
export interface IGrpcBackend {
  /** The Service routes send calls to (the ClusterIP Service of a `GrpcMeshService`). */
  readonly backendRef: ServiceBackendRef;
}

/** A backend: a construct of this library or a plain reference to a Service. */
export type GrpcBackendTarget = IGrpcBackend | ServiceBackendRef;

/** The plain reference behind a route parent. */
export function toParentRef(parent: RouteParent): RouteParentRef {
  return 'routeParentRef' in parent ? parent.routeParentRef : parent;
}

/** The plain reference behind a backend. */
export function toBackendRef(target: GrpcBackendTarget): ServiceBackendRef {
  return 'backendRef' in target ? target.backendRef : target;
}

/** A parent narrowed to one listener of a Gateway (`sectionName`). */
export function listenerOf(parent: RouteParent, sectionName: string): IRouteParent {
  const ref = toParentRef(parent);
  if (ref.kind !== 'Gateway') throw new Error(`Only a Gateway has listeners; ${ref.kind} "${ref.name}" has none.`);
  return { routeParentRef: { ...ref, sectionName } };
}

/** Whether a parent is served by a grpc-mesh tier that compiles its routes in, and which one. */
export function selfHostedDataPlaneOf(parent: RouteParentRef): SelfHostedDataPlane | undefined {
  if (parent.kind === 'Gateway') return parent.servedBy;
  return parent.dataPlane === 'proxy' || parent.dataPlane === 'envoy' ? parent.dataPlane : undefined;
}

/**
 * Whether a route with this parent must exist as a GRPCRoute object in the cluster: false only for a self-hosted
 * parent that compiles the route in and is not itself written out as a Gateway API object.
 */
export function parentNeedsGatewayApiObjects(parent: RouteParentRef): boolean {
  if (parent.kind === 'Gateway') return parent.servedBy === undefined || parent.gatewayApiObjects !== false;
  return selfHostedDataPlaneOf(parent) === undefined;
}
