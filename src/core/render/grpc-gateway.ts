import { GATEWAY_API_GROUP, GATEWAY_API_VERSION } from '../../routing/gateway-api';
import type { GrpcGatewayModel, ResolvedListener } from '../grpc-gateway';
import type { KubeObject } from '../kube';
import { renderReferenceGrant } from '../reference-grants';

/** Every object of a `GrpcGateway`. */
export interface GrpcGatewayManifests {
  /** The Gateway. */
  readonly gateway: KubeObject;
  /** The GatewayClass, when the props ask for one. */
  readonly gatewayClass?: KubeObject;
  /** ReferenceGrants for certificates in other namespaces. */
  readonly referenceGrants: readonly KubeObject[];
}

/** Renders the Gateway, its GatewayClass and the ReferenceGrants its certificates need. */
export function renderGrpcGateway(model: GrpcGatewayModel): GrpcGatewayManifests {
  return {
    gateway: {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'Gateway',
      metadata: {
        name: model.name,
        namespace: model.namespace,
        labels: model.labels,
        ...(model.annotations && { annotations: model.annotations }),
      },
      spec: { gatewayClassName: model.gatewayClassName, listeners: model.listeners.map(renderListener) },
    },
    gatewayClass: model.gatewayClass && {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'GatewayClass',
      metadata: { name: model.gatewayClassName, labels: { 'app.kubernetes.io/managed-by': model.labels['app.kubernetes.io/managed-by'] } },
      spec: {
        controllerName: model.gatewayClass.controllerName,
        ...(model.gatewayClass.description && { description: model.gatewayClass.description }),
      },
    },
    referenceGrants: model.generateReferenceGrants ? model.crossNamespaceRefs.map(renderReferenceGrant) : [],
  };
}

function renderListener(l: ResolvedListener): Record<string, unknown> {
  return {
    name: l.name,
    port: l.port,
    protocol: l.protocol,
    ...(l.hostname !== undefined && { hostname: l.hostname }),
    ...(l.tls && {
      tls: {
        mode: 'Terminate',
        certificateRefs: [{ group: '', kind: 'Secret', name: l.tls.secretName, namespace: l.tls.secretNamespace }],
      },
    }),
    allowedRoutes: {
      namespaces: {
        from: l.allowedRoutesFrom,
        ...(l.allowedRoutesSelector && { selector: { matchLabels: l.allowedRoutesSelector } }),
      },
      kinds: [{ group: GATEWAY_API_GROUP, kind: 'GRPCRoute' }],
    },
  };
}
