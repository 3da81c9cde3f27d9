import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  checkMeshParents, GrpcMeshValidationError, referenceGrantRequest, renderGrpcRoute, type GrpcRouteModel, type KubeObject, type RouteResolveContext,
} from '../core';
import { GrpcMeshResourceError } from './errors';
import { hasPlaceholder, objectsWithInputs, PropsWithInputs, refuseInputs, type InputRecord } from './inputs';
import { childOptions, kubeResource } from './kube-resources';
import { referenceGrantsOf } from './reference-grants';
import { declaredRealServices, declaredServices, declareRoute } from './served-routes';
import { logWarnings } from './warnings';

/**
 * What `GrpcRoute` and `CanaryGrpcRoute` share: one GRPCRoute (`<name>-route`), its policy objects
 * (`<name>-policy-<kind>`), its ReferenceGrants and warnings.
 *
 * Its namespace and labels may be Outputs, and so may the namespaces of its parents and backends: see {@link RouteInputs}.
 *
 * `opts` reach every child: provider(s), transformations and `protect` through the parent, `dependsOn` passed on.
 * Invalid props throw a {@link GrpcMeshResourceError} listing every problem; warnings go to `pulumi.log.warn`, or
 * are thrown as a `GrpcMeshWarningsError` when the stack sets `grpc-mesh:warningsAsErrors`.
 *
 * A Service parent named by plain reference is checked against the `GrpcMeshService`s declared before the route
 * (Pulumi has no synthesis phase to wait for the rest): its headless Service fails, and a Service that no balancer
 * or mesh of grpc-mesh serves, on a reference that names no `mesh`, is a warning (`GAMMA_PARENT_NOT_SERVED`).
 * Declare the service first, or pass the component itself. When a namespace is an Output (the route's or a
 * service's), these checks wait until the Outputs resolve, and fail the route's Outputs then.
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
/**
 * What the args of `GrpcRoute` and `CanaryGrpcRoute` widen to `pulumi.Input`s: `namespace` and the values of `labels`.
 * A parent or backend may be a component whose namespace is an Output.
 */
export interface RouteInputs {
  /**
   * Namespace of the route, e.g. `namespace.metadata.name`. Give the same Output (or the same string) as the
   * services in that namespace: two different Outputs are different namespaces until they resolve, and a backend in
   * another namespace than the route's needs a ReferenceGrant, which cannot be generated while a namespace is an
   * Output (set `referenceGrants: false` and create it yourself, or give plain strings).
   * @default 'default'
   */
  readonly namespace?: pulumi.Input<string>;
  /**
   * Extra labels on every object.
   * @default - none
   */
  readonly labels?: InputRecord;
}

export abstract class GrpcRouteBase extends pulumi.ComponentResource {
  /** Route name. */
  public readonly name: string;
  /** Route namespace. */
  public readonly namespace: pulumi.Output<string>;
  /**
   * The GRPCRoute, unless every parent is a self-hosted tier that compiles the route in and writes no Gateway API
   * objects (then neither it, its ReferenceGrants nor its policy objects are created).
   */
  public readonly route?: k8s.apiextensions.CustomResource;
  /** Policy objects of the route's implementation (Envoy Gateway's BackendTrafficPolicy). */
  public readonly policy: readonly k8s.apiextensions.CustomResource[];
  /** The ReferenceGrants this component's references need, which grpc-mesh creates (shared with every component that needs them). */
  public readonly referenceGrants: readonly k8s.apiextensions.CustomResource[];
  /**
   * Warnings found when the props were resolved at construction (also logged). With Output-valued props, those found
   * with their placeholders: the warnings of the real values are logged once the Outputs resolve.
   */
  public readonly warnings: readonly string[];
  /** The resolved model, with placeholders for the Inputs (see inputs.ts). @internal */
  public readonly _model: GrpcRouteModel;

  /**
   * @param type the component's class name, for its type token `grpc-mesh:index:<type>` and its messages
   * @param name The unique name of this component
   * @param args the component's args
   * @param resolve validates the props and resolves the route
   * @param opts Options of the component, passed on to its children
   */
  protected constructor(
    type: string,
    name: string,
    args: unknown,
    resolve: (props: never, context: RouteResolveContext) => GrpcRouteModel,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(`grpc-mesh:index:${type}`, name, {}, opts);
    const subject = `${type} "${name}"`;
    const resolved = new PropsWithInputs<never>(args).resolve(this, (props) => resolve(props, { defaultName: name, subject }));
    this._model = resolved.model;
    // Service parents named by plain reference, against the services declared so far (Pulumi has no synthesis); against
    // the real models once they resolve, when a namespace is an Output (a placeholder matches no plain string).
    const deferred = resolved.hasInputs || declaredServices().some((s) => hasPlaceholder(s.namespace));
    const meshParents = deferred ? undefined : checkMeshParents(this._model, declaredServices(), subject);
    if (meshParents && meshParents.issues.length > 0) throw new GrpcMeshResourceError(new GrpcMeshValidationError(subject, meshParents.issues), this);
    this.name = this._model.name;
    this.namespace = resolved.real.apply((m) => m.namespace);
    this.warnings = [...this._model.warnings, ...meshParents?.warnings ?? []];
    declareRoute(this._model, resolved.real, this);
    const child = childOptions(this, opts);
    const written = this._model.gatewayApiObjects;
    const [route, ...policy] = objectsWithInputs(this, subject, resolved, (m): KubeObject[] => {
      const rendered = renderGrpcRoute(m);
      return [rendered.route, ...rendered.policy];
    });
    if (written) this.route = kubeResource(`${name}-route`, route, child) as k8s.apiextensions.CustomResource;
    this.policy = written
      ? policy.map((m) => kubeResource(`${name}-policy-${m.kind.toLowerCase()}`, m, child) as k8s.apiextensions.CustomResource)
      : [];
    if (written && this._model.generateReferenceGrants) {
      refuseInputs(this, subject, this._model.crossNamespaceRefs.map((ref) => ({
        path: 'namespace',
        value: ref,
        message: 'is an Output (of the route or of a backend), and decides whether a backend in another namespace needs a ReferenceGrant',
        hint: 'Give the route and its backends the same Output wherever they share a namespace; otherwise give plain strings, or set referenceGrants: false and create the grants yourself.',
      })));
    }
    const grants = written ? referenceGrantsOf(this, opts, referenceGrantRequest(this._model, subject)) : undefined;
    this.referenceGrants = grants?.resources ?? [];
    if (!deferred) logWarnings(this.warnings, this);
    this.registerOutputs({
      name: this.name,
      namespace: this.namespace,
      ...(grants && { referenceGrants: grants.allowedBy }),
      ...(deferred && { warnings: this.checkOnceResolved(subject, resolved.real) }),
    });
  }

  /** The checks and warnings of a route with Inputs (its own or its services'), once they resolve. */
  private checkOnceResolved(subject: string, real: pulumi.Output<GrpcRouteModel>): pulumi.Output<string[]> {
    const services = declaredRealServices();
    return real.apply((model) => services.apply((declared) => {
      const meshParents = checkMeshParents(model, declared, subject);
      if (meshParents.issues.length > 0) throw new GrpcMeshResourceError(new GrpcMeshValidationError(subject, meshParents.issues), this);
      const warnings = [...model.warnings, ...meshParents.warnings];
      logWarnings(warnings, this);
      return warnings;
    })) as unknown as pulumi.Output<string[]>;
  }
}
