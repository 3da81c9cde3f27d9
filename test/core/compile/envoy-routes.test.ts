import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { gatewayApiToProxyConfig, proxyRoutesToEnvoy, type EnvoyRoutes } from '../../../src/core/compile';
import { GrpcMeshValidationError } from '../../../src/core/errors';
import type { ProxyClusterConfig, ProxyConfig, ProxyRouteConfig, ProxyVirtualHostConfig } from '../../../src/core/proxy-config';
import { engineOutcome } from '../../support/engine-outcome';
import { evaluateEnvoyRoute, type EnvoyRequest } from '../../support/envoy-route-evaluator';
import { validateEnvoyBootstrap } from '../../support/envoy-validator';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** A bootstrap around the output, so that Envoy's protos check the RouteConfiguration and every Cluster (and cross-references). */
function bootstrapOf(out: EnvoyRoutes): Record<string, unknown> {
  return {
    node: { id: 'test', cluster: 'test' },
    static_resources: {
      listeners: [{
        name: 'grpc',
        address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              'stat_prefix': 'grpc',
              'codec_type': 'AUTO',
              'route_config': out.routeConfiguration,
              'http_filters': [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
            },
          }],
        }],
      }],
      clusters: out.clusters,
    },
  };
}

function expectValid(out: EnvoyRoutes): void {
  expect(validateEnvoyBootstrap(bootstrapOf(out))).toEqual([]);
}

