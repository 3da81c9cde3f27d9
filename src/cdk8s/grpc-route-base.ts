import { Chart, type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { renderGrpcRoute, type GrpcRouteModel, type RouteResolveContext } from '../core';
import { toApiObject } from './api-objects';
import { addReferenceGrants } from './reference-grants';
import type { RoutingPart } from './served-routes';
import { printWarnings } from './warnings';

/** What `GrpcRoute` and `CanaryGrpcRoute` share: one GRPCRoute, its ReferenceGrants and warnings. */
export abstract class GrpcRouteBase extends Construct {
  /** Route name. */
  public readonly name: string;
  /** Route namespace. */
  public readonly namespace: string;
  /**
   * The GRPCRoute, unless every parent is a self-hosted tier that compiles the route in and writes no Gateway API
   * objects (then neither it, its ReferenceGrants nor its policy objects are written).
   */
  public readonly route?: ApiObject;
  /** Policy objects of the route's implementation (Envoy Gateway's BackendTrafficPolicy). */
  public readonly policy: readonly ApiObject[];
  /** Warnings found at synthesis (also printed). */
  public readonly warnings: readonly string[];
  /** The resolved model. @internal */
  public readonly _model: GrpcRouteModel;
  /** What this route adds to the app's routing. @internal */
  public readonly _routingPart: RoutingPart;

  protected constructor(scope: Construct, id: string, type: string, resolve: (context: RouteResolveContext) => GrpcRouteModel) {
    super(scope, id);
    this._model = resolve({ defaultName: id, defaultNamespace: Chart.of(this).namespace, subject: `${type} "${this.node.path}"` });
    this.name = this._model.name;
    this.namespace = this._model.namespace;
    this.warnings = this._model.warnings;
    this._routingPart = { kind: 'route', model: this._model };
    const manifests = renderGrpcRoute(this._model);
    const written = this._model.gatewayApiObjects;
    if (written) this.route = toApiObject(this, 'route', manifests.route);
    this.policy = written ? manifests.policy.map((m) => toApiObject(this, `policy-${m.kind.toLowerCase()}`, m)) : [];
    if (written) addReferenceGrants(this, this._model.crossNamespaceRefs, this._model.generateReferenceGrants);
    printWarnings(this.warnings);
  }
}
