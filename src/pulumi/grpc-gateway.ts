import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  compileTierRoutes,
  gatewayParentRef,
  referenceGrantRequest,
  renderGatewayTier,
  type KubeObject,
  listenerOf,
  renderGrpcGateway,
  resolveGrpcGateway,
  type GrpcGatewayModel,
  type GrpcGatewayProps,
  type IRouteParent,
  type RouteParentRef,
} from '../core';
import { resolveFor } from './errors';
import type { BalancerResources } from './grpc-mesh-service';
import { childOptions, kubeResource, type KubeResource } from './kube-resources';
import { referenceGrantsOf } from './reference-grants';
import { declareRouteParent, servedRoutes } from './served-routes';
import { logWarnings } from './warnings';

/** Arguments of a `GrpcGateway`: the same props as the cdk8s construct. */
export type GrpcGatewayArgs = GrpcGatewayProps;

/**
 * A Gateway API Gateway with gRPC listeners (h2c or TLS-terminating), optionally its GatewayClass, cert-manager
 * certificates and the ReferenceGrants its certificates need, the first two as children `<name>-gateway` and
 * `<name>-gateway-class`. Routes attach to it, or to one of its listeners with `gateway.listener('name')`.
 *
 * `opts` reach every child: provider(s), transformations and `protect` through the parent, `dependsOn` passed on.
 * Invalid props throw a {@link GrpcMeshResourceError} listing every problem; warnings go to `pulumi.log.warn`.
 *
 * A ReferenceGrant is created once per stack and cluster, at the top of the stack, as for a `GrpcRoute`; with
 * `referenceGrants: false`, a reference no ReferenceGrant grpc-mesh generates in the stack allows fails the
 * component (`MISSING_REFERENCE_GRANT`).
 *
 * A self-hosted Gateway (`implementation: GatewayImplementation.proxy(...)` or `envoy(...)`) also has a tier,
 * children `<name>-tier-config`, `-tier-deployment`, `-tier-service` and `-tier-pdb`. Its config holds every route
 * attached to the Gateway, compiled once the program's synchronous declarations are over: declare the routes in the
 * same synchronous part of the program as the Gateway, before or after it (a route declared after an `await` fails
 * with `ROUTE_AFTER_COMPILE`). Problems of the compile (a conflict, an unreachable backend) fail the tier's config.
 * Its backends must be `GrpcMeshService`s of the stack: unlike cdk8s, which reads every Service of the app, Pulumi
 * cannot see the Services other resources create.
 */
export class GrpcGateway extends pulumi.ComponentResource implements IRouteParent {
  /** Gateway name. */
  public readonly name: string;
  /** Gateway namespace. */
  public readonly namespace: string;
  /** The Gateway, unless a self-hosted tier serves it without writing Gateway API objects. */
  public readonly gateway?: k8s.apiextensions.CustomResource;
  /** The GatewayClass, when the props create one. */
  public readonly gatewayClass?: k8s.apiextensions.CustomResource;
  /** The tier that serves a self-hosted Gateway, its config compiled from every route attached to it. */
  public readonly tier?: BalancerResources;
  /** cert-manager Certificates of a self-hosted Gateway's TLS listeners, when `certManager` is set. */
  public readonly certificates: readonly k8s.apiextensions.CustomResource[];
  /** Prometheus operator objects of a self-hosted Gateway's tier (PodMonitor, PrometheusRule), when `monitoring` asks. */
  public readonly monitoring: readonly k8s.apiextensions.CustomResource[];
  /** The Grafana dashboard ConfigMap of a self-hosted Gateway's tier, when `monitoring` asks for it. */
  public readonly dashboard?: k8s.core.v1.ConfigMap;
  /** The ReferenceGrants this component's certificates need, which grpc-mesh creates (shared with every component that needs them). */
  public readonly referenceGrants: readonly k8s.apiextensions.CustomResource[];
  /** Warnings found when the props were resolved (also logged). */
  public readonly warnings: readonly string[];
  /** How routes refer to this Gateway. */
  public readonly routeParentRef: RouteParentRef;
  /** The resolved model. @internal */
  public readonly _model: GrpcGatewayModel;

  /**
   * @param name The unique name of this component: the default `name` prop and the prefix of its children's names.
   * @param args The same props as the cdk8s `GrpcGateway`.
   * @param opts Options of the component, passed on to its children.
   */
  public constructor(name: string, args: GrpcGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super('grpc-mesh:index:GrpcGateway', name, {}, opts);
    const subject = `GrpcGateway "${name}"`;
    this._model = resolveFor(this, () => resolveGrpcGateway(args, { defaultName: name, subject }));
    this.name = this._model.name;
    this.namespace = this._model.namespace;
    this.warnings = this._model.warnings;
    this.routeParentRef = gatewayParentRef(this._model);
    const manifests = renderGrpcGateway(this._model);
    const child = childOptions(this, opts);
    if (manifests.gateway) this.gateway = kubeResource(`${name}-gateway`, manifests.gateway, child) as k8s.apiextensions.CustomResource;
    if (manifests.gatewayClass) {
      this.gatewayClass = kubeResource(`${name}-gateway-class`, manifests.gatewayClass, child) as k8s.apiextensions.CustomResource;
    }
    this.certificates = manifests.certificates.map((m) => kubeResource(`${name}-certificate-${m.metadata.name}`, m, child) as k8s.apiextensions.CustomResource);
    this.monitoring = manifests.monitoring.map((m) => kubeResource(`${name}-monitoring-${m.kind.toLowerCase()}`, m, child) as k8s.apiextensions.CustomResource);
    if (manifests.dashboard) this.dashboard = kubeResource(`${name}-monitoring-dashboard`, manifests.dashboard, child) as k8s.core.v1.ConfigMap;
    declareRouteParent({ kind: 'gateway', model: this._model });
    if (this._model.tier) this.tier = this.createTier(name, this._model, child);
    const grants = referenceGrantsOf(this, opts, referenceGrantRequest(this._model, subject));
    this.referenceGrants = grants.resources;
    logWarnings(this.warnings, this);
    this.registerOutputs({
      name: this.name,
      namespace: this.namespace,
      listeners: this._model.listeners.map((l) => l.name),
      referenceGrants: grants.allowedBy,
    });
  }

  private createTier(name: string, model: GrpcGatewayModel, child: pulumi.CustomResourceOptions): BalancerResources {
    const rendered = servedRoutes({ kind: 'gateway', model }, this, (routes) => renderGatewayTier(model, routes));
    // Rendered once without routes for the objects' identity; the config and the pods follow the routes.
    const initial = renderGatewayTier(model, compileTierRoutes({ services: [], gateways: [model], routes: [] }, { kind: 'gateway', model }));
    const resource = <T extends KubeResource>(role: string, manifest: KubeObject) => kubeResource(`${name}-${role}`, manifest, child) as T;
    return {
      config: resource('tier-config', { ...initial.config, data: rendered.apply((t) => t.config.data) } as KubeObject),
      deployment: resource('tier-deployment', { ...initial.deployment, spec: rendered.apply((t) => t.deployment.spec) } as KubeObject),
      service: resource('tier-service', initial.service),
      podDisruptionBudget: resource('tier-pdb', initial.podDisruptionBudget),
    };
  }

  /**
   * One listener of this Gateway, as a route parent (`sectionName`).
   * @param name the listener's name
   */
  public listener(name: string): IRouteParent {
    return listenerOf(this, name);
  }
}
