import type { HeaderMap } from './header-modifier';

/**
 * Drops connection-specific (hop-by-hop) headers in place: `connection`, `keep-alive`, `proxy-connection`,
 * `transfer-encoding`, `upgrade`, `http2-settings`, and `te` unless it is `trailers` (the one value HTTP/2 and
 * gRPC allow). HTTP/2 peers must not send them (the HTTP/2 layer already rejects messages with most of them);
 * dropping them here as well keeps a header modifier or an odd peer from failing a call.
 */
export function stripHopByHopHeaders(headers: HeaderMap): void {
  if (headers.connection !== undefined) headers.connection = undefined;
  if (headers['keep-alive'] !== undefined) headers['keep-alive'] = undefined;
  if (headers['proxy-connection'] !== undefined) headers['proxy-connection'] = undefined;
  if (headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = undefined;
  if (headers.upgrade !== undefined) headers.upgrade = undefined;
  if (headers['http2-settings'] !== undefined) headers['http2-settings'] = undefined;
  const te = headers.te;
  if (te !== undefined && te !== 'trailers') headers.te = undefined;
}
