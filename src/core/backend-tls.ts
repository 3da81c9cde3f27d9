import * as d from './defaults';
import type { ValidationIssue } from './errors';
import type { CertManagerProps, GrpcGatewayModel } from './grpc-gateway';
import type { ResolvedBalancer } from './grpc-mesh-service';
import type { KubeObject } from './kube';
import type { ProxyConfig, ProxyUpstreamTlsConfig } from './proxy-config';
import type { SecretMount } from './render/balancer-tier';
import { renderCertificate } from './render/certificate';
import type { IssueCollector } from './validation';

/**
 * TLS between the balancer tier and the service's pods (Gateway API calls it BackendTLS, Istio a DestinationRule's
 * `tls`): the pods serve gRPC over TLS with a certificate for the service's names, and the tier (Envoy or
 * grpc-mesh-proxy) verifies it against the CA and, with `mutual`, presents a client certificate the pods require.
 *
 * **The server side.** The server's Secret (`tls.crt`, `tls.key`, `ca.crt`) is mounted read-only in the server
 * container at `/etc/grpc-mesh/tls`. Its certificate names the ClusterIP Service (`<name>`, `<name>.<namespace>`,
 * `<name>.<namespace>.svc`, `<name>.<namespace>.svc.<cluster domain>`) and the headless Service's fully qualified
 * name. With grpc-js:
 *
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { Server, ServerCredentials } from '@grpc/grpc-js';
 * const server = new Server();
 * const dir = '/etc/grpc-mesh/tls';
 * const credentials = ServerCredentials.createSsl(
 *   readFileSync(`${dir}/ca.crt`), // the CA of the tier's client certificate
 *   [{ cert_chain: readFileSync(`${dir}/tls.crt`), private_key: readFileSync(`${dir}/tls.key`) }],
 *   true, // with `mutual` (the default with a tier): require the client certificate
 * );
 * server.bindAsync('0.0.0.0:50051', credentials, (error) => { if (error) throw error; });
 * ```
 *
 * cert-manager renews the certificate in the Secret and the kubelet updates the mounted files; a server that reads
 * them once at start keeps the old certificate until it restarts. grpc-js picks renewals up with
 * `experimental.FileWatcherCertificateProvider` and `experimental.createCertificateProviderServerCredentials`.
 * The tiers read their files when they start (Envoy's static `filename`s; grpc-mesh-proxy also on a config reload):
 * a renewed client certificate reaches them when their pods roll, so give certificates a lifetime that outlasts
 * the time between rollouts of the tier (cert-manager renews at two thirds of it, the old one stays valid).
 *
 * **Probes.** The kubelet's gRPC probes cannot speak TLS ("gRPC probes do not support authentication parameters",
 * Kubernetes' probe docs; `GRPCAction` has only `port` and `service`). With `healthPort`, the probes are gRPC probes
 * on that port, where the server serves `grpc.health.v1.Health` in plaintext (and nothing else); without it they are
 * `tcpSocket` probes on the TLS port (they see the port open, not the service's health), with a
 * `BACKEND_TLS_TCP_PROBES` warning. The balancer's own active health checks (`trafficPolicy.healthCheck`) speak TLS.
 *
 * **Data planes.** With `DataPlane.envoy()` or `DataPlane.proxy()`, the tier verifies the pods' certificate: its CA
 * is `ca.crt` of the server's Secret (only that key is mounted in the tier, at
 * `/etc/grpc-mesh/backend-tls/<secretName>/ca.crt`), SNI and the name checked are the ClusterIP Service's fully
 * qualified name; the client certificate is mounted at `/etc/grpc-mesh/backend-tls/<clientSecretName>/`. With
 * `DataPlane.none()` only the server side is made: clients connect to the pods themselves, must trust the CA and
 * check the headless Service's name (the `endpoint` they are given); `mutual` is refused (grpc-mesh has no client to
 * give a certificate). Istio and Linkerd already encrypt and authenticate traffic between pods with their own
 * mTLS: `backendTls` with them fails synthesis.
 *
 * A self-hosted Gateway's tier reaches a service with `backendTls` when its implementation has a client certificate
 * from the same issuer (`GatewayImplementation.proxy({ backendTls: { certManager } })`: a ClusterIssuer, or an Issuer
 * of the Gateway's namespace); it then trusts that certificate's `ca.crt`. Otherwise, and for another service's
 * balancer, a route sending calls there fails synthesis with `BACKEND_TLS_UNREACHABLE`.
 */