const staticCluster = (name: string): ProxyClusterConfig => ({ name, discovery: { type: 'static', endpoints: [{ address: '10.0.0.1', port: 8080 }] } });
const GRPC_STATUS = (code: number): unknown[] => [
  { header: { key: 'grpc-status', value: String(code) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
  { header: { key: 'content-type', value: 'application/grpc' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
];

function configOf(routes: ProxyRouteConfig[], clusters: ProxyClusterConfig[], virtualHosts?: ProxyVirtualHostConfig[]): ProxyConfig {
  return {
    version: 2,
    listeners: [{ name: 'edge', address: '0.0.0.0', port: 8080, ...(virtualHosts !== undefined && { virtualHosts }) }],
    admin: { address: '127.0.0.1', port: 9901 },
    clusters,
    routes,
  };
}

const vhostOf = (out: EnvoyRoutes, name: string): Record<string, any> =>
  (out.routeConfiguration.virtual_hosts as Array<Record<string, any>>).find((v) => v.name === name)!;

describe('proxyRoutesToEnvoy: exact output', () => {
  test('emits routes in GRPCRoute precedence order, then UNIMPLEMENTED, with timeout 0s and no max_stream_duration', () => {
    const out = proxyRoutesToEnvoy(configOf([
      {
        name: 'b',
        namespace: 'app',
        rules: [
          { matches: [{ headers: [{ name: 'X-Tenant', value: 'a' }] }], backendRefs: [{ name: 'one' }] },
          { matches: [{ method: { service: 'pkg.Svc' } }], backendRefs: [{ name: 'one' }] },
        ],
      },
      {
        name: 'a',
        namespace: 'app',
        rules: [
          { matches: [{ method: { service: 'pkg.Svc', method: 'Get' } }], backendRefs: [{ name: 'two' }] },
          { matches: [{ method: { method: 'List' } }, { method: { type: 'RegularExpression', service: 'pkg\\..*', method: 'Get.+' } }], backendRefs: [{ name: 'two' }] },
        ],
      },
    ], [staticCluster('one'), staticCluster('two')]), 'edge');
    expectValid(out);
    expect(out.routeConfiguration).toMatchObject({ name: 'edge', ignore_port_in_host_matching: true });
    const vhosts = out.routeConfiguration.virtual_hosts as Array<Record<string, any>>;
    expect(vhosts.map((v) => [v.name, v.domains])).toEqual([['*', ['*']]]);
    expect(vhosts[0].routes.map((r: any) => [r.name, r.match])).toEqual([
      ['app/a/rules/0/matches/0', { path: '/pkg.Svc/Get' }],
      ['app/a/rules/1/matches/1', {
        safe_regex: { regex: '/(?:pkg\\..*)/(?:Get.+)' },
        headers: [{ name: ':path', string_match: { safe_regex: { regex: '/[^/]+/[^/]+' } } }],
      }],
      ['app/b/rules/1/matches/0', { safe_regex: { regex: '/pkg\\.Svc/[^/]+' } }],
      ['app/a/rules/1/matches/0', { safe_regex: { regex: '/[^/]+/List' } }],
      ['app/b/rules/0/matches/0', { prefix: '/', headers: [{ name: 'x-tenant', string_match: { exact: 'a' } }] }],
      ['unimplemented', { prefix: '/' }],
    ]);
    expect(vhosts[0].routes[0].route).toEqual({ weighted_clusters: { clusters: [{ name: 'two', weight: 1 }] }, timeout: '0s' });
    expect(vhosts[0].routes[5]).toEqual({ name: 'unimplemented', match: { prefix: '/' }, direct_response: { status: 200 }, response_headers_to_add: GRPC_STATUS(12) });
  });

  test('weighted clusters keep the non-zero weights; a rule with only zero weights answers UNAVAILABLE', () => {
    const out = proxyRoutesToEnvoy(configOf([{
      name: 'split',
      rules: [
        { matches: [{ method: { service: 's.S', method: 'A' } }], backendRefs: [{ name: 'stable', weight: 90 }, { name: 'canary', weight: 10 }, { name: 'off', weight: 0 }] },
        { matches: [{ method: { service: 's.S', method: 'B' } }], backendRefs: [{ name: 'off', weight: 0 }] },
      ],
    }], [staticCluster('stable'), staticCluster('canary'), staticCluster('off')]), 'edge');
    expectValid(out);
    const routes = vhostOf(out, '*').routes;
    expect(routes[0].route.weighted_clusters).toEqual({ clusters: [{ name: 'stable', weight: 90 }, { name: 'canary', weight: 10 }] });
    expect(routes[1]).toEqual({
      name: 'default/split/rules/1/matches/0', match: { path: '/s.S/B' }, direct_response: { status: 200 }, response_headers_to_add: GRPC_STATUS(14),
    });
    // Only clusters a route uses are emitted.
    expect(out.clusters.map((c) => c.name)).toEqual(['stable', 'canary']);
  });

  test('header modifiers: set overwrites, add appends, remove; on the route and on the weighted cluster', () => {
    const out = proxyRoutesToEnvoy(configOf([{
      name: 'mod',
      rules: [{
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Set', value: 's' }], add: [{ name: 'x-add', value: 'a' }], remove: ['X-Gone'] } },
          { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-served-by', value: 'edge' }], remove: ['server'] } },
        ],
        backendRefs: [{ name: 'one', filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-backend', value: 'one' }] } }] }],
      }],
    }], [staticCluster('one')]), 'edge');
    expectValid(out);
    expect(vhostOf(out, '*').routes[0]).toEqual({
      name: 'default/mod/rules/0',
      match: { prefix: '/' },
      route: {
        weighted_clusters: {
          clusters: [{
            name: 'one',
            weight: 1,
            request_headers_to_add: [{ header: { key: 'x-backend', value: 'one' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }],
          }],
        },
        timeout: '0s',
      },
      request_headers_to_add: [
        { header: { key: 'x-set', value: 's' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-add', value: 'a' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
      ],
      request_headers_to_remove: ['x-gone'],
      response_headers_to_add: [{ header: { key: 'x-served-by', value: 'edge' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
      response_headers_to_remove: ['server'],
    });
  });

  test('mirrors: percent and fraction become runtime fractions with an exact denominator', () => {
    const out = proxyRoutesToEnvoy(configOf([{
      name: 'mirror',
      rules: [{
        filters: [
          { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow' }, percent: 25 } },
          { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow' }, fraction: { numerator: 1, denominator: 1000 } } },
          { type: 'RequestMirror', requestMirror: { backendRef: { name: 'all' } } },
        ],
        backendRefs: [{ name: 'one' }],
      }],
    }], [staticCluster('one'), staticCluster('shadow'), staticCluster('all')]), 'edge');
    expectValid(out);
    expect(vhostOf(out, '*').routes[0].route.request_mirror_policies).toEqual([
      { cluster: 'shadow', runtime_fraction: { default_value: { numerator: 25, denominator: 'HUNDRED' } } },
      { cluster: 'shadow', runtime_fraction: { default_value: { numerator: 10, denominator: 'TEN_THOUSAND' } } },
      { cluster: 'all' },
    ]);
    expect(out.clusters.map((c) => c.name)).toEqual(['one', 'shadow', 'all']);
  });

  test('clusters: STRICT_DNS with HTTP/2 and upstream TLS (SNI, ALPN h2, CA, SAN); STATIC; an invalid backend has no endpoint', () => {
    const out = proxyRoutesToEnvoy(configOf([{ name: 'r', rules: [{ backendRefs: [{ name: 'app/api:8443' }, { name: 'ips' }, { name: 'invalid:app/gone:80' }] }] }], [
      {
        name: 'app/api:8443',
        discovery: { type: 'dns', hostname: 'api-headless.app.svc.cluster.local.', port: 8443, refreshIntervalMs: 500 },
        loadBalancer: 'ROUND_ROBIN',
        tls: { caFile: '/etc/ca/ca.crt', serverName: 'api.example.com' },
      },
      { name: 'ips', discovery: { type: 'static', endpoints: [{ address: '10.0.0.1', port: 80 }, { address: '10.0.0.2', port: 80 }] }, connectTimeoutMs: 250 },
      { name: 'invalid:app/gone:80', discovery: { type: 'static', endpoints: [] } },
    ]), 'edge');
    expectValid(out);
    const http2 = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        'explicit_http_config': { http2_protocol_options: { connection_keepalive: { interval: '30s', timeout: '5s' } } },
      },
    };
    expect(out.clusters).toEqual([
      {
        name: 'app/api:8443',
        type: 'STRICT_DNS',
        dns_refresh_rate: '0.5s',
        respect_dns_ttl: false,
        dns_lookup_family: 'V4_PREFERRED',
        connect_timeout: '1s',
        lb_policy: 'ROUND_ROBIN',
        ignore_health_on_host_removal: true,
        load_assignment: {
          cluster_name: 'app/api:8443',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'api-headless.app.svc.cluster.local.', port_value: 8443 } } } }] }],
        },
        typed_extension_protocol_options: http2,
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
            'sni': 'api.example.com',
            'common_tls_context': {
              alpn_protocols: ['h2'],
              validation_context: {
                trusted_ca: { filename: '/etc/ca/ca.crt' },
                match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'api.example.com' } }],
              },
            },
          },
        },
      },
      {
        name: 'ips',
        type: 'STATIC',
        connect_timeout: '0.25s',
        lb_policy: 'LEAST_REQUEST',
        load_assignment: {
          cluster_name: 'ips',
          endpoints: [{
            lb_endpoints: [
              { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } } },
              { endpoint: { address: { socket_address: { address: '10.0.0.2', port_value: 80 } } } },
            ],
          }],
        },
        typed_extension_protocol_options: http2,
      },
      {
        name: 'invalid:app/gone:80',
        type: 'STATIC',
        connect_timeout: '1s',
        lb_policy: 'LEAST_REQUEST',
        load_assignment: { cluster_name: 'invalid:app/gone:80', endpoints: [] },
        typed_extension_protocol_options: http2,
      },
    ]);
  });

  test('virtual hosts: one per hostname, each with the routes of the listener that serves it, more specific hostnames first', () => {
    const config = configOf([
      { name: 'foo', hostnames: ['foo.bar.com'], rules: [{ backendRefs: [{ name: 'foo' }] }] },
      { name: 'wild', rules: [{ matches: [{ method: { service: 's.S' } }], backendRefs: [{ name: 'wild' }] }] },
      { name: 'any', rules: [{ backendRefs: [{ name: 'any' }] }] },
    ], ['foo', 'wild', 'any'].map(staticCluster), [
      { name: 'bar', hostname: '*.bar.com', routes: ['default/foo', 'default/wild'] },
      { name: 'all', routes: ['default/any'] },
    ]);
    const out = proxyRoutesToEnvoy(config, 'edge');
    expectValid(out);
    const vhosts = out.routeConfiguration.virtual_hosts as Array<Record<string, any>>;
    expect(vhosts.map((v) => [v.name, v.domains, v.routes.map((r: any) => r.name)])).toEqual([
      ['foo.bar.com', ['foo.bar.com', 'foo.bar.com.'], ['default/foo/rules/0 foo.bar.com', 'default/wild/rules/0/matches/0 *.bar.com', 'unimplemented']],
      ['*.bar.com', ['*.bar.com', '*.bar.com.'], ['default/wild/rules/0/matches/0 *.bar.com', 'unimplemented']],
      ['*', ['*'], ['default/any/rules/0', 'unimplemented']],
    ]);
  });
});

