import { Chart, type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { renderGrpcRoute, type GrpcRouteModel, type RouteResolveContext } from '../core';
import { toApiObject } from './api-objects';
import { addReferenceGrants } from './reference-grants';
import { printWarnings } from './warnings';

/** What `GrpcRoute` and `CanaryGrpcRoute` share: one GRPCRoute, its ReferenceGrants and warnings. */
export abstract class GrpcRouteBase extends Construct {
  /** Route name. */
  public readonly name: string;
  /** Route namespace. */
  public readonly namespace: string;
  /** The GRPCRoute. */
  public readonly route: ApiObject;
  /** Policy objects of the route's implementation (Envoy Gateway's BackendTrafficPolicy). */
  public readonly policy: readonly ApiObject[];
  /** Warnings found at synthesis (also printed). */
  public readonly warnings: readonly string[];
  /** The resolved model. @internal */
  public readonly _model: GrpcRouteModel;

  protected constructor(scope: Construct, id: string, type: string, resolve: (context: RouteResolveContext) => GrpcRouteModel) {
    super(scope, id);
    this._model = resolve({ defaultName: id, defaultNamespace: Chart.of(this).namespace, subject: `${type} "${this.node.path}"` });
    this.name = this._model.name;
    this.namespace = this._model.namespace;
    this.warnings = this._model.warnings;
    const manifests = renderGrpcRoute(this._model);
    this.route = toApiObject(this, 'route', manifests.route);
    this.policy = manifests.policy.map((m) => toApiObject(this, `policy-${m.kind.toLowerCase()}`, m));
    addReferenceGrants(this, this._model.crossNamespaceRefs, this._model.generateReferenceGrants);
    printWarnings(this.warnings);
  }
}
