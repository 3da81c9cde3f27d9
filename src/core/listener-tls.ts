import * as d from './defaults';
import type { CertManagerProps } from './grpc-gateway';
import type { KubeObject } from './kube';
import type { ProxyTlsConfig } from './proxy-config';
import { isValidHostname } from '../routing';
import type { SecretMount } from './render/balancer-tier';
import type { IssueCollector } from './validation';

/**
 * Where a TLS listener finds the CA bundle that signs the client certificates it accepts (mutual TLS at the edge).
 * Give exactly one of `caConfigMap` and `caSecret`, in the tier's namespace. A client must then present a
 * certificate that chains to the bundle, or the handshake fails: there is no optional mode, since a tier that let
 * unverified clients through would leave authentication to backends it tells nothing of the client.
 */
export interface ClientCertificateProps {
  /**
   * ConfigMap holding the PEM CA bundle (what trust-manager writes, and what a Gateway's `caCertificateRefs` name).
   * @default - none: give this or `caSecret`
   */
  readonly caConfigMap?: string;
  /**
   * Secret holding the PEM CA bundle, such as the `ca.crt` of a cert-manager CA's Secret. Not on a Gateway's
   * listener, whose `caCertificateRefs` support ConfigMaps only (Gateway API Core).
   * @default - none: give this or `caConfigMap`
   */
  readonly caSecret?: string;
  /**
   * Key of the bundle in the ConfigMap or Secret. A Gateway's listener takes `ca.crt` only (Gateway API Core).
   * @default 'ca.crt'
   */
  readonly caKey?: string;
}

/**
 * TLS on the listener of a service's balancer tier (Envoy or grpc-mesh-proxy): it terminates TLS (ALPN h2) on the
 * balancer's Service port with a certificate from a Secret, which cert-manager may issue, and may require client
 * certificates.
 */
export interface BalancerListenerTls {
  /**
   * Secret of type `kubernetes.io/tls` (keys `tls.crt`, `tls.key`) in the service's namespace, mounted read-only in
   * the balancer pods. With `certManager`, cert-manager issues it under this name.
   */
  readonly secretName: string;
  /**
   * Has cert-manager issue the certificate: a `Certificate` named after the Secret, for `dnsNames`. An ACME issuer
   * issues a wildcard name only through a DNS-01 solver.
   * @default - the Secret is provided by you
   */
  readonly certManager?: CertManagerProps;
  /**
   * DNS names of the certificate cert-manager issues (1 or more, with `certManager` only): the names clients dial.
   * @default - none
   */
  readonly dnsNames?: readonly string[];
  /**
   * Requires every client to present a certificate signed by this CA bundle (mutual TLS).
   * @default - no client certificate is asked for
   */
  readonly clientCertificates?: ClientCertificateProps;
}

/** A client CA bundle, resolved: what holds it and under which key. */
export interface ResolvedClientCa {
  /** The kind of object holding the bundle. */
  readonly kind: 'ConfigMap' | 'Secret';
  /** Its name, in the tier's namespace. */
  readonly name: string;
  /** Key of the PEM bundle. */
  readonly key: string;
}

/** A balancer's listener TLS with its defaults applied. */
export interface ResolvedBalancerListenerTls {
  /** The certificate Secret. */
  readonly secretName: string;
  /** cert-manager's issuer and the names to issue, when cert-manager issues the certificate. */
  readonly certManager?: { readonly issuerRef: Readonly<Record<string, string>>; readonly dnsNames: readonly string[] };
  /** The CA bundle of the client certificates, when they are required. */
  readonly clientCa?: ResolvedClientCa;
}

/** The objects mounted read-only in a tier's pods for its listener TLS. */
export interface ListenerTlsMounts {
  /** Secrets: the certificate, and a CA bundle held in a Secret. */
  readonly secrets: readonly SecretMount[];
  /** ConfigMaps: a CA bundle held in a ConfigMap. */
  readonly configMaps: ReadonlyArray<{ readonly configMapName: string; readonly mountPath: string }>;
}

/**
 * Where a tier mounts the certificate Secrets of its listeners, one directory per Secret.
 * @internal
 */
export const TIER_SECRETS_DIR = '/etc/grpc-mesh/tls';
/**
 * Where a tier mounts the CA ConfigMaps of its listeners, one directory per ConfigMap.
 * @internal
 */
export const TIER_CA_DIR = '/etc/grpc-mesh/ca';

/**
 * Checks a client CA reference at `path`: exactly one object, named as Kubernetes requires, with a key a ConfigMap
 * or Secret may have. On a Gateway's listener (`gateway`), only what Gateway API Core supports: a ConfigMap, `ca.crt`.
 * @internal
 */
