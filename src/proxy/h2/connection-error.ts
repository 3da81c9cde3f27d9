/**
 * Why an HTTP/2 connection ended (the `reason` label of `grpc_mesh_proxy_connections_closed_total`):
 * - `closed`: the peer or we ended it in an orderly way (socket closed, GOAWAY and the last stream done);
 * - `draining`: we sent GOAWAY because the proxy or its listener is shutting down or reloading;
 * - `idle`: no open stream for the idle timeout;
 * - `handshake_timeout`: no preface and SETTINGS in time; `header_timeout`: a header block not finished in time;
 * - `header_limit`: header blocks over the limits (size, CONTINUATION frames, repeated oversized header lists);
 * - `flood`: more control-frame answers owed than allowed, or a run of empty frames;
 * - `rapid_reset`: streams reset by the client before their answer, too many and too often;
 * - `slow_reader`: the peer did not take what we sent for the send timeout;
 * - `protocol_error`: any other violation of RFC 9113 or RFC 7541 by the peer;
 * - `socket_error`: the transport failed; `internal_error`: a bug of ours while handling a frame;
 * - `connection_limit`: refused at accept because the listener had its maximum of connections.
 */
export type ConnectionCloseReason =
  | 'closed' | 'draining' | 'idle' | 'handshake_timeout' | 'header_timeout' | 'header_limit' | 'flood' | 'rapid_reset'
  | 'slow_reader' | 'protocol_error' | 'socket_error' | 'internal_error' | 'connection_limit';

/** A peer error that ends the whole connection: GOAWAY with `code` (RFC 9113 section 5.4.1). */
export class ConnectionError extends Error {
  /**
   * @param code the HTTP/2 error code of the GOAWAY
   * @param message what the peer did
   * @param reason the kind of abuse or violation, for metrics
   */
  public constructor(public readonly code: number, message: string, public readonly reason: ConnectionCloseReason = 'protocol_error') {
    super(message);
  }
}
