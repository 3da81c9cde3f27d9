import type { CertManagerProps } from '../grpc-gateway';
import type { KubeObject } from '../kube';

/** What a certificate is for, in cert-manager's `usages` spelling (RFC 5280 key usages and extended key usages). */
export type CertificateUsage = 'digital signature' | 'key encipherment' | 'server auth' | 'client auth';

/** A cert-manager `Certificate`: which Secret cert-manager writes, for which names, by which issuer. */
export interface CertificateSpec {
  /** Name of the Certificate. */
  readonly name: string;
  /** Namespace of the Certificate and of the Secret it writes. */
  readonly namespace: string;
  /** Labels of the Certificate. */
  readonly labels: Readonly<Record<string, string>>;
  /** The Secret cert-manager writes (`tls.crt`, `tls.key` and, for a CA issuer, `ca.crt`). */
  readonly secretName: string;
  /** DNS names of the certificate's subjectAltName. */
  readonly dnsNames: readonly string[];
  /** The issuer. */
  readonly issuer: CertManagerProps;
  /** Key usages; cert-manager's default (`digital signature`, `key encipherment`) when absent. */
  readonly usages?: readonly CertificateUsage[];
}

/** cert-manager's reference to the Issuer (in the Certificate's namespace) or ClusterIssuer of `certManager`. */
export function issuerRef(certManager: CertManagerProps): Record<string, string> {
  return certManager.issuer !== undefined
    ? { group: 'cert-manager.io', kind: 'Issuer', name: certManager.issuer }
    : { group: 'cert-manager.io', kind: 'ClusterIssuer', name: certManager.clusterIssuer as string };
}

/** A cert-manager `Certificate` (`cert-manager.io/v1`). */
export function renderCertificate(spec: CertificateSpec): KubeObject {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: {
      secretName: spec.secretName,
      dnsNames: spec.dnsNames,
      ...(spec.usages !== undefined && { usages: spec.usages }),
      issuerRef: issuerRef(spec.issuer),
    },
  };
}