export interface BackendTlsProps {
  /**
   * cert-manager issues the server's certificate (a `Certificate` for the Service's names, usage server auth) and,
   * with `mutual`, the tier's client certificate (usage client auth), both from this issuer. Use an issuer that
   * fills `ca.crt` (a CA or Vault issuer, not ACME): the tier trusts it and the server checks clients against it.
   * @default - none: `secretName` names an existing Secret
   */
  readonly certManager?: CertManagerProps;
  /**
   * The server's Secret (`kubernetes.io/tls`, with `ca.crt`): the name cert-manager writes it under with
   * `certManager`, else an existing Secret whose certificate names `<name>.<namespace>.svc.<cluster domain>`.
   * @default - `<name>-tls` with certManager
   */
  readonly secretName?: string;
  /**
   * Whether the pods require the balancer tier's client certificate (mTLS), so nothing else in the cluster can
   * call them. On by default with a tier: with cert-manager it costs one more Certificate, and it is what makes the
   * pods refuse callers that bypass the balancer.
   * @default - true with DataPlane.envoy() and DataPlane.proxy(); false with DataPlane.none()
   */
  readonly mutual?: boolean;
  /**
   * The tier's client certificate Secret (`tls.crt`, `tls.key`), with `mutual`: the name cert-manager writes it
   * under with `certManager`, else an existing Secret (required then).
   * @default - `<tier name>-client-tls` with certManager
   */
  readonly clientSecretName?: string;
  /**
   * A port where the server answers `grpc.health.v1.Health` in plaintext, for the kubelet's gRPC probes (which cannot
   * speak TLS). Serve nothing else on it.
   * @default - tcpSocket probes on the TLS port, with a BACKEND_TLS_TCP_PROBES warning
   */
  readonly healthPort?: number;
}

/** Backend TLS with its defaults applied. */
export interface ResolvedBackendTls {
  /** The server's Secret. */
  readonly secretName: string;
  /** The issuer of the Certificates, when cert-manager issues them. */
  readonly certManager?: CertManagerProps;
  /** Names the server's certificate carries. */
  readonly dnsNames: readonly string[];
  /** The name the tier sends as SNI and checks the certificate against: the ClusterIP Service's FQDN. */
  readonly serverName: string;
  /** The tier's client certificate, with mTLS. */
  readonly client?: { readonly certificateName: string; readonly secretName: string; readonly dnsNames: readonly string[] };
  /** The plaintext health port of the kubelet's gRPC probes, if any. */
  readonly healthPort?: number;
}

/** What backend TLS needs to know of the service. */
export interface BackendTlsService {
  /** Service name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Port the server listens on in its pods. */
  readonly targetPort: number;
  /** The ClusterIP Service's FQDN. */
  readonly serviceFqdn: string;
  /** The headless Service's FQDN. */
  readonly headlessFqdn: string;
  /** DNS domain of the cluster. */
  readonly clusterDomain: string;
  /** Whether the service runs its own workload. */
  readonly hasWorkload: boolean;
  /** Whether a mesh carries its traffic. */
  readonly mesh: boolean;
  /** The balancer tier, if any. */
  readonly balancer?: Pick<ResolvedBalancer, 'name'>;
}

/** Directory under which a balancer tier mounts the Secrets of backend TLS, one subdirectory per Secret. */
export const TIER_BACKEND_TLS_DIR = '/etc/grpc-mesh/backend-tls';
const SERVER_USAGES = ['digital signature', 'key encipherment', 'server auth'] as const;
const CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'] as const;

