import { GATEWAY_API_VERSION, type GRPCRouteRule } from '../../routing/gateway-api';
import type { KubeObject } from '../kube';
import type { RouteParentRef } from '../route-refs';
import type { IssueCollector } from '../validation';
import { policyMetadata, type PolicyTarget } from './policy-target';

/** The annotation that turns gRPC retries on, which Linkerd reads from a GRPCRoute only. */
const RETRY_GRPC = 'retry.linkerd.io/grpc';
/** Prefixes of the annotations Linkerd reads from a route as well as from its parent Service. */
const ROUTE_ANNOTATION_PREFIXES = ['retry.linkerd.io/', 'timeout.linkerd.io/'];
/** Suffix of the name of a service's own GRPCRoute. */
export const LINKERD_SERVICE_ROUTE_SUFFIX = '-linkerd';

/**
 * The GRPCRoute through which Linkerd applies a service's gRPC retries, when the translated policy retries.
 *
 * Linkerd's policy controller reads `retry.linkerd.io/grpc` only for GRPCRoutes attached to the Service: a Service
 * without one gets HTTP routes, where the same annotations become an HTTP retry with no gRPC status condition
 * (linkerd2 `policy-controller/grpc/src/outbound.rs`, `to_proto`). So a service whose policy retries gets a GRPCRoute
 * `<name>-linkerd` attached to its Service and port, with one rule that matches every call and sends it to the Service
 * itself, carrying the retry and timeout annotations (the Gateway API has no timeout field on a GRPCRoute; Linkerd
 * reads `timeout.linkerd.io/*` from it). The Service keeps them too: Linkerd applies a Service's retry and timeout
 * annotations to every rule of a GRPCRoute that sets none of its own (`policy-controller/grpc/src/outbound/grpc.rs`),
 * so routes of the user's own attached to the Service retry alike. GRPCRoute `gateway.networking.k8s.io/v1` needs
 * Linkerd 2.18 or later (2.16 and 2.17 serve `v1alpha2` only).
 *
 * @param target the Service
 * @param serviceAnnotations the Linkerd annotations of the Service, from {@link translateToLinkerd}
 * @returns the GRPCRoute, or nothing when the policy does not retry (Linkerd reads timeouts from the Service alone)
 */
export function linkerdServiceRoutes(target: PolicyTarget, serviceAnnotations: Readonly<Record<string, string>>): KubeObject[] {
  const name = linkerdServiceRouteName(target, serviceAnnotations);
  if (name === undefined) return [];
  const annotations = Object.fromEntries(Object.entries(serviceAnnotations)
    .filter(([key]) => ROUTE_ANNOTATION_PREFIXES.some((prefix) => key.startsWith(prefix))));
  return [{
    apiVersion: GATEWAY_API_VERSION,
    kind: 'GRPCRoute',
    metadata: { ...policyMetadata(target), name, annotations },
    spec: {
      parentRefs: [{ group: 'core', kind: 'Service', name: target.name, namespace: target.namespace, port: target.port }],
      rules: [{ backendRefs: [{ name: target.name, port: target.port }] }],
    },
  }];
}

/**
 * The name of the GRPCRoute {@link linkerdServiceRoutes} gives a service, or undefined when the service gets none.
 * @param serviceAnnotations the Linkerd annotations of the Service, from {@link translateToLinkerd}
 */
export function linkerdServiceRouteName(target: Pick<PolicyTarget, 'name'>, serviceAnnotations: Readonly<Record<string, string>>): string | undefined {
  return serviceAnnotations[RETRY_GRPC] === undefined ? undefined : `${target.name}${LINKERD_SERVICE_ROUTE_SUFFIX}`;
}

/** Whether a rule matches every call: no matches, or a match with neither method nor headers. */
function matchesEveryCall(rule: GRPCRouteRule): boolean {
  return !rule.matches?.length || rule.matches.some((m) => m.method === undefined && !m.headers?.length);
}

/**
 * Refuses a route with a rule that matches every call, attached to a Linkerd service that has its own GRPCRoute
 * (see {@link linkerdServiceRoutes}): the two rules are equally specific, and Linkerd picks the older route (then
 * the name that sorts first), so the user's rule would apply or not depending on creation times.
 * @param parents the route's parents, namespaces filled in
 * @param rules the route's rules, as rendered
 */
export function checkLinkerdServiceRouteConflicts(issues: IssueCollector, parents: readonly RouteParentRef[], rules: readonly GRPCRouteRule[]): void {
  const index = rules.findIndex(matchesEveryCall);
  if (index < 0) return;
  parents.forEach((parent, i) => {
    if (parent.kind !== 'Service' || parent.meshRoute === undefined) return;
    issues.add({
      code: 'TIES_LINKERD_SERVICE_ROUTE',
      path: `rules[${index}]`,
      value: `parents[${i}]: Service ${parent.namespace}/${parent.name}`,
      message: `matches every call, as does the GRPCRoute "${parent.meshRoute}" that carries the service's gRPC retries `
        + 'for Linkerd: Linkerd would pick one of the two by creation time',
      hint: 'Give the rule matches (a service or method), or move retry from the GrpcMeshService\'s trafficPolicy to this '
        + 'route\'s trafficPolicy (the service then gets no route of its own).',
    });
  });
}
