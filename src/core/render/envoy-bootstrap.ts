import { ACCESS_LOG_FORMAT } from '../access-log-format';
import { backendTlsUpstream } from '../backend-tls';
import * as d from '../defaults';
import { callTimeoutMs } from '../dialects/call-timeout';
import { absoluteDnsName } from '../dns-name';
import type { GrpcMeshServiceModel, ResolvedBalancer, ResolvedTier } from '../grpc-mesh-service';
import { grpcStatusKebabName } from '../grpc-status';
import type { ProxyTlsConfig, ProxyUpstreamTlsConfig } from '../proxy-config';
import type { ResolvedTrafficPolicy } from '../traffic-policy';

/** An Envoy v3 bootstrap, as the plain object Envoy reads from YAML or JSON. */
export type EnvoyBootstrap = Record<string, unknown>;

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = { name: 'envoy.filters.http.router', typed_config: typed('envoy.extensions.filters.http.router.v3.Router') };
/**
 * Counts calls by gRPC status (`cluster.<cluster>.grpc.{total,success,failure}`), not per method: method names
 * come from clients, and per-method stats would let any client create unbounded metrics.
 */
const GRPC_STATS = {
  name: 'envoy.filters.http.grpc_stats',
  typed_config: typed('envoy.extensions.filters.http.grpc_stats.v3.FilterConfig', { stats_for_all_methods: false, enable_upstream_stats: true }),
};
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';

/**
 * A `google.protobuf.Any` of the Envoy message `typeName` with the given fields.
 * @internal
 */
export function typed(typeName: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { '@type': `type.googleapis.com/${typeName}`, ...fields };
}
/** Name of the Envoy cluster of the gRPC service's pods. */
export const ENVOY_SERVICE_CLUSTER = 'grpc_backend';
/** Name of the Envoy cluster that reaches Envoy's own admin interface on loopback (for metrics). */
export const ENVOY_ADMIN_CLUSTER = 'envoy_admin';

/** Formats milliseconds as a protobuf JSON Duration (`1.5s`). */
export function envoyDuration(ms: number): string {
  return `${ms / 1000}s`;
}

/**
 * Renders the Envoy v3 bootstrap of a gRPC service's balancer: a gRPC listener that balances every call over the
 * pods of the headless Service (STRICT_DNS, HTTP/2 upstream), and a probe listener for readiness and metrics.
 * The admin interface listens on loopback only.
 */
export function renderEnvoyBootstrap(model: GrpcMeshServiceModel, envoy: ResolvedBalancer, tls?: ProxyTlsConfig): EnvoyBootstrap {
  return envoyBootstrap(envoy, [grpcListener(model, envoy, tls)], [serviceCluster(model, envoy)]);
}

/**
 * A tier's Envoy bootstrap: its gRPC listeners and clusters, plus the probe listener and the loopback admin.
 * @internal
 */
export function envoyBootstrap(tier: ResolvedTier, listeners: readonly unknown[], clusters: readonly unknown[]): EnvoyBootstrap {
  return {
    node: { id: tier.name, cluster: tier.name },
    admin: { address: socketAddress('127.0.0.1', d.ENVOY_ADMIN_PORT) },
    static_resources: {
      listeners: [...listeners, probeListener()],
      clusters: [...clusters, adminCluster()],
    },
  };
}

/**
 * An Envoy `Address` of a host (IP or DNS name) and port.
 * @internal
 */
export function socketAddress(address: string, port: number): Record<string, unknown> {
  return { socket_address: { address, port_value: port } };
}

function grpcListener(model: GrpcMeshServiceModel, envoy: ResolvedBalancer, tls: ProxyTlsConfig | undefined): Record<string, unknown> {
  const routeConfig = { name: model.name, virtual_hosts: [{ name: model.name, domains: ['*'], routes: [serviceRoute(model.trafficPolicy)] }] };
  return envoyGrpcListener('grpc', d.ENVOY_LISTENER_PORT, envoy, model.trafficPolicy.timeouts.streamIdleMs, routeConfig, tls);
}

/**
 * An Envoy listener that serves gRPC with the given route configuration: bounded HTTP/2, stream idle timeout,
 * drain, JSON access log, gRPC stats; TLS terminated with the certificate files when given (ALPN h2), requiring
 * client certificates signed by `clientCaFile` when it is given.
 * @internal
 */
