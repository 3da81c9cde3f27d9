import { Chart, type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  checkMeshParents, formatIssue, isPlainGatewayRef, knownParents, parentNeedsGatewayApiObjects, referenceGrantRequest, renderGrpcRoute,
  renderRoutePolicy, selfHostedDataPlaneOf, type GrpcRouteModel, type RouteResolveContext,
} from '../core';
import { toApiObject } from './api-objects';
import { addReferenceGrants } from './reference-grants';
import { routingScopeOf, type RoutingPart } from './served-routes';
import { problemsOf, reportWarnings, resolveForSynthesis, warningsAtSynthesis } from './synthesis-checks';

/**
 * What `GrpcRoute` and `CanaryGrpcRoute` share: one GRPCRoute, its ReferenceGrants and warnings.
 *
 * Invalid props do not throw: they fail synthesis (`app.synth()`, `cdk8s synth`) with the problems of every
 * construct of the app in one error, one line per problem. Warnings are printed at synthesis; the context key
 * `grpc-mesh:warningsAsErrors` (or `GRPC_MESH_WARNINGS_AS_ERRORS=true`) makes them fail it too.
 *
 * A Service parent named by plain reference is checked at synthesis against the app's `GrpcMeshService`s.
 */
export abstract class GrpcRouteBase extends Construct {
  /** Route name. */
  public readonly name: string;
  /** Route namespace. */
  public readonly namespace: string;
  /** Policy objects of the route's implementation (Envoy Gateway's BackendTrafficPolicy). */
  public get policy(): readonly ApiObject[] {
    return this.written?.policy ?? [];
  }
  /** Warnings found at synthesis (also printed). */
  public readonly warnings: readonly string[];
  /** The resolved model. @internal */
  public readonly _model: GrpcRouteModel;
  /** What this route adds to the app's routing. @internal */
  public readonly _routingPart: RoutingPart;
  private written?: { readonly route: ApiObject; readonly policy: readonly ApiObject[] };
  private decided = false;

  protected constructor(scope: Construct, id: string, type: string, resolve: (context: RouteResolveContext) => GrpcRouteModel) {
    super(scope, id);
    const subject = `${type} "${this.node.path}"`;
    this._model = resolveForSynthesis(this, () => resolve({ defaultName: id, defaultNamespace: Chart.of(this).namespace, subject }));
    this.name = this._model.name;
    this.namespace = this._model.namespace;
    this.warnings = this._model.warnings;
    this._routingPart = { kind: 'route', model: this._model };
    const model = this._model;
    // A Gateway named by a plain reference may be a self-hosted Gateway of the app that writes no Gateway API
    // objects: whether to write the GRPCRoute is then decided at synthesis, once every construct exists.
    const certain = model.parents.some((p) => parentNeedsGatewayApiObjects(p) && !isPlainGatewayRef(p));
    try {
      if (certain || !model.parents.some(isPlainGatewayRef)) {
        if (model.gatewayApiObjects) this.write(subject);
      } else {
        this.node.addValidation({ validate: () => this.decideAtSynthesis(subject) });
      }
    } catch (error) {
      throw problemsOf(this) ?? error;
    }
    reportWarnings(this, this.warnings);
    // Service parents named by plain reference are checked against the app's services once every construct exists.
    if (model.parents.some((p) => p.kind === 'Service' && p.dataPlane === undefined)) {
      this.node.addValidation({ validate: () => this.checkMeshParents(subject) });
    }
  }

  private checkMeshParents(subject: string): string[] {
    if (problemsOf(this)) return [];
    const found = checkMeshParents(this._model, routingScopeOf(this).services, subject);
    return [...found.issues.map((issue) => `${subject}: ${formatIssue(issue)}`), ...warningsAtSynthesis(this, found.warnings)];
  }

  /**
   * The GRPCRoute, unless every parent is a self-hosted tier that compiles the route in and writes no Gateway API
   * objects (then neither it, its ReferenceGrants nor its policy objects are written).
   */
  public get route(): ApiObject | undefined {
    return this.written?.route;
  }

  private write(subject: string): void {
    const manifests = renderGrpcRoute(this._model);
    this.written = {
      route: toApiObject(this, 'route', manifests.route),
      policy: manifests.policy.map((m) => toApiObject(this, `policy-${m.kind.toLowerCase()}`, m)),
    };
    addReferenceGrants(this, referenceGrantRequest(this._model, subject));
  }

  private decideAtSynthesis(subject: string): string[] {
    if (this.decided || problemsOf(this)) return [];
    this.decided = true;
    const parents = knownParents(this._model, routingScopeOf(this));
    const served = parents.filter((p) => selfHostedDataPlaneOf(p) !== undefined);
    const policy = this._model.policy;
    if (served.length > 0 && (renderRoutePolicy(policy).length > 0 || policy.routeAnnotations !== undefined)) {
      return [`trafficPolicy cannot be attached to a route served by a grpc-mesh tier (Gateway "${served[0].name}"), which applies each backend `
        + 'service\'s own traffic policy. Set trafficPolicy on the backend GrpcMeshServices instead. [UNSUPPORTED_BY_DATA_PLANE]'];
    }
    if (parents.some(parentNeedsGatewayApiObjects)) this.write(subject);
    return [];
  }
}
