import { EnvoyGatewayRoutes } from './data-planes/envoy-gateway-routes';
import { IstioDataPlane } from './data-planes/istio';
import { LinkerdDataPlane } from './data-planes/linkerd';
import type { RoutePolicyDialect } from './data-planes/strategy';
import type { KubeObject } from './kube';
import { selfHostedDataPlaneOf, type RouteParentRef } from './route-refs';
import type { TrafficPolicy } from './traffic-policy';
import type { IssueCollector } from './validation';

/** Who implements a route, which decides the dialect its traffic policy is written in. */
export type RouteImplementation = 'envoy-gateway' | 'istio' | 'linkerd';

/** GatewayClass names that tell the implementation (the names each project's installation uses). */
export const GATEWAY_CLASS_IMPLEMENTATIONS: Readonly<Record<string, RouteImplementation>> = {
  'eg': 'envoy-gateway',
  'envoy-gateway': 'envoy-gateway',
  'istio': 'istio',
  'istio-waypoint': 'istio',
};

/** The route a traffic policy is attached to, as the dialects address it. */
export interface RoutePolicySubject {
  /** Name of the GRPCRoute; policy objects take it. */
  readonly name: string;
  /** Namespace of the route and of its policy objects. */
  readonly namespace: string;
  /**
   * Extra labels on the policy objects.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A route's traffic policy, resolved for its implementation: the input of the rendering of its policy objects. */
export interface ResolvedRoutePolicy {
  /** The implementation the policy was written for. */
  readonly implementation?: RouteImplementation;
  /** Annotations on the GRPCRoute (Linkerd's retry and timeout annotations). */
  readonly routeAnnotations?: Readonly<Record<string, string>>;
  /** The route the policy is attached to. */
  readonly route?: RoutePolicySubject;
  /** The policy as the user wrote it (the dialects leave unset fields to the implementation's defaults), validated. */
  readonly policy?: TrafficPolicy;
  /**
   * The dialect that renders the policy objects.
   * @internal
   */
  readonly dialect?: RoutePolicyDialect;
}

/** The dialect of each implementation of routes. */
const ROUTE_POLICY_DIALECTS: Readonly<Record<RouteImplementation, RoutePolicyDialect>> = {
  'envoy-gateway': new EnvoyGatewayRoutes(),
  'istio': new IstioDataPlane(),
  'linkerd': new LinkerdDataPlane(),
};

/** The implementation of a route: given, or inferred from its parents' GatewayClass or mesh. */
export function inferImplementation(parents: readonly RouteParentRef[]): RouteImplementation | undefined {
  const found = new Set(parents.map((p) => (p.kind === 'Service' ? p.mesh : GATEWAY_CLASS_IMPLEMENTATIONS[p.gatewayClassName ?? ''])));
  return found.size === 1 ? [...found][0] : undefined;
}

/**
 * Resolves a route's traffic policy for the dialect of its implementation, reporting what that dialect cannot
 * express on a route.
 */
export function resolveRoutePolicy(
  issues: IssueCollector,
  route: RoutePolicySubject,
  parents: readonly RouteParentRef[],
  policy: TrafficPolicy | undefined,
  implementation: RouteImplementation | undefined,
): ResolvedRoutePolicy {
  if (!policy) return { implementation };
  const selfHosted = parents.filter((p) => selfHostedDataPlaneOf(p) !== undefined);
  if (selfHosted.length > 0) {
    issues.add({
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy',
      value: Object.keys(policy),
      message: `cannot be attached to a route served by a grpc-mesh tier (parent ${selfHosted.map((p) => `${p.kind} "${p.name}"`).join(', ')}), `
        + 'which applies each backend service\'s own traffic policy',
      hint: 'Set trafficPolicy on the backend GrpcMeshServices instead.',
    });
    return { implementation };
  }
  const chosen = implementation ?? inferImplementation(parents);
  if (!chosen) {
    issues.add({
      code: 'IMPLEMENTATION_UNKNOWN',
      path: 'implementation',
      value: undefined,
      message: 'is needed to translate trafficPolicy: the parents do not tell which implementation runs the route',
      hint: "Set implementation: 'envoy-gateway', 'istio' or 'linkerd'.",
    });
    return {};
  }
  const dialect = ROUTE_POLICY_DIALECTS[chosen];
  const routeAnnotations = dialect.resolveRoutePolicy(issues, route, policy);
  return { implementation: chosen, ...(routeAnnotations && { routeAnnotations }), route, policy, dialect };
}

/** The policy objects of a route's implementation (Envoy Gateway's BackendTrafficPolicy), from its resolved policy. */
export function renderRoutePolicy(resolved: ResolvedRoutePolicy): KubeObject[] {
  const { dialect, route, policy } = resolved;
  return dialect && route && policy ? dialect.renderRoutePolicy(route, policy) : [];
}