export function envoyGrpcListener(
  name: string, port: number, tier: ResolvedTier, streamIdleMs: number, routeConfig: Record<string, unknown>, tls?: ProxyTlsConfig,
): Record<string, unknown> {
  const hcm = typed(HCM, {
    stat_prefix: 'grpc',
    codec_type: 'AUTO',
    // Defaults recommended for an edge Envoy: bounded buffers, bounded concurrency per connection.
    http2_protocol_options: {
      max_concurrent_streams: 1024,
      initial_stream_window_size: 65536,
      initial_connection_window_size: 1048576,
    },
    stream_idle_timeout: envoyDuration(streamIdleMs),
    // Time between the GOAWAY of a draining connection and its close.
    drain_timeout: envoyDuration(tier.drainSeconds * 1000),
    use_remote_address: true,
    ...(tier.accessLog && { access_log: [jsonAccessLog()] }),
    route_config: routeConfig,
    http_filters: [GRPC_STATS, ROUTER],
  });
  const filterChain = { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] };
  return {
    name,
    address: socketAddress('0.0.0.0', port),
    filter_chains: [tls === undefined ? filterChain : { ...filterChain, transport_socket: downstreamTls(tls) }],
  };
}

/**
 * Envoy's TLS termination. With a client CA, `require_client_certificate` rejects a handshake without a client
 * certificate, and `validation_context.trusted_ca` verifies the one presented: each needs the other, since a
 * validation context alone leaves the certificate optional and the flag alone accepts any certificate
 * (envoyproxy/envoy `api/envoy/extensions/transport_sockets/tls/v3/tls.proto` `require_client_certificate`,
 * `common.proto` `CertificateValidationContext.trusted_ca`).
 */
function downstreamTls(tls: ProxyTlsConfig): Record<string, unknown> {
  return {
    name: TLS_TRANSPORT_SOCKET,
    typed_config: typed('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', {
      common_tls_context: {
        alpn_protocols: ['h2'],
        tls_certificates: [{ certificate_chain: { filename: tls.certFile }, private_key: { filename: tls.keyFile } }],
        ...(tls.clientCaFile !== undefined && { validation_context: { trusted_ca: { filename: tls.clientCaFile } } }),
      },
      ...(tls.clientCaFile !== undefined && { require_client_certificate: true }),
    }),
  };
}

/**
 * The `transport_socket` of an Envoy cluster that speaks TLS to its endpoints: SNI and the subjectAltName check on
 * `serverName`, ALPN h2, the CA file (else the system roots) and the client certificate files when given. Envoy's
 * active health checks use this socket too (with `HealthCheck.transport_socket_match_criteria` unset they take the
 * cluster's `transport_socket`: envoy/config/core/v3/health_check.proto).
 * @internal
 */
export function envoyUpstreamTls(tls: ProxyUpstreamTlsConfig): Record<string, unknown> {
  const serverName = tls.serverName ?? '';
  return {
    name: TLS_TRANSPORT_SOCKET,
    typed_config: typed('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {
      sni: serverName,
      common_tls_context: {
        alpn_protocols: ['h2'],
        ...(tls.certFile !== undefined && tls.keyFile !== undefined && {
          tls_certificates: [{ certificate_chain: { filename: tls.certFile }, private_key: { filename: tls.keyFile } }],
        }),
        validation_context: {
          ...(tls.caFile === undefined ? { system_root_certs: {} } : { trusted_ca: { filename: tls.caFile } }),
          match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: serverName } }],
        },
      },
    }),
  };
}

function serviceRoute(policy: ResolvedTrafficPolicy): Record<string, unknown> {
  return { match: { prefix: '/' }, route: { cluster: ENVOY_SERVICE_CLUSTER, ...routeActionPolicy(policy) } };
}

