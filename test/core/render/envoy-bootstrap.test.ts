import { DataPlane, GrpcStatus, renderEnvoyBootstrap, resolveGrpcMeshService, type GrpcMeshServiceProps, type ResolvedEnvoy } from '../../../src/core';
import { envoyCallDeadline } from '../../support/envoy-route-evaluator';
import { USERS_PROPS } from '../../support/fixtures';
import { at } from '../../support/render';

function bootstrap(overrides: Partial<GrpcMeshServiceProps> = {}): Record<string, any> {
  const model = resolveGrpcMeshService({ ...USERS_PROPS, ...overrides }, { defaultName: 'users' });
  return renderEnvoyBootstrap(model, model.dataPlane as ResolvedEnvoy);
}
const grpcHcm = (b: Record<string, any>) => at(b, 'static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 0, 'typed_config');
const route = (b: Record<string, any>) => at(grpcHcm(b), 'route_config', 'virtual_hosts', 0, 'routes', 0);
const cluster = (b: Record<string, any>) => at(b, 'static_resources', 'clusters', 0);

describe('renderEnvoyBootstrap', () => {
  test('keeps the admin interface on loopback', () => {
    expect(bootstrap().admin).toEqual({ address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } });
  });

  test('balances over the headless Service with a STRICT_DNS cluster refreshed every second', () => {
    const c = cluster(bootstrap({ targetPort: 9090 }));
    expect(c).toMatchObject({
      name: 'grpc_backend',
      type: 'STRICT_DNS',
      dns_refresh_rate: '1s',
      respect_dns_ttl: false,
      dns_lookup_family: 'V4_PREFERRED',
      lb_policy: 'LEAST_REQUEST',
      ignore_health_on_host_removal: true,
      connect_timeout: '1s',
    });
    expect(at(c, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address', 'socket_address'))
      .toEqual({ address: 'users-headless.app.svc.cluster.local.', port_value: 9090 });
  });

  test('speaks HTTP/2 to the pods through typed_extension_protocol_options', () => {
    expect(cluster(bootstrap()).typed_extension_protocol_options).toEqual({
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        'explicit_http_config': { http2_protocol_options: { connection_keepalive: { interval: '30s', timeout: '5s' } } },
      },
    });
  });

  test('without requestMs or maxStreamDurationMs: no bound but the client\'s grpc-timeout, uncapped, and no 15 s default', () => {
    const r = route(bootstrap({ trafficPolicy: undefined })).route;
    expect(r.timeout).toBe('0s');
    expect(r.max_stream_duration).toEqual({ grpc_timeout_header_max: '0s' });
    expect(envoyCallDeadline(r)).toEqual({ limitMs: undefined, from: 'stream-start' });
    expect(envoyCallDeadline(r, 3_600_000)).toEqual({ limitMs: 3_600_000, from: 'stream-start' });
  });

  test('requestMs bounds every call on the stream timer Envoy reads, whatever the client\'s deadline', () => {
    const b = bootstrap({ trafficPolicy: { timeouts: { requestMs: 2500, streamIdleMs: 60_000, connectMs: 250 } } });
    const r = route(b).route;
    // Envoy's new-timeout path: route.timeout is not read once max_stream_duration is set.
    expect(r.timeout).toBe('0s');
    expect(r.max_stream_duration).toEqual({ max_stream_duration: '2.5s', grpc_timeout_header_max: '2.5s' });
    expect(envoyCallDeadline(r)).toEqual({ limitMs: 2500, from: 'stream-start' }); // no deadline
    expect(envoyCallDeadline(r, 60_000)).toEqual({ limitMs: 2500, from: 'stream-start' }); // a longer deadline is capped
    expect(envoyCallDeadline(r, 800)).toEqual({ limitMs: 800, from: 'stream-start' }); // a shorter one is honoured
    expect(grpcHcm(b).stream_idle_timeout).toBe('60s');
    expect(cluster(b).connect_timeout).toBe('0.25s');
  });

  test('maxStreamDurationMs alone bounds every stream, with or without grpc-timeout', () => {
    const r = route(bootstrap({ trafficPolicy: { timeouts: { maxStreamDurationMs: 3_600_000 } } })).route;
    expect(r.max_stream_duration).toEqual({ max_stream_duration: '3600s', grpc_timeout_header_max: '3600s' });
    expect(envoyCallDeadline(r)).toEqual({ limitMs: 3_600_000, from: 'stream-start' });
    expect(envoyCallDeadline(r, 86_400_000)).toEqual({ limitMs: 3_600_000, from: 'stream-start' });
  });

  test('requestMs and maxStreamDurationMs together: the shorter bounds the call', () => {
    const longStreams = route(bootstrap({ trafficPolicy: { timeouts: { requestMs: 2500, maxStreamDurationMs: 3_600_000 } } })).route;
    expect(longStreams.max_stream_duration).toEqual({ max_stream_duration: '2.5s', grpc_timeout_header_max: '2.5s' });
    const shortStreams = route(bootstrap({ trafficPolicy: { timeouts: { requestMs: 10_000, maxStreamDurationMs: 4_000 } } })).route;
    expect(shortStreams.max_stream_duration).toEqual({ max_stream_duration: '4s', grpc_timeout_header_max: '4s' });
    expect(envoyCallDeadline(shortStreams, 8_000)).toEqual({ limitMs: 4_000, from: 'stream-start' });
  });

  test('the evaluator reads the old output as Envoy does: requestMs was never applied', () => {
    // What this renderer emitted before: Envoy takes the new-timeout path and ignores timeout: 2.5s.
    const before = { timeout: '2.5s', max_stream_duration: { grpc_timeout_header_max: '0s' } };
    expect(envoyCallDeadline(before)).toEqual({ limitMs: undefined, from: 'stream-start' });
    expect(envoyCallDeadline(before, 60_000)).toEqual({ limitMs: 60_000, from: 'stream-start' });
    // Without max_stream_duration the router's timer applies, from the end of the request, 15 s by default.
    expect(envoyCallDeadline({ timeout: '2.5s' }, 60_000)).toEqual({ limitMs: 2500, from: 'request-end' });
    expect(envoyCallDeadline({})).toEqual({ limitMs: 15_000, from: 'request-end' });
    expect(envoyCallDeadline({ timeout: '0s', max_grpc_timeout: '5s' }, 60_000)).toEqual({ limitMs: 5_000, from: 'request-end' });
  });

  test('retries the configured gRPC codes on another endpoint, plus calls that never reached one', () => {
    const on = [GrpcStatus.UNAVAILABLE, GrpcStatus.RESOURCE_EXHAUSTED];
    const retry = { attempts: 3, on, perTryTimeoutMs: 300, backoffBaseMs: 10, backoffMaxMs: 100 };
    const b = bootstrap({ trafficPolicy: { retry } });
    expect(route(b).route.retry_policy).toEqual({
      retry_on: 'connect-failure,refused-stream,unavailable,resource-exhausted',
      num_retries: 3,
      per_try_timeout: '0.3s',
      retry_back_off: { base_interval: '0.01s', max_interval: '0.1s' },
      retry_host_predicate: [{
        name: 'envoy.retry_host_predicates.previous_hosts',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
      }],
      host_selection_retry_max_attempts: 3,
    });
  });

  test('always retries transport failures, which are safe for every method', () => {
    const policy = route(bootstrap({ trafficPolicy: undefined })).route.retry_policy;
    expect(policy.retry_on).toBe('connect-failure,refused-stream');
    expect(policy.num_retries).toBe(2);
  });

  test('translates the load balancer, circuit breakers, outlier detection and health checks', () => {
    const c = cluster(bootstrap({
      trafficPolicy: {
        loadBalancer: 'ROUND_ROBIN',
        circuitBreaker: { maxConcurrentCalls: 100, maxPendingCalls: 10, maxConnections: 20, maxConcurrentRetries: 5 },
        outlierDetection: { consecutiveErrors: 3, intervalMs: 5000, baseEjectionTimeMs: 10_000, maxEjectionPercent: 30 },
        healthCheck: { grpcServiceName: 'user.v1.UserService', intervalMs: 2000, timeoutMs: 500, unhealthyThreshold: 2, healthyThreshold: 2 },
      },
    }));
    expect(c.lb_policy).toBe('ROUND_ROBIN');
    expect(c.circuit_breakers).toEqual({ thresholds: [{ priority: 'DEFAULT', max_connections: 20, max_pending_requests: 10, max_requests: 100, max_retries: 5 }] });
    expect(c.outlier_detection).toEqual({ consecutive_5xx: 3, interval: '5s', base_ejection_time: '10s', max_ejection_percent: 30 });
    expect(c.health_checks).toEqual([{
      timeout: '0.5s', interval: '2s', unhealthy_threshold: 2, healthy_threshold: 2, grpc_health_check: { service_name: 'user.v1.UserService' },
    }]);
  });

  test('leaves out health checks and outlier detection when they are disabled', () => {
    const c = cluster(bootstrap({ trafficPolicy: { healthCheck: { enabled: false }, outlierDetection: { enabled: false } } }));
    expect(c).not.toHaveProperty('health_checks');
    expect(c).not.toHaveProperty('outlier_detection');
  });

  test('serves /ready and /stats/prometheus on the probe listener and nothing else of the admin interface', () => {
    const probes = at(bootstrap(), 'static_resources', 'listeners', 1);
    expect(at(probes, 'address', 'socket_address')).toEqual({ address: '0.0.0.0', port_value: 19001 });
    const hcm = at(probes, 'filter_chains', 0, 'filters', 0, 'typed_config');
    expect(hcm.route_config.virtual_hosts[0].routes).toEqual([
      { match: { path: '/stats/prometheus' }, route: { cluster: 'envoy_admin' } },
      { match: { prefix: '/' }, direct_response: { status: 404 } },
    ]);
    expect(hcm.http_filters.map((f: any) => f.name)).toEqual(['envoy.filters.http.health_check', 'envoy.filters.http.router']);
  });

  test('writes a JSON access log line per call unless switched off', () => {
    expect(grpcHcm(bootstrap()).access_log[0].name).toBe('envoy.access_loggers.stdout');
    expect(grpcHcm(bootstrap({ dataPlane: DataPlane.envoy({ accessLog: false }) }))).not.toHaveProperty('access_log');
  });
});
