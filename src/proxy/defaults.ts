/**
 * Every default and fixed limit of the proxy's data path, as named constants. The `@default` of each optional field
 * of `ProxyConfig` (core/proxy-config.ts) matches the constant here.
 */

/** Interval between DNS resolutions of a cluster (`discovery.refreshIntervalMs`). */
export { DEFAULT_DNS_REFRESH_MS as DEFAULT_DNS_REFRESH_INTERVAL_MS } from '../core/defaults';
/** Balancing policy of a cluster (`loadBalancer`). */
export { DEFAULT_LOAD_BALANCER } from '../core/defaults';
/** Time to establish a connection to an endpoint (`connectTimeoutMs`). */
export { DEFAULT_CONNECT_TIMEOUT_MS } from '../core/defaults';
/** HTTP/2 connections per endpoint at most (`maxConnectionsPerEndpoint`). */
export const DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT = 4;
/** Retries at most, in percent of the cluster's calls over the budget window (`retry.budgetPercent`); Linkerd's default. */
export const DEFAULT_RETRY_BUDGET_PERCENT = 20;
/** Retries per second a cluster may always make, whatever the budget percentage gives (Linkerd's default). */
export const MIN_RETRIES_PER_SECOND = 10;
/** The sliding window over which the retry budget counts calls and retries (Linkerd's budget TTL). */
export const RETRY_BUDGET_WINDOW_MS = 10_000;
/** Namespace of a route that sets none (`routes[].namespace`); virtual hosts name routes as `namespace/name`. */
export { DEFAULT_ROUTE_NAMESPACE } from '../core/defaults';
/** Denominator of a RequestMirror `fraction` that gives none (the Gateway API default). */
export { DEFAULT_MIRROR_FRACTION_DENOMINATOR } from '../core/defaults';
/** How long a draining proxy lets in-flight calls finish (`drainTimeoutMs`). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
/** Quiet time after a file system event before the config file is read, a ConfigMap update being several events (`watchConfig`'s `debounceMs`). */
export const DEFAULT_CONFIG_DEBOUNCE_MS = 200;
/** Interval of the content-hash poll that backs up `fs.watch` (`watchConfig`'s `pollIntervalMs`). */
export const DEFAULT_CONFIG_POLL_INTERVAL_MS = 2_000;
/** Distinct gRPC service/method pairs the metrics label by name; later ones are labelled `other` (`maxMethodLabels`). */
export const DEFAULT_MAX_METHOD_LABELS = 1_000;
/** Admin interface of a proxy configured by command-line flags (`--admin`): a free port on loopback. */
export const DEFAULT_FLAGS_ADMIN = '127.0.0.1:0';
/** Balancing algorithm of a proxy configured by command-line flags (`--lb`). */
export const DEFAULT_FLAGS_LOAD_BALANCER = 'ROUND_ROBIN';

/**
 * Request bytes kept per call so that it can be sent again to another endpoint. A call whose request body grows
 * past this is no longer retried (1 MiB: far above a typical unary request, small enough to bound memory).
 */
export const RETRY_BUFFER_LIMIT_BYTES = 1024 * 1024;
/**
 * Tries of a call that never reached an upstream application (connection failed, stream refused, GOAWAY before
 * processing), on top of the configured retries. They are always safe to repeat.
 */
export const MAX_TRANSPARENT_RETRIES = 3;
/** Longest outlier ejection, whatever the number of ejections in a row (Envoy's `max_ejection_time`). */
export const MAX_EJECTION_TIME_MS = 300_000;

/** Interval of HTTP/2 PINGs on an upstream connection; a connection that does not answer in time is closed. */
export const UPSTREAM_KEEPALIVE_INTERVAL_MS = 30_000;
/** Time an upstream connection has to answer a keepalive PING. */
export const UPSTREAM_KEEPALIVE_TIMEOUT_MS = 10_000;
/** First wait before reconnecting to an endpoint whose connection attempt failed; it doubles on every failure. */
export const RECONNECT_BACKOFF_BASE_MS = 200;
/**
 * Longest wait before reconnecting to an endpoint. Short, so that a pod that is back (a crashed container
 * restarted) gets calls again within seconds: a connection attempt every 2.5 s to a dead address costs nothing.
 */
export const RECONNECT_BACKOFF_MAX_MS = 2_500;
/** Spread of every reconnect wait, as a fraction (±20 %, gRPC's connection backoff), so endpoints are not retried in step. */
export const RECONNECT_BACKOFF_JITTER = 0.2;
/** Concurrent streams assumed of an upstream connection until the peer's SETTINGS arrive (nghttp2's default). */
export const ASSUMED_PEER_MAX_CONCURRENT_STREAMS = 100;

/**
 * Concurrent streams a client may open on one connection to a listener (`limits.maxConcurrentStreams`). With the
 * stream window it bounds what one connection can make the proxy hold (100 x 64 KiB); HAProxy's default is 100 too.
 */
export const LISTENER_MAX_CONCURRENT_STREAMS = 100;
/** Largest header list (uncompressed bytes) a client may send; a larger one gets its stream reset (`limits.maxHeaderListBytes`). */
export const LISTENER_MAX_HEADER_LIST_SIZE = 64 * 1024;
/** Client connections a listener holds at once; more are closed as they arrive (`limits.maxConnections`). */
export const LISTENER_MAX_CONNECTIONS = 10_000;
/** Time a client connection may have no open stream before it is closed with GOAWAY (`limits.idleTimeoutMs`). */
export const LISTENER_IDLE_TIMEOUT_MS = 300_000;
/** Time a new connection has to send its preface and SETTINGS (`limits.handshakeTimeoutMs`). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Time a header block may take from HEADERS to its last CONTINUATION (`limits.headerBlockTimeoutMs`). */
export const HEADER_BLOCK_TIMEOUT_MS = 10_000;
/** Time a peer that is not reading may take nothing of what waits for it before it is cut off (`limits.sendTimeoutMs`). */
export const SEND_TIMEOUT_MS = 30_000;
/**
 * Unsent bytes of a connection past which the proxy stops reading from the peer and holds back DATA until the
 * socket drains: with the stream windows, what bounds the memory of a peer that does not read.
 */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
/** Most header fields in one header list; more get the stream reset. */
export const LISTENER_MAX_HEADER_LIST_PAIRS = 256;
/** Connection-level HTTP/2 receive window of every connection, both sides. */
export const SESSION_WINDOW_BYTES = 4 * 1024 * 1024;
/**
 * HTTP/2 receive window of every stream, both sides (SETTINGS_INITIAL_WINDOW_SIZE): what a peer may send on a
 * stream before the proxy has passed it on. It bounds the memory a stream holds when one side is slower: 64 KiB
 * (HTTP/2's default) times 1,000 streams caps what one client connection can make the proxy hold.
 */
export const STREAM_WINDOW_BYTES = 65_535;