/**
 * The fields of an Envoy `RouteAction` a traffic policy sets: the call's time limit and the retry policy.
 *
 * The limit is `max_stream_duration`, never the route `timeout`: a route with `max_stream_duration` (even an empty
 * one) takes Envoy's "new timeout" path, where the router ignores `timeout` and the connection manager alone bounds
 * the stream (envoyproxy/envoy `source/common/router/config_impl.cc`: `using_new_timeouts_` is
 * `has_max_stream_duration()`; `source/common/router/router.cc` `FilterUtility::finalTimeout`;
 * `source/common/http/conn_manager_impl.cc` `ActiveStream::refreshDurationTimeout`). There:
 *
 * - a call without `grpc-timeout` is bounded by `max_stream_duration` (unset: none);
 * - a call with `grpc-timeout` is bounded by its deadline, capped at `grpc_timeout_header_max` (`0s`: uncapped);
 *   Envoy then forwards the capped deadline upstream in `grpc-timeout`, and answers DEADLINE_EXCEEDED when it ends.
 *
 * So with `requestMs` or `maxStreamDurationMs` set, both fields are the shorter of the two (both bound the whole
 * call, from its first byte): no call outlives it, and a shorter client deadline still applies. With neither, only
 * `grpc_timeout_header_max: 0s`: nothing bounds a call but the client's own deadline. `timeout: 0s` stays, inert,
 * so that Envoy's 15 s default could not apply even if `max_stream_duration` were removed.
 * @internal
 */
export function routeActionPolicy(policy: ResolvedTrafficPolicy): Record<string, unknown> {
  const limitMs = callTimeoutMs(policy.timeouts);
  const limit = limitMs === undefined ? undefined : envoyDuration(limitMs);
  return {
    timeout: '0s',
    max_stream_duration: limit === undefined
      ? { grpc_timeout_header_max: '0s' }
      : { max_stream_duration: limit, grpc_timeout_header_max: limit },
    retry_policy: retryPolicy(policy),
  };
}

function retryPolicy(policy: ResolvedTrafficPolicy): Record<string, unknown> {
  const { retry } = policy;
  // Connect failures and refused streams never reached the application: retrying them is always safe.
  const conditions = ['connect-failure', 'refused-stream', ...retry.on.map(grpcStatusKebabName)];
  return {
    retry_on: conditions.join(','),
    num_retries: Math.max(retry.attempts, d.DEFAULT_TRANSPORT_RETRIES),
    ...(retry.perTryTimeoutMs !== undefined && { per_try_timeout: envoyDuration(retry.perTryTimeoutMs) }),
    retry_back_off: { base_interval: envoyDuration(retry.backoffBaseMs), max_interval: envoyDuration(retry.backoffMaxMs) },
    // Try another endpoint than the one that just failed.
    retry_host_predicate: [{
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: typed('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate'),
    }],
    host_selection_retry_max_attempts: 3,
  };
}

function jsonAccessLog(): Record<string, unknown> {
  return {
    name: 'envoy.access_loggers.stdout',
    typed_config: typed('envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', {
      log_format: { json_format: ACCESS_LOG_FORMAT },
    }),
  };
}

/**
 * The listener the kubelet and Prometheus reach: `/ready` answers from the health-check filter (503 once the pod
 * starts draining), `/stats/prometheus` is forwarded to the loopback-only admin interface. Nothing else of the
 * admin interface is exposed.
 */
function probeListener(): Record<string, unknown> {
  const hcm = typed(HCM, {
    stat_prefix: 'probes',
    codec_type: 'AUTO',
    route_config: {
      name: 'probes',
      virtual_hosts: [{
        name: 'probes',
        domains: ['*'],
        routes: [
          { match: { path: '/stats/prometheus' }, route: { cluster: ENVOY_ADMIN_CLUSTER } },
          { match: { prefix: '/' }, direct_response: { status: 404 } },
        ],
      }],
    },
    http_filters: [
      {
        name: 'envoy.filters.http.health_check',
        typed_config: typed('envoy.extensions.filters.http.health_check.v3.HealthCheck', {
          pass_through_mode: false,
          headers: [{ name: ':path', string_match: { exact: '/ready' } }],
        }),
      },
      ROUTER,
    ],
  });
  return {
    name: 'probes',
    address: socketAddress('0.0.0.0', d.ENVOY_PROBE_PORT),
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }],
  };
}

function serviceCluster(model: GrpcMeshServiceModel, envoy: ResolvedBalancer): Record<string, unknown> {
  const policy = clusterPolicy(model.trafficPolicy);
  return {
    name: ENVOY_SERVICE_CLUSTER,
    ...strictDns(envoy.dnsRefreshMs),
    // Keys in their usual place; the spread below keeps that order.
    connect_timeout: policy.connect_timeout,
    lb_policy: policy.lb_policy,
    // Pods removed from DNS leave at once, even while still passing health checks (they are terminating).
    ignore_health_on_host_removal: true,
    load_assignment: {
      cluster_name: ENVOY_SERVICE_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(absoluteDnsName(model.headlessFqdn), model.targetPort) } }] }],
    },
    typed_extension_protocol_options: http2UpstreamProtocolOptions(),
    ...(model.backendTls && { transport_socket: envoyUpstreamTls(backendTlsUpstream(model.backendTls)) }),
    ...policy,
  };
}