/** Checks `backendTls` against the service and its data plane; call it once the data plane is resolved. */
export function validateBackendTls(issues: IssueCollector, tls: BackendTlsProps | undefined, service: BackendTlsService): void {
  if (tls === undefined) return;
  const path = 'backendTls';
  issues.require(!service.mesh, {
    code: 'BACKEND_TLS_WITH_MESH',
    path,
    value: Object.keys(tls),
    message: 'is set with a mesh data plane, which already encrypts and authenticates traffic between pods with its own mTLS',
    hint: 'Remove backendTls, or balance with DataPlane.envoy() or DataPlane.proxy().',
  });
  const cm = tls.certManager;
  validateIssuerChoice(issues, `${path}.certManager`, cm);
  if (cm === undefined) {
    issues.require(tls.secretName !== undefined, {
      code: 'BACKEND_TLS_SOURCE',
      path: `${path}.secretName`,
      value: undefined,
      message: 'is required without certManager: nothing would issue the server\'s certificate',
      hint: 'Give certManager (an issuer), or secretName (an existing kubernetes.io/tls Secret with ca.crt).',
    });
  }
  if (tls.secretName !== undefined) issues.dns1123Subdomain(`${path}.secretName`, tls.secretName);
  if (tls.clientSecretName !== undefined) issues.dns1123Subdomain(`${path}.clientSecretName`, tls.clientSecretName);
  const mutual = tls.mutual ?? service.balancer !== undefined;
  if (mutual && !service.mesh) {
    issues.require(service.balancer !== undefined, {
      code: 'BACKEND_TLS_MUTUAL',
      path: `${path}.mutual`,
      value: true,
      message: 'needs a balancer tier to hold the client certificate, and DataPlane.none() has none (clients connect to the pods themselves)',
      hint: 'Remove mutual (server TLS only: clients trust the CA), or balance with DataPlane.envoy() or DataPlane.proxy().',
    });
    issues.require(cm !== undefined || tls.secretName === undefined || tls.clientSecretName !== undefined, {
      code: 'BACKEND_TLS_MUTUAL',
      path: `${path}.clientSecretName`,
      value: undefined,
      message: 'is required with mutual TLS and an existing server Secret: nothing would issue the tier\'s client certificate',
      hint: 'Name the client certificate Secret, give certManager, or set mutual: false.',
    });
  } else if (!mutual) {
    issues.require(tls.clientSecretName === undefined, {
      code: 'BACKEND_TLS_MUTUAL',
      path: `${path}.clientSecretName`,
      value: tls.clientSecretName,
      message: 'has no effect without mutual TLS',
      hint: 'Remove it, or set mutual: true.',
    });
  }
  if (issues.port(`${path}.healthPort`, tls.healthPort) && tls.healthPort !== undefined) {
    issues.require(service.hasWorkload, {
      code: 'BACKEND_TLS_HEALTH_PORT',
      path: `${path}.healthPort`,
      value: tls.healthPort,
      message: 'sets the probes of the workload, and the service runs none (it selects existing pods)',
      hint: 'Remove it, and probe your own pods as you deploy them.',
    });
    issues.require(tls.healthPort !== service.targetPort, {
      code: 'BACKEND_TLS_HEALTH_PORT',
      path: `${path}.healthPort`,
      value: tls.healthPort,
      message: 'is the TLS port: the kubelet\'s gRPC probes speak plaintext only',
      hint: 'Serve grpc.health.v1 in plaintext on another port.',
    });
  } else if (service.hasWorkload) {
    issues.warn({
      code: 'BACKEND_TLS_TCP_PROBES',
      path: `${path}.healthPort`,
      value: undefined,
      message: 'is not set, so the server\'s probes only check that the TLS port accepts connections (the kubelet\'s gRPC probes cannot speak TLS)',
      hint: 'Serve grpc.health.v1 in plaintext on another port and name it here, or silence BACKEND_TLS_TCP_PROBES.',
    });
  }
}

/** Applies the defaults of `backendTls`. */
export function resolveBackendTls(tls: BackendTlsProps, service: BackendTlsService): ResolvedBackendTls {
  const { name, namespace, serviceFqdn, headlessFqdn, balancer, clusterDomain } = service;
  const mutual = balancer !== undefined && (tls.mutual ?? true);
  const headless = headlessFqdn.split('.')[0];
  return {
    secretName: tls.secretName ?? `${name}-tls`,
    ...(tls.certManager !== undefined && { certManager: tls.certManager }),
    dnsNames: [serviceFqdn, `${name}.${namespace}.svc`, `${name}.${namespace}`, name, headlessFqdn, `${headless}.${namespace}.svc`],
    serverName: serviceFqdn,
    ...(mutual && {
      client: {
        certificateName: `${balancer.name}-client`,
        secretName: tls.clientSecretName ?? `${balancer.name}-client-tls`,
        dnsNames: [`${balancer.name}.${namespace}.svc.${clusterDomain}`],
      },
    }),
    ...(tls.healthPort !== undefined && { healthPort: tls.healthPort }),
  };
}

