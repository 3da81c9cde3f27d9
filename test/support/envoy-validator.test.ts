import { assertValidEnvoyBootstrap, validateEnvoyBootstrap } from './envoy-validator';

/** Bootstrap fragments are edited freely by the tests, including into invalid shapes. */
type Json = Record<string, any>;

const TYPE_URL = 'type.googleapis.com/';
const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

const LISTENER_PATH = 'static_resources.listeners[0]';
const HCM_PATH = `${LISTENER_PATH}.filter_chains[0].filters[0].typed_config`;
const ROUTE_ACTION_PATH = `${HCM_PATH}.route_config.virtual_hosts[0].routes[0].route`;
const CLUSTER_PATH = 'static_resources.clusters[0]';

/** A google.protobuf.Any in JSON form: the packed message's fields plus its `@type`. */
function packed(typeName: string, fields: Json = {}): Json {
  return { '@type': `${TYPE_URL}${typeName}`, ...fields };
}

/** A gRPC load-balancing bootstrap: one HTTP/2-capable listener routing everything to a headless service. */
function realisticBootstrap(): Json {
  return {
    admin: {
      access_log: [{
        name: 'envoy.access_loggers.stdout',
        typed_config: packed('envoy.extensions.access_loggers.stream.v3.StdoutAccessLog'),
      }],
      address: { socket_address: { address: '127.0.0.1', port_value: 9901 } },
    },
    static_resources: {
      listeners: [{
        name: 'grpc_ingress',
        address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: packed(HCM_TYPE, {
              codec_type: 'AUTO',
              stat_prefix: 'grpc_ingress',
              access_log: [{
                name: 'envoy.access_loggers.file',
                typed_config: packed('envoy.extensions.access_loggers.file.v3.FileAccessLog', { path: '/dev/stdout' }),
              }],
              route_config: {
                name: 'local_route',
                virtual_hosts: [{
                  name: 'backend',
                  domains: ['*'],
                  routes: [{
                    match: { prefix: '/' },
                    route: {
                      cluster: 'backend',
                      timeout: '0s',
                      retry_policy: { retry_on: 'unavailable,resource-exhausted', num_retries: 2, per_try_timeout: '0.250s' },
                    },
                  }],
                }],
              },
              http_filters: [
                {
                  name: 'envoy.filters.http.health_check',
                  typed_config: packed('envoy.extensions.filters.http.health_check.v3.HealthCheck', {
                    pass_through_mode: false,
                    headers: [{ name: ':path', string_match: { exact: '/healthz' } }],
                  }),
                },
                {
                  name: 'envoy.filters.http.grpc_stats',
                  typed_config: packed('envoy.extensions.filters.http.grpc_stats.v3.FilterConfig', {
                    emit_filter_state: true,
                    stats_for_all_methods: true,
                  }),
                },
                { name: 'envoy.filters.http.router', typed_config: packed(ROUTER_TYPE) },
              ],
            }),
          }],
        }],
      }],
      clusters: [{
        name: 'backend',
        type: 'STRICT_DNS',
        connect_timeout: '1s',
        dns_refresh_rate: '1s',
        respect_dns_ttl: true,
        dns_lookup_family: 'V4_PREFERRED',
        lb_policy: 'LEAST_REQUEST',
        load_assignment: {
          cluster_name: 'backend',
          endpoints: [{
            lb_endpoints: [{
              endpoint: { address: { socket_address: { address: 'users-headless.app.svc.cluster.local', port_value: 50051 } } },
            }],
          }],
        },
        typed_extension_protocol_options: {
          [HTTP_PROTOCOL_OPTIONS]: packed(HTTP_PROTOCOL_OPTIONS, {
            explicit_http_config: { http2_protocol_options: {} },
          }),
        },
        health_checks: [{
          timeout: '1s',
          interval: '5s',
          unhealthy_threshold: 2,
          healthy_threshold: 1,
          grpc_health_check: {},
        }],
        outlier_detection: {
          consecutive_5xx: 5,
          consecutive_gateway_failure: 3,
          interval: '10s',
          base_ejection_time: '30s',
          max_ejection_percent: 50,
        },
        circuit_breakers: {
          thresholds: [{ priority: 'DEFAULT', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 }],
        },
      }],
    },
  };
}