/**
 * The fields of an Envoy `Cluster` a traffic policy sets: connect timeout, balancing, circuit breaker, health
 * checks and outlier detection.
 * @internal
 */
export function clusterPolicy(policy: ResolvedTrafficPolicy): Record<string, unknown> {
  return {
    connect_timeout: envoyDuration(policy.timeouts.connectMs),
    lb_policy: policy.loadBalancer,
    circuit_breakers: {
      thresholds: [{
        priority: 'DEFAULT',
        max_connections: policy.circuitBreaker.maxConnections,
        max_pending_requests: policy.circuitBreaker.maxPendingCalls,
        max_requests: policy.circuitBreaker.maxConcurrentCalls,
        max_retries: policy.circuitBreaker.maxConcurrentRetries,
      }],
    },
    ...(policy.healthCheck.enabled && { health_checks: [healthCheck(policy)] }),
    ...(policy.outlierDetection.enabled && { outlier_detection: outlierDetection(policy) }),
  };
}

/**
 * The discovery fields of a STRICT_DNS cluster that re-resolves every `refreshMs`, whatever the records' TTL
 * (CoreDNS answers with a TTL of seconds, and Envoy's 5 s default is too slow for rollouts). Callers give the
 * cluster absolute Service names (`absoluteDnsName`), so that no refresh walks the pod's search domains.
 *
 * Envoy 1.36 (our pinned image) logs a deprecation warning for `dns_refresh_rate` and `respect_dns_ttl` on a
 * cluster: since the DNS cluster refactor they belong in the `envoy.cluster.dns` cluster type
 * (`cluster_type: { name: envoy.cluster.dns, typed_config: envoy.extensions.clusters.dns.v3.DnsCluster }`). The
 * Envoy protos the tests validate bootstraps with (`@grpc/grpc-js-xds`'s `deps/envoy-api`) predate it and hold no
 * `envoy/extensions/clusters/dns/v3`, so that form could not be checked. The deprecated fields still work: Envoy
 * converts them (envoyproxy/envoy `source/extensions/clusters/common/dns_cluster_backcompat.cc`).
 * @internal
 */
export function strictDns(refreshMs: number): Record<string, unknown> {
  return { type: 'STRICT_DNS', dns_refresh_rate: envoyDuration(refreshMs), respect_dns_ttl: false, dns_lookup_family: 'V4_PREFERRED' };
}

/**
 * The `typed_extension_protocol_options` of a cluster that speaks HTTP/2 (gRPC) to its endpoints, with keepalive pings.
 * @internal
 */
export function http2UpstreamProtocolOptions(): Record<string, unknown> {
  return {
    [HTTP_PROTOCOL_OPTIONS]: typed(HTTP_PROTOCOL_OPTIONS, {
      explicit_http_config: {
        http2_protocol_options: { connection_keepalive: { interval: '30s', timeout: '5s' } },
      },
    }),
  };
}

function healthCheck(policy: ResolvedTrafficPolicy): Record<string, unknown> {
  const hc = policy.healthCheck;
  return {
    timeout: envoyDuration(hc.timeoutMs),
    interval: envoyDuration(hc.intervalMs),
    unhealthy_threshold: hc.unhealthyThreshold,
    healthy_threshold: hc.healthyThreshold,
    grpc_health_check: { service_name: hc.grpcServiceName },
  };
}

function outlierDetection(policy: ResolvedTrafficPolicy): Record<string, unknown> {
  const od = policy.outlierDetection;
  return {
    // Envoy maps gRPC statuses to HTTP ones for this count: UNAVAILABLE, INTERNAL, UNKNOWN... are 5xx.
    consecutive_5xx: od.consecutiveErrors,
    interval: envoyDuration(od.intervalMs),
    base_ejection_time: envoyDuration(od.baseEjectionTimeMs),
    max_ejection_percent: od.maxEjectionPercent,
  };
}

function adminCluster(): Record<string, unknown> {
  return {
    name: ENVOY_ADMIN_CLUSTER,
    type: 'STATIC',
    connect_timeout: '0.25s',
    load_assignment: {
      cluster_name: ENVOY_ADMIN_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', d.ENVOY_ADMIN_PORT) } }] }],
    },
  };
}
