import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, connect as connectTls, createSecureContext, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import type { ProxyClusterConfig } from '../../core/proxy-config';

/** The only application protocol offered to, and accepted from, a TLS endpoint. */
const ALPN_H2 = 'h2';
/** The start of a PEM certificate: a CA file without one would make every handshake fail. */
const PEM_CERTIFICATE = /-----BEGIN (TRUSTED )?CERTIFICATE-----/;

/** A cluster's upstream TLS with its files read: what every connection of the cluster uses. */
export interface UpstreamTls {
  /** The cluster's `tls` settings as JSON: connections made with other settings are replaced on reload. */
  readonly settings: string;
  /** CA bundle (or Node's default store) and client certificate. */
  readonly secureContext: SecureContext;
  /** `tls.serverName`, when set. */
  readonly serverName: string | undefined;
}

/**
 * Reads the files of a cluster's `tls` (once per cluster build or reload) into a secure context.
 * @returns undefined for a cluster without `tls` (h2c)
 * @throws Error naming the cluster, the field and the file when a file cannot be read or holds no usable PEM (a
 *   CA file without certificate, a certificate that is not PEM or does not match its key)
 */
export function loadUpstreamTls(cluster: Pick<ProxyClusterConfig, 'name' | 'tls'>): UpstreamTls | undefined {
  const tls = cluster.tls;
  if (tls === undefined) return undefined;
  const read = (field: 'caFile' | 'certFile' | 'keyFile'): Buffer | undefined => {
    const file = tls[field];
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`cluster "${cluster.name}": tls.${field} must be a readable file; ${file}: ${(error as Error).message}`);
    }
  };
  const ca = read('caFile');
  const cert = read('certFile');
  const key = read('keyFile');
  if (ca !== undefined && !PEM_CERTIFICATE.test(ca.toString('latin1'))) {
    throw new Error(`cluster "${cluster.name}": tls.caFile must hold PEM CA certificates (-----BEGIN CERTIFICATE-----); ${tls.caFile} holds none`);
  }
  let secureContext: SecureContext;
  try {
    secureContext = createSecureContext({ ca, cert, key });
  } catch (error) {
    throw new Error(`cluster "${cluster.name}": tls.certFile and tls.keyFile must hold a PEM certificate chain and its private key; `
      + `${tls.certFile} and ${tls.keyFile}: ${describeTlsError(error as Error)}`);
  }
  return Object.freeze({ settings: JSON.stringify(tls), secureContext, serverName: tls.serverName });
}

/**
 * Connects to an endpoint over TLS: ALPN `h2` offered, SNI `serverName` (else the endpoint's address unless it
 * is an IP, which SNI cannot carry), the certificate verified against the cluster's CAs and its name checked
 * against `serverName` (else the endpoint's address, an IP address against the certificate's IP entries). The
 * caller checks the negotiated protocol on `secureConnect` (see {@link negotiatedH2}).
 */
export function connectUpstreamTls(host: string, port: number, tls: UpstreamTls): TLSSocket {
  const expectedName = tls.serverName ?? host;
  const socket = connectTls({
    host,
    port,
    servername: tls.serverName ?? (isIP(host) === 0 ? host : undefined),
    secureContext: tls.secureContext,
    ALPNProtocols: [ALPN_H2],
    rejectUnauthorized: true,
    checkServerIdentity: (_servername: string, certificate: PeerCertificate) => checkServerIdentity(expectedName, certificate),
  });
  socket.setNoDelay(true);
  return socket;
}

/**
 * Why a TLS connection cannot carry HTTP/2: the endpoint did not select ALPN `h2`.
 * @param socket a connection after `secureConnect`
 * @param endpoint `address:port`, for the message
 * @returns undefined when it did
 */
export function negotiatedH2(socket: TLSSocket, endpoint: string): Error | undefined {
  const protocol = socket.alpnProtocol;
  if (protocol === ALPN_H2) return undefined;
  return new Error(`TLS handshake with ${endpoint} failed: the endpoint did not select ALPN h2 (selected ${protocol || 'none'})`);
}

/**
 * A TLS handshake failure as one readable line: `TLS handshake with <endpoint> failed: <reason> (<code>)`, the
 * reason without OpenSSL's prefix and source location, the code such as `ERR_TLS_CERT_ALTNAME_INVALID` or
 * `SELF_SIGNED_CERT_IN_CHAIN`.
 */
export function tlsHandshakeError(endpoint: string, error: Error): Error {
  return new Error(`TLS handshake with ${endpoint} failed: ${describeTlsError(error)}`);
}

/** `<reason> (<code>)`: an OpenSSL error's reason (its message holds codes and a source location), else the message. */
function describeTlsError(error: Error): string {
  const { code, reason, library } = error as NodeJS.ErrnoException & { reason?: unknown; library?: unknown };
  const what = typeof library === 'string' && typeof reason === 'string' && reason !== '' ? reason : error.message.trim();
  return code === undefined ? what : `${what} (${code})`;
}
