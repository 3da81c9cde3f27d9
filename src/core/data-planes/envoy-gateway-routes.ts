import { translateToEnvoyGateway } from '../dialects/envoy-gateway';
import type { KubeObject } from '../kube';
import type { RoutePolicySubject } from '../route-policy';
import type { TrafficPolicy } from '../traffic-policy';
import { IssueCollector } from '../validation';
import type { RoutePolicyDialect } from './strategy';

/**
 * Envoy Gateway's dialect for a route's traffic policy: a BackendTrafficPolicy attached to the GRPCRoute.
 * @internal
 */
export class EnvoyGatewayRoutes implements RoutePolicyDialect {
  public resolveRoutePolicy(issues: IssueCollector, route: RoutePolicySubject, policy: TrafficPolicy): undefined {
    translateToEnvoyGateway(policy, targetOf(route), issues); // for its issues: the objects are rendered later
    return undefined;
  }

  public renderRoutePolicy(route: RoutePolicySubject, policy: TrafficPolicy): KubeObject[] {
    return translateToEnvoyGateway(policy, targetOf(route), new IssueCollector(route.name));
  }
}

function targetOf(route: RoutePolicySubject) {
  return { ...route, targetRef: { kind: 'GRPCRoute' as const, name: route.name } };
}
