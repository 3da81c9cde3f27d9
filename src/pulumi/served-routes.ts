import * as pulumi from '@pulumi/pulumi';
import {
  compileTierRoutes, GrpcMeshValidationError, knownParents, parentNeedsGatewayApiObjects, selfHostedDataPlaneOf,
  type GrpcGatewayModel, type GrpcMeshServiceModel, type GrpcRouteModel, type KubeObject, type RoutingScope, type ServedParent, type TierRoutes,
} from '../core';
import { GrpcMeshResourceError } from './errors';
import { collectOutputs } from './inputs';
import { stackRunState } from './stack-run';
import { logWarnings } from './warnings';

/**
 * The routing of a stack as its components declare it, and whether the self-hosted tiers have compiled it yet. Each
 * component's model is kept as resolved at construction (with the placeholders of its Inputs, see inputs.ts) and as
 * an Output of the model of its real props, which the tiers compile.
 */
interface StackRouting {
  readonly services: GrpcMeshServiceModel[];
  readonly real: {
    services: Array<pulumi.Output<GrpcMeshServiceModel>>;
    gateways: Array<pulumi.Output<GrpcGatewayModel>>;
    routes: Array<pulumi.Output<GrpcRouteModel>>;
  };
  /** The scope the tiers compile, taken once the program's synchronous declarations are over. */
  scope?: pulumi.Output<RoutingScope>;
  /** Whether that scope has been taken. */
  taken: boolean;
}

function stackRouting(): StackRouting {
  return stackRunState('routing', (): StackRouting => ({ services: [], real: { services: [], gateways: [], routes: [] }, taken: false }));
}

/** The services the stack has declared so far, as resolved at construction. */
export function declaredServices(): readonly GrpcMeshServiceModel[] {
  return stackRouting().services;
}

/** The services the stack has declared so far, as the models of their real props once they resolve. */
export function declaredRealServices(): pulumi.Output<GrpcMeshServiceModel[]> {
  return collectOutputs([...stackRouting().real.services]);
}

/** A service or Gateway as the stack's routing keeps it. */
export type DeclaredParent =
  | { readonly kind: 'service'; readonly model: GrpcMeshServiceModel; readonly real: pulumi.Output<GrpcMeshServiceModel> }
  | { readonly kind: 'gateway'; readonly model: GrpcGatewayModel; readonly real: pulumi.Output<GrpcGatewayModel> };

/** Adds a service or Gateway to the stack's routing, for the tiers to compile. */
export function declareRouteParent(part: DeclaredParent): void {
  const routing = stackRouting();
  if (part.kind === 'service') {
    routing.services.push(part.model);
    routing.real.services.push(part.real);
  } else {
    routing.real.gateways.push(part.real);
  }
}

/**
 * Adds a route to the stack's routing. A route served by a self-hosted tier must be declared before the tiers
 * compile (in the same synchronous part of the program as its parent, before any `await`), or it would be left
 * out: then this throws, naming the fix.
 */
export function declareRoute(model: GrpcRouteModel, real: pulumi.Output<GrpcRouteModel>, resource: pulumi.Resource): void {
  const routing = stackRouting();
  const served = model.parents.filter((p) => selfHostedDataPlaneOf(p) !== undefined);
  if (routing.taken && served.length > 0) {
    throw new GrpcMeshResourceError(new GrpcMeshValidationError(`route "${model.namespace}/${model.name}"`, [{
      code: 'ROUTE_AFTER_COMPILE',
      path: 'parents',
      value: served.map((p) => `${p.kind} ${p.namespace}/${p.name}`),
      message: 'are served by grpc-mesh tiers whose configs were already compiled: the route was declared after an `await`',
      hint: 'Declare routes in the same synchronous part of the program as the GrpcGateway or GrpcMeshService they attach to.',
    }]), resource);
  }
  routing.real.routes.push(real);
}

/**
 * A route attached by a plain reference to a self-hosted Gateway that writes no Gateway API objects was created as
 * a GRPCRoute before the Gateway was known (Pulumi creates resources as they are declared): said, with the fix.
 */
function warnPlainReferences(scope: RoutingScope): void {
  for (const route of scope.routes) {
    if (!route.gatewayApiObjects || knownParents(route, scope).some(parentNeedsGatewayApiObjects)) continue;
    void pulumi.log.warn(`GRPCRoute "${route.namespace}/${route.name}" is created although its parents are served by grpc-mesh tiers that `
      + 'write no Gateway API objects (it names them by plain reference): it needs the Gateway API CRDs and nothing acts on it. '
      + 'Pass the GrpcGateway component itself as the parent. [PLAIN_REFERENCE_TO_SELF_HOSTED]');
  }
}

/**
 * What a self-hosted tier renders from the routes it serves, compiled from the whole stack (the models of the real
 * props) once the program's synchronous declarations are over, so a route may be declared before or after its
 * parent. `render` runs inside the Output: only its plain result passes through Pulumi, which would turn the Maps
 * and Sets of the compiled routes into empty objects. Rejects with a {@link GrpcMeshResourceError} of `resource`
 * when the tier cannot serve the routes as written.
 */
export function servedRoutes<R>(
  parent: DeclaredParent, resource: pulumi.Resource, render: (routes: TierRoutes, served: ServedParent, scope: RoutingScope) => R,
): pulumi.Output<R> {
  return stackRoutingScope().apply((scope) => (parent.real as pulumi.Output<GrpcMeshServiceModel | GrpcGatewayModel>).apply((model) => {
    const part = { kind: parent.kind, model } as ServedParent;
    const served = compileTierRoutes(scope, part);
    const subject = `${part.kind === 'service' ? 'GrpcMeshService' : 'GrpcGateway'} "${model.namespace}/${model.name}"`;
    if (served.issues.length > 0) throw new GrpcMeshResourceError(new GrpcMeshValidationError(subject, served.issues), resource);
    logWarnings(served.warnings, resource);
    return render(served, part, scope);
  })) as unknown as pulumi.Output<R>;
}

/**
 * The routing of the whole stack (the models of the real props), taken once the program's synchronous declarations
 * are over, so every service, Gateway and route declared with it is in.
 */
export function stackRoutingScope(): pulumi.Output<RoutingScope> {
  const routing = stackRouting();
  routing.scope ??= pulumi.output(new Promise<() => pulumi.Output<RoutingScope>>((resolve) => {
    setImmediate(() => {
      routing.taken = true;
      const { services, gateways, routes } = routing.real;
      // A function passes through pulumi.output untouched; the models inside are combined without being copied.
      resolve(() => collectOutputs(services).apply((s) => collectOutputs(gateways).apply((g) => collectOutputs(routes).apply((r) => {
        const scope = { services: s, gateways: g, routes: r, objects: [] as KubeObject[] };
        warnPlainReferences(scope);
        return scope;
      }))) as unknown as pulumi.Output<RoutingScope>);
    });
  })).apply((scope) => scope()) as unknown as pulumi.Output<RoutingScope>;
  return routing.scope;
}
