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
  type GatewayTierManifests,
  type GrpcGatewayModel,
  type GrpcGatewayProps,
  type GrpcListenerProps,
  type GrpcListenerTls,
  type IRouteParent,
  type RouteParentRef,
} from '../core';
import type { BalancerResources } from './grpc-mesh-service';
import { objectsWithInputs, PropsWithInputs, refuseInputs, type InputRecord, type KubeObjectInputs, type ResolvedWithInputs } from './inputs';
import { childOptions, kubeResource, type KubeResource } from './kube-resources';
import { referenceGrantsOf } from './reference-grants';
import { declareRouteParent, servedRoutes, type DeclaredParent } from './served-routes';
import { logWarnings } from './warnings';

/** TLS of a listener of a Pulumi `GrpcGateway`, its Secret's name maybe an Output. */
export interface GrpcListenerTlsArgs extends Omit<GrpcListenerTls, 'secretName'> {
  /**
   * Secret of type `kubernetes.io/tls` holding the certificate and key, e.g. `secret.metadata.name`. It must be a
   * plain string with `certManager` on a self-hosted Gateway, whose Certificate resource is named after it.
   */
  readonly secretName: pulumi.Input<string>;
}

/** A listener of a Pulumi `GrpcGateway`: the cdk8s `GrpcListenerProps`, its certificate's Secret name maybe an Output. */
export interface GrpcListenerArgs extends Omit<GrpcListenerProps, 'tls'> {
  /**
   * Terminates TLS (ALPN h2) with this certificate; the listener speaks h2c without it.
   * @default - no TLS
   */
  readonly tls?: GrpcListenerTlsArgs;
}

/**
 * Arguments of a `GrpcGateway`: the props of the cdk8s construct, with `namespace`, `labels`, `annotations` and the
 * listeners' `tls.secretName` as `pulumi.Input`s (the keys of labels and annotations stay plain). The options of
 * `implementation` stay plain values.
 */
export interface GrpcGatewayArgs extends Omit<GrpcGatewayProps, 'namespace' | 'labels' | 'annotations' | 'listeners'> {
  /**
   * Namespace of the Gateway, e.g. `namespace.metadata.name`. With an Output, certificates in other namespaces
   * (`tls.secretNamespace`) cannot have their ReferenceGrants generated: whether one is needed depends on the value.
   * @default 'default'
   */
  readonly namespace?: pulumi.Input<string>;
  /** Listeners (1 to 64). */
  readonly listeners: readonly GrpcListenerArgs[];
  /**
   * Extra labels on the Gateway.
   * @default - none
   */
  readonly labels?: InputRecord;
  /**
   * Annotations on the Gateway.
   * @default - none
   */
  readonly annotations?: InputRecord;
}

