import { GATEWAY_API_GROUP, GATEWAY_API_VERSION } from '../../routing/gateway-api';
import type { GrpcGatewayModel, ResolvedListener } from '../grpc-gateway';
import type { KubeObject } from '../kube';
import { renderMonitoring } from '../monitoring';
import { generatedReferenceGrants } from '../reference-grants';
import { renderCertificate } from './certificate';
import { gatewayBackendClient, renderTierClientCertificate } from '../backend-tls';

/** Every object of a `GrpcGateway`. */
export interface GrpcGatewayManifests {
  /** The Gateway, unless a self-hosted tier serves it without writing Gateway API objects. */
  readonly gateway?: KubeObject;
  /** The GatewayClass, when the props ask for one. */
  readonly gatewayClass?: KubeObject;
  /** ReferenceGrants for certificates in other namespaces. */
  readonly referenceGrants: readonly KubeObject[];
  /** cert-manager Certificates of a self-hosted Gateway's TLS listeners (a controller's Gateway gets annotations instead). */
  readonly certificates: readonly KubeObject[];
  /** Prometheus operator objects of a self-hosted Gateway's tier (PodMonitor, PrometheusRule), when `monitoring` asks. */
  readonly monitoring: readonly KubeObject[];
  /** The Grafana dashboard ConfigMap of a self-hosted Gateway's tier, when `monitoring` asks for it. */
  readonly dashboard?: KubeObject;
}

/**
 * Renders the Gateway, its GatewayClass and the ReferenceGrants its certificates need; for a self-hosted Gateway,
 * its cert-manager Certificates, and the Gateway API objects only when asked for. The tier itself is rendered by
 * `renderGatewayTier`, once the routes are known.
 */
export function renderGrpcGateway(model: GrpcGatewayModel): GrpcGatewayManifests {
  const gatewayApiObjects = model.tier === undefined || model.tier.gatewayApiObjects;
  const { prometheus, dashboard } = renderMonitoring(model.monitoring);
  return {
    gateway: gatewayApiObjects ? renderGatewayObject(model) : undefined,
    gatewayClass: gatewayApiObjects && model.gatewayClass ? {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'GatewayClass',
      metadata: { name: model.gatewayClassName, labels: { 'app.kubernetes.io/managed-by': model.labels['app.kubernetes.io/managed-by'] } },
      spec: {
        controllerName: model.gatewayClass.controllerName,
        ...(model.gatewayClass.description && { description: model.gatewayClass.description }),
      },
    } : undefined,
    referenceGrants: generatedReferenceGrants({ refs: model.crossNamespaceRefs, generate: gatewayApiObjects && model.generateReferenceGrants }),
    certificates: model.tier ? [...renderCertificates(model), ...tierClientCertificate(model)] : [],
    monitoring: prometheus,
    ...(dashboard && { dashboard }),
  };
}

/** The Gateway object, which self-hosted tiers also compile their routes from when it is not written out. */
export function renderGatewayObject(model: GrpcGatewayModel): KubeObject {
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: {
      name: model.name,
      namespace: model.namespace,
      labels: model.labels,
      ...(model.annotations && { annotations: model.annotations }),
    },
    spec: {
      gatewayClassName: model.gatewayClassName,
      listeners: model.listeners.map(renderListener),
      ...frontendValidation(model.listeners),
    },
  };
}

/**
 * Gateway API frontend validation (GEP-91, in the standard channel since kubernetes-sigs/gateway-api#4496; Core):
 * per port, the CA ConfigMap that signs the client certificates its TLS listeners require (mode `AllowValidOnly`,
 * the default). Per port, not per listener, since HTTP/2 coalesces connections across the listeners of a port. The
 * CRD requires `default`, left empty: ports not listed ask for no client certificate.
 */
function frontendValidation(listeners: readonly ResolvedListener[]): { tls?: Record<string, unknown> } {
  const perPort = new Map<number, string>();
  for (const l of listeners) {
    if (l.tls?.clientCa !== undefined && !perPort.has(l.port)) perPort.set(l.port, l.tls.clientCa.name);
  }
  if (perPort.size === 0) return {};
  return {
    tls: {
      frontend: {
        default: {},
        perPort: [...perPort].map(([port, name]) => ({
          port,
          tls: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name }] } },
        })),
      },
    },
  };
}

/** One cert-manager Certificate per Secret of the TLS listeners, for the hostnames of the listeners that use it. */
function renderCertificates(model: GrpcGatewayModel): KubeObject[] {
  const cm = model.certManager;
  if (!cm) return [];
  const hostnames = new Map<string, string[]>();
  for (const l of model.listeners) {
    if (!l.tls || l.hostname === undefined) continue;
    const names = hostnames.get(l.tls.secretName) ?? [];
    if (!names.includes(l.hostname)) names.push(l.hostname);
    hostnames.set(l.tls.secretName, names);
  }
  // Named after the Secret, as cert-manager's own Gateway support names the Certificates it creates.
  return [...hostnames].map(([secretName, dnsNames]) => renderCertificate({
    name: secretName, namespace: model.namespace, labels: model.labels, secretName, dnsNames, issuer: cm,
  }));
}

/** The client certificate of the tier for services with backend TLS, when the implementation asks for one. */
function tierClientCertificate(model: GrpcGatewayModel): KubeObject[] {
  const client = gatewayBackendClient(model);
  return client && model.tier ? [renderTierClientCertificate(client, model.tier.name, model.labels)] : [];
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
