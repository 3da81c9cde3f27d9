import { DEFAULT_ROUTE_NAMESPACE } from './defaults';
import type { GRPCRouteRule } from '../routing/gateway-api';
import type { RouteInput } from '../routing/routing-decision';

/** The latest schema version of `ProxyConfig`, the one renderers write; the proxy also reads version 1. */
export const PROXY_CONFIG_VERSION = 2;

/**
 * Configuration of grpc-mesh-proxy, the TypeScript L7 gRPC data plane: the one type shared by the core (which
 * renders it for `DataPlane.proxy()`) and the proxy (which validates it at load). Written as YAML or JSON.
 */
export interface ProxyConfig {
  /**
   * Schema version of this file: 2. Version 1 files (no `virtualHosts`, no cluster `tls`) are still read, with
   * the same meaning; to convert one, change its version to 2.
   */
  readonly version: 1 | 2;
  /** Where the proxy accepts gRPC calls. */
  readonly listeners: readonly ProxyListenerConfig[];
  /** The admin interface: readiness, liveness, Prometheus metrics, config dump and endpoint state. */
  readonly admin: ProxyAdminConfig;
  /**
   * A second HTTP listener for the kubelet's probes and Prometheus that serves only `GET /ready`, `/live` and
   * `/metrics` (as the admin interface does), so that `admin` may bind loopback and keep `/config` and `/endpoints`
   * off the network, as Envoy's probe listener does. Not applied by a hot reload: a change waits for a restart.
   * @default - none: the admin interface serves probes too
   */
  readonly probes?: ProxyProbesConfig;
  /** Groups of endpoints calls are balanced over. */
  readonly clusters: readonly ProxyClusterConfig[];
  /**
   * GRPCRoutes that send calls to clusters (a backendRef's `name` is a cluster name). A route applies to every
   * listener that has no `virtualHosts`, and to the virtual hosts that list it. Calls no route matches get
   * UNIMPLEMENTED. Filters: RequestHeaderModifier,
   * ResponseHeaderModifier, and RequestMirror (`backendRef.name` a cluster; `percent` or `fraction` of the calls
   * copied fire and forget, `:authority` host suffixed `-shadow`, the response dropped).
   */
  readonly routes: readonly ProxyRouteConfig[];
  /**
   * How long a draining proxy (SIGTERM) lets in-flight calls finish before it resets them and exits.
   * @default 30000
   */
  readonly drainTimeoutMs?: number;
  /**
   * Whether one JSON access log line is written per call.
   * @default true
   */
  readonly accessLog?: boolean;
}

/** A listener: h2c (HTTP/2 with prior knowledge) without `tls`, HTTP/2 over TLS (ALPN h2) with it. */
export interface ProxyListenerConfig {
  /** Listener name, for logs and metrics. */
  readonly name: string;
  /** Address to bind, e.g. `0.0.0.0` or `::`. */
  readonly address: string;
  /** Port to bind; 0 picks a free port (tests). */
  readonly port: number;
  /**
   * TLS termination.
   * @default - none: h2c
   */
  readonly tls?: ProxyTlsConfig;
  /**
   * What one client may make the proxy hold or wait for: connections, streams, header sizes and timeouts.
   * @default - the defaults of each limit
   */
  readonly limits?: ProxyListenerLimits;
  /**
   * The Gateway API listeners served on this socket (version 2), each with its hostname and the routes attached to
   * it. A call is served by the virtual host whose hostname matches its `:authority` most specifically (an exact
   * hostname before a wildcard, a longer wildcard before a shorter one, no hostname last), through that virtual
   * host's routes only, their hostnames narrowed to its hostname; a call no virtual host matches gets
   * UNIMPLEMENTED.
   * @default - one virtual host for every host, with every route
   */
  readonly virtualHosts?: readonly ProxyVirtualHostConfig[];
}

/** A Gateway API listener served on a proxy listener's socket: a hostname and the routes attached to it. */
export interface ProxyVirtualHostConfig {
  /** Name, unique on its listener (the Gateway listener's name), for logs and metrics. */
  readonly name: string;
  /**
   * Hostname: exact (`api.example.com`) or a wildcard (`*.example.com`).
   * @default - every host
   */
  readonly hostname?: string;
  /** The routes attached, as `namespace/name` of `routes` entries. */
  readonly routes: readonly string[];
}

/**
 * Limits of a listener's client connections. The listener faces untrusted clients: these bound what one connection
 * can make the proxy hold, alongside fixed guards (header blocks of at most 8 CONTINUATION frames and twice
 * `maxHeaderListBytes`, at most 1,000 PING/SETTINGS/RST answers owed to a client that does not read them, reading
 * paused while 1 MiB waits unsent, rapid-reset and repeated oversized headers counted per client address over 30 to
 * 60 seconds).
 */