/**
 * The upstream TLS of the tier's cluster of the service's pods: the files of the Secrets the tier mounts
 * ({@link backendTlsSecretMounts}).
 */
export function backendTlsUpstream(tls: ResolvedBackendTls): ProxyUpstreamTlsConfig {
  const client = tls.client && `${TIER_BACKEND_TLS_DIR}/${tls.client.secretName}`;
  return {
    caFile: `${TIER_BACKEND_TLS_DIR}/${tls.secretName}/ca.crt`,
    serverName: tls.serverName,
    ...(client !== undefined && { certFile: `${client}/tls.crt`, keyFile: `${client}/tls.key` }),
  };
}

/**
 * The Secrets a balancer tier mounts for backend TLS: `ca.crt` alone of the server's Secret (never its key), and
 * the client certificate with mTLS.
 */
export function backendTlsSecretMounts(tls: ResolvedBackendTls | undefined): SecretMount[] {
  if (tls === undefined) return [];
  const mount = (secretName: string, keys: readonly string[]): SecretMount => ({
    secretName, mountPath: `${TIER_BACKEND_TLS_DIR}/${secretName}`, keys,
  });
  return [mount(tls.secretName, ['ca.crt']), ...(tls.client ? [mount(tls.client.secretName, ['tls.crt', 'tls.key'])] : [])];
}

/** The cert-manager Certificates of backend TLS: the server's, and the tier's client certificate with mTLS. */
export function renderBackendTlsCertificates(
  tls: ResolvedBackendTls | undefined, service: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> },
): KubeObject[] {
  if (tls?.certManager === undefined) return [];
  const common = { namespace: service.namespace, labels: service.labels, issuer: tls.certManager };
  return [
    renderCertificate({ ...common, name: tls.secretName, secretName: tls.secretName, dnsNames: tls.dnsNames, usages: SERVER_USAGES }),
    ...(tls.client ? [renderCertificate({
      ...common, name: tls.client.certificateName, secretName: tls.client.secretName, dnsNames: tls.client.dnsNames, usages: CLIENT_USAGES,
    })] : []),
  ];
}

/** What the server container gets with backend TLS: the Secret's volume and mount, and probes that need no TLS. */
export interface WorkloadTls {
  /** The pod's volume of the server's Secret. */
  readonly volume: Record<string, unknown>;
  /** Its read-only mount in the server container. */
  readonly volumeMount: Record<string, unknown>;
  /** The action of the three probes. */
  readonly probe: Record<string, unknown>;
  /** The plaintext health port, when given. */
  readonly ports: ReadonlyArray<Record<string, unknown>>;
}

/**
 * The server container's share of backend TLS.
 * @param grpcProbe the gRPC probe of the server without TLS (its port is the TLS port)
 */
export function workloadTls(tls: ResolvedBackendTls, grpcProbe: { readonly port: number; readonly service?: string }): WorkloadTls {
  return {
    // Readable by the pod's group only (fsGroup is the server's UID).
    volume: { name: d.WORKLOAD_TLS_VOLUME_NAME, secret: { secretName: tls.secretName, defaultMode: 0o440 } },
    volumeMount: { name: d.WORKLOAD_TLS_VOLUME_NAME, mountPath: d.WORKLOAD_TLS_DIR, readOnly: true },
    probe: tls.healthPort === undefined ? { tcpSocket: { port: grpcProbe.port } } : { grpc: { ...grpcProbe, port: tls.healthPort } },
    ports: tls.healthPort === undefined ? [] : [{ name: 'grpc-health', containerPort: tls.healthPort, protocol: 'TCP' }],
  };
}

/** A tier's own client certificate for services with backend TLS (a self-hosted Gateway's), in `namespace`. */
export interface TierBackendClient {
  /** Its issuer: it serves the services whose certificates come from the same one. */
  readonly certManager: CertManagerProps;
  /** The Secret cert-manager writes it to (`tls.crt`, `tls.key`, `ca.crt`). */
  readonly secretName: string;
  /** The tier's namespace. */
  readonly namespace: string;
}

/** The client certificate of a self-hosted Gateway's tier for services with backend TLS, if it has one. */
export function gatewayBackendClient(model: GrpcGatewayModel): TierBackendClient | undefined {
  const tls = model.tier?.backendTls;
  return tls && { ...tls, namespace: model.namespace };
}