export function validateClientCertificates(issues: IssueCollector, path: string, c: ClientCertificateProps, gateway: boolean): void {
  if (!issues.require((c.caConfigMap === undefined) !== (c.caSecret === undefined), {
    code: 'INVALID_CLIENT_CA',
    path,
    value: c,
    message: 'must name exactly one of caConfigMap and caSecret',
    hint: 'Name the ConfigMap (or Secret) holding the PEM CA bundle that signs the client certificates.',
  })) return;
  if (c.caConfigMap !== undefined) issues.dns1123Subdomain(`${path}.caConfigMap`, c.caConfigMap);
  if (c.caSecret !== undefined) issues.dns1123Subdomain(`${path}.caSecret`, c.caSecret);
  if (c.caKey !== undefined) {
    issues.require(/^[-._a-zA-Z0-9]{1,253}$/.test(c.caKey), {
      code: 'INVALID_CLIENT_CA', path: `${path}.caKey`, value: c.caKey, message: 'must be a ConfigMap or Secret key (letters, digits, \'-\', \'_\', \'.\')',
    });
  }
  if (!gateway) return;
  issues.require(c.caSecret === undefined && (c.caKey ?? d.CA_BUNDLE_KEY) === d.CA_BUNDLE_KEY, {
    code: 'CLIENT_CA_NOT_PORTABLE',
    path,
    value: c,
    message: `must be a ConfigMap with the key "${d.CA_BUNDLE_KEY}" on a Gateway's listener: Gateway API's caCertificateRefs support no other (Core)`,
    hint: `Put the CA bundle in a ConfigMap under "${d.CA_BUNDLE_KEY}" (trust-manager can sync it from a Secret) and set caConfigMap.`,
  });
}

/** Validates the listener TLS of a service's balancer tier, at `path` (e.g. `dataPlane.listenerTls`). */
export function validateBalancerListenerTls(issues: IssueCollector, path: string, tls: BalancerListenerTls | undefined): void {
  if (tls === undefined) return;
  if (issues.require(typeof tls.secretName === 'string' && tls.secretName !== '', {
    code: 'SECRET_REQUIRED',
    path: `${path}.secretName`,
    value: tls.secretName,
    message: 'is required: the Secret (type kubernetes.io/tls) with the listener\'s certificate and key',
    hint: 'Name the Secret; with certManager, cert-manager issues it under that name.',
  })) issues.dns1123Subdomain(`${path}.secretName`, tls.secretName);
  validateCertificateNames(issues, path, tls);
  if (tls.clientCertificates !== undefined) validateClientCertificates(issues, `${path}.clientCertificates`, tls.clientCertificates, false);
}

function validateCertificateNames(issues: IssueCollector, path: string, tls: BalancerListenerTls): void {
  const cm = tls.certManager;
  if (cm === undefined) {
    issues.require(tls.dnsNames === undefined, {
      code: 'DNS_NAMES_WITHOUT_CERT_MANAGER',
      path: `${path}.dnsNames`,
      value: tls.dnsNames,
      message: 'only name the certificate cert-manager issues, and certManager is not set',
      hint: 'Set certManager with an issuer, or remove dnsNames (the Secret you provide holds its own names).',
    });
    return;
  }
  issues.require((cm.issuer === undefined) !== (cm.clusterIssuer === undefined), {
    code: 'INVALID_CERT_MANAGER', path: `${path}.certManager`, value: cm, message: 'must name exactly one of issuer and clusterIssuer',
  });
  if (!issues.count(`${path}.dnsNames`, tls.dnsNames, 1, 100, 'DNS names')) return;
  const issuer = cm.issuer !== undefined ? `Issuer "${cm.issuer}"` : `ClusterIssuer "${cm.clusterIssuer}"`;
  tls.dnsNames!.forEach((name, i) => {
    if (!issues.require(isValidHostname(name, { allowWildcard: true }), {
      code: 'INVALID_HOSTNAME',
      path: `${path}.dnsNames[${i}]`,
      value: name,
      message: 'must be a DNS name, optionally with a leading "*." wildcard label (no wildcard elsewhere, no IP address)',
    })) return;
    if (name.startsWith('*.')) {
      issues.warn({
        code: 'WILDCARD_CERTIFICATE_NEEDS_DNS01',
        path: `${path}.dnsNames[${i}]`,
        value: name,
        message: `is a wildcard: an ACME ${issuer} (such as Let's Encrypt) issues its certificate only through a DNS-01 solver, never HTTP-01`,
        hint: `Give ${issuer} a dns01 solver, or use an issuer that is not ACME (CA, Vault); silence WILDCARD_CERTIFICATE_NEEDS_DNS01 once it has one.`,
      });
    }
  });
}