describe('proxyRoutesToEnvoy: what Envoy cannot express fails with UNSUPPORTED_BY_DATA_PLANE', () => {
  test('names every route and field', () => {
    const config = configOf([{
      name: 'bad',
      namespace: 'app',
      rules: [{
        matches: [{ headers: [{ type: 'RegularExpression', name: 'x-v', value: '(?=a)a' }] }],
        filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'one' }, fraction: { numerator: 1, denominator: 3 } } }],
        backendRefs: [{ name: 'one', filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'one' } } }] }],
      }],
    }], [{ ...staticCluster('one'), retry: { attempts: 1, on: [14], backoffBaseMs: 10, backoffMaxMs: 100 } }]);
    let error: unknown;
    try {
      proxyRoutesToEnvoy(config, 'edge');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GrpcMeshValidationError);
    expect((error as GrpcMeshValidationError).issues.map((i) => [i.code, i.path])).toEqual([
      ['UNSUPPORTED_BY_DATA_PLANE', 'routes["app/bad"].rules[0].matches[0].headers[0].value'],
      ['UNSUPPORTED_BY_DATA_PLANE', 'routes["app/bad"].rules[0].filters[0].requestMirror.fraction'],
      ['UNSUPPORTED_BY_DATA_PLANE', 'routes["app/bad"].rules[0].backendRefs[0].filters[0]'],
      ['UNSUPPORTED_BY_DATA_PLANE', 'clusters["one"].retry'],
    ]);
  });

  test('the proto check around the output is not vacuous: a misspelt route field or an unknown cluster is caught', () => {
    const out = proxyRoutesToEnvoy(configOf([{ name: 'r', rules: [{ backendRefs: [{ name: 'one' }] }] }], [staticCluster('one')]), 'edge');
    const vhost = vhostOf(out, '*');
    const broken = { ...out.routeConfiguration, virtual_hosts: [{ ...vhost, routes: [{ ...vhost.routes[0], timeout: '0s' }] }] };
    expect(validateEnvoyBootstrap(bootstrapOf({ routeConfiguration: broken, clusters: out.clusters })).join('\n')).toMatch(/timeout/);
    expect(validateEnvoyBootstrap(bootstrapOf({ routeConfiguration: out.routeConfiguration, clusters: [] })).join('\n')).toMatch(/unknown cluster/);
  });

  test('a listener that is not in the config', () => {
    expect(() => proxyRoutesToEnvoy(configOf([], []), 'nope')).toThrow(/LISTENER_NOT_FOUND/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Differential test: for every case of the routing engine's conformance replay, the first matching Envoy route (by
// the reference evaluator) leads where the routing engine leads.

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'gateway-api-conformance');
/** As test/routing/conformance.test.ts: the Gateway's address when the client sends no host, the mesh client's path. */
const GATEWAY_ADDRESS = '192.0.2.10:80';
const MESH_ECHO_PATH = '/proto.EchoTestService/Echo';

interface ConformanceCase {
  readonly id: string;
  readonly mode: 'gateway' | 'mesh';
  readonly source: { readonly manifests: readonly string[] };
  readonly gateway?: { readonly metadata: { readonly name: string; readonly namespace: string } } | null;
  readonly parents?: ReadonlyArray<{ readonly name: string }> | null;
  readonly routes: ReadonlyArray<{ readonly metadata: { readonly namespace?: string } }>;
  readonly request: { readonly host?: string; readonly path?: string; readonly headers: Readonly<Record<string, string>> };
  readonly expect: { readonly status: 'OK' | 'UNIMPLEMENTED' | 'NOT_OK' };
}

const CASES: readonly ConformanceCase[] = JSON.parse(readFileSync(join(FIXTURES, 'grpcroute-cases.json'), 'utf8'));

function loadManifests(path: string): unknown[] {
  const text = readFileSync(join(FIXTURES, path), 'utf8').split('{GATEWAY_CLASS_NAME}').join('grpc-mesh');
  return parseAllDocuments(text).map((doc) => doc.toJSON() as unknown).filter((o) => o !== null);
}

/** The CA ConfigMaps the upstream suite creates at run time, so that the BackendTLSPolicy case compiles TLS clusters. */
const CA_MAPS = ['tls-checks-ca-certificate', 'mismatch-ca-certificate'].map((name) => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'gateway-conformance-infra' }, data: { 'ca.crt': 'PEM' },
}));