/** The client certificate of a self-hosted Gateway's tier, named after its Secret. */
export function renderTierClientCertificate(
  client: TierBackendClient, tierName: string, labels: Readonly<Record<string, string>>,
): KubeObject {
  return renderCertificate({
    name: client.secretName,
    namespace: client.namespace,
    labels,
    secretName: client.secretName,
    dnsNames: [`${tierName}.${client.namespace}.svc`],
    usages: CLIENT_USAGES,
    issuer: client.certManager,
  });
}

/** Where a tier mounts its own client certificate: all three keys, `ca.crt` being the CA it trusts. */
export function tierClientSecretMount(client: TierBackendClient): SecretMount {
  return { secretName: client.secretName, mountPath: `${TIER_BACKEND_TLS_DIR}/${client.secretName}` };
}

/** Checks that `certManager` names exactly one issuer. */
export function validateIssuerChoice(issues: IssueCollector, path: string, cm: CertManagerProps | undefined): void {
  if (cm === undefined) return;
  issues.require((cm.issuer === undefined) !== (cm.clusterIssuer === undefined), {
    code: 'INVALID_CERT_MANAGER', path, value: cm, message: 'must name exactly one of issuer and clusterIssuer',
  });
}

/** Whether a tier's client certificate comes from the issuer of a service's certificates (a CA both trust). */
function sameIssuer(client: TierBackendClient, service: { readonly namespace: string; readonly tls: ResolvedBackendTls }): boolean {
  const cm = service.tls.certManager;
  if (cm === undefined) return false;
  if (cm.clusterIssuer !== undefined) return cm.clusterIssuer === client.certManager.clusterIssuer;
  return cm.issuer === client.certManager.issuer && service.namespace === client.namespace;
}

/** What a tier knows to reach the services of its clusters that have backend TLS. */
export interface TierBackendTls {
  /** The cluster of the service whose balancer the tier is, if it is one. */
  readonly ownCluster?: string;
  /** That service's backend TLS. */
  readonly ownTls?: ResolvedBackendTls;
  /** The tier's own client certificate (a self-hosted Gateway's), if any. */
  readonly client?: TierBackendClient;
  /** The backend TLS of the service a cluster reaches, by cluster name. */
  readonly tlsOf: (cluster: string) => { readonly namespace: string; readonly name: string; readonly tls: ResolvedBackendTls } | undefined;
  /** How messages name the tier. */
  readonly owner: string;
}

/**
 * A tier's compiled clusters with backend TLS: the service's own cluster speaks TLS to its pods with the files of
 * {@link backendTlsSecretMounts}; a cluster of another service with backend TLS speaks it with the tier's own client
 * certificate when it comes from the same issuer, and is refused otherwise (`BACKEND_TLS_UNREACHABLE`): the tier
 * then holds neither the CA nor a client certificate the pods accept.
 */
export function withBackendTls(
  config: ProxyConfig, tier: TierBackendTls,
): { readonly config: ProxyConfig; readonly issues: readonly ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const { client } = tier;
  const clusters = config.clusters.map((c) => {
    if (c.name === tier.ownCluster) return tier.ownTls === undefined ? c : { ...c, tls: backendTlsUpstream(tier.ownTls) };
    const target = tier.tlsOf(c.name);
    if (target === undefined) return c;
    if (client !== undefined && sameIssuer(client, target)) {
      const dir = `${TIER_BACKEND_TLS_DIR}/${client.secretName}`;
      return { ...c, tls: { caFile: `${dir}/ca.crt`, serverName: target.tls.serverName, certFile: `${dir}/tls.crt`, keyFile: `${dir}/tls.key` } };
    }
    const service = `${target.namespace}/${target.name}`;
    issues.push({
      code: 'BACKEND_TLS_UNREACHABLE',
      path: `cluster "${c.name}"`,
      value: service,
      message: `reaches GrpcMeshService "${service}", whose pods speak TLS (backendTls), and ${tier.owner} holds neither its CA nor a client certificate it accepts`,
      hint: `Send these calls through the balancer of "${service}" (its endpoint); or, for a self-hosted Gateway, give its implementation `
        + 'backendTls.certManager with the issuer of the service\'s certificate (a ClusterIssuer, or an Issuer of the Gateway\'s namespace).',
    });
    return c;
  });
  return { config: { ...config, clusters }, issues };
}
