import * as d from './defaults';
import { GatewayImplementation } from './gateway-implementation';
import type { ResolvedTier } from './grpc-mesh-service';
import { resolveClientCa, validateClientCertificates, type ClientCertificateProps, type ResolvedClientCa } from './listener-tls';
import type { MonitoringProps } from './monitoring/props';
import { resolveMonitoring, type ResolvedMonitoring } from './monitoring/resolve';
import { tierSeries } from './monitoring/series';
import { validateGatewayMonitoring } from './monitoring/validate';
import type { ResolvedGatewayTierNetworkPolicy } from './network-policy';
import { crossNamespaceReferences, resolveReferenceGrantsProp, type CrossNamespaceReference } from './reference-grants';
import type { GatewayParentRef, ListenerSummary } from './route-refs';
import { IssueCollector } from './validation';
import { isValidHostname } from '../routing';

/** TLS termination of a listener with a certificate from a Secret. */
export interface GrpcListenerTls {
  /** Secret of type `kubernetes.io/tls` holding the certificate and key. */
  readonly secretName: string;
  /**
   * Namespace of the Secret. A ReferenceGrant is generated when it differs from the Gateway's.
   * @default - the Gateway's namespace
   */
  readonly secretNamespace?: string;
  /**
   * Requires every client to present a certificate signed by this CA bundle (mutual TLS): a ConfigMap in the
   * Gateway's namespace with the key `ca.crt`, written as Gateway API frontend validation (`spec.tls.frontend`, for
   * the listener's port, mode `AllowValidOnly`). TLS listeners sharing a port share it.
   * @default - no client certificate is asked for
   */
  readonly clientCertificates?: ClientCertificateProps;
}

/** A TLS listener's certificate and client CA, with defaults applied. */
export interface ResolvedListenerTls {
  /** The certificate Secret. */
  readonly secretName: string;
  /** Its namespace. */
  readonly secretNamespace: string;
  /** The CA bundle of the client certificates, when they are required. */
  readonly clientCa?: ResolvedClientCa;
}

/** Which namespaces' routes may attach to a listener. */
export interface AllowedRoutes {
  /**
   * `Same`: the Gateway's namespace; `All`: every namespace; `Selector`: namespaces with the `selector` labels.
   * @default 'Same'
   */
  readonly from?: 'Same' | 'All' | 'Selector';
  /**
   * Namespace labels, with `from: 'Selector'`.
   * @default - none
   */
  readonly selector?: Readonly<Record<string, string>>;
}

/** A gRPC listener of a Gateway: h2c (HTTP) without `tls`, HTTPS with TLS termination with it. */
export interface GrpcListenerProps {
  /** Listener name, unique in the Gateway; routes select it as `sectionName`. */
  readonly name: string;
  /** Port. */
  readonly port: number;
  /**
   * Hostname the listener serves; a leading `*.` matches subdomains.
   * @default - every hostname
   */
  readonly hostname?: string;
  /**
   * Terminates TLS (ALPN h2) with this certificate; the listener speaks h2c without it.
   * @default - no TLS
   */
  readonly tls?: GrpcListenerTls;
  /**
   * Which routes may attach (always GRPCRoutes only).
   * @default - routes of the Gateway's namespace
   */
  readonly allowedRoutes?: AllowedRoutes;
}

/** The GatewayClass to create along with the Gateway. */
export interface GatewayClassProps {
  /** Controller that implements the class, e.g. `gateway.envoyproxy.io/gatewayclass-controller`. */
  readonly controllerName: string;
  /**
   * Description.
   * @default - none
   */
  readonly description?: string;
}

/**
 * Certificates issued by cert-manager for the TLS listeners.
 *
 * A Gateway served by a controller gets the `cert-manager.io/issuer` or `cert-manager.io/cluster-issuer`
 * annotation, which cert-manager reads only with its Gateway API support switched on: the Helm value
 * `config.enableGatewayAPI: true` (or the controller flag `--enable-gateway-api`) from cert-manager 1.15, the
 * `ExperimentalGatewayAPISupport` feature gate before. Without it the annotation does nothing and the listeners'
 * Secrets never appear. A self-hosted Gateway (grpc-mesh-proxy or Envoy tier) gets cert-manager `Certificate`
 * objects instead, which need no such switch.
 *
 * An ACME issuer (such as Let's Encrypt) issues a certificate for a wildcard hostname (`*.example.com`) only
 * through a DNS-01 solver: a listener with a wildcard hostname gets a `WILDCARD_CERTIFICATE_NEEDS_DNS01` warning.
 */