function hcmOf(config: Json): Json {
  return config.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
}

function routeActionOf(config: Json): Json {
  return hcmOf(config).route_config.virtual_hosts[0].routes[0].route;
}

function clusterOf(config: Json): Json {
  return config.static_resources.clusters[0];
}

describe('validateEnvoyBootstrap', () => {
  test('accepts a realistic gRPC load-balancing bootstrap', () => {
    expect(validateEnvoyBootstrap(realisticBootstrap())).toEqual([]);
  });

  test('accepts lowerCamelCase JSON field names as well as proto names', () => {
    const config = realisticBootstrap();
    const cluster = clusterOf(config);
    delete cluster.lb_policy;
    delete cluster.dns_lookup_family;
    Object.assign(cluster, { lbPolicy: 'LEAST_REQUEST', dnsLookupFamily: 'V4_PREFERRED' });

    expect(validateEnvoyBootstrap(config)).toEqual([]);
  });

  test('accepts integers as decimal strings and enums by number', () => {
    const config = realisticBootstrap();
    clusterOf(config).circuit_breakers.thresholds[0].max_requests = '1024';
    clusterOf(config).lb_policy = 1;

    expect(validateEnvoyBootstrap(config)).toEqual([]);
  });

  test('rejects an unknown top-level field', () => {
    const config = { ...realisticBootstrap(), static_resource: {} };

    expect(validateEnvoyBootstrap(config)).toEqual([
      'static_resource: unknown field "static_resource" in envoy.config.bootstrap.v3.Bootstrap',
    ]);
  });

  test('rejects an unknown field inside a typed_config', () => {
    const config = realisticBootstrap();
    hcmOf(config).route_config.virtual_hosts[0].retry_polcy = {};

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${HCM_PATH}.route_config.virtual_hosts[0].retry_polcy: unknown field "retry_polcy" in envoy.config.route.v3.VirtualHost`,
    ]);
  });

  test('rejects a misspelled enum value', () => {
    const config = realisticBootstrap();
    clusterOf(config).lb_policy = 'ROUND_ROBBIN';

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${CLUSTER_PATH}.lb_policy: unknown enum value "ROUND_ROBBIN" for envoy.config.cluster.v3.Cluster.LbPolicy`,
    ]);
  });

  test('rejects a duration without its "s" unit', () => {
    const config = realisticBootstrap();
    clusterOf(config).connect_timeout = '5';

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${CLUSTER_PATH}.connect_timeout: expected a duration string such as "5s" or "0.250s", got "5"`,
    ]);
  });

  test('rejects a duration with a space before its unit', () => {
    const config = realisticBootstrap();
    routeActionOf(config).retry_policy.per_try_timeout = '5 s';

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${ROUTE_ACTION_PATH}.retry_policy.per_try_timeout: expected a duration string such as "5s" or "0.250s", got "5 s"`,
    ]);
  });

  test('rejects an @type naming a message that does not exist', () => {
    const config = realisticBootstrap();
    hcmOf(config).http_filters[2].typed_config['@type'] = `${TYPE_URL}envoy.extensions.filters.http.router.v3.Routr`;

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${HCM_PATH}.http_filters[2].typed_config.@type: unknown @type "${TYPE_URL}envoy.extensions.filters.http.router.v3.Routr" (no such message in Envoy's protos)`,
      `${HCM_PATH}.http_filters[2]: the last HTTP filter must be the router (${TYPE_URL}${ROUTER_TYPE}), got "envoy.filters.http.router"`,
    ]);
  });

  test('rejects an Envoy v2 API @type', () => {
    const config = realisticBootstrap();
    const v2Type = 'envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager';
    hcmOf(config)['@type'] = `${TYPE_URL}${v2Type}`;

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${HCM_PATH}.@type: "${v2Type}" is an Envoy v2 API type; Envoy only accepts v3 types`,
    ]);
  });

  test('rejects a route to a cluster that is not defined', () => {
    const config = realisticBootstrap();
    routeActionOf(config).cluster = 'users';

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${ROUTE_ACTION_PATH}.cluster: unknown cluster "users" (not defined in static_resources.clusters)`,
    ]);
  });

  test('rejects a weighted cluster that is not defined', () => {
    const config = realisticBootstrap();
    const routeAction = routeActionOf(config);
    delete routeAction.cluster;
    routeAction.weighted_clusters = { clusters: [{ name: 'backend', weight: 90 }, { name: 'canary', weight: 10 }] };

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${ROUTE_ACTION_PATH}.weighted_clusters.clusters[1].name: unknown cluster "canary" (not defined in static_resources.clusters)`,
    ]);
  });

  test('rejects HTTP filters whose last filter is not the router', () => {
    const config = realisticBootstrap();
    hcmOf(config).http_filters.reverse();

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${HCM_PATH}.http_filters[2]: the last HTTP filter must be the router (${TYPE_URL}${ROUTER_TYPE}), got "envoy.filters.http.health_check"`,
    ]);
  });

  test('rejects two members of the same oneof', () => {
    const config = realisticBootstrap();
    routeActionOf(config).cluster_header = 'x-cluster';

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${ROUTE_ACTION_PATH}: only one field of oneof envoy.config.route.v3.RouteAction.cluster_specifier may be set, got cluster, cluster_header`,
    ]);
  });

  test('rejects an old v1-style config', () => {
    const v1Config = {
      admin: { access_log_path: '/dev/null', address: 'tcp://127.0.0.1:9901' },
      listeners: [],
      cluster_manager: {
        clusters: [{ name: 'backend', type: 'strict_dns', lb_type: 'round_robin', hosts: [{ url: 'tcp://backend:50051' }] }],
      },
    };

    expect(validateEnvoyBootstrap(v1Config)).toEqual([
      'listeners: unknown field "listeners" in envoy.config.bootstrap.v3.Bootstrap',
      'admin.address: expected an object for envoy.config.core.v3.Address, got "tcp://127.0.0.1:9901"',
      'cluster_manager.clusters: unknown field "clusters" in envoy.config.bootstrap.v3.ClusterManager',
    ]);
  });

  test('rejects a field that protoc-gen-validate marks as required when it is missing', () => {
    const config = realisticBootstrap();
    delete clusterOf(config).health_checks[0].timeout;

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${CLUSTER_PATH}.health_checks[0].timeout: required field of envoy.config.core.v3.HealthCheck is missing`,
    ]);
  });

  test('rejects a required oneof with no member set', () => {
    const config = realisticBootstrap();
    delete clusterOf(config).health_checks[0].grpc_health_check;

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${CLUSTER_PATH}.health_checks[0]: one of http_health_check, tcp_health_check, grpc_health_check, custom_health_check must be set (oneof envoy.config.core.v3.HealthCheck.health_checker is required)`,
    ]);
  });

  test('rejects values outside protoc-gen-validate bounds', () => {
    const config = realisticBootstrap();
    hcmOf(config).stat_prefix = '';
    hcmOf(config).route_config.virtual_hosts[0].domains = [];
    clusterOf(config).dns_refresh_rate = '0.0005s';
    clusterOf(config).outlier_detection.max_ejection_percent = 150;

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${HCM_PATH}.stat_prefix: violates (validate.rules).string.min_len = 1: got ""`,
      `${HCM_PATH}.route_config.virtual_hosts[0].domains: violates (validate.rules).repeated.min_items = 1: got 0 items`,
      `${CLUSTER_PATH}.dns_refresh_rate: violates (validate.rules).duration.gt = 0.001s: got "0.0005s"`,
      `${CLUSTER_PATH}.outlier_detection.max_ejection_percent: violates (validate.rules).uint32.lte = 100: got 150`,
    ]);
  });

  test('rejects scalars of the wrong type, including wrapped scalars', () => {
    const config = realisticBootstrap();
    routeActionOf(config).retry_policy.num_retries = 'two';
    clusterOf(config).respect_dns_ttl = 'yes';
    clusterOf(config).health_checks[0].healthy_threshold = -1;

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${ROUTE_ACTION_PATH}.retry_policy.num_retries: expected an integer (uint32), got "two"`,
      `${CLUSTER_PATH}.respect_dns_ttl: expected a bool, got "yes"`,
      `${CLUSTER_PATH}.health_checks[0].healthy_threshold: -1 is out of range for uint32`,
    ]);
  });

  test('rejects a repeated field that is not an array', () => {
    const config = realisticBootstrap();
    hcmOf(config).route_config.virtual_hosts[0].domains = '*';

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${HCM_PATH}.route_config.virtual_hosts[0].domains: expected an array for repeated field "domains", got "*"`,
    ]);
  });

  test('rejects a field given under both its proto and JSON names', () => {
    const config = realisticBootstrap();
    clusterOf(config).lbPolicy = 'RANDOM';

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${CLUSTER_PATH}.lbPolicy: field given twice, as "lb_policy" and "lbPolicy"`,
    ]);
  });

  test('rejects an Any without an @type', () => {
    const config = realisticBootstrap();
    delete hcmOf(config).http_filters[1].typed_config['@type'];

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${HCM_PATH}.http_filters[1].typed_config.@type: expected "${TYPE_URL}<full.message.Name>", got undefined`,
    ]);
  });

  test('rejects duplicate cluster and listener names', () => {
    const config = realisticBootstrap();
    config.static_resources.clusters.push({ ...clusterOf(config) });
    config.static_resources.listeners.push({ ...config.static_resources.listeners[0] });

    expect(validateEnvoyBootstrap(config)).toEqual([
      'static_resources.clusters[1].name: duplicate cluster name "backend" (already used at static_resources.clusters[0].name)',
      'static_resources.listeners[1].name: duplicate listener name "grpc_ingress" (already used at static_resources.listeners[0].name)',
    ]);
  });

  test('rejects upstream protocol options under another key or with a mismatched @type', () => {
    const config = realisticBootstrap();
    const options = clusterOf(config).typed_extension_protocol_options;
    options['envoy.filters.network.http_connection_manager'] = options[HTTP_PROTOCOL_OPTIONS];
    options[HTTP_PROTOCOL_OPTIONS] = packed(ROUTER_TYPE);

    expect(validateEnvoyBootstrap(config)).toEqual([
      `${CLUSTER_PATH}.typed_extension_protocol_options["${HTTP_PROTOCOL_OPTIONS}"].@type: must be "${TYPE_URL}${HTTP_PROTOCOL_OPTIONS}" to match its key`,
      `${CLUSTER_PATH}.typed_extension_protocol_options["envoy.filters.network.http_connection_manager"]: key must be "${HTTP_PROTOCOL_OPTIONS}"`,
    ]);
  });
});

describe('assertValidEnvoyBootstrap', () => {
  test('accepts a realistic gRPC load-balancing bootstrap', () => {
    expect(() => assertValidEnvoyBootstrap(realisticBootstrap())).not.toThrow();
  });

  test('throws an error listing every problem', () => {
    const config = realisticBootstrap();
    clusterOf(config).lb_policy = 'ROUND_ROBBIN';
    routeActionOf(config).cluster = 'users';

    expect(() => assertValidEnvoyBootstrap(config)).toThrow([
      'invalid Envoy bootstrap (2 problem(s)):',
      `  - ${CLUSTER_PATH}.lb_policy: unknown enum value "ROUND_ROBBIN" for envoy.config.cluster.v3.Cluster.LbPolicy`,
      `  - ${ROUTE_ACTION_PATH}.cluster: unknown cluster "users" (not defined in static_resources.clusters)`,
    ].join('\n'));
  });
});