function compileCase(c: ConformanceCase): { config: ProxyConfig; listener: string } {
  const objects = [...loadManifests(join('upstream', c.mode === 'gateway' ? 'base' : 'mesh', 'manifests.yaml')), ...c.source.manifests.flatMap(loadManifests), ...CA_MAPS];
  const { config } = gatewayApiToProxyConfig(objects, {
    ...(c.mode === 'gateway'
      ? { gateway: { namespace: c.gateway!.metadata.namespace, name: c.gateway!.metadata.name } }
      : { mesh: (c.parents ?? []).map((p) => ({ namespace: c.routes[0].metadata.namespace ?? '', name: p.name })) }),
    backendDiscovery: (ref) => ({ type: 'static', endpoints: [{ address: '10.0.0.1', port: ref.port }] }),
  });
  // Each case's client reaches one listener: the mesh listener, or the one of its Gateway's (single) port.
  return { config, listener: config.listeners[0].name };
}

function envoyOutcome(out: EnvoyRoutes, request: EnvoyRequest): Record<string, number> | { status: number | undefined } | 'no route' {
  const outcome = evaluateEnvoyRoute(out.routeConfiguration, request);
  if (outcome.kind === 'none') return 'no route';
  if (outcome.kind === 'direct') return { status: outcome.grpcStatus };
  return outcome.clusters;
}