export interface ProxyListenerLimits {
  /**
   * Client connections open at once; further ones are closed as they arrive.
   * @default 10000
   */
  readonly maxConnections?: number;
  /**
   * Streams (calls) a client may have open on one connection (SETTINGS_MAX_CONCURRENT_STREAMS); further ones are
   * refused with REFUSED_STREAM, which gRPC clients retry.
   * @default 100
   */
  readonly maxConcurrentStreams?: number;
  /**
   * Largest header list a client may send (SETTINGS_MAX_HEADER_LIST_SIZE, uncompressed bytes plus 32 per field);
   * a larger one gets its stream reset with ENHANCE_YOUR_CALM, and a repeat within a minute closes the connection.
   * @default 65536
   */
  readonly maxHeaderListBytes?: number;
  /**
   * A connection with no open stream for this long is closed with GOAWAY NO_ERROR (clients reconnect when they
   * next call); 0 keeps idle connections open.
   * @default 300000
   */
  readonly idleTimeoutMs?: number;
  /**
   * Time a new connection has to send the HTTP/2 preface and SETTINGS.
   * @default 10000
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * Time a header block may take from its HEADERS frame to its last CONTINUATION frame.
   * @default 10000
   */
  readonly headerBlockTimeoutMs?: number;
  /**
   * Time a client that does not read may take nothing of what waits to be sent to it (1 MiB) before its connection
   * is closed with GOAWAY ENHANCE_YOUR_CALM.
   * @default 30000
   */
  readonly sendTimeoutMs?: number;
}

/** TLS settings of a listener. */
export interface ProxyTlsConfig {
  /** PEM certificate chain file. */
  readonly certFile: string;
  /** PEM private key file. */
  readonly keyFile: string;
  /**
   * PEM CA bundle that client certificates must chain to; clients must present one when set.
   * @default - client certificates are not requested
   */
  readonly clientCaFile?: string;
}

/** The admin listener. */
export interface ProxyAdminConfig {
  /** Address to bind. */
  readonly address: string;
  /** Port to bind; 0 picks a free port. */
  readonly port: number;
}

/** The probe listener: `/ready`, `/live` and `/metrics` only. */
export interface ProxyProbesConfig {
  /** Address to bind, e.g. `0.0.0.0` for the kubelet and Prometheus. */
  readonly address: string;
  /** Port to bind; 0 picks a free port. */
  readonly port: number;
}

/** One endpoint of a static cluster. */
export interface ProxyStaticEndpoint {
  /** IP address or host name. */
  readonly address: string;
  /** Port. */
  readonly port: number;
}

/** Where a cluster's endpoints come from. */
export type ProxyDiscoveryConfig =
  | {
    /** Resolve A/AAAA records of a name (a headless Service) and re-resolve periodically. */
    readonly type: 'dns';
    /** Name to resolve. */
    readonly hostname: string;
    /** Port of every endpoint. */
    readonly port: number;
    /**
     * Interval between resolutions. A failed resolution keeps the last good set.
     * @default 1000
     */
    readonly refreshIntervalMs?: number;
  }
  | {
    /** A fixed list of endpoints. */
    readonly type: 'static';
    /** The endpoints. */
    readonly endpoints: readonly ProxyStaticEndpoint[];
  };

