/** The Gateway API `Hostname` pattern (CRD), wildcard label included. */
const HOSTNAME_PATTERN = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Four dotted decimal numbers: an IPv4 address, which the pattern admits but the spec forbids. */
const IPV4_PATTERN = /^\d+\.\d+\.\d+\.\d+$/;
/** CRD `maxLength` of a hostname. */
export const MAX_HOSTNAME_LENGTH = 253;

/** Options of `isValidHostname`. */
export interface HostnameValidationOptions {
  /**
   * Whether a leading `*.` wildcard label is allowed.
   * @default true
   */
  readonly allowWildcard?: boolean;
}

/**
 * Whether `hostname` is a valid Gateway API hostname (GRPCRoute `hostnames[]`, Listener `hostname`): the CRD
 * pattern (lower-case RFC 1123 labels, a `*.` wildcard only as the whole leftmost label), 1 to 253 characters,
 * and not an IP address (the spec forbids IPs; the pattern alone would admit `10.0.0.1`).
 */
export function isValidHostname(hostname: string, options: HostnameValidationOptions = {}): boolean {
  if (typeof hostname !== 'string' || hostname.length < 1 || hostname.length > MAX_HOSTNAME_LENGTH) return false;
  if (!HOSTNAME_PATTERN.test(hostname) || IPV4_PATTERN.test(hostname)) return false;
  return (options.allowWildcard ?? true) || !hostname.startsWith('*.');
}
