import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  checkMeshParents, GrpcMeshValidationError, referenceGrantRequest, renderGrpcRoute, type GrpcRouteModel, type RouteResolveContext,
} from '../core';
import { GrpcMeshResourceError, resolveFor } from './errors';
import { childOptions, kubeResource } from './kube-resources';
import { referenceGrantsOf } from './reference-grants';
import { declaredServices, declareRoute } from './served-routes';
import { logWarnings } from './warnings';

/**
 * What `GrpcRoute` and `CanaryGrpcRoute` share: one GRPCRoute (`<name>-route`), its policy objects
 * (`<name>-policy-<kind>`), its ReferenceGrants and warnings.
 *
 * `opts` reach every child: provider(s), transformations and `protect` through the parent, `dependsOn` passed on.
 * Invalid props throw a {@link GrpcMeshResourceError} listing every problem; warnings go to `pulumi.log.warn`, or
 * are thrown as a `GrpcMeshWarningsError` when the stack sets `grpc-mesh:warningsAsErrors`.
 *
 * A Service parent named by plain reference is checked against the `GrpcMeshService`s declared before the route
 * (Pulumi has no synthesis phase to wait for the rest): its headless Service fails, and a Service that no balancer
 * or mesh of grpc-mesh serves, on a reference that names no `mesh`, is a warning (`GAMMA_PARENT_NOT_SERVED`).
 * Declare the service first, or pass the component itself.
 *
 * A ReferenceGrant is created once per stack and cluster, however many components need it, at the top of the stack
 * as `reference-grant-<namespace>-<grant>` (`<provider>-reference-grant-...` with an explicit Kubernetes provider):
 * no component owns it, so the order of the routes does not change it. It is created with the Kubernetes provider of
 * the components that need it and depends on what they depend on (`dependsOn`); their transformations and `protect`
 * do not reach it.
 *
 * With `referenceGrants: false`, a reference that no ReferenceGrant grpc-mesh generates in the stack allows (Pulumi
 * cannot see those created outside grpc-mesh) fails the component with a {@link GrpcMeshResourceError}
 * (`MISSING_REFERENCE_GRANT`), as it fails cdk8s synthesis; checked once the program's synchronous declarations are
 * over, so components declared later count too.
 */
export abstract class GrpcRouteBase extends pulumi.ComponentResource {
  /** Route name. */
  public readonly name: string;
  /** Route namespace. */
  public readonly namespace: string;
  /**
   * The GRPCRoute, unless every parent is a self-hosted tier that compiles the route in and writes no Gateway API
   * objects (then neither it, its ReferenceGrants nor its policy objects are created).
   */
  public readonly route?: k8s.apiextensions.CustomResource;
  /** Policy objects of the route's implementation (Envoy Gateway's BackendTrafficPolicy). */
  public readonly policy: readonly k8s.apiextensions.CustomResource[];
  /** The ReferenceGrants this component's references need, which grpc-mesh creates (shared with every component that needs them). */
  public readonly referenceGrants: readonly k8s.apiextensions.CustomResource[];
  /** Warnings found when the props were resolved (also logged). */
  public readonly warnings: readonly string[];
  /** The resolved model. @internal */
  public readonly _model: GrpcRouteModel;

  /**
   * @param type the component's class name, for its type token `grpc-mesh:index:<type>` and its messages
   * @param name The unique name of this component
   * @param resolve validates the props and resolves the route
   * @param opts Options of the component, passed on to its children
   */
  protected constructor(
    type: string,
    name: string,
    resolve: (context: RouteResolveContext) => GrpcRouteModel,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(`grpc-mesh:index:${type}`, name, {}, opts);
    const subject = `${type} "${name}"`;
    this._model = resolveFor(this, () => resolve({ defaultName: name, subject }));
    // Service parents named by plain reference, against the services declared so far (Pulumi has no synthesis).
    const meshParents = checkMeshParents(this._model, declaredServices(), subject);
    if (meshParents.issues.length > 0) throw new GrpcMeshResourceError(new GrpcMeshValidationError(subject, meshParents.issues), this);
    this.name = this._model.name;
    this.namespace = this._model.namespace;
    this.warnings = [...this._model.warnings, ...meshParents.warnings];
    declareRoute(this._model, this);
    const manifests = renderGrpcRoute(this._model);
    const child = childOptions(this, opts);
    const written = this._model.gatewayApiObjects;
    if (written) this.route = kubeResource(`${name}-route`, manifests.route, child) as k8s.apiextensions.CustomResource;
    this.policy = written
      ? manifests.policy.map((m) => kubeResource(`${name}-policy-${m.kind.toLowerCase()}`, m, child) as k8s.apiextensions.CustomResource)
      : [];
    const grants = written ? referenceGrantsOf(this, opts, referenceGrantRequest(this._model, subject)) : undefined;
    this.referenceGrants = grants?.resources ?? [];
    logWarnings(this.warnings, this);
    this.registerOutputs({ name: this.name, namespace: this.namespace, ...(grants && { referenceGrants: grants.allowedBy }) });
  }
}