/** A cluster: endpoints and how calls are balanced and protected across them. */
export interface ProxyClusterConfig {
  /** Cluster name, referenced by routes' backendRefs. */
  readonly name: string;
  /** Endpoint discovery. */
  readonly discovery: ProxyDiscoveryConfig;
  /**
   * Balancing algorithm: round robin, or least request with the power of two choices.
   * @default 'LEAST_REQUEST'
   */
  readonly loadBalancer?: 'ROUND_ROBIN' | 'LEAST_REQUEST';
  /**
   * Time to establish a connection to an endpoint.
   * @default 1000
   */
  readonly connectTimeoutMs?: number;
  /**
   * HTTP/2 connections per endpoint at most; a new one opens when the others reach the endpoint's
   * concurrent-stream limit.
   * @default 4
   */
  readonly maxConnectionsPerEndpoint?: number;
  /**
   * Active health checks with `grpc.health.v1.Health/Check`, over the endpoints' own connections. Endpoints start
   * healthy and are checked as soon as discovered. When every endpoint is unhealthy or ejected, calls spread over
   * all of them (panic mode, as in Envoy) rather than failing.
   * @default - none
   */
  readonly healthCheck?: {
    /** Interval between checks of one endpoint. */
    readonly intervalMs: number;
    /** Time one check may take. */
    readonly timeoutMs: number;
    /** Failed checks that mark an endpoint unhealthy. */
    readonly unhealthyThreshold: number;
    /** Passed checks that mark it healthy again. */
    readonly healthyThreshold: number;
    /** Service name sent in the request; empty asks about the server. */
    readonly serviceName: string;
  };
  /**
   * Passive outlier ejection on consecutive failed calls (UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS, resets,
   * connection failures). With `healthCheck`, an ejected endpoint that passes an active check is re-admitted at
   * once, as Envoy's `successful_active_health_check_uneject_host` does.
   * @default - none
   */
  readonly outlierDetection?: {
    /** Consecutive failures that eject an endpoint. */
    readonly consecutiveErrors: number;
    /** How often ejections are evaluated and expired. */
    readonly intervalMs: number;
    /** Base ejection time; n-th ejection lasts n times as long. */
    readonly baseEjectionTimeMs: number;
    /** Most endpoints ejected at once, in percent (one may always be ejected; 0 turns ejection off). */
    readonly maxEjectionPercent: number;
  };
  /**
   * Concurrent calls to the cluster at most; calls over the limit are answered at once.
   * @default - no limit
   */
  readonly circuitBreaker?: {
    /** Most calls in flight. */
    readonly maxConcurrentCalls: number;
    /** Status of calls over the limit. */
    readonly overflowStatus: 'UNAVAILABLE' | 'RESOURCE_EXHAUSTED';
  };
  /**
   * Retries of unary calls (never once a byte of the response went downstream). Only a call whose request ended
   * within 1 MiB is retried on a status; its response headers are held back until the first message or the
   * trailers. Calls that never reached an application (connection failed, stream refused) are retried on another
   * endpoint even without this.
   * @default - none
   */
  readonly retry?: {
    /** Retries after the first try. */
    readonly attempts: number;
    /** gRPC status codes (numbers) that make a call retryable, whether sent in headers or trailers. */
    readonly on: readonly number[];
    /** Time each try may take. */
    readonly perTryTimeoutMs?: number;
    /** First backoff interval (with full jitter). */
    readonly backoffBaseMs: number;
    /** Longest backoff interval. */
    readonly backoffMaxMs: number;
    /**
     * Retries at most, as a percentage of the cluster's calls over the last 10 s, on top of 10 retries per second
     * that are always allowed (Linkerd's retry budget). A burst is fine (every call in flight on a pod that died is
     * retried); the extra load over time is what is bounded.
     * @default 20
     */
    readonly budgetPercent?: number;
  };
  /**
   * TLS to the endpoints (a BackendTLSPolicy): ALPN `h2`, and the endpoint's certificate verified against
   * `caFile` and `serverName`. Without it, the cluster speaks h2c.
   * @default - h2c
   */
  readonly tls?: ProxyUpstreamTlsConfig;
  /**
   * Timeouts.
   * @default - none beyond the client's grpc-timeout
   */
  readonly timeouts?: {
    /** Time a call may take from request to end of response; caps the client's `grpc-timeout`. */
    readonly requestMs?: number;
    /** A stream without frames in either direction for this long is ended with DEADLINE_EXCEEDED. */
    readonly streamIdleMs?: number;
  };
}

/** TLS from the proxy to a cluster's endpoints. Verification is always on. */
export interface ProxyUpstreamTlsConfig {
  /**
   * PEM CA bundle that the endpoints' certificates must chain to.
   * @default - Node's bundled Mozilla CA store (BackendTLSPolicy `wellKnownCACertificates: System`)
   */
  readonly caFile?: string;
  /**
   * Name sent as SNI and checked against the endpoint's certificate (BackendTLSPolicy `validation.hostname`).
   * @default - the endpoint's address
   */
  readonly serverName?: string;
  /**
   * PEM client certificate chain, for endpoints that require mutual TLS (with `keyFile`).
   * @default - no client certificate
   */
  readonly certFile?: string;
  /**
   * PEM private key of `certFile`.
   * @default - no client certificate
   */
  readonly keyFile?: string;
}

/** A GRPCRoute as the proxy takes it: name, optional hostnames, rules with backendRefs naming clusters. */
export interface ProxyRouteConfig {
  /** Route name. */
  readonly name: string;
  /**
   * Namespace, for precedence ties.
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * Creation time of the GRPCRoute (RFC 3339): of two routes that tie on precedence, the older wins.
   * @default - younger than any route that has one (ties then go by namespace/name)
   */
  readonly creationTimestamp?: string;
  /**
   * Hostnames.
   * @default - every host
   */
  readonly hostnames?: readonly string[];
  /** Rules, with Gateway API semantics (docs/design/routing-semantics.md). */
  readonly rules: readonly GRPCRouteRule[];
}

/** A proxy route as the routing engine takes it (its namespace defaulted to `default`). */
export function routeInputOf(route: ProxyRouteConfig): RouteInput {
  return {
    metadata: {
      name: route.name,
      namespace: route.namespace ?? DEFAULT_ROUTE_NAMESPACE,
      ...(route.creationTimestamp !== undefined && { creationTimestamp: route.creationTimestamp }),
    },
    spec: { ...(route.hostnames !== undefined && { hostnames: route.hostnames }), rules: route.rules },
  };
}