export interface CertManagerProps {
  /**
   * Issuer in the Gateway's namespace. Give either this or `clusterIssuer`.
   * @default - none
   */
  readonly issuer?: string;
  /**
   * ClusterIssuer. Give either this or `issuer`.
   * @default - none
   */
  readonly clusterIssuer?: string;
}

/** Properties of a `GrpcGateway`: a Gateway API Gateway with gRPC listeners. */
export interface GrpcGatewayProps {
  /**
   * Name of the Gateway.
   * @default - the construct id (cdk8s) or the resource name (Pulumi)
   */
  readonly name?: string;
  /**
   * Namespace of the Gateway.
   * @default - the cdk8s chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /**
   * GatewayClass that implements the Gateway, e.g. `istio`, `eg` (Envoy Gateway) or `cilium`: the short form of
   * `implementation: GatewayImplementation.controller(name)`.
   * @default - required when a controller serves the Gateway; `grpc-mesh` for a self-hosted one
   */
  readonly gatewayClassName?: string;
  /**
   * Who serves the Gateway: a Gateway API controller, or a grpc-mesh-proxy or Envoy tier deployed with the app,
   * with every route attached to the Gateway compiled in (no controller, no Gateway API CRDs needed).
   * @default - GatewayImplementation.controller(gatewayClassName)
   */
  readonly implementation?: GatewayImplementation;
  /**
   * Creates the GatewayClass too.
   * @default - none: the class exists already
   */
  readonly gatewayClass?: GatewayClassProps;
  /** Listeners (1 to 64). */
  readonly listeners: readonly GrpcListenerProps[];
  /**
   * Has cert-manager issue the certificates of the TLS listeners (every TLS listener needs a hostname). For a
   * controller's Gateway, cert-manager must run with its Gateway API support on (`config.enableGatewayAPI: true`);
   * a wildcard hostname needs an issuer with a DNS-01 solver. See {@link CertManagerProps}.
   * @default - none
   */
  readonly certManager?: CertManagerProps;
  /**
   * Generates the ReferenceGrants that certificates in other namespaces need (`true`). With `false`, every such
   * Secret must be allowed by a ReferenceGrant defined elsewhere in the app (with Pulumi, which sees no other: one
   * another component of the stack generates), or the Gateway fails (`MISSING_REFERENCE_GRANT`). With `'external'`,
   * the grants are left to the owners of the Secrets' namespaces: none is generated or checked.
   * @default true
   */
  readonly referenceGrants?: boolean | 'external';
  /**
   * Extra labels on the Gateway.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Annotations on the Gateway.
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Monitoring of a self-hosted Gateway's tier (grpc-mesh-proxy or Envoy): a PodMonitor, error-rate, latency and
   * no-ready-endpoints alerts (the latter per cluster) and a Grafana dashboard. A controller's Gateway cannot have it.
   * @default - none
   */
  readonly monitoring?: MonitoringProps;
  /**
   * Codes of warnings not to print.
   * @default - none
   */
  readonly silenceWarnings?: readonly string[];
}

/** A listener with defaults applied. */
export interface ResolvedListener extends ListenerSummary {
  /** `HTTP` (h2c) or `HTTPS` (TLS terminated). */
  readonly protocol: 'HTTP' | 'HTTPS';
  /** The TLS certificate and client CA. */
  readonly tls?: ResolvedListenerTls;
  /** Namespace labels, with `allowedRoutesFrom: 'Selector'`. */
  readonly allowedRoutesSelector?: Readonly<Record<string, string>>;
}

/** The tier of a self-hosted Gateway, with every default applied. */
export interface ResolvedGatewayTier extends ResolvedTier {
  /** Whether the Gateway and its GRPCRoutes are also written as Gateway API objects. */
  readonly gatewayApiObjects: boolean;
  /** The tier's client certificate for services with backend TLS: its issuer and Secret. */
  readonly backendTls?: { readonly certManager: CertManagerProps; readonly secretName: string };
  /** The NetworkPolicy of the tier's pods, unless it is switched off. */
  readonly networkPolicy?: ResolvedGatewayTierNetworkPolicy;
}

