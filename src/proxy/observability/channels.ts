import { channel } from 'node:diagnostics_channel';
import type { MethodNaming } from '../forward/named-methods';
import type { ConnectionCloseReason } from '../h2/connection-error';

/**
 * The proxy's named `diagnostics_channel` channels. The data path publishes; metrics, access logs and tests
 * subscribe. Publishing costs nothing when nobody subscribes (check `hasSubscribers` before building a message).
 */
export const CHANNEL_NAMES = {
  callStart: 'grpc-mesh:proxy:call:start',
  callEnd: 'grpc-mesh:proxy:call:end',
  retry: 'grpc-mesh:proxy:retry',
  endpoints: 'grpc-mesh:proxy:endpoints',
  endpointHealth: 'grpc-mesh:proxy:endpoint:health',
  endpointEjection: 'grpc-mesh:proxy:endpoint:ejection',
  endpointReachability: 'grpc-mesh:proxy:endpoint:reachability',
  config: 'grpc-mesh:proxy:config',
  connectionOpen: 'grpc-mesh:proxy:connection:open',
  connectionClose: 'grpc-mesh:proxy:connection:close',
  dnsResolution: 'grpc-mesh:proxy:dns:resolution',
  connectFailure: 'grpc-mesh:proxy:upstream:connect-failure',
  connectionLost: 'grpc-mesh:proxy:upstream:connection-lost',
  breakerOverflow: 'grpc-mesh:proxy:circuit-breaker:overflow',
} as const;

/** A call accepted by a listener. */
export interface CallStartMessage {
  readonly listener: string;
  readonly service: string;
  readonly method: string;
  readonly traceparent: string;
}

/** A call that ended, one way or another. */
export interface CallEndMessage extends CallStartMessage {
  /** The route that matched, `namespace/name`, or undefined. */
  readonly route?: string;
  /** How much of the call's gRPC method the matched rule names exactly: what metrics may label it by. */
  readonly methodNaming: MethodNaming;
  /** The cluster the call went to, or undefined when routing answered it. */
  readonly cluster?: string;
  /** The endpoint (`address:port`) of the last try. */
  readonly endpoint?: string;
  /** gRPC status code sent downstream. */
  readonly status: number;
  /** Retries made. */
  readonly retries: number;
  /** Time from request headers to the end of the response, in milliseconds. */
  readonly durationMs: number;
  /** Request and response body bytes. */
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** Address of the client, `ip:port` (`[ip]:port` for IPv6). */
  readonly remoteAddress?: string;
  /** The client's `x-request-id`, when it sent one. */
  readonly requestId?: string;
}

/** A retry about to be made. */
export interface RetryMessage {
  readonly cluster: string;
  readonly endpoint: string;
  readonly attempt: number;
  readonly status: number;
}

/** The endpoint set of a cluster changed. */
export interface EndpointsMessage {
  readonly cluster: string;
  readonly endpoints: readonly string[];
}

/** An endpoint's active health changed. */
export interface EndpointHealthMessage {
  readonly cluster: string;
  readonly endpoint: string;
  readonly healthy: boolean;
}

/** An endpoint was ejected by outlier detection, or returned. */
export interface EndpointEjectionMessage {
  readonly cluster: string;
  readonly endpoint: string;
  readonly ejected: boolean;
}

/** An endpoint became unreachable (a connection attempt failed) or reachable again. */
export interface EndpointReachabilityMessage {
  readonly cluster: string;
  readonly endpoint: string;
  readonly reachable: boolean;
  /** Why the connection attempt failed, when unreachable. */
  readonly error?: string;
}

/** A configuration was loaded (at start or on reload), or a reload was refused. */
export interface ConfigMessage {
  readonly ok: boolean;
  readonly error?: string;
}

/** A client connection accepted by a listener. */
export interface ConnectionOpenMessage {
  readonly listener: string;
}

/** A client connection closed (or refused at accept: `connection_limit`). */
export interface ConnectionCloseMessage {
  readonly listener: string;
  readonly reason: ConnectionCloseReason;
}

/** One DNS resolution of a cluster's name: its endpoint count, or why it failed (the last good set is kept). */
export interface DnsResolutionMessage {
  readonly hostname: string;
  readonly ok: boolean;
  /** Addresses in the answer, when it succeeded. */
  readonly addresses?: number;
  /** The error, when it failed. */
  readonly error?: string;
}

/** A connection to an endpoint that closed before it was established (refused, timed out, TLS handshake failed). */
export interface ConnectFailureMessage {
  readonly cluster: string;
  readonly endpoint: string;
  readonly error: string;
}

/** An established connection to an endpoint ended without GOAWAY (the peer died or stopped answering PINGs). */
export interface ConnectionLostMessage {
  readonly cluster: string;
  readonly endpoint: string;
  /** Calls (tries) in flight to the endpoint when it was lost, on this connection and its others. */
  readonly callsInFlight: number;
}

/** A call answered with the cluster's overflow status because its circuit breaker's limit was reached. */
export interface BreakerOverflowMessage {
  readonly cluster: string;
}

/** A client's address as the access log writes it: `ip:port`, `[ip]:port` for IPv6. */
export function remoteAddressOf(socket: { readonly remoteAddress?: string; readonly remotePort?: number }): string | undefined {
  const { remoteAddress: ip, remotePort: port } = socket;
  if (ip === undefined) return undefined;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The channels, ready to publish to or subscribe. */
export const channels = {
  callStart: channel(CHANNEL_NAMES.callStart),
  callEnd: channel(CHANNEL_NAMES.callEnd),
  retry: channel(CHANNEL_NAMES.retry),
  endpoints: channel(CHANNEL_NAMES.endpoints),
  endpointHealth: channel(CHANNEL_NAMES.endpointHealth),
  endpointEjection: channel(CHANNEL_NAMES.endpointEjection),
  endpointReachability: channel(CHANNEL_NAMES.endpointReachability),
  config: channel(CHANNEL_NAMES.config),
  connectionOpen: channel(CHANNEL_NAMES.connectionOpen),
  connectionClose: channel(CHANNEL_NAMES.connectionClose),
  dnsResolution: channel(CHANNEL_NAMES.dnsResolution),
  connectFailure: channel(CHANNEL_NAMES.connectFailure),
  connectionLost: channel(CHANNEL_NAMES.connectionLost),
  breakerOverflow: channel(CHANNEL_NAMES.breakerOverflow),
};