/** Applies the defaults to a balancer's listener TLS. */
export function resolveBalancerListenerTls(tls: BalancerListenerTls): ResolvedBalancerListenerTls {
  const cm = tls.certManager;
  return {
    secretName: tls.secretName,
    ...(cm && { certManager: { issuerRef: issuerRefOf(cm), dnsNames: [...tls.dnsNames ?? []] } }),
    ...(tls.clientCertificates && { clientCa: resolveClientCa(tls.clientCertificates) }),
  };
}

/**
 * A client CA reference with its default key.
 * @internal
 */
export function resolveClientCa(c: ClientCertificateProps): ResolvedClientCa {
  const key = c.caKey ?? d.CA_BUNDLE_KEY;
  return c.caSecret !== undefined ? { kind: 'Secret', name: c.caSecret, key } : { kind: 'ConfigMap', name: c.caConfigMap as string, key };
}

/**
 * cert-manager's `issuerRef` of an Issuer or a ClusterIssuer.
 * @internal
 */
export function issuerRefOf(cm: CertManagerProps): Record<string, string> {
  return cm.issuer !== undefined
    ? { group: 'cert-manager.io', kind: 'Issuer', name: cm.issuer }
    : { group: 'cert-manager.io', kind: 'ClusterIssuer', name: cm.clusterIssuer as string };
}

/**
 * The files of a listener's TLS in the tier's pod: the certificate Secret's `tls.crt` and `tls.key` under
 * {@link TIER_SECRETS_DIR}, and the client CA bundle under {@link TIER_SECRETS_DIR} (a Secret) or
 * {@link TIER_CA_DIR} (a ConfigMap), as {@link listenerTlsMounts} mounts them.
 * @internal
 */
export function listenerTlsFiles(secretName: string, clientCa: ResolvedClientCa | undefined): ProxyTlsConfig {
  return {
    certFile: `${TIER_SECRETS_DIR}/${secretName}/tls.crt`,
    keyFile: `${TIER_SECRETS_DIR}/${secretName}/tls.key`,
    ...(clientCa && { clientCaFile: clientCaFile(clientCa) }),
  };
}

/**
 * Where a client CA bundle is in the tier's pod.
 * @internal
 */
export function clientCaFile(ca: ResolvedClientCa): string {
  return `${ca.kind === 'Secret' ? TIER_SECRETS_DIR : TIER_CA_DIR}/${ca.name}/${ca.key}`;
}

/**
 * What a tier mounts for its listeners' TLS: each certificate Secret and each client CA once.
 * @internal
 */
export function listenerTlsMounts(certificates: readonly string[], clientCas: readonly ResolvedClientCa[]): ListenerTlsMounts {
  const secrets = new Set([...certificates, ...clientCas.filter((c) => c.kind === 'Secret').map((c) => c.name)]);
  const configMaps = new Set(clientCas.filter((c) => c.kind === 'ConfigMap').map((c) => c.name));
  return {
    secrets: [...secrets].map((secretName) => ({ secretName, mountPath: `${TIER_SECRETS_DIR}/${secretName}` })),
    configMaps: [...configMaps].map((configMapName) => ({ configMapName, mountPath: `${TIER_CA_DIR}/${configMapName}` })),
  };
}

/**
 * A tier's mounts with more Secrets (backend TLS's CA and client certificate) beside its listeners'.
 * @internal
 */
export function withSecretMounts(mounts: ListenerTlsMounts | undefined, secrets: readonly SecretMount[]): ListenerTlsMounts {
  return { secrets: [...mounts?.secrets ?? [], ...secrets], configMaps: mounts?.configMaps ?? [] };
}

/**
 * The cert-manager `Certificate` of a balancer's listener, named after its Secret, when cert-manager issues it.
 * @internal
 */
export function renderListenerCertificate(
  tls: ResolvedBalancerListenerTls, namespace: string, labels: Readonly<Record<string, string>>,
): KubeObject | undefined {
  if (tls.certManager === undefined) return undefined;
  return certificateObject(tls.secretName, namespace, labels, tls.certManager.dnsNames, tls.certManager.issuerRef);
}

/**
 * A cert-manager `Certificate` (`cert-manager.io/v1`) named after the Secret it writes, as cert-manager's own Gateway
 * support names the Certificates it creates.
 * @internal
 */
export function certificateObject(
  secretName: string, namespace: string, labels: Readonly<Record<string, string>>, dnsNames: readonly string[],
  issuerRef: Readonly<Record<string, string>>,
): KubeObject {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: secretName, namespace, labels },
    spec: { secretName, dnsNames, issuerRef },
  };
}