/** A `GrpcGateway` after validation: the input of its render function. */
export interface GrpcGatewayModel {
  /** Gateway name. */
  readonly name: string;
  /** Gateway namespace. */
  readonly namespace: string;
  /** GatewayClass name. */
  readonly gatewayClassName: string;
  /** GatewayClass to create. */
  readonly gatewayClass?: GatewayClassProps;
  /** The tier that serves the Gateway when it is self-hosted; a controller serves it otherwise. */
  readonly tier?: ResolvedGatewayTier;
  /** cert-manager settings. */
  readonly certManager?: CertManagerProps;
  /** Listeners. */
  readonly listeners: readonly ResolvedListener[];
  /** Labels of the Gateway. */
  readonly labels: Readonly<Record<string, string>>;
  /** Annotations of the Gateway (cert-manager's included). */
  readonly annotations?: Readonly<Record<string, string>>;
  /** References to Secrets in other namespaces. */
  readonly crossNamespaceRefs: readonly CrossNamespaceReference[];
  /** Whether ReferenceGrants are generated for them. */
  readonly generateReferenceGrants: boolean;
  /** Whether a certificate in another namespace must be allowed by a grant of the app (not with `referenceGrants: 'external'`). */
  readonly checkReferenceGrants: boolean;
  /** Monitoring of the self-hosted tier, with every default applied. */
  readonly monitoring?: ResolvedMonitoring;
  /** Warnings to show the user. */
  readonly warnings: readonly string[];
}

/** Context of resolution (see `resolveGrpcMeshService`). */
export interface GatewayResolveContext {
  /** Name when the props give none. */
  readonly defaultName: string;
  /** Namespace when the props give none. */
  readonly defaultNamespace?: string;
  /** How errors name the construct. */
  readonly subject?: string;
}

