import { ApiObject } from 'cdk8s';
import type { Construct, IConstruct } from 'constructs';
import {
  compileTierRoutes, formatIssue, type GrpcGatewayModel, type GrpcMeshServiceModel, type GrpcRouteModel, type KubeObject, type RoutingScope,
  type ServedParent, type TierRoutes,
} from '../core';
import { lazyApiObject } from './api-objects';
import { problemsOf, warningsAtSynthesis } from './synthesis-checks';

/** What a construct of this library adds to the app's routing: its model, found by the tiers at synthesis. */
export type RoutingPart =
  | { readonly kind: 'service'; readonly model: GrpcMeshServiceModel }
  | { readonly kind: 'gateway'; readonly model: GrpcGatewayModel }
  | { readonly kind: 'route'; readonly model: GrpcRouteModel };

/** Constructs that hold a routing part. @internal */
interface HasRoutingPart extends IConstruct {
  readonly _routingPart: RoutingPart;
}

/** Kinds of other objects of the app that the compile reads. */
const READ_KINDS = new Set(['Service', 'ReferenceGrant', 'Namespace', 'BackendTLSPolicy', 'ConfigMap']);
/** ApiObjects whose content is itself compiled from the routes: never read back (it would recurse). */
const COMPILED_OBJECTS = new WeakSet<ApiObject>();

/**
 * The routing of the whole app, collected when it is needed (at synthesis, once every construct exists), so a
 * route may be declared before or after the Gateway or service that serves it.
 */
export function routingScopeOf(scope: Construct): RoutingScope {
  const all = scope.node.root.node.findAll();
  // A construct whose props were refused (and the error caught) stays in the tree without a part.
  // So does a construct built from invalid props: its problems are reported, not compounded by the tiers.
  const parts = all
    .filter((c): c is HasRoutingPart => '_routingPart' in c && c._routingPart !== undefined && problemsOf(c) === undefined)
    .map((c) => c._routingPart);
  const pick = <K extends RoutingPart['kind']>(kind: K) => parts.filter((p) => p.kind === kind).map((p) => p.model) as Array<Extract<RoutingPart, { kind: K }>['model']>;
  const objects = all
    .filter((c): c is ApiObject => ApiObject.isApiObject(c) && READ_KINDS.has(c.kind) && !COMPILED_OBJECTS.has(c))
    .map((o) => o.toJson() as KubeObject);
  return { services: pick('service'), gateways: pick('gateway'), routes: pick('route'), objects };
}

/**
 * Compiles the routes a self-hosted tier serves, from the whole app; and makes synthesis fail, through cdk8s
 * validation (every problem of every construct in one error), when the tier cannot serve them as written.
 */
export class ServedRoutes {
  public constructor(private readonly owner: Construct, private readonly parent: ServedParent) {
    owner.node.addValidation({
      validate: () => {
        if (problemsOf(owner)) return [];
        const served = this.compile();
        return [...served.issues.map((issue) => `${formatIssue(issue)}`), ...warningsAtSynthesis(owner, served.warnings)];
      },
    });
  }

  /** The routes, compiled now. */
  public compile(): TierRoutes {
    return compileTierRoutes(routingScopeOf(this.owner), this.parent);
  }

  /**
   * An ApiObject whose listed top-level fields are produced at synthesis from the compiled routes.
   * @param render renders the object from the compiled routes
   * @param lazyFields the fields that depend on the routes
   */
  public lazyApiObject(id: string, initial: KubeObject, lazyFields: readonly string[], render: (served: TierRoutes) => KubeObject): ApiObject {
    const object = lazyApiObject(this.owner, id, initial, lazyFields, () => render(this.compile()));
    COMPILED_OBJECTS.add(object);
    return object;
  }
}