/**
 * A Gateway API Gateway with gRPC listeners (h2c or TLS-terminating), optionally its GatewayClass, cert-manager
 * certificates and the ReferenceGrants its certificates need, the first two as children `<name>-gateway` and
 * `<name>-gateway-class`. Routes attach to it, or to one of its listeners with `gateway.listener('name')`.
 *
 * Its namespace, labels, annotations and certificate Secret names may be Outputs: see {@link GrpcGatewayArgs}.
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
  public readonly namespace: pulumi.Output<string>;
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
  /**
   * Warnings found when the props were resolved at construction (also logged). With Output-valued props, those found
   * with their placeholders: the warnings of the real values are logged once the Outputs resolve.
   */
  public readonly warnings: readonly string[];
  /**
   * How routes refer to this Gateway. With an Output namespace, its namespace is a placeholder that grpc-mesh components resolve.
   */
  public readonly routeParentRef: RouteParentRef;
  /** The resolved model, with placeholders for the Inputs (see inputs.ts). @internal */
  public readonly _model: GrpcGatewayModel;

  /**
   * @param name The unique name of this component: the default `name` prop and the prefix of its children's names.
   * @param args The same props as the cdk8s `GrpcGateway`.
   * @param opts Options of the component, passed on to its children.
   */
  public constructor(name: string, args: GrpcGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super('grpc-mesh:index:GrpcGateway', name, {}, opts);
    const subject = `GrpcGateway "${name}"`;
    const resolved = new PropsWithInputs<GrpcGatewayProps>(args).resolve(this, (p) => resolveGrpcGateway(p, { defaultName: name, subject }));
    this._model = resolved.model;
    this.name = this._model.name;
    this.namespace = resolved.real.apply((m) => m.namespace);
    this.warnings = this._model.warnings;
    this.routeParentRef = gatewayParentRef(this._model);
    const manifests = renderGrpcGateway(this._model);
    refuseInputs(this, subject, [
      ...manifests.certificates.map((m) => ({
        path: 'listeners[].tls.secretName', value: m.metadata.name, message: 'names the Certificate resource of a self-hosted Gateway with certManager: it must be a plain string',
      })),
      ...(this._model.generateReferenceGrants ? this._model.crossNamespaceRefs.map((ref) => ({
        path: 'namespace',
        value: ref,
        message: 'is an Output, and decides whether a certificate in another namespace needs a ReferenceGrant',
        hint: 'Give the namespace as a plain string, or set referenceGrants: false and create the grant yourself.',
      })) : []),
    ]);
    const listed = gatewayObjects(manifests);
    const objects = objectsWithInputs(this, subject, resolved, (m) => gatewayObjects(renderGrpcGateway(m)));
    const inputsOf = (manifest: KubeObject) => objects[listed.indexOf(manifest)];
    const child = childOptions(this, opts);
    const resource = <T extends KubeResource>(role: string, manifest: KubeObject) => kubeResource(`${name}-${role}`, inputsOf(manifest), child) as T;
    if (manifests.gateway) this.gateway = resource('gateway', manifests.gateway);
    if (manifests.gatewayClass) this.gatewayClass = resource('gateway-class', manifests.gatewayClass);
    this.certificates = manifests.certificates.map((m) => resource(`certificate-${m.metadata.name}`, m));
    this.monitoring = manifests.monitoring.map((m) => resource(`monitoring-${m.kind.toLowerCase()}`, m));
    if (manifests.dashboard) this.dashboard = resource('monitoring-dashboard', manifests.dashboard);
    const declared = { kind: 'gateway', model: this._model, real: resolved.real } as const;
    declareRouteParent(declared);
    if (this._model.tier) this.tier = this.createTier(name, subject, declared, resolved, child);
    const grants = referenceGrantsOf(this, opts, referenceGrantRequest(this._model, subject));
    this.referenceGrants = grants.resources;
    if (!resolved.hasInputs) logWarnings(this.warnings, this);
    this.registerOutputs({
      name: this.name,
      namespace: this.namespace,
      listeners: this._model.listeners.map((l) => l.name),
      referenceGrants: grants.allowedBy,
      ...(resolved.hasInputs && { warnings: resolved.real.apply((m) => (logWarnings(m.warnings, this), m.warnings)) }),
    });
  }

  private createTier(
    name: string, subject: string, declared: DeclaredParent, resolved: ResolvedWithInputs<GrpcGatewayModel>, child: pulumi.CustomResourceOptions,
  ): BalancerResources {
    const rendered = servedRoutes(declared, this, (routes, served) => renderGatewayTier(served.model as GrpcGatewayModel, routes));
    // Rendered once without routes for the objects' identity; the config and the pods follow the routes.
    const initial = (model: GrpcGatewayModel) => renderGatewayTier(model, compileTierRoutes({ services: [], gateways: [model], routes: [] }, { kind: 'gateway', model }));
    const optionalOf = (tier: GatewayTierManifests) => [tier.horizontalPodAutoscaler, tier.serviceAccount, tier.networkPolicy];
    const shape = initial(resolved.model);
    const [config, deployment, service, pdb, ...optional] = objectsWithInputs(this, subject, resolved, (model) => {
      const tier = initial(model);
      const objects = [tier.config, tier.deployment, tier.service, tier.podDisruptionBudget, ...optionalOf(tier)];
      return objects.filter((o): o is KubeObject => o !== undefined);
    });
    // The optional objects, in place of those the model has.
    const [hpa, serviceAccount, policy] = optionalOf(shape).map((o) => o && optional.shift());
    const resource = <T extends KubeResource>(role: string, manifest: KubeObjectInputs) => kubeResource(`${name}-${role}`, manifest, child) as T;
    return {
      config: resource('tier-config', { ...config, data: rendered.apply((t) => t.config.data) }),
      deployment: resource('tier-deployment', { ...deployment, spec: rendered.apply((t) => t.deployment.spec) }),
      service: resource('tier-service', service),
      podDisruptionBudget: resource('tier-pdb', pdb),
      ...(hpa && { horizontalPodAutoscaler: resource<k8s.autoscaling.v2.HorizontalPodAutoscaler>('tier-hpa', hpa) }),
      ...(serviceAccount && { serviceAccount: resource<k8s.core.v1.ServiceAccount>('tier-service-account', serviceAccount) }),
      // Its egress, when restricted, reaches the backends of the routes.
      ...(policy && {
        networkPolicy: resource<k8s.networking.v1.NetworkPolicy>('tier-network-policy', this._model.tier?.networkPolicy?.restrictEgress
          ? { ...policy, spec: rendered.apply((t) => t.networkPolicy?.spec) }
          : policy),
      }),
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

/** The objects of a Gateway other than its tier and ReferenceGrants, in a fixed order. */
function gatewayObjects(manifests: ReturnType<typeof renderGrpcGateway>): KubeObject[] {
  return [
    ...(manifests.gateway ? [manifests.gateway] : []),
    ...(manifests.gatewayClass ? [manifests.gatewayClass] : []),
    ...manifests.certificates,
    ...manifests.monitoring,
    ...(manifests.dashboard ? [manifests.dashboard] : []),
  ];
}