describe('proxyRoutesToEnvoy: Envoy\'s first matching route agrees with the routing engine on every conformance case', () => {
  test('covers every case', () => {
    expect(CASES.length).toBe(40);
  });

  describe.each(CASES.map((c) => [c.id, c] as const))('%s', (_, c) => {
    const { config, listener } = compileCase(c);
    const out = proxyRoutesToEnvoy(config, listener);

    test('validates against Envoy\'s v3 protos', () => {
      expectValid(out);
    });

    // The case's own call, and probes around it: another method and service, and no headers.
    const request: EnvoyRequest = {
      authority: c.request.host ?? GATEWAY_ADDRESS, path: c.request.path ?? MESH_ECHO_PATH, headers: c.request.headers,
    };
    const probes: EnvoyRequest[] = [
      request,
      { ...request, path: request.path.replace(/\/[^/]+$/, '/Unknown') },
      { ...request, path: '/other.Service/Echo' },
      { ...request, headers: {} },
      { ...request, authority: 'unknown.example.net' },
    ];
    test('the case\'s own call reaches backends through Envoy when upstream expects it to, UNIMPLEMENTED otherwise', () => {
      const outcome = envoyOutcome(out, request);
      if (c.expect.status === 'UNIMPLEMENTED') expect(outcome).toEqual({ status: 12 });
      else expect(Object.keys(outcome).filter((k) => k !== 'status').length).toBeGreaterThan(0);
    });

    test.each(probes.map((p) => [`${p.authority} ${p.path} ${JSON.stringify(p.headers)}`, p] as const))('%s', (__, probe) => {
      const engine = engineOutcome(config, listener, probe);
      expect(envoyOutcome(out, probe)).toEqual(engine);
    });
  });
});
