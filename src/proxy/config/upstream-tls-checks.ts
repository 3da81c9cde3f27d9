import type { ProxyConfig } from '../../core/proxy-config';
import type { ValidationIssue } from '../../problems';
import { isValidHostname } from '../../routing';

/**
 * The rules of clusters' upstream TLS: a client certificate comes with its key (both or neither), and
 * `serverName` is a DNS name (it is sent as SNI, which carries no IP address and no wildcard).
 * @returns every problem found
 */
export function upstreamTlsProblems(config: ProxyConfig): ValidationIssue[] {
  const problems: ValidationIssue[] = [];
  config.clusters.forEach((cluster, i) => {
    const tls = cluster.tls;
    if (tls === undefined) return;
    const at = `clusters[${i}].tls`;
    if (tls.certFile !== undefined && tls.keyFile === undefined) {
      problems.push({ code: 'TLS_CLIENT_CERTIFICATE', path: `${at}.keyFile`, message: 'must be set when certFile is (the private key of the client certificate)' });
    }
    if (tls.keyFile !== undefined && tls.certFile === undefined) {
      problems.push({ code: 'TLS_CLIENT_CERTIFICATE', path: `${at}.certFile`, message: 'must be set when keyFile is (the client certificate chain of the key)' });
    }
    if (tls.serverName !== undefined && !isValidHostname(tls.serverName, { allowWildcard: false })) {
      problems.push({
        code: 'INVALID_SERVER_NAME',
        path: `${at}.serverName`,
        message: 'must be a lower-case DNS name, without wildcard and not an IP address (it is sent as SNI and checked against the certificate)',
        value: tls.serverName,
      });
    }
  });
  return problems;
}
