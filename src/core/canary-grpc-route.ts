import { DEFAULT_NAMESPACE } from './defaults';
import { resolveGrpcRoute, type GrpcHeaderMatchProps, type GrpcRouteMatchProps, type GrpcRouteModel, type GrpcRouteProps, type RouteResolveContext } from './grpc-route';
import type { RouteImplementation } from './route-policy';
import { toBackendRef, type GrpcBackendTarget, type RouteParent } from './route-refs';
import type { TrafficPolicy } from './traffic-policy';
import type { IssueCollector } from './validation';
import { validateMethodMatch } from '../routing';

/** Properties of a `CanaryGrpcRoute`: stable and canary backends, a share for the canary, a header to force it. */
export interface CanaryGrpcRouteProps {
  /**
   * Name of the GRPCRoute.
   * @default - the construct id (cdk8s) or the resource name (Pulumi)
   */
  readonly name?: string;
  /**
   * Namespace of the GRPCRoute.
   * @default - the cdk8s chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /** Where the route attaches: `GrpcGateway`s or a `GrpcMeshService` (a GAMMA mesh route). */
  readonly parents: readonly RouteParent[];
  /**
   * Hostnames the route serves.
   * @default - every hostname of the listeners
   */
  readonly hostnames?: readonly string[];
  /**
   * Fully qualified gRPC service the canary applies to, e.g. `order.v1.OrderService`.
   * @default - every service
   */
  readonly grpcService?: string;
  /**
   * One method of `grpcService` the canary applies to.
   * @default - every method
   */
  readonly grpcMethod?: string;
  /** The stable backend. */
  readonly stable: GrpcBackendTarget;
  /** The canary backend. */
  readonly canary: GrpcBackendTarget;
  /** Percent of the calls (0 to 100) sent to the canary. */
  readonly canaryWeight: number;
  /**
   * A header that sends a call to the canary whatever the weight, e.g. `{ name: 'x-canary', value: 'always' }`.
   * @default - none
   */
  readonly canaryHeader?: GrpcHeaderMatchProps;
  /**
   * See `GrpcRouteProps.referenceGrants`.
   * @default true
   */
  readonly referenceGrants?: boolean | 'external';
  /**
   * See `GrpcRouteProps.trafficPolicy`.
   * @default - the implementation's defaults
   */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * See `GrpcRouteProps.implementation`.
   * @default - inferred from the parents
   */
  readonly implementation?: RouteImplementation;
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
}

/** Rule names of the route a canary emits. */
export const CANARY_RULE_NAMES = {
  /** The rule that sends calls with the canary header to the canary. */
  header: 'canary-header',
  /** The rule that splits the other calls by weight. */
  weighted: 'canary-split',
} as const;

/**
 * Turns the canary intent into `GrpcRoute` props: a header rule that sends to the canary only, and a weighted
 * rule. Both rules carry the same method match; the header rule has one header match more, so the GRPCRoute
 * precedence rules (more header matches win) make it win for calls with the header, whatever the rule order.
 */
export function canaryToRouteProps(props: CanaryGrpcRouteProps): GrpcRouteProps {
  // An invalid weight is reported by validateCanary; clamping it keeps the route's own checks from repeating it.
  const canaryWeight = Math.round(Math.min(100, Math.max(0, props.canaryWeight)));
  const scope: GrpcRouteMatchProps = {
    ...(props.grpcService !== undefined && { service: props.grpcService }),
    ...(props.grpcMethod !== undefined && { method: props.grpcMethod }),
  };
  const scoped = Object.keys(scope).length > 0;
  const headerRule = props.canaryHeader && {
    name: CANARY_RULE_NAMES.header,
    matches: [{ ...scope, headers: [props.canaryHeader] }],
    backends: [{ service: props.canary }],
  };
  const weightedRule = {
    name: CANARY_RULE_NAMES.weighted,
    ...(scoped && { matches: [scope] }),
    backends: [
      { service: props.stable, weight: 100 - canaryWeight },
      { service: props.canary, weight: canaryWeight },
    ],
  };
  return {
    name: props.name,
    namespace: props.namespace,
    parents: props.parents,
    hostnames: props.hostnames,
    rules: headerRule ? [headerRule, weightedRule] : [weightedRule],
    referenceGrants: props.referenceGrants,
    trafficPolicy: props.trafficPolicy,
    implementation: props.implementation,
    labels: props.labels,
    silenceWarnings: props.silenceWarnings,
  };
}

/**
 * Validates what is particular to a canary; the route it becomes is validated as any `GrpcRoute`.
 * @param namespace the route's namespace, where backends without a namespace are
 */
export function validateCanary(issues: IssueCollector, props: CanaryGrpcRouteProps, namespace?: string): void {
  const stable = toBackendRef(props.stable);
  const canary = toBackendRef(props.canary);
  const canaryNamespace = canary.namespace ?? namespace;
  issues.require(stable.name !== canary.name || (stable.namespace ?? namespace) !== canaryNamespace, {
    code: 'CANARY_IS_STABLE',
    path: 'canary',
    value: canaryNamespace === undefined ? canary.name : `${canaryNamespace}/${canary.name}`,
    message: 'is the same Service as stable: every call reaches the same pods, so canaryWeight and canaryHeader change nothing',
    hint: 'Point canary at the Service of the new version (e.g. a GrpcMeshService "orders-canary" selecting its pods).',
  });
  issues.integerInRange('canaryWeight', props.canaryWeight, 0, 100, 'The canary weight is a percentage of the calls.');
  issues.require(props.grpcMethod === undefined || props.grpcService !== undefined, {
    code: 'METHOD_WITHOUT_SERVICE',
    path: 'grpcMethod',
    value: props.grpcMethod,
    message: 'needs grpcService: a method name alone would match that method of every service',
  });
  if (props.grpcService !== undefined || props.grpcMethod !== undefined) {
    for (const p of validateMethodMatch({ type: 'Exact', service: props.grpcService, method: props.grpcMethod })) {
      issues.add({ code: p.code, path: p.field === 'service' ? 'grpcService' : 'grpcMethod', value: p.value, message: p.message });
    }
  }
}

/** Validates `CanaryGrpcRoute` props with the route they become, in one error, and returns the route model. */
export function resolveCanaryGrpcRoute(props: CanaryGrpcRouteProps, context: RouteResolveContext): GrpcRouteModel {
  return resolveGrpcRoute(canaryToRouteProps(props), {
    ...context,
    subject: context.subject ?? `CanaryGrpcRoute "${props.name ?? context.defaultName}"`,
    validateAlso: (issues) => validateCanary(issues, props, props.namespace ?? context.defaultNamespace ?? DEFAULT_NAMESPACE),
  });
}
