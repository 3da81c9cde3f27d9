import { Chart, type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  gatewayParentRef,
  listenerOf,
  renderGrpcGateway,
  resolveGrpcGateway,
  type GrpcGatewayModel,
  type GrpcGatewayProps,
  type IRouteParent,
  type RouteParentRef,
} from '../core';
import { toApiObject } from './api-objects';
import { addReferenceGrants } from './reference-grants';
import { printWarnings } from './warnings';

/**
 * A Gateway API Gateway with gRPC listeners (h2c or TLS-terminating), optionally its GatewayClass, cert-manager
 * certificates and the ReferenceGrants its certificates need. Routes attach to it, or to one of its listeners
 * with `gateway.listener('name')`.
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
  /** Warnings found at synthesis (also printed). */
  public readonly warnings: readonly string[];
  /** How routes refer to this Gateway. */
  public readonly routeParentRef: RouteParentRef;
  /** The resolved model. @internal */
  public readonly _model: GrpcGatewayModel;

  public constructor(scope: Construct, id: string, props: GrpcGatewayProps) {
    super(scope, id);
    this._model = resolveGrpcGateway(props, {
      defaultName: id,
      defaultNamespace: Chart.of(this).namespace,
      subject: `GrpcGateway "${this.node.path}"`,
    });
    this.name = this._model.name;
    this.namespace = this._model.namespace;
    this.warnings = this._model.warnings;
    this.routeParentRef = gatewayParentRef(this._model);
    const manifests = renderGrpcGateway(this._model);
    if (manifests.gateway) this.gateway = toApiObject(this, 'gateway', manifests.gateway);
    if (manifests.gatewayClass) this.gatewayClass = toApiObject(this, 'gateway-class', manifests.gatewayClass);
    addReferenceGrants(this, this._model.crossNamespaceRefs, this._model.generateReferenceGrants);
    printWarnings(this.warnings);
  }

  /** One listener of this Gateway, as a route parent (`sectionName`). */
  public listener(name: string): IRouteParent {
    return listenerOf(this, name);
  }
}