/** Most listeners a Gateway may have. */
export const MAX_LISTENERS = 64;
const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Validates `GrpcGateway` props, collecting every problem, and returns the resolved model. */
export function resolveGrpcGateway(props: GrpcGatewayProps, context: GatewayResolveContext): GrpcGatewayModel {
  const name = props.name ?? context.defaultName;
  const namespace = props.namespace ?? context.defaultNamespace ?? d.DEFAULT_NAMESPACE;
  const issues = new IssueCollector(context.subject ?? `GrpcGateway "${name}"`, props.silenceWarnings);
  issues.dns1123Label('name', name);
  issues.dns1123Label('namespace', namespace);
  const implementation = (props.implementation ?? GatewayImplementation.controller(props.gatewayClassName as string)).strategy;
  const gatewayClassName = implementation.gatewayClassName ?? props.gatewayClassName ?? d.SELF_HOSTED_GATEWAY_CLASS;
  implementation.validate(issues, props);
  if (gatewayClassName !== undefined) issues.dns1123Subdomain('gatewayClassName', gatewayClassName);
  issues.labels('labels', props.labels);
  if (issues.count('listeners', props.listeners, 1, MAX_LISTENERS, 'listeners')) {
    props.listeners.forEach((l, i) => validateListener(issues, `listeners[${i}]`, l));
    checkDistinctListeners(issues, props.listeners);
    checkClientCertificatesPerPort(issues, props.listeners);
    implementation.validateListeners(issues, props, namespace);
  }
  validateCertManager(issues, props, namespace);
  validateGatewayMonitoring(issues, props.monitoring, (monitoring) => implementation.validateMonitoring(issues, monitoring));
  issues.throwIfAny();

  const listeners = props.listeners.map((l) => resolveListener(l, namespace));
  const tier = implementation.resolveTier(name, props.labels);
  const selfHosted = tier !== undefined;
  return {
    name,
    namespace,
    gatewayClassName,
    gatewayClass: props.gatewayClass,
    tier,
    certManager: props.certManager,
    listeners,
    labels: { ...props.labels, 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': d.MANAGED_BY },
    // A self-hosted Gateway's certificates are cert-manager Certificates of their own, not the Gateway's annotations.
    annotations: (selfHosted ? undefined : certManagerAnnotations(props)) ?? props.annotations,
    crossNamespaceRefs: crossNamespaceReferences(listeners.flatMap((l) => (l.tls ? [{
      fromKind: 'Gateway' as const, fromNamespace: namespace, toKind: 'Secret' as const, toNamespace: l.tls.secretNamespace, toName: l.tls.secretName,
    }] : []))),
    ...resolveReferenceGrantsProp(props.referenceGrants),
    ...(props.monitoring && tier && { monitoring: resolveGatewayMonitoring(props.monitoring, name, namespace, tier) }),
    warnings: issues.warnings,
  };
}

/**
 * Monitoring of a self-hosted Gateway's tier (objects named `<gateway>-gateway-grpc...`, alerts labelled
 * `gateway: <name>`; the no-ready-endpoints alert fires per cluster).
 */
function resolveGatewayMonitoring(monitoring: MonitoringProps, name: string, namespace: string, tier: ResolvedTier): ResolvedMonitoring {
  const subject = { name: `${name}-gateway`, namespace, target: `Gateway ${namespace}/${name}`, alertLabels: { gateway: name } };
  return resolveMonitoring(monitoring, subject, tierSeries(tier, namespace), tier.labels);
}

/** How routes refer to a Gateway: by name, with its listeners and class, so their attachment is checked. */
export function gatewayParentRef(model: GrpcGatewayModel): GatewayParentRef {
  return {
    kind: 'Gateway',
    name: model.name,
    namespace: model.namespace,
    listeners: model.listeners,
    gatewayClassName: model.gatewayClassName,
    ...(model.tier && { servedBy: model.tier.kind, gatewayApiObjects: model.tier.gatewayApiObjects }),
  };
}

function validateListener(issues: IssueCollector, path: string, l: GrpcListenerProps): void {
  issues.require(l.name.length <= 253 && SECTION_NAME.test(l.name), {
    code: 'INVALID_NAME', path: `${path}.name`, value: l.name, message: 'must be a DNS-1123 label (lower-case letters, digits and \'-\')',
  });
  issues.port(`${path}.port`, l.port);
  if (l.hostname !== undefined) {
    issues.require(isValidHostname(l.hostname, { allowWildcard: true }), {
      code: 'INVALID_HOSTNAME',
      path: `${path}.hostname`,
      value: l.hostname,
      message: 'must be a DNS name, optionally with a leading "*." wildcard label (no wildcard elsewhere, no IP address)',
    });
  }
  if (l.tls) {
    // JavaScript callers (and `as any`) can leave it out; the listener would have no certificate to serve.
    if (issues.require(typeof l.tls.secretName === 'string' && l.tls.secretName !== '', {
      code: 'SECRET_REQUIRED',
      path: `${path}.tls.secretName`,
      value: l.tls.secretName,
      message: 'is required on a TLS listener: the Secret (type kubernetes.io/tls) with its certificate and key',
      hint: 'Name the Secret; with certManager, cert-manager issues it under that name.',
    })) issues.dns1123Subdomain(`${path}.tls.secretName`, l.tls.secretName);
    if (l.tls.secretNamespace !== undefined) issues.dns1123Label(`${path}.tls.secretNamespace`, l.tls.secretNamespace);
    if (l.tls.clientCertificates !== undefined) validateClientCertificates(issues, `${path}.tls.clientCertificates`, l.tls.clientCertificates, true);
  }
  const from = l.allowedRoutes?.from ?? 'Same';
  issues.require(['Same', 'All', 'Selector'].includes(from), {
    code: 'INVALID_ALLOWED_ROUTES', path: `${path}.allowedRoutes.from`, value: from, message: 'must be Same, All or Selector',
  });
  const hasSelector = Object.keys(l.allowedRoutes?.selector ?? {}).length > 0;
  issues.require(hasSelector === (from === 'Selector'), {
    code: 'INVALID_ALLOWED_ROUTES',
    path: `${path}.allowedRoutes.selector`,
    value: l.allowedRoutes?.selector,
    message: from === 'Selector' ? 'must have at least one label with from: Selector' : 'is only used with from: Selector',
  }) && issues.labels(`${path}.allowedRoutes.selector`, l.allowedRoutes?.selector);
}

/** Listener names must be unique, and two listeners may not claim the same port and hostname. */
function checkDistinctListeners(issues: IssueCollector, listeners: readonly GrpcListenerProps[]): void {
  const names = new Map<string, number>();
  const endpoints = new Map<string, number>();
  listeners.forEach((l, i) => {
    const first = names.get(l.name);
    issues.require(first === undefined, {
      code: 'DUPLICATE_LISTENER', path: `listeners[${i}].name`, value: l.name, message: `repeats the name of listeners[${first}]`,
    });
    names.set(l.name, first ?? i);
    const key = `${l.port}/${l.hostname ?? '*'}`;
    const same = endpoints.get(key);
    issues.require(same === undefined, {
      code: 'CONFLICTING_LISTENERS',
      path: `listeners[${i}]`,
      value: { port: l.port, hostname: l.hostname },
      message: `claims the same port and hostname as listeners[${same}]`,
      hint: 'Give them distinct hostnames or ports.',
    });
    endpoints.set(key, same ?? i);
  });
}

/**
 * TLS listeners sharing a port ask for the same client CA, or none: Gateway API's frontend validation is set per
 * port (`spec.tls.frontend.perPort`), not per listener.
 */
function checkClientCertificatesPerPort(issues: IssueCollector, listeners: readonly GrpcListenerProps[]): void {
  const byPort = new Map<number, number[]>();
  listeners.forEach((l, i) => {
    if (l.tls) byPort.set(l.port, [...(byPort.get(l.port) ?? []), i]);
  });
  for (const [port, indexes] of byPort) {
    const cas = new Set(indexes.map((i) => listeners[i].tls?.clientCertificates?.caConfigMap ?? ''));
    issues.require(cas.size === 1, {
      code: 'CLIENT_CERTIFICATES_PER_PORT',
      path: `listeners[${indexes.join(',')}].tls.clientCertificates`,
      value: [...cas].map((ca) => ca || 'none'),
      message: `share port ${port} and ask for different client CAs; Gateway API validates client certificates per port`,
      hint: 'Give these listeners the same clientCertificates, or distinct ports.',
    });
  }
}

function validateCertManager(issues: IssueCollector, props: GrpcGatewayProps, namespace: string): void {
  const cm = props.certManager;
  if (!cm) return;
  issues.require((cm.issuer === undefined) !== (cm.clusterIssuer === undefined), {
    code: 'INVALID_CERT_MANAGER', path: 'certManager', value: cm, message: 'must name exactly one of issuer and clusterIssuer',
  });
  const issuer = cm.issuer !== undefined ? `Issuer "${cm.issuer}"` : `ClusterIssuer "${cm.clusterIssuer}"`;
  props.listeners.forEach((l, i) => {
    if (l.tls && l.hostname?.startsWith('*.')) {
      issues.warn({
        code: 'WILDCARD_CERTIFICATE_NEEDS_DNS01',
        path: `listeners[${i}].hostname`,
        value: l.hostname,
        message: `is a wildcard: an ACME ${issuer} (such as Let's Encrypt) issues its certificate only through a DNS-01 solver, `
          + 'never HTTP-01',
        hint: `Give ${issuer} a dns01 solver, or use an issuer that is not ACME (CA, Vault); silence WILDCARD_CERTIFICATE_NEEDS_DNS01 once it has one.`,
      });
    }
    if (l.tls) {
      issues.require(l.hostname !== undefined, {
        code: 'CERT_WITHOUT_HOSTNAME',
        path: `listeners[${i}].hostname`,
        value: undefined,
        message: 'is required on a TLS listener when cert-manager issues its certificate',
        hint: 'cert-manager puts the hostname in the certificate.',
      });
      issues.require((l.tls.secretNamespace ?? namespace) === namespace, {
        code: 'CERT_IN_OTHER_NAMESPACE',
        path: `listeners[${i}].tls.secretNamespace`,
        value: l.tls.secretNamespace,
        message: 'must be the Gateway\'s namespace when cert-manager issues the certificate',
      });
    }
  });
  if (!props.listeners.some((l) => l.tls)) {
    issues.warn({ code: 'CERT_MANAGER_UNUSED', path: 'certManager', value: cm, message: 'has no effect: no listener terminates TLS' });
  }
}

function certManagerAnnotations(props: GrpcGatewayProps): Record<string, string> | undefined {
  const cm = props.certManager;
  if (!cm) return undefined;
  const [key, issuer] = cm.issuer !== undefined ? ['cert-manager.io/issuer', cm.issuer] : ['cert-manager.io/cluster-issuer', cm.clusterIssuer];
  return { ...props.annotations, [key]: issuer as string };
}

function resolveListener(l: GrpcListenerProps, namespace: string): ResolvedListener {
  return {
    name: l.name,
    port: l.port,
    hostname: l.hostname,
    protocol: l.tls ? 'HTTPS' : 'HTTP',
    tls: l.tls && {
      secretName: l.tls.secretName,
      secretNamespace: l.tls.secretNamespace ?? namespace,
      ...(l.tls.clientCertificates && { clientCa: resolveClientCa(l.tls.clientCertificates) }),
    },
    allowedRoutesFrom: l.allowedRoutes?.from ?? 'Same',
    allowedRoutesSelector: l.allowedRoutes?.selector,
  };
}
