import { Chart, type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  compileTierRoutes,
  gatewayParentRef,
  referenceGrantRequest,
  renderGatewayTier,
  type TierRoutes,
  listenerOf,
  renderGrpcGateway,
  resolveGrpcGateway,
  type GrpcGatewayModel,
  type GrpcGatewayProps,
  type IRouteParent,
  type RouteParentRef,
} from '../core';
import { toApiObject } from './api-objects';
import type { BalancerObjects } from './grpc-mesh-service';
import { addReferenceGrants } from './reference-grants';
import { ServedRoutes, type RoutingPart } from './served-routes';
import { problemsOf, reportWarnings, resolveForSynthesis } from './synthesis-checks';

/**
 * A Gateway API Gateway with gRPC listeners (h2c or TLS-terminating), optionally its GatewayClass, cert-manager
 * certificates and the ReferenceGrants its certificates need. Routes attach to it, or to one of its listeners
 * with `gateway.listener('name')`.
 *
 * Invalid props do not throw: they fail synthesis (`app.synth()`, `cdk8s synth`) with the problems of every
 * construct of the app in one error, one line per problem. Warnings are printed at synthesis; the context key
 * `grpc-mesh:warningsAsErrors` (or `GRPC_MESH_WARNINGS_AS_ERRORS=true`) makes them fail it too.
 */
export class GrpcGateway extends Construct implements IRouteParent {
  /** Gateway name. */
  public readonly name: string;
  /** Gateway namespace. */
  public readonly namespace: string;
  /** The Gateway, unless a self-hosted tier serves it without writing Gateway API objects. */
  public readonly gateway?: ApiObject;
  /** The GatewayClass, when the props create one. */
  public readonly gatewayClass?: ApiObject;
  /** The tier that serves a self-hosted Gateway, its config compiled at synthesis from every attached route. */
  public readonly tier?: BalancerObjects;
  /** cert-manager Certificates of a self-hosted Gateway's TLS listeners, when `certManager` is set. */
  public readonly certificates: readonly ApiObject[];
  /** Prometheus operator objects of a self-hosted Gateway's tier (PodMonitor, PrometheusRule), when `monitoring` asks. */
  public readonly monitoring: readonly ApiObject[];
  /** The Grafana dashboard ConfigMap of a self-hosted Gateway's tier, when `monitoring` asks for it. */
  public readonly dashboard?: ApiObject;
  /** Warnings found at synthesis (also printed). */
  public readonly warnings: readonly string[];
  /** How routes refer to this Gateway. */
  public readonly routeParentRef: RouteParentRef;
  /** The resolved model. @internal */
  public readonly _model: GrpcGatewayModel;
  /** What this Gateway adds to the app's routing. @internal */
  public readonly _routingPart: RoutingPart;

  public constructor(scope: Construct, id: string, props: GrpcGatewayProps) {
    super(scope, id);
    const subject = `GrpcGateway "${this.node.path}"`;
    const defaultNamespace = Chart.of(this).namespace;
    this._model = resolveForSynthesis(this, () => resolveGrpcGateway(props, { defaultName: id, defaultNamespace, subject }));
    try {
      this.name = this._model.name;
      this.namespace = this._model.namespace;
      this.warnings = this._model.warnings;
      this.routeParentRef = gatewayParentRef(this._model);
      this._routingPart = { kind: 'gateway', model: this._model };
      const manifests = renderGrpcGateway(this._model);
      if (manifests.gateway) this.gateway = toApiObject(this, 'gateway', manifests.gateway);
      if (manifests.gatewayClass) this.gatewayClass = toApiObject(this, 'gateway-class', manifests.gatewayClass);
      this.certificates = manifests.certificates.map((m) => toApiObject(this, `certificate-${m.metadata.name}`, m));
      this.monitoring = manifests.monitoring.map((m) => toApiObject(this, `monitoring-${m.kind.toLowerCase()}`, m));
      if (manifests.dashboard) this.dashboard = toApiObject(this, 'monitoring-dashboard', manifests.dashboard);
      if (this._model.tier) this.tier = this.renderTier(this._model);
      addReferenceGrants(this, referenceGrantRequest(this._model, subject));
      reportWarnings(this, this.warnings);
    } catch (error) {
      throw problemsOf(this) ?? error;
    }
  }

  private renderTier(model: GrpcGatewayModel): BalancerObjects {
    const served = new ServedRoutes(this, { kind: 'gateway', model });
    const render = (routes: TierRoutes) => renderGatewayTier(model, routes);
    // Rendered once without routes for the objects' identity; the config and the pods follow the routes.
    const initial = render(compileTierRoutes({ services: [], gateways: [model], routes: [] }, { kind: 'gateway', model }));
    return {
      config: served.lazyApiObject('tier-config', initial.config, ['data'], (routes) => render(routes).config),
      deployment: served.lazyApiObject('tier-deployment', initial.deployment, ['spec'], (routes) => render(routes).deployment),
      service: toApiObject(this, 'tier-service', initial.service),
      podDisruptionBudget: toApiObject(this, 'tier-pdb', initial.podDisruptionBudget),
      ...(initial.horizontalPodAutoscaler && { horizontalPodAutoscaler: toApiObject(this, 'tier-hpa', initial.horizontalPodAutoscaler) }),
      ...(initial.serviceAccount && { serviceAccount: toApiObject(this, 'tier-service-account', initial.serviceAccount) }),
      // Its egress, when restricted, reaches the backends of the routes.
      ...(initial.networkPolicy && {
        networkPolicy: model.tier?.networkPolicy?.restrictEgress
          ? served.lazyApiObject('tier-network-policy', initial.networkPolicy, ['spec'], (routes) => render(routes).networkPolicy!)
          : toApiObject(this, 'tier-network-policy', initial.networkPolicy),
      }),
    };
  }

  /** One listener of this Gateway, as a route parent (`sectionName`). */
  public listener(name: string): IRouteParent {
    return listenerOf(this, name);
  }
}
