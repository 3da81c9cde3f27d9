import { translateToEnvoyGateway, translateToLinkerd } from './dialects';
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

/** What a route's traffic policy becomes: policy objects, or annotations on the GRPCRoute. */
export interface RoutePolicyOutput {
  /** The implementation the policy was written for. */
  readonly implementation?: RouteImplementation;
  /** Policy objects (Envoy Gateway's BackendTrafficPolicy). */
  readonly objects: readonly KubeObject[];
  /** Annotations on the GRPCRoute (Linkerd's retry and timeout annotations). */
  readonly routeAnnotations?: Readonly<Record<string, string>>;
}

/** The implementation of a route: given, or inferred from its parents' GatewayClass or mesh. */
export function inferImplementation(parents: readonly RouteParentRef[]): RouteImplementation | undefined {
  const found = new Set(parents.map((p) => (p.kind === 'Service' ? p.mesh : GATEWAY_CLASS_IMPLEMENTATIONS[p.gatewayClassName ?? ''])));
  return found.size === 1 ? [...found][0] : undefined;
}

/**
 * Translates a route's traffic policy into the dialect of its implementation, reporting what that dialect
 * cannot express on a route.
 */
export function resolveRoutePolicy(
  issues: IssueCollector,
  route: { readonly name: string; readonly namespace: string; readonly labels?: Readonly<Record<string, string>> },
  parents: readonly RouteParentRef[],
  policy: TrafficPolicy | undefined,
  implementation: RouteImplementation | undefined,
): RoutePolicyOutput {
  if (!policy) return { implementation, objects: [] };
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
    return { implementation, objects: [] };
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
    return { objects: [] };
  }
  if (chosen === 'envoy-gateway') {
    const target = { ...route, targetRef: { kind: 'GRPCRoute' as const, name: route.name } };
    return { implementation: chosen, objects: translateToEnvoyGateway(policy, target, issues) };
  }
  if (chosen === 'istio') {
    issues.add({
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy',
      value: Object.keys(policy),
      message: 'cannot be attached to a route with Istio, which applies traffic policy per destination host',
      hint: 'Set trafficPolicy on the backend GrpcMeshService with DataPlane.istio() instead.',
    });
    return { implementation: chosen, objects: [] };
  }
  if (policy.outlierDetection) {
    issues.add({
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy.outlierDetection',
      value: policy.outlierDetection,
      message: 'cannot be attached to a route with Linkerd, whose failure accrual is configured on the Service',
      hint: 'Set outlierDetection on the backend GrpcMeshService with DataPlane.linkerd() instead.',
    });
  }
  const { serviceAnnotations } = translateToLinkerd({ ...policy, outlierDetection: undefined }, issues);
  return { implementation: chosen, objects: [], routeAnnotations: serviceAnnotations };
}
