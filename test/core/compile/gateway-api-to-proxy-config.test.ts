import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  accepted,
  backendTlsPolicy,
  clusterIpWarning,
  compile,
  compileError,
  compileGateway,
  configMap,
  DEFAULT_ADMIN,
  describeThrown,
  dnsCluster,
  expectValidConfig,
  gateway,
  GW,
  headless,
  http,
  invalidCluster,
  namespaceObject,
  notAccepted,
  NS,
  parent,
  referenceGrant,
  route,
  service,
  T1,
  T2,
  T3,
  toBackends,
} from './gateway-api-fixtures';
import { gatewayApiToProxyConfig, type GatewayApiCompileOptions, type ParentStatus } from '../../../src/core/compile';
import type { ProxyListenerConfig, ProxyVirtualHostConfig } from '../../../src/core/proxy-config';
import type { Cluster } from '../../../src/proxy/cluster';
import { RoutingState } from '../../../src/proxy/forward/routing-state';
import type { GRPCRouteRule, ParentReference } from '../../../src/routing/gateway-api';

/** A proxy listener of Gateway `edge` on `port`, bound on all addresses. */
function edgeListener(port: number, virtualHosts: readonly ProxyVirtualHostConfig[], extra: Partial<ProxyListenerConfig> = {}): ProxyListenerConfig {
  return { name: `edge-${port}`, address: '0.0.0.0', port, ...extra, virtualHosts };
}

/** A virtual host. */
function vh(name: string, routes: readonly string[], hostname?: string): ProxyVirtualHostConfig {
  return { name, ...(hostname !== undefined && { hostname }), routes };
}

/** The proxy route of a route `name` in `app` sending every call to the cluster `cluster`. */
function proxyRoute(
  name: string, cluster: string, extra: { readonly namespace?: string; readonly hostnames?: readonly string[]; readonly created?: string } = {},
) {
  return {
    name,
    namespace: extra.namespace ?? NS,
    ...(extra.created !== undefined && { creationTimestamp: extra.created }),
    ...(extra.hostnames !== undefined && { hostnames: extra.hostnames }),
    rules: [{ backendRefs: [{ name: cluster }] }],
  };
}

const USERS = headless('users');
const USERS_CLUSTER = dnsCluster(NS, 'users', 8080);
const EDGE_HTTP = gateway('edge', [http('http')]);
const ATTACHED_HTTP = 'attached to listener "http"';

describe('gatewayApiToProxyConfig: listener attachment', () => {
  test('a parentRef by name only attaches the route to every listener of the Gateway', () => {
    const objects = [
      gateway('edge', [http('a', { hostname: 'a.example.com' }), http('b', { port: 81 })]),
      route('r', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [
          edgeListener(80, [vh('a', ['app/r'], 'a.example.com')]),
          edgeListener(81, [vh('b', ['app/r'])]),
        ],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('r', 'app/users:8080')],
      },
      warnings: [],
      routes: [{ route: 'app/r', parents: [accepted(parent('edge'), 'attached to listener "a" (a.example.com), listener "b"')] }],
    });
  });

  test('a parentRef with sectionName attaches the route to that listener only', () => {
    const objects = [
      gateway('edge', [http('a', { hostname: 'a.example.com' }), http('b', { hostname: 'b.example.com' })]),
      route('r', { parentRefs: [parent('edge', { sectionName: 'b' })], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    const result = compileGateway(objects);
    expect(result.config.listeners).toEqual([edgeListener(80, [vh('a', [], 'a.example.com'), vh('b', ['app/r'], 'b.example.com')])]);
    expect(result.routes).toEqual([
      { route: 'app/r', parents: [accepted(parent('edge', { sectionName: 'b' }), 'attached to listener "b" (b.example.com)')] },
    ]);
  });

  test('a parentRef with port attaches the route to the listeners on that port only', () => {
    const objects = [
      gateway('edge', [http('a'), http('b', { port: 81 }), http('c', { port: 81, hostname: 'c.example.com' })]),
      route('r', { parentRefs: [parent('edge', { port: 81 })], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    const result = compileGateway(objects);
    expect(result.config.listeners).toEqual([
      edgeListener(80, [vh('a', [])]),
      edgeListener(81, [vh('b', ['app/r']), vh('c', ['app/r'], 'c.example.com')]),
    ]);
    expect(result.routes).toEqual([
      { route: 'app/r', parents: [accepted(parent('edge', { port: 81 }), 'attached to listener "b", listener "c" (c.example.com)')] },
    ]);
  });

  test('a parentRef whose sectionName or port names no listener is not accepted: NoMatchingParent', () => {
    const bySection = parent('edge', { sectionName: 'nope' });
    const byBoth = parent('edge', { sectionName: 'http', port: 81 });
    const objects = [
      EDGE_HTTP,
      route('r1', { parentRefs: [bySection], rules: toBackends(['users', 8080]) }),
      route('r2', { parentRefs: [byBoth], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    expect(compileGateway(objects)).toEqual({
      config: { version: 2, listeners: [edgeListener(80, [vh('http', [])])], admin: DEFAULT_ADMIN, clusters: [], routes: [] },
      warnings: [],
      routes: [
        { route: 'app/r1', parents: [notAccepted(bySection, 'NoMatchingParent', 'Gateway "app/edge" has no listener with sectionName "nope"')] },
        { route: 'app/r2', parents: [notAccepted(byBoth, 'NoMatchingParent', 'Gateway "app/edge" has no listener with sectionName "http" and port 81')] },
      ],
    });
  });

  test('allowedRoutes.namespaces.from defaults to Same: a route of another namespace is NotAllowedByListeners', () => {
    const fromOther = parent('edge', { namespace: NS });
    const objects = [
      EDGE_HTTP,
      route('mine', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }),
      route('theirs', { parentRefs: [fromOther], rules: toBackends(['users', 8080]) }, { namespace: 'other' }),
      USERS,
      headless('users', 'other'),
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/mine'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('mine', 'app/users:8080')],
      },
      warnings: [],
      routes: [
        { route: 'app/mine', parents: [accepted(parent('edge'), ATTACHED_HTTP)] },
        { route: 'other/theirs', parents: [notAccepted(fromOther, 'NotAllowedByListeners', 'listener "http" does not allow routes from namespace "other"')] },
      ],
    });
  });

  test('allowedRoutes.namespaces.from Same, spelled out, behaves as the default', () => {
    const fromOther = parent('edge', { namespace: NS });
    const objects = [
      gateway('edge', [http('http', { allowedRoutes: { namespaces: { from: 'Same' } } })]),
      route('theirs', { parentRefs: [fromOther], rules: toBackends(['users', 8080]) }, { namespace: 'other' }),
      headless('users', 'other'),
    ];
    expect(compileGateway(objects).routes).toEqual([
      { route: 'other/theirs', parents: [notAccepted(fromOther, 'NotAllowedByListeners', 'listener "http" does not allow routes from namespace "other"')] },
    ]);
  });

  test('NotAllowedByListeners names every listener the parentRef selects, and the first check they all fail', () => {
    const byPort = parent('edge', { namespace: NS, port: 81 });
    const byName = parent('edge', { namespace: NS });
    const objects = [
      gateway('edge', [
        http('http'),
        http('a', { port: 81, allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } }),
        http('b', { port: 81, hostname: 'b.example.com', allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } }),
      ]),
      route('kinds', { parentRefs: [byPort], rules: toBackends(['users', 8080]) }),
      route('theirs', { parentRefs: [byName], rules: toBackends(['users', 8080]) }, { namespace: 'other' }),
      USERS,
      headless('users', 'other'),
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', [])]), edgeListener(81, [vh('a', []), vh('b', [], 'b.example.com')])],
        admin: DEFAULT_ADMIN,
        clusters: [],
        routes: [],
      },
      warnings: [],
      routes: [
        { route: 'app/kinds', parents: [notAccepted(byPort, 'NotAllowedByListeners', 'listener "a", listener "b" (b.example.com) do not allow the kind GRPCRoute')] },
        // Listeners a and b do not take GRPCRoutes at all: only http is said to refuse the namespace.
        { route: 'other/theirs', parents: [notAccepted(byName, 'NotAllowedByListeners', 'listener "http" does not allow routes from namespace "other"')] },
      ],
    });
  });

  test('allowedRoutes.namespaces.from All admits routes of every namespace', () => {
    const fromOther = parent('edge', { namespace: NS });
    const objects = [
      gateway('edge', [http('http', { allowedRoutes: { namespaces: { from: 'All' } } })]),
      route('theirs', { parentRefs: [fromOther], rules: toBackends(['users', 8080]) }, { namespace: 'other' }),
      headless('users', 'other'),
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['other/theirs'])])],
        admin: DEFAULT_ADMIN,
        clusters: [dnsCluster('other', 'users', 8080)],
        routes: [proxyRoute('theirs', 'other/users:8080', { namespace: 'other' })],
      },
      warnings: [],
      routes: [{ route: 'other/theirs', parents: [accepted(fromOther, ATTACHED_HTTP)] }],
    });
  });

  test('allowedRoutes.namespaces.from Selector with matchLabels reads the labels of the Namespace objects', () => {
    const ref = parent('edge', { namespace: NS });
    const selector = { matchLabels: { team: 'payments' } };
    const objects = [
      gateway('edge', [http('http', { allowedRoutes: { namespaces: { from: 'Selector', selector } } })]),
      namespaceObject('pay', { team: 'payments' }),
      namespaceObject('ads', { team: 'ads' }),
      ...['pay', 'ads', 'unlabelled'].map((ns) => route('r', { parentRefs: [ref], rules: toBackends(['users', 8080]) }, { namespace: ns })),
      ...['pay', 'ads', 'unlabelled'].map((ns) => headless('users', ns)),
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['pay/r'])])],
        admin: DEFAULT_ADMIN,
        clusters: [dnsCluster('pay', 'users', 8080)],
        routes: [proxyRoute('r', 'pay/users:8080', { namespace: 'pay' })],
      },
      warnings: [],
      routes: [
        { route: 'ads/r', parents: [notAccepted(ref, 'NotAllowedByListeners', 'listener "http" does not allow routes from namespace "ads"')] },
        { route: 'pay/r', parents: [accepted(ref, ATTACHED_HTTP)] },
        {
          route: 'unlabelled/r',
          parents: [notAccepted(ref, 'NotAllowedByListeners', 'listener "http" does not allow routes from namespace "unlabelled"')],
        },
      ],
    });
  });

  test('allowedRoutes Selector matches the implicit kubernetes.io/metadata.name label of a namespace without Namespace object', () => {
    const ref = parent('edge', { namespace: NS });
    const selector = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['pay', 'billing'] }] };
    const objects = [
      gateway('edge', [http('http', { allowedRoutes: { namespaces: { from: 'Selector', selector } } })]),
      ...['pay', 'ads'].map((ns) => route('r', { parentRefs: [ref], rules: toBackends(['users', 8080]) }, { namespace: ns })),
      ...['pay', 'ads'].map((ns) => headless('users', ns)),
    ];
    expect(compileGateway(objects).routes).toEqual([
      { route: 'ads/r', parents: [notAccepted(ref, 'NotAllowedByListeners', 'listener "http" does not allow routes from namespace "ads"')] },
      { route: 'pay/r', parents: [accepted(ref, ATTACHED_HTTP)] },
    ]);
  });

  test('allowedRoutes Selector matchExpressions: Exists, NotIn (which an absent label satisfies) and DoesNotExist must all hold', () => {
    const ref = parent('edge', { namespace: NS });
    const selector = {
      matchExpressions: [
        { key: 'env', operator: 'Exists' },
        { key: 'team', operator: 'NotIn', values: ['ads'] },
        { key: 'frozen', operator: 'DoesNotExist' },
      ],
    };
    const namespaces: Record<string, Record<string, string>> = {
      'n1-ok': { env: 'prod', team: 'pay' },
      'n2-notin': { env: 'prod', team: 'ads' },
      'n3-noenv': { team: 'pay' },
      'n4-ok-noteam': { env: 'dev' },
      'n5-frozen': { env: 'prod', frozen: 'true' },
    };
    const objects = [
      gateway('edge', [http('http', { allowedRoutes: { namespaces: { from: 'Selector', selector } } })]),
      ...Object.entries(namespaces).map(([ns, labels]) => namespaceObject(ns, labels)),
      ...Object.keys(namespaces).map((ns) => route('r', { parentRefs: [ref], rules: toBackends(['users', 8080]) }, { namespace: ns })),
      ...Object.keys(namespaces).map((ns) => headless('users', ns)),
    ];
    const result = compileGateway(objects);
    const refused = (ns: string): ParentStatus => notAccepted(ref, 'NotAllowedByListeners', `listener "http" does not allow routes from namespace "${ns}"`);
    const ok: ParentStatus = { ...accepted(ref, ATTACHED_HTTP) };
    expect(result.routes).toEqual([
      { route: 'n1-ok/r', parents: [ok] },
      { route: 'n2-notin/r', parents: [refused('n2-notin')] },
      { route: 'n3-noenv/r', parents: [refused('n3-noenv')] },
      { route: 'n4-ok-noteam/r', parents: [ok] },
      { route: 'n5-frozen/r', parents: [refused('n5-frozen')] },
    ]);
    expect(result.config.listeners).toEqual([edgeListener(80, [vh('http', ['n1-ok/r', 'n4-ok-noteam/r'])])]);
  });

  test('allowedRoutes.kinds without GRPCRoute refuses the route: NotAllowedByListeners', () => {
    const objects = [
      gateway('edge', [
        http('http-only', { allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } }),
        http('other-group', { port: 81, allowedRoutes: { kinds: [{ group: 'example.com', kind: 'GRPCRoute' }] } }),
        http('grpc', { port: 82, allowedRoutes: { kinds: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }] } }),
      ]),
      route('to-http-only', { parentRefs: [parent('edge', { sectionName: 'http-only' })], rules: toBackends(['users', 8080]) }),
      route('to-other-group', { parentRefs: [parent('edge', { sectionName: 'other-group' })], rules: toBackends(['users', 8080]) }),
      route('to-all', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [
          edgeListener(80, [vh('http-only', [])]),
          edgeListener(81, [vh('other-group', [])]),
          edgeListener(82, [vh('grpc', ['app/to-all'])]),
        ],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('to-all', 'app/users:8080')],
      },
      warnings: [],
      routes: [
        { route: 'app/to-all', parents: [accepted(parent('edge'), 'attached to listener "grpc"')] },
        {
          route: 'app/to-http-only',
          parents: [notAccepted(parent('edge', { sectionName: 'http-only' }), 'NotAllowedByListeners',
            'listener "http-only" does not allow the kind GRPCRoute')],
        },
        {
          route: 'app/to-other-group',
          parents: [notAccepted(parent('edge', { sectionName: 'other-group' }), 'NotAllowedByListeners',
            'listener "other-group" does not allow the kind GRPCRoute')],
        },
      ],
    });
  });

  test('a route hostname *.example.com attaches to listener foo.example.com; the proxy narrows it to the listener', () => {
    const objects = [
      gateway('edge', [http('foo', { hostname: 'foo.example.com' })]),
      route('r', { parentRefs: [parent('edge')], hostnames: ['*.example.com'], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('foo', ['app/r'], 'foo.example.com')])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('r', 'app/users:8080', { hostnames: ['*.example.com'] })],
      },
      warnings: [],
      routes: [{ route: 'app/r', parents: [accepted(parent('edge'), 'attached to listener "foo" (foo.example.com)')] }],
    });
  });

  test('a route none of whose hostnames intersects the listener hostname is not accepted: NoMatchingListenerHostname', () => {
    const objects = [
      gateway('edge', [http('foo', { hostname: 'foo.example.com' })]),
      route('r', { parentRefs: [parent('edge')], hostnames: ['bar.example.com', '*.example.net'], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    expect(compileGateway(objects)).toEqual({
      config: { version: 2, listeners: [edgeListener(80, [vh('foo', [], 'foo.example.com')])], admin: DEFAULT_ADMIN, clusters: [], routes: [] },
      warnings: [],
      routes: [{
        route: 'app/r',
        parents: [notAccepted(parent('edge'), 'NoMatchingListenerHostname',
          'no hostname of the route (bar.example.com, *.example.net) intersects the hostname of listener "foo" (foo.example.com)')],
      }],
    });
  });

  test('a route attaches to the listeners its hostnames intersect and not to the others', () => {
    const objects = [
      gateway('edge', [http('com', { hostname: '*.example.com' }), http('net', { hostname: 'api.example.net' }), http('any', { port: 81 })]),
      route('r', { parentRefs: [parent('edge')], hostnames: ['a.example.com'], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    const result = compileGateway(objects);
    expect(result.config.listeners).toEqual([
      edgeListener(80, [vh('com', ['app/r'], '*.example.com'), vh('net', [], 'api.example.net')]),
      edgeListener(81, [vh('any', ['app/r'])]),
    ]);
    expect(result.routes).toEqual([{ route: 'app/r', parents: [accepted(parent('edge'), 'attached to listener "com" (*.example.com), listener "any"')] }]);
  });

  test('listeners other than HTTP and HTTPS are left out with a warning, and a route naming one is NotAllowedByListeners', () => {
    const objects = [
      gateway('edge', [http('http'), { name: 'tcp', port: 9000, protocol: 'TCP' }, { name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }]),
      route('all', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }),
      route('tcp', { parentRefs: [parent('edge', { sectionName: 'tcp' })], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/all'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('all', 'app/users:8080')],
      },
      warnings: [
        {
          code: 'LISTENER_PROTOCOL',
          path: 'Gateway "app/edge".spec.listeners[1].protocol',
          message: 'is "TCP"; GRPCRoutes attach to HTTP and HTTPS listeners only, so listener "tcp" is left out',
        },
        {
          code: 'LISTENER_PROTOCOL',
          path: 'Gateway "app/edge".spec.listeners[2].protocol',
          message: 'is "TLS"; GRPCRoutes attach to HTTP and HTTPS listeners only, so listener "tls" is left out',
        },
      ],
      routes: [
        { route: 'app/all', parents: [accepted(parent('edge'), ATTACHED_HTTP)] },
        {
          route: 'app/tcp',
          parents: [notAccepted(parent('edge', { sectionName: 'tcp' }), 'NotAllowedByListeners', 'listener "tcp" is left out (see the warnings)')],
        },
      ],
    });
  });

  // The proxy refuses a config without listeners: a Gateway it can serve nothing of is an error, not an empty config.
  test.each([
    ['no HTTP or HTTPS listener', [{ name: 'tcp', port: 9000, protocol: 'TCP' }], ['tcp (TCP 9000)'],
      'Left out: Gateway "app/edge".spec.listeners[0].protocol is "TCP"; GRPCRoutes attach to HTTP and HTTPS listeners only, so listener "tcp" '
      + 'is left out.'],
    ['only listeners left out (HTTP and HTTPS on one port)', [
      http('plain', { port: 8443 }), { name: 'tls', port: 8443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'c' }] } },
    ], ['plain (HTTP 8443)', 'tls (HTTPS 8443)'],
    'Left out: Gateway "app/edge".spec.listeners mix HTTP and HTTPS on port 8443; listeners "plain", "tls" are left out.'],
  ])('a Gateway with %s is a GrpcMeshValidationError: NO_LISTENERS, whose hint says why each listener was left out', (_, listeners, value, hint) => {
    const error = compileError([gateway('edge', listeners), route('r', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }), USERS], {
      gateway: { namespace: NS, name: 'edge' },
    });
    expect(error.issues).toEqual([{
      code: 'NO_LISTENERS',
      path: 'Gateway "app/edge".spec.listeners',
      value,
      message: 'must have an HTTP or HTTPS listener the proxy can serve',
      hint,
    }]);
  });

  test('several listeners on one port become one proxy listener with one virtual host each', () => {
    const objects = [
      gateway('edge', [http('any'), http('api', { hostname: 'api.example.com' }), http('wild', { hostname: '*.example.com' })]),
      route('r', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }),
      route('api-only', { parentRefs: [parent('edge', { sectionName: 'api' })], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    const result = compileGateway(objects);
    expect(result.config.listeners).toEqual([
      edgeListener(80, [vh('any', ['app/r']), vh('api', ['app/api-only', 'app/r'], 'api.example.com'), vh('wild', ['app/r'], '*.example.com')]),
    ]);
    expect(result.config.routes).toEqual([proxyRoute('api-only', 'app/users:8080'), proxyRoute('r', 'app/users:8080')]);
  });

  test('routes whose parentRefs name other Gateways are ignored, without warning', () => {
    const objects = [
      EDGE_HTTP,
      gateway('other', [http('http')]),
      gateway('edge', [http('http')], 'elsewhere'),
      route('mine', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }),
      route('theirs', { parentRefs: [parent('other')], rules: toBackends(['orders', 8080]) }),
      route('same-name-other-namespace', { parentRefs: [parent('edge', { namespace: 'elsewhere' })], rules: toBackends(['orders', 8080]) }),
      route('a-service', { parentRefs: [{ group: '', kind: 'Service', name: 'edge' }], rules: toBackends(['orders', 8080]) }),
      USERS,
      headless('orders'),
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/mine'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('mine', 'app/users:8080')],
      },
      warnings: [],
      routes: [{ route: 'app/mine', parents: [accepted(parent('edge'), ATTACHED_HTTP)] }],
    });
  });

  test('a parentRef naming a Gateway that is not among the objects is warned about: PARENT_NOT_FOUND', () => {
    const objects = [
      EDGE_HTTP,
      route('lost', { parentRefs: [parent('ghost')], rules: toBackends(['users', 8080]) }),
      route('both', { parentRefs: [parent('ghost', { namespace: 'gw' }), parent('edge')], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/both'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('both', 'app/users:8080')],
      },
      warnings: [
        { code: 'PARENT_NOT_FOUND', path: 'GRPCRoute "app/lost".spec.parentRefs[0]', message: 'names Gateway "app/ghost", which is not among the objects' },
        { code: 'PARENT_NOT_FOUND', path: 'GRPCRoute "app/both".spec.parentRefs[0]', message: 'names Gateway "gw/ghost", which is not among the objects' },
      ],
      routes: [{ route: 'app/both', parents: [accepted(parent('edge'), ATTACHED_HTTP)] }],
    });
  });

  test('a route with two parentRefs to the compiled Gateway gets one status each, and is listed once per listener', () => {
    const byName = parent('edge');
    const bySection = parent('edge', { sectionName: 'b' });
    const objects = [
      gateway('edge', [http('a', { hostname: 'a.example.com' }), http('b', { hostname: 'b.example.com' })]),
      route('r', { parentRefs: [byName, bySection, parent('edge', { sectionName: 'c' })], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    const result = compileGateway(objects);
    expect(result.config.listeners).toEqual([edgeListener(80, [vh('a', ['app/r'], 'a.example.com'), vh('b', ['app/r'], 'b.example.com')])]);
    expect(result.routes).toEqual([{
      route: 'app/r',
      parents: [
        accepted(byName, 'attached to listener "a" (a.example.com), listener "b" (b.example.com)'),
        accepted(bySection, 'attached to listener "b" (b.example.com)'),
        {
          ...accepted(parent('edge', { sectionName: 'c' }), 'Gateway "app/edge" has no listener with sectionName "c"'),
          accepted: false,
          reason: 'NoMatchingParent',
        },
      ],
    }]);
  });

  test('options.listenerPort and options.address change where the proxy binds', () => {
    const objects = [EDGE_HTTP, route('r', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }), USERS];
    const result = compileGateway(objects, 'edge', { listenerPort: (port) => port + 10000, address: '::', admin: { address: '127.0.0.1', port: 0 } });
    expect(result.config.listeners).toEqual([{ name: 'edge-80', address: '::', port: 10080, virtualHosts: [vh('http', ['app/r'])] }]);
    expect(result.config.admin).toEqual({ address: '127.0.0.1', port: 0 });
  });
});

describe('gatewayApiToProxyConfig: backends', () => {
  const attachedTo = (rules: GRPCRouteRule[], namespace = NS): Record<string, unknown> => route('r', { parentRefs: [parent('edge', { namespace: NS })], rules }, { namespace });

  test('a backendRef to a Service of the route namespace becomes a cluster named namespace/name:port', () => {
    const objects = [EDGE_HTTP, attachedTo([{ backendRefs: [{ group: '', kind: 'Service', name: 'users', port: 8080 }] }]), USERS];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/r'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('r', 'app/users:8080')],
      },
      warnings: [],
      routes: [{ route: 'app/r', parents: [accepted(parent('edge', { namespace: NS }), ATTACHED_HTTP)] }],
    });
  });

  test('a backendRef to another namespace without ReferenceGrant is RefNotPermitted: an empty cluster, the route still accepted', () => {
    const objects = [EDGE_HTTP, attachedTo([{ backendRefs: [{ name: 'users', namespace: 'data', port: 8080 }] }]), headless('users', 'data')];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/r'])])],
        admin: DEFAULT_ADMIN,
        clusters: [invalidCluster('data/users:8080')],
        routes: [proxyRoute('r', 'invalid:data/users:8080')],
      },
      warnings: [],
      routes: [{
        route: 'app/r',
        parents: [{
          ...accepted(parent('edge', { namespace: NS }), ATTACHED_HTTP),
          resolvedRefs: false,
          resolvedRefsReason: 'RefNotPermitted',
          resolvedRefsMessage: 'GRPCRoute "app/r".spec.rules[0].backendRefs[0] refers to Service "data/users" in another namespace, '
            + 'and no ReferenceGrant in "data" allows GRPCRoutes from "app"',
        }],
      }],
    });
  });

  test.each([
    ['naming every Service', referenceGrant('g', 'data', { kind: 'GRPCRoute', namespace: NS }, { kind: 'Service' })],
    ['naming the Service', referenceGrant('g', 'data', { kind: 'GRPCRoute', namespace: NS }, { kind: 'Service', name: 'users' })],
  ])('a ReferenceGrant %s lets a route reach a Service of another namespace', (_, grant) => {
    const objects = [EDGE_HTTP, attachedTo([{ backendRefs: [{ name: 'users', namespace: 'data', port: 8080 }] }]), headless('users', 'data'), grant];
    const result = compileGateway(objects);
    expect(result.config.clusters).toEqual([dnsCluster('data', 'users', 8080)]);
    expect(result.config.routes).toEqual([proxyRoute('r', 'data/users:8080')]);
    expect(result.routes).toEqual([{ route: 'app/r', parents: [accepted(parent('edge', { namespace: NS }), ATTACHED_HTTP)] }]);
  });

  test.each([
    ['for another Service', referenceGrant('g', 'data', { kind: 'GRPCRoute', namespace: NS }, { kind: 'Service', name: 'orders' })],
    ['from another namespace', referenceGrant('g', 'data', { kind: 'GRPCRoute', namespace: 'web' }, { kind: 'Service' })],
    ['from HTTPRoutes', referenceGrant('g', 'data', { kind: 'HTTPRoute', namespace: NS }, { kind: 'Service' })],
    ['in the route namespace', referenceGrant('g', NS, { kind: 'GRPCRoute', namespace: NS }, { kind: 'Service' })],
    ['to Secrets', referenceGrant('g', 'data', { kind: 'GRPCRoute', namespace: NS }, { kind: 'Secret' })],
  ])('a ReferenceGrant %s does not permit the reference', (_, grant) => {
    const objects = [EDGE_HTTP, attachedTo([{ backendRefs: [{ name: 'users', namespace: 'data', port: 8080 }] }]), headless('users', 'data'), grant];
    const result = compileGateway(objects);
    expect(result.config.clusters).toEqual([invalidCluster('data/users:8080')]);
    expect(result.routes[0].parents[0].resolvedRefsReason).toBe('RefNotPermitted');
  });

  test('a backendRef to a missing Service is BackendNotFound; the other backends of the rule keep their share', () => {
    const objects = [EDGE_HTTP, attachedTo([{ backendRefs: [{ name: 'users', port: 8080, weight: 1 }, { name: 'ghost', port: 8080, weight: 1 }] }]), USERS];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/r'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER, invalidCluster('app/ghost:8080')],
        routes: [{ name: 'r', namespace: NS, rules: [{ backendRefs: [{ name: 'app/users:8080', weight: 1 }, { name: 'invalid:app/ghost:8080', weight: 1 }] }] }],
      },
      warnings: [],
      routes: [{
        route: 'app/r',
        parents: [{
          ...accepted(parent('edge', { namespace: NS }), ATTACHED_HTTP),
          resolvedRefs: false,
          resolvedRefsReason: 'BackendNotFound',
          resolvedRefsMessage: 'GRPCRoute "app/r".spec.rules[0].backendRefs[1] refers to Service "app/ghost", which is not among the objects',
        }],
      }],
    });
  });

  test('a backendRef without port, or to a port the Service does not have, is BackendNotFound', () => {
    const objects = [EDGE_HTTP, attachedTo([{ backendRefs: [{ name: 'users' }, { name: 'users', port: 9999 }] }]), USERS];
    const result = compileGateway(objects);
    expect(result.config.clusters).toEqual([invalidCluster('app/users:'), invalidCluster('app/users:9999')]);
    expect(result.config.routes).toEqual([{ name: 'r', namespace: NS, rules: [{ backendRefs: [{ name: 'invalid:app/users:' }, { name: 'invalid:app/users:9999' }] }] }]);
    expect(result.routes).toEqual([{
      route: 'app/r',
      parents: [{
        ...accepted(parent('edge', { namespace: NS }), ATTACHED_HTTP),
        resolvedRefs: false,
        resolvedRefsReason: 'BackendNotFound',
        resolvedRefsMessage: 'GRPCRoute "app/r".spec.rules[0].backendRefs[0] refers to Service "app/users" without a port; '
          + 'GRPCRoute "app/r".spec.rules[0].backendRefs[1] refers to port 9999 of Service "app/users", which has no such port',
      }],
    }]);
  });

  test('a backendRef to a kind other than a core Service is InvalidKind', () => {
    const objects = [
      EDGE_HTTP,
      attachedTo([{ backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 'b' }, { group: '', kind: 'Pod', name: 'p', port: 8080 }] }]),
    ];
    const result = compileGateway(objects);
    expect(result.config.clusters).toEqual([invalidCluster('example.com/Bucket/app/b'), invalidCluster('core/Pod/app/p')]);
    expect(result.routes).toEqual([{
      route: 'app/r',
      parents: [{
        ...accepted(parent('edge', { namespace: NS }), ATTACHED_HTTP),
        resolvedRefs: false,
        resolvedRefsReason: 'InvalidKind',
        resolvedRefsMessage: 'GRPCRoute "app/r".spec.rules[0].backendRefs[0] refers to Bucket "app/b"; only core Services are supported; '
          + 'GRPCRoute "app/r".spec.rules[0].backendRefs[1] refers to Pod "app/p"; only core Services are supported',
      }],
    }]);
  });

  test('matches, rule names, weights and filters pass through; backendRefs become cluster names', () => {
    const rule: GRPCRouteRule = {
      name: 'canary',
      matches: [
        { method: { service: 'user.v1.UserService', method: 'GetUser' }, headers: [{ name: 'x-canary', value: 'yes' }] },
        { method: { type: 'RegularExpression', service: 'user\\.v1\\..*' } },
      ],
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'canary' }], remove: ['x-debug'] } }],
      backendRefs: [
        { name: 'users', port: 8080, weight: 90, filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-v', value: '1' }] } }] },
        { name: 'users-v2', port: 8080, weight: 10 },
        { name: 'users-v3', port: 8080, weight: 0 },
      ],
    };
    const objects = [EDGE_HTTP, attachedTo([rule, { backendRefs: [{ name: 'users', port: 8080 }] }]), USERS, headless('users-v2'), headless('users-v3')];
    const result = compileGateway(objects);
    expect(result.config.routes).toEqual([{
      name: 'r',
      namespace: NS,
      rules: [
        {
          name: 'canary',
          matches: rule.matches,
          filters: rule.filters,
          backendRefs: [
            { name: 'app/users:8080', weight: 90, filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-v', value: '1' }] } }] },
            { name: 'app/users-v2:8080', weight: 10 },
            { name: 'app/users-v3:8080', weight: 0 },
          ],
        },
        { backendRefs: [{ name: 'app/users:8080' }] },
      ],
    }]);
    expect(result.config.clusters).toEqual([USERS_CLUSTER, dnsCluster(NS, 'users-v2', 8080), dnsCluster(NS, 'users-v3', 8080)]);
    expect(result.warnings).toEqual([]);
  });

  test('RequestMirror backendRefs (of a rule and of a backend) become cluster names; an unresolved mirror is reported', () => {
    const objects = [
      EDGE_HTTP,
      attachedTo([{
        filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 8080 }, percent: 10 } }],
        backendRefs: [{
          name: 'users',
          port: 8080,
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'gone', port: 8080 }, fraction: { numerator: 1, denominator: 3 } } }],
        }],
      }]),
      USERS,
      headless('shadow'),
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/r'])])],
        admin: DEFAULT_ADMIN,
        clusters: [dnsCluster(NS, 'shadow', 8080), USERS_CLUSTER, invalidCluster('app/gone:8080')],
        routes: [{
          name: 'r',
          namespace: NS,
          rules: [{
            filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'app/shadow:8080' }, percent: 10 } }],
            backendRefs: [{
              name: 'app/users:8080',
              filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'invalid:app/gone:8080' }, fraction: { numerator: 1, denominator: 3 } } }],
            }],
          }],
        }],
      },
      warnings: [],
      routes: [{
        route: 'app/r',
        parents: [{
          ...accepted(parent('edge', { namespace: NS }), ATTACHED_HTTP),
          resolvedRefs: false,
          resolvedRefsReason: 'BackendNotFound',
          resolvedRefsMessage: 'GRPCRoute "app/r".spec.rules[0].backendRefs[0].filters[0].requestMirror.backendRef refers to Service "app/gone", '
            + 'which is not among the objects',
        }],
      }],
    });
  });

  test('the same Service port from two routes is one cluster; another port of it is another cluster', () => {
    const objects = [
      EDGE_HTTP,
      route('a', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }),
      route('b', { parentRefs: [parent('edge')], rules: [{ backendRefs: [{ name: 'users', port: 8080 }, { name: 'users', port: 9090 }] }] }),
      service('users', [{ name: 'grpc', port: 8080, targetPort: 8080 }, { name: 'admin', port: 9090, targetPort: 9090 }], { headless: true }),
    ];
    const result = compileGateway(objects);
    expect(result.config.clusters).toEqual([USERS_CLUSTER, dnsCluster(NS, 'users', 9090)]);
    expect(result.config.routes).toEqual([
      proxyRoute('a', 'app/users:8080'),
      { name: 'b', namespace: NS, rules: [{ backendRefs: [{ name: 'app/users:8080' }, { name: 'app/users:9090' }] }] },
    ]);
  });
});

describe('gatewayApiToProxyConfig: default discovery', () => {
  const objectsTo = (...services: Array<Record<string, unknown>>): unknown[] => [
    EDGE_HTTP, route('r', { parentRefs: [parent('edge')], rules: toBackends(['users', 80]) }), ...services,
  ];

  test('a headless Service is resolved by its own name, on the numeric targetPort', () => {
    const result = compileGateway(objectsTo(service('users', [{ port: 80, targetPort: 9090 }], { headless: true })));
    expect(result.config.clusters).toEqual([dnsCluster(NS, 'users', 80, { podPort: 9090 })]);
    expect(result.warnings).toEqual([]);
  });

  test('a ClusterIP Service with a <name>-headless twin (GrpcMeshService) is resolved by the twin, on the numeric targetPort', () => {
    const ports = [{ name: 'grpc', port: 80, targetPort: 8080 }];
    const result = compileGateway(objectsTo(service('users', ports), service('users-headless', ports, { headless: true })));
    expect(result.config.clusters).toEqual([dnsCluster(NS, 'users', 80, { hostname: 'users-headless.app.svc.cluster.local.', podPort: 8080 })]);
    expect(result.warnings).toEqual([]);
  });

  test('a plain ClusterIP Service is resolved by its name on the Service port, with a warning: CLUSTER_IP_BACKEND', () => {
    const result = compileGateway(objectsTo(service('users', [{ port: 80, targetPort: 8080 }])));
    expect(result.config.clusters).toEqual([dnsCluster(NS, 'users', 80)]);
    expect(result.warnings).toEqual([clusterIpWarning(NS, 'users')]);
  });

  test('CLUSTER_IP_BACKEND is warned once per Service, however many of its ports are backends', () => {
    const objects = [
      EDGE_HTTP,
      route('r', { parentRefs: [parent('edge')], rules: [{ backendRefs: [{ name: 'users', port: 80 }, { name: 'users', port: 81 }] }] }),
      route('s', { parentRefs: [parent('edge')], rules: toBackends(['users', 81]) }),
      service('users', [{ name: 'a', port: 80, targetPort: 8080 }, { name: 'b', port: 81, targetPort: 8081 }]),
    ];
    const result = compileGateway(objects);
    expect(result.config.clusters).toEqual([dnsCluster(NS, 'users', 80), dnsCluster(NS, 'users', 81)]);
    expect(result.warnings).toEqual([clusterIpWarning(NS, 'users')]);
  });

  test('a ClusterIP twin that is not headless does not count', () => {
    const ports = [{ port: 80, targetPort: 8080 }];
    const result = compileGateway(objectsTo(service('users', ports), service('users-headless', ports)));
    expect(result.config.clusters).toEqual([dnsCluster(NS, 'users', 80)]);
    expect(result.warnings).toEqual([clusterIpWarning(NS, 'users')]);
  });

  test('options.clusterDomain changes the DNS names', () => {
    const result = compileGateway(objectsTo(service('users', [{ port: 80, targetPort: 9090 }], { headless: true })), 'edge', { clusterDomain: 'corp.internal' });
    expect(result.config.clusters).toEqual([dnsCluster(NS, 'users', 80, { hostname: 'users.app.svc.corp.internal.', podPort: 9090 })]);
  });

  test('options.backendDiscovery replaces the default discovery, warnings included', () => {
    const backendDiscovery = jest.fn(() => ({ type: 'static' as const, endpoints: [{ address: '10.0.0.1', port: 9000 }] }));
    const result = compileGateway(objectsTo(service('users', [{ port: 80, targetPort: 8080 }])), 'edge', { backendDiscovery });
    expect(result.config.clusters).toEqual([{ name: 'app/users:80', discovery: { type: 'static', endpoints: [{ address: '10.0.0.1', port: 9000 }] } }]);
    expect(result.warnings).toEqual([]);
    expect(backendDiscovery.mock.calls).toEqual([[{ namespace: NS, name: 'users', port: 80 }]]);
  });
});

describe('gatewayApiToProxyConfig: BackendTLSPolicy', () => {
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const SECURE = service('secure', [{ name: 'https', port: 443, targetPort: 8443 }, { name: 'plain', port: 8080, targetPort: 8080 }], { headless: true });
  const objectsTo = (...extra: Array<Record<string, unknown>>): unknown[] => [
    EDGE_HTTP,
    route('r', { parentRefs: [parent('edge')], rules: [{ backendRefs: [{ name: 'secure', port: 443 }, { name: 'secure', port: 8080 }] }] }),
    SECURE,
    ...extra,
  ];
  const caRef = (name: string): Record<string, unknown> => ({ caCertificateRefs: [{ group: '', kind: 'ConfigMap', name }], hostname: 'secure.example.com' });
  const SECURE_443 = dnsCluster(NS, 'secure', 443, { podPort: 8443 });
  const SECURE_8080 = dnsCluster(NS, 'secure', 8080);

  test('a CA bundle from a ConfigMap: caFile where the ConfigMap is mounted, serverName from validation.hostname', () => {
    const result = compileGateway(objectsTo(backendTlsPolicy('tls', 'secure', caRef('ca')), configMap('ca', { 'ca.crt': PEM })));
    expect(result.config.clusters).toEqual([
      { ...SECURE_443, tls: { caFile: '/etc/grpc-mesh-proxy/ca/app/ca/ca.crt', serverName: 'secure.example.com' } },
      { ...SECURE_8080, tls: { caFile: '/etc/grpc-mesh-proxy/ca/app/ca/ca.crt', serverName: 'secure.example.com' } },
    ]);
    expect(result.warnings).toEqual([]);
  });

  test('options.caBundleFile says where CA bundles are mounted', () => {
    const caBundleFile = (ref: { namespace: string; name: string }, key: string): string => `/ca/${ref.namespace}-${ref.name}-${key}`;
    const result = compileGateway(objectsTo(backendTlsPolicy('tls', 'secure', caRef('ca')), configMap('ca', { 'ca.crt': PEM })), 'edge', { caBundleFile });
    expect(result.config.clusters[0]).toEqual({ ...SECURE_443, tls: { caFile: '/ca/app-ca-ca.crt', serverName: 'secure.example.com' } });
  });

  test('wellKnownCACertificates System: the proxy\'s CA store, serverName from validation.hostname', () => {
    const result = compileGateway(objectsTo(backendTlsPolicy('tls', 'secure', { wellKnownCACertificates: 'System', hostname: 'secure.example.com' })));
    expect(result.config.clusters).toEqual([{ ...SECURE_443, tls: { serverName: 'secure.example.com' } }, { ...SECURE_8080, tls: { serverName: 'secure.example.com' } }]);
  });

  test('a sectionName targets the Service port of that name only', () => {
    const result = compileGateway(objectsTo(backendTlsPolicy('tls', 'secure', caRef('ca'), { sectionName: 'https' }), configMap('ca', { 'ca.crt': PEM })));
    expect(result.config.clusters).toEqual([{ ...SECURE_443, tls: { caFile: '/etc/grpc-mesh-proxy/ca/app/ca/ca.crt', serverName: 'secure.example.com' } }, SECURE_8080]);
  });

  test('a policy whose sectionName names no port, or in another namespace than the Service, applies to nothing', () => {
    const result = compileGateway(objectsTo(
      backendTlsPolicy('tls', 'secure', caRef('ca'), { sectionName: 'grpcs' }),
      backendTlsPolicy('tls', 'secure', caRef('ca'), { namespace: 'other' }),
      configMap('ca', { 'ca.crt': PEM }),
      configMap('ca', { 'ca.crt': PEM }, 'other'),
    ));
    expect(result.config.clusters).toEqual([SECURE_443, SECURE_8080]);
  });

  test.each([
    ['is not among the objects', []],
    ['has no ca.crt key', [configMap('ca', { 'tls.crt': PEM })]],
    ['is in another namespace', [configMap('ca', { 'ca.crt': PEM }, 'other')]],
  ])('a CA ConfigMap that %s makes the backend invalid, with a warning: BACKEND_TLS_CA_MISSING', (_, extra) => {
    const result = compileGateway(objectsTo(backendTlsPolicy('tls', 'secure', caRef('ca'), { sectionName: 'https' }), ...extra));
    expect(result).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/r'])])],
        admin: DEFAULT_ADMIN,
        clusters: [invalidCluster('app/secure:443'), SECURE_8080],
        routes: [{ name: 'r', namespace: NS, rules: [{ backendRefs: [{ name: 'invalid:app/secure:443' }, { name: 'app/secure:8080' }] }] }],
      },
      warnings: [{
        code: 'BACKEND_TLS_CA_MISSING',
        path: 'BackendTLSPolicy "app/tls".spec.validation.caCertificateRefs[0]',
        message: 'refers to ConfigMap "app/ca" with a "ca.crt" key, which is not among the objects; '
          + 'calls to Service "app/secure" (GRPCRoute "app/r".spec.rules[0].backendRefs[0]) get UNAVAILABLE',
      }],
      routes: [{
        route: 'app/r',
        parents: [{
          ...accepted(parent('edge'), ATTACHED_HTTP),
          resolvedRefs: false,
          resolvedRefsReason: 'BackendNotFound',
          resolvedRefsMessage: 'GRPCRoute "app/r".spec.rules[0].backendRefs[0]: the BackendTLSPolicy of Service "app/secure" has no usable CA bundle',
        }],
      }],
    });
  });

  // Gateway API (BackendTLSPolicySpec.targetRefs): when several policies select the same target and sectionName,
  // the older policy by creation timestamp takes precedence, then the first by name.
  test('of two policies on the same Service port, the older one applies, whatever the input order', () => {
    const result = compileGateway(objectsTo(
      backendTlsPolicy('newer', 'secure', { wellKnownCACertificates: 'System', hostname: 'newer.example.com' }, { sectionName: 'https', created: T2 }),
      backendTlsPolicy('older', 'secure', { wellKnownCACertificates: 'System', hostname: 'older.example.com' }, { sectionName: 'https', created: T1 }),
    ));
    expect(result.config.clusters[0]).toEqual({ ...SECURE_443, tls: { serverName: 'older.example.com' } });
  });

  test('of two policies on the same Service port created at the same time, the first by name applies, whatever the input order', () => {
    const result = compileGateway(objectsTo(
      backendTlsPolicy('zeta', 'secure', { wellKnownCACertificates: 'System', hostname: 'zeta.example.com' }, { sectionName: 'https', created: T1 }),
      backendTlsPolicy('alpha', 'secure', { wellKnownCACertificates: 'System', hostname: 'alpha.example.com' }, { sectionName: 'https', created: T1 }),
    ));
    expect(result.config.clusters[0]).toEqual({ ...SECURE_443, tls: { serverName: 'alpha.example.com' } });
  });

  test('a policy without creationTimestamp loses to one with, whatever their names', () => {
    const result = compileGateway(objectsTo(
      backendTlsPolicy('aaa-untimed', 'secure', { wellKnownCACertificates: 'System', hostname: 'untimed.example.com' }, { sectionName: 'https' }),
      backendTlsPolicy('zzz-timed', 'secure', { wellKnownCACertificates: 'System', hostname: 'timed.example.com' }, { sectionName: 'https', created: T3 }),
    ));
    expect(result.config.clusters[0]).toEqual({ ...SECURE_443, tls: { serverName: 'timed.example.com' } });
  });
});

describe('gatewayApiToProxyConfig: HTTPS listeners', () => {
  const https = (name: string, certificateRefs: ReadonlyArray<Record<string, string>>, port = 443): Record<string, unknown> => ({
    name, port, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs },
  });
  const r = route('r', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) });

  test('the certificate Secret of an HTTPS listener becomes the listener tls, at the default mount paths', () => {
    const objects = [gateway('edge', [https('https', [{ kind: 'Secret', name: 'edge-cert' }]) as never]), r, USERS];
    expect(compileGateway(objects).config.listeners).toEqual([
      edgeListener(443, [vh('https', ['app/r'])], {
        tls: { certFile: '/etc/grpc-mesh-proxy/secrets/app/edge-cert/tls.crt', keyFile: '/etc/grpc-mesh-proxy/secrets/app/edge-cert/tls.key' },
      }),
    ]);
  });

  test('options.secretFiles says where certificate Secrets are mounted', () => {
    const objects = [gateway('edge', [https('https', [{ name: 'edge-cert' }]) as never]), r, USERS];
    const secretFiles = (ref: { namespace: string; name: string }): { certFile: string; keyFile: string } => ({
      certFile: `/certs/${ref.namespace}/${ref.name}.crt`, keyFile: `/certs/${ref.namespace}/${ref.name}.key`,
    });
    expect(compileGateway(objects, 'edge', { secretFiles }).config.listeners).toEqual([
      edgeListener(443, [vh('https', ['app/r'])], { tls: { certFile: '/certs/app/edge-cert.crt', keyFile: '/certs/app/edge-cert.key' } }),
    ]);
  });

  // A listener left out serves nothing: a route naming only such listeners is not attached (NotAllowedByListeners).
  const toPort = (port: number): Record<string, unknown> => route('to-port', { parentRefs: [parent('edge', { port })], rules: toBackends(['users', 8080]) });

  test('HTTP and HTTPS listeners on one port are left out with a warning, LISTENER_PROTOCOL_CONFLICT, and accept no route', () => {
    const objects = [gateway('edge', [http('plain', { port: 8443 }), https('tls', [{ name: 'c' }], 8443) as never, http('http')]), r, toPort(8443), USERS];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/r'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('r', 'app/users:8080')],
      },
      warnings: [{
        code: 'LISTENER_PROTOCOL_CONFLICT',
        path: 'Gateway "app/edge".spec.listeners',
        message: 'mix HTTP and HTTPS on port 8443; listeners "plain", "tls" are left out',
      }],
      routes: [
        { route: 'app/r', parents: [accepted(parent('edge'), ATTACHED_HTTP)] },
        {
          route: 'app/to-port',
          parents: [notAccepted(parent('edge', { port: 8443 }), 'NotAllowedByListeners', 'listener "plain", listener "tls" are left out (see the warnings)')],
        },
      ],
    });
  });

  test('an HTTPS listener whose tls mode is Passthrough is left out with a warning, LISTENER_TLS, and accepts no route', () => {
    const passthrough = { name: 'pass', port: 443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } };
    const toPass = route('to-pass', { parentRefs: [parent('edge', { sectionName: 'pass' })], rules: toBackends(['users', 8080]) });
    expect(compileGateway([gateway('edge', [passthrough, http('http')]), r, toPass, USERS])).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/r'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('r', 'app/users:8080')],
      },
      warnings: [{
        code: 'LISTENER_TLS',
        path: 'Gateway "app/edge".spec.listeners',
        message: 'on port 443 need tls.mode Terminate and a certificateRef; listeners "pass" are left out',
      }],
      routes: [
        { route: 'app/r', parents: [accepted(parent('edge'), ATTACHED_HTTP)] },
        { route: 'app/to-pass', parents: [notAccepted(parent('edge', { sectionName: 'pass' }), 'NotAllowedByListeners', 'listener "pass" is left out (see the warnings)')] },
      ],
    });
  });

  const crossNamespace = [https('https', [{ kind: 'Secret', name: 'cert', namespace: 'certs' }]) as never, http('http')];
  const notPermitted = {
    code: 'LISTENER_CERTIFICATE_NOT_PERMITTED',
    path: 'Gateway "app/edge".spec.listeners',
    message: 'on port 443 refer to Secret "certs/cert" in another namespace, and no ReferenceGrant in "certs" allows Gateways from "app"; '
      + 'listeners "https" are left out',
  };

  test('a certificate Secret of another namespace without ReferenceGrant leaves the listener out with a warning, and it accepts no route', () => {
    expect(compileGateway([gateway('edge', crossNamespace), r, toPort(443), USERS])).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/r'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('r', 'app/users:8080')],
      },
      warnings: [notPermitted],
      routes: [
        { route: 'app/r', parents: [accepted(parent('edge'), ATTACHED_HTTP)] },
        { route: 'app/to-port', parents: [notAccepted(parent('edge', { port: 443 }), 'NotAllowedByListeners', 'listener "https" is left out (see the warnings)')] },
      ],
    });
  });

  test('a ReferenceGrant from Gateways of the namespace to the Secret lets the listener use it', () => {
    const grant = referenceGrant('g', 'certs', { kind: 'Gateway', namespace: NS }, { kind: 'Secret', name: 'cert' });
    const result = compileGateway([gateway('edge', crossNamespace), r, USERS, grant]);
    expect(result.config.listeners).toEqual([
      edgeListener(443, [vh('https', ['app/r'])], {
        tls: { certFile: '/etc/grpc-mesh-proxy/secrets/certs/cert/tls.crt', keyFile: '/etc/grpc-mesh-proxy/secrets/certs/cert/tls.key' },
      }),
      edgeListener(80, [vh('http', ['app/r'])]),
    ]);
    expect(result.warnings).toEqual([]);
  });

  // Gateway API (ReferenceGrant, GatewayTLSConfig.certificateRefs): a grant allows references from the kind and
  // namespace in `from` to the kind (and name, when set) in `to`; nothing else.
  test.each([
    ['from GRPCRoutes', referenceGrant('g', 'certs', { kind: 'GRPCRoute', namespace: NS }, { kind: 'Secret', name: 'cert' })],
    ['to another Secret', referenceGrant('g', 'certs', { kind: 'Gateway', namespace: NS }, { kind: 'Secret', name: 'other' })],
    ['to Services', referenceGrant('g', 'certs', { kind: 'Gateway', namespace: NS }, { kind: 'Service' })],
    ['from Gateways of another namespace', referenceGrant('g', 'certs', { kind: 'Gateway', namespace: 'web' }, { kind: 'Secret' })],
  ])('a ReferenceGrant %s does not let the listener use the Secret', (_, grant) => {
    const result = compileGateway([gateway('edge', crossNamespace), r, USERS, grant]);
    expect(result.config.listeners).toEqual([edgeListener(80, [vh('http', ['app/r'])])]);
    expect(result.warnings).toEqual([notPermitted]);
  });
});

describe('gatewayApiToProxyConfig: mesh (GAMMA)', () => {
  const meshParent = { group: '', kind: 'Service', name: 'users', port: 80 };
  const USERS_SVC = [
    service('users', [{ name: 'grpc', port: 80, targetPort: 8080 }]),
    service('users-headless', [{ name: 'grpc', port: 80, targetPort: 8080 }], { headless: true }),
  ];
  const USERS_DEFAULT_CLUSTER = dnsCluster(NS, 'users', 80, { hostname: 'users-headless.app.svc.cluster.local.', podPort: 8080 });
  /** The creation time a route attached in a mesh compile without one gets, so that it beats the Service's default route on a tie. */
  const UNTIMED = '9999-12-31T23:59:59Z';

  test('routes whose parentRef is the Service serve its calls; their hostnames are ignored with a warning: MESH_HOSTNAMES', () => {
    const objects = [
      ...USERS_SVC,
      headless('users-v2'),
      route('canary', { parentRefs: [meshParent], hostnames: ['users.example.com'], rules: toBackends(['users-v2', 8080]) }),
      EDGE_HTTP,
      route('edge-route', { parentRefs: [parent('edge')], rules: toBackends(['users', 80]) }),
      route('other-service', { parentRefs: [{ group: '', kind: 'Service', name: 'orders' }], rules: toBackends(['users', 80]) }),
    ];
    expect(compile(objects, { mesh: [{ namespace: NS, name: 'users' }] })).toEqual({
      config: {
        version: 2,
        // One Service: every call to the balancer is a call to it, whatever its host. Its default route comes last.
        listeners: [{ name: 'mesh', address: '0.0.0.0', port: 8080, virtualHosts: [{ name: 'users', routes: ['app/canary', 'app/users-default'] }] }],
        admin: DEFAULT_ADMIN,
        clusters: [dnsCluster(NS, 'users-v2', 8080), USERS_DEFAULT_CLUSTER],
        routes: [proxyRoute('canary', 'app/users-v2:8080', { created: UNTIMED }), proxyRoute('users-default', 'app/users:80')],
      },
      warnings: [{
        code: 'MESH_HOSTNAMES',
        path: 'GRPCRoute "app/canary".spec.hostnames',
        message: 'are ignored: a route attached to a Service serves the calls to that Service, whatever their host',
      }],
      routes: [{ route: 'app/canary', parents: [accepted(meshParent, 'attached to Service "app/users"')] }],
    });
  });

  test('every Service gets a default route to itself, even without any route, on its first port when it has none equal to meshPort', () => {
    expect(compile(USERS_SVC, { mesh: [{ namespace: NS, name: 'users' }], meshPort: 7070 })).toEqual({
      config: {
        version: 2,
        listeners: [{ name: 'mesh', address: '0.0.0.0', port: 7070, virtualHosts: [{ name: 'users', routes: ['app/users-default'] }] }],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_DEFAULT_CLUSTER],
        routes: [proxyRoute('users-default', 'app/users:80')],
      },
      warnings: [],
      routes: [],
    });
  });

  test('the default route of a Service goes to its port equal to meshPort when it has one', () => {
    const objects = [service('users', [{ name: 'admin', port: 9090 }, { name: 'grpc', port: 8080 }], { headless: true })];
    expect(compile(objects, { mesh: [{ namespace: NS, name: 'users' }] })).toEqual({
      config: {
        version: 2,
        listeners: [{ name: 'mesh', address: '0.0.0.0', port: 8080, virtualHosts: [{ name: 'users', routes: ['app/users-default'] }] }],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('users-default', 'app/users:8080')],
      },
      warnings: [],
      routes: [],
    });
  });

  // GAMMA: a route in another namespace than its Service (a consumer route) governs only the calls of clients in
  // its own namespace; the balancer serves every caller alike, so it cannot honour one.
  test('a route of another namespace naming the Service (a consumer route) is not attached: UnsupportedValue; one naming a Gateway is ignored', () => {
    const consumer = { group: '', kind: 'Service', name: 'users', namespace: NS };
    const objects = [
      ...USERS_SVC,
      headless('users', 'web'),
      route('consumer', { parentRefs: [consumer, parent('edge')], rules: toBackends(['users', 8080]) }, { namespace: 'web' }),
    ];
    expect(compile(objects, { mesh: [{ namespace: NS, name: 'users' }] })).toEqual({
      config: {
        version: 2,
        listeners: [{ name: 'mesh', address: '0.0.0.0', port: 8080, virtualHosts: [{ name: 'users', routes: ['app/users-default'] }] }],
        admin: DEFAULT_ADMIN,
        // The consumer route's backend is not looked at: no cluster for web/users.
        clusters: [USERS_DEFAULT_CLUSTER],
        routes: [proxyRoute('users-default', 'app/users:80')],
      },
      warnings: [{ code: 'PARENT_NOT_FOUND', path: 'GRPCRoute "web/consumer".spec.parentRefs[1]', message: 'names Gateway "web/edge", which is not among the objects' }],
      routes: [{
        route: 'web/consumer',
        parents: [notAccepted(consumer, 'UnsupportedValue', 'a route in namespace "web" for Service "app/users" is a consumer route '
          + '(it governs the calls of its own namespace only); the balancer serves every caller, so only routes in "app" apply')],
      }],
    });
  });

  test('a parentRef port the Service does not have is not accepted: NoMatchingParent', () => {
    const noSuchPort = { ...meshParent, port: 81 };
    const objects = [...USERS_SVC, headless('users-v2'), route('r', { parentRefs: [noSuchPort], rules: toBackends(['users-v2', 8080]) })];
    expect(compile(objects, { mesh: [{ namespace: NS, name: 'users' }] })).toEqual({
      config: {
        version: 2,
        listeners: [{ name: 'mesh', address: '0.0.0.0', port: 8080, virtualHosts: [{ name: 'users', routes: ['app/users-default'] }] }],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_DEFAULT_CLUSTER],
        routes: [proxyRoute('users-default', 'app/users:80')],
      },
      warnings: [],
      routes: [{ route: 'app/r', parents: [notAccepted(noSuchPort, 'NoMatchingParent', 'Service "app/users" has no port 81')] }],
    });
  });

  // GAMMA: a route whose parentRef is Service A governs the calls to A only. A proxy serving several Services must
  // keep their routes apart (one virtual host or listener per Service), else a route of A wins calls to B.
  test('with several Services, no listener or virtual host serves the routes of two of them', () => {
    const objects = [
      ...USERS_SVC,
      service('orders', [{ name: 'grpc', port: 80, targetPort: 8080 }]),
      service('orders-headless', [{ name: 'grpc', port: 80, targetPort: 8080 }], { headless: true }),
      headless('users-v2'),
      route('users-canary', { parentRefs: [meshParent], rules: toBackends(['users-v2', 8080]) }),
    ];
    const result = compile(objects, { mesh: [{ namespace: NS, name: 'users' }, { namespace: NS, name: 'orders' }] });
    const serviceOf: Record<string, string> = { 'app/users-canary': 'users', 'app/users-default': 'users', 'app/orders-default': 'orders' };
    const mixed = result.config.listeners.flatMap((l) => (l.virtualHosts ?? [{ name: l.name, routes: result.config.routes.map((x) => `${x.namespace}/${x.name}`) }])
      .map((host) => ({ listener: l.name, host: host.name, services: [...new Set(host.routes.map((key) => serviceOf[key]))] })))
      .filter((host) => host.services.length > 1);
    expect(mixed).toEqual([]);
  });

  test('with several Services, each gets four virtual hosts, one per name clients dial it by, with its routes only', () => {
    const objects = [
      ...USERS_SVC,
      service('orders', [{ name: 'grpc', port: 80, targetPort: 8080 }]),
      service('orders-headless', [{ name: 'grpc', port: 80, targetPort: 8080 }], { headless: true }),
      headless('users-v2'),
      route('users-canary', { parentRefs: [meshParent], rules: toBackends(['users-v2', 8080]) }),
    ];
    const result = compile(objects, { mesh: [{ namespace: NS, name: 'users' }, { namespace: NS, name: 'orders' }], clusterDomain: 'corp.internal' });
    const hostsOf = (name: string, routes: string[]): ProxyVirtualHostConfig[] => [name, `${name}.app`, `${name}.app.svc`, `${name}.app.svc.corp.internal`]
      .map((hostname) => vh(`app/${name} ${hostname}`, routes, hostname));
    expect(result).toEqual({
      config: {
        version: 2,
        listeners: [{
          name: 'mesh',
          address: '0.0.0.0',
          port: 8080,
          virtualHosts: [...hostsOf('users', ['app/users-canary', 'app/users-default']), ...hostsOf('orders', ['app/orders-default'])],
        }],
        admin: DEFAULT_ADMIN,
        clusters: [
          dnsCluster(NS, 'users-v2', 8080, { hostname: 'users-v2.app.svc.corp.internal.' }),
          dnsCluster(NS, 'users', 80, { hostname: 'users-headless.app.svc.corp.internal.', podPort: 8080 }),
          dnsCluster(NS, 'orders', 80, { hostname: 'orders-headless.app.svc.corp.internal.', podPort: 8080 }),
        ],
        routes: [
          proxyRoute('users-canary', 'app/users-v2:8080', { created: UNTIMED }),
          proxyRoute('users-default', 'app/users:80'),
          proxyRoute('orders-default', 'app/orders:80'),
        ],
      },
      warnings: [],
      routes: [{ route: 'app/users-canary', parents: [accepted(meshParent, 'attached to Service "app/users"')] }],
    });
    // The proxy loading the config sends each call by its host: the users route does not catch calls to orders.
    const clusters = new Map(result.config.clusters.map((c) => [c.name, {} as Cluster]));
    const state = new RoutingState(JSON.parse(JSON.stringify(result.config)), clusters);
    const routeKeyOf = (authority: string): unknown => {
      const decision = state.routesOf('mesh')?.route({ authority: undefined, path: '/user.v1.UserService/GetUser', headers: { ':authority': authority } }, () => 0);
      return decision?.kind === 'backend' ? decision.matched.routeKey : decision?.kind === 'status' ? decision.reason : decision;
    };
    expect(['users:80', 'users.app.svc.corp.internal', 'orders', 'orders.app:80', 'payments'].map(routeKeyOf))
      .toEqual(['app/users-canary', 'app/users-canary', 'app/orders-default', 'app/orders-default', 'NO_MATCHING_HOSTNAME']);
  });

  // As in a mesh, calls no attached route matches still reach the Service: its default route comes after the others.
  test('a Service with a route for one method also keeps its default route, listed last; the attached route gets the last creation time', () => {
    const objects = [
      ...USERS_SVC,
      headless('users-v2'),
      route('get-user', {
        parentRefs: [meshParent],
        rules: [{ matches: [{ method: { service: 'user.v1.UserService', method: 'GetUser' } }], backendRefs: [{ name: 'users-v2', port: 8080 }] }],
      }),
    ];
    const result = compile(objects, { mesh: [{ namespace: NS, name: 'users' }] });
    expect(result.config.listeners).toEqual([{ name: 'mesh', address: '0.0.0.0', port: 8080, virtualHosts: [vh('users', ['app/get-user', 'app/users-default'])] }]);
    expect(result.config.clusters).toEqual([dnsCluster(NS, 'users-v2', 8080), USERS_DEFAULT_CLUSTER]);
    const [attached, fallback] = result.config.routes;
    expect(attached).toEqual({
      name: 'get-user',
      namespace: NS,
      creationTimestamp: UNTIMED,
      rules: [{ matches: [{ method: { service: 'user.v1.UserService', method: 'GetUser' } }], backendRefs: [{ name: 'app/users-v2:8080' }] }],
    });
    expect(fallback).toEqual(proxyRoute('users-default', 'app/users:80'));
    expect(fallback).not.toHaveProperty('creationTimestamp');
    expect(result.config.routes).toHaveLength(2);
    expect(result.routes).toEqual([{ route: 'app/get-user', parents: [accepted(meshParent, 'attached to Service "app/users"')] }]);
    // The proxy loading the config sends the method the route matches to it, and every other call to the Service.
    const clusters = new Map(result.config.clusters.map((c) => [c.name, {} as Cluster]));
    const state = new RoutingState(JSON.parse(JSON.stringify(result.config)), clusters);
    const routeKeyOf = (path: string): unknown => {
      const decision = state.routesOf('mesh')?.route({ authority: undefined, path, headers: { ':authority': 'users' } }, () => 0);
      return decision?.kind === 'backend' ? decision.matched.routeKey : decision?.kind === 'status' ? decision.reason : decision;
    };
    expect(['/user.v1.UserService/GetUser', '/user.v1.UserService/ListUsers'].map(routeKeyOf)).toEqual(['app/get-user', 'app/users-default']);
  });
});

describe('gatewayApiToProxyConfig: precedence inputs', () => {
  test('routes are emitted oldest first, then by namespace/name, routes without creationTimestamp last', () => {
    const names: Array<[string, string | undefined, string]> = [
      ['new', T3, NS], ['b', T2, NS], ['a', T2, 'zz'], ['a', T2, NS], ['untimed', undefined, NS], ['old', T1, NS], ['aa-untimed', undefined, NS],
    ];
    const objects = [
      gateway('edge', [http('http', { allowedRoutes: { namespaces: { from: 'All' } } })]),
      ...names.map(([name, created, namespace]) => route(name, { parentRefs: [parent('edge', { namespace: NS })], rules: toBackends(['users', 8080]) }, { namespace, created })),
      USERS,
      headless('users', 'zz'),
    ];
    const result = compileGateway(objects);
    const order = ['app/old', 'app/a', 'app/b', 'zz/a', 'app/new', 'app/aa-untimed', 'app/untimed'];
    expect(result.config.routes.map((x) => `${x.namespace}/${x.name}`)).toEqual(order);
    expect(result.config.listeners[0].virtualHosts?.[0].routes).toEqual(order);
    expect(result.routes.map((x) => x.route)).toEqual(order);
  });

  // GRPCRoute precedence: on a tie across routes, the oldest route wins, whatever its name. The proxy reads
  // precedence from the config alone, so the compiled config must carry it.
  test('the proxy loading the compiled config gives a tie to the older route, not to the first by name', () => {
    const objects = [
      EDGE_HTTP,
      route('zeta-old', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }, { created: T1 }),
      route('alpha-new', { parentRefs: [parent('edge')], rules: toBackends(['orders', 8080]) }, { created: T2 }),
      USERS,
      headless('orders'),
    ];
    const result = compileGateway(objects);
    const clusters = new Map(result.config.clusters.map((c) => [c.name, {} as Cluster]));
    const state = new RoutingState(JSON.parse(JSON.stringify(result.config)), clusters);
    const decision = state.routesOf('edge-80')?.route({ authority: undefined, path: '/user.v1.UserService/GetUser', headers: { ':authority': 'edge' } }, () => 0);
    expect(decision?.kind === 'backend' ? decision.matched.routeKey : decision).toBe('app/zeta-old');
  });
});

describe('gatewayApiToProxyConfig: routes the routing engine refuses', () => {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** `before`, then text the test does not pin (V8's wording of a RegExp syntax error changes with the Node version), then `after`. */
  const around = (before: string, after: string): unknown => expect.stringMatching(new RegExp(`^${escape(before)}.+${escape(after)}$`));
  const REGEX_PROBLEM = 'Invalid routes: routes[0].spec.rules[0].matches[0].method.method must be a valid regular expression (';
  const SERVICE_PROBLEM = 'Invalid routes: routes[0].spec.rules[0].matches[0].method.service must be a fully qualified gRPC service name '
    + '(letters, digits and "_" in dot-separated parts, e.g. user.v1.UserService); got "not a service!". [INVALID_GRPC_SERVICE]';

  /**
   * The status of a route the routing engine refuses: not attached, and its backends are not looked at (no cluster
   * is made for them), so its ResolvedRefs is the placeholder of every parentRef that does not attach, as
   * `notAccepted` gives, not a claim that every backend resolved.
   */
  const refused = (parentRef: ParentReference, problem: string): ParentStatus => notAccepted(parentRef, 'UnsupportedValue', problem);

  test.each([
    [
      'an invalid method regular expression',
      { method: { type: 'RegularExpression' as const, service: 'svc', method: '(' } },
      (tail: string) => around(REGEX_PROBLEM, `); got "(". [INVALID_REGEX]${tail}`),
    ],
    ['an invalid service name', { method: { service: 'not a service!', method: 'M' } }, (tail: string) => `${SERVICE_PROBLEM}${tail}`],
  ])('a route with %s is left out with a warning, ROUTE_INVALID, and its status is UnsupportedValue', (_, match, problem) => {
    const objects = [
      EDGE_HTTP,
      route('bad', { parentRefs: [parent('edge')], rules: [{ matches: [match], backendRefs: [{ name: 'users', port: 8080 }] }] }),
      route('good', { parentRefs: [parent('edge')], rules: toBackends(['users', 8080]) }),
      USERS,
    ];
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/good'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [proxyRoute('good', 'app/users:8080')],
      },
      warnings: [{ code: 'ROUTE_INVALID', path: 'GRPCRoute "app/bad"', message: problem('; the route is left out') }],
      routes: [
        { route: 'app/bad', parents: [refused(parent('edge'), problem('') as string)] },
        { route: 'app/good', parents: [accepted(parent('edge'), ATTACHED_HTTP)] },
      ],
    });
  });

  test('a route the routing engine refuses gets no cluster, even for backends only it names', () => {
    const objects = [
      EDGE_HTTP,
      route('bad', {
        parentRefs: [parent('edge')],
        rules: [{ matches: [{ method: { service: 'not a service!', method: 'M' } }], backendRefs: [{ name: 'users', port: 8080 }, { name: 'ghost', port: 8080 }] }],
      }),
      USERS,
    ];
    expect(compileGateway(objects)).toEqual({
      config: { version: 2, listeners: [edgeListener(80, [vh('http', [])])], admin: DEFAULT_ADMIN, clusters: [], routes: [] },
      warnings: [{ code: 'ROUTE_INVALID', path: 'GRPCRoute "app/bad"', message: `${SERVICE_PROBLEM}; the route is left out` }],
      routes: [{ route: 'app/bad', parents: [refused(parent('edge'), SERVICE_PROBLEM)] }],
    });
  });

  // The proxy runs no extensions: a route with an ExtensionRef filter (of a rule or of a backend) must not reach the config.
  test.each([
    ['a rule', 'spec.rules[0].filters[0]', [{
      filters: [{ type: 'ExtensionRef' as const, extensionRef: { group: 'example.com', kind: 'Lua', name: 'x' } }],
      backendRefs: [{ name: 'users', port: 8080 }],
    }]],
    ['a backend', 'spec.rules[0].backendRefs[0].filters[0]', [{
      backendRefs: [{ name: 'users', port: 8080, filters: [{ type: 'ExtensionRef' as const, extensionRef: { group: 'example.com', kind: 'Lua', name: 'x' } }] }],
    }]],
  ])('a route with an ExtensionRef filter of %s is left out, ROUTE_INVALID, UnsupportedValue, with no cluster', (_, at, rules) => {
    const objects = [EDGE_HTTP, route('bad', { parentRefs: [parent('edge')], rules }), USERS];
    const problem = `GRPCRoute "app/bad".${at} is an ExtensionRef filter, which grpc-mesh-proxy does not implement`;
    expect(compileGateway(objects)).toEqual({
      config: { version: 2, listeners: [edgeListener(80, [vh('http', [])])], admin: DEFAULT_ADMIN, clusters: [], routes: [] },
      warnings: [{ code: 'ROUTE_INVALID', path: 'GRPCRoute "app/bad"', message: `${problem}; the route is left out` }],
      routes: [{ route: 'app/bad', parents: [refused(parent('edge'), problem)] }],
    });
  });

  test('rule fields the proxy does not implement are dropped with a warning each: UNSUPPORTED_FIELD', () => {
    const rules = [
      { backendRefs: [{ name: 'users', port: 8080 }] },
      { name: 'sticky', backendRefs: [{ name: 'users', port: 8080 }], sessionPersistence: { sessionName: 's', type: 'Cookie' }, timeouts: { request: '1s' } },
    ] as unknown as GRPCRouteRule[];
    const objects = [EDGE_HTTP, route('sticky', { parentRefs: [parent('edge')], rules }), USERS];
    const unsupported = (field: string): unknown => ({
      code: 'UNSUPPORTED_FIELD',
      path: `GRPCRoute "app/sticky".spec.rules[1].${field}`,
      message: 'is not implemented by grpc-mesh-proxy and is ignored; the rule is served without it',
    });
    expect(compileGateway(objects)).toEqual({
      config: {
        version: 2,
        listeners: [edgeListener(80, [vh('http', ['app/sticky'])])],
        admin: DEFAULT_ADMIN,
        clusters: [USERS_CLUSTER],
        routes: [{ name: 'sticky', namespace: NS, rules: [{ backendRefs: [{ name: 'app/users:8080' }] }, { name: 'sticky', backendRefs: [{ name: 'app/users:8080' }] }] }],
      },
      warnings: [unsupported('sessionPersistence'), unsupported('timeouts')],
      routes: [{ route: 'app/sticky', parents: [accepted(parent('edge'), ATTACHED_HTTP)] }],
    });
  });

  test('a filter is output with the fields of its type only', () => {
    const rules = [{
      filters: [
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: 'b' }] }, responseHeaderModifier: { remove: ['x'] } },
        { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'c', value: 'd' }] }, requestHeaderModifier: { remove: ['y'] } },
      ],
      backendRefs: [{ name: 'users', port: 8080 }],
    }] as unknown as GRPCRouteRule[];
    const result = compileGateway([EDGE_HTTP, route('r', { parentRefs: [parent('edge')], rules }), USERS]);
    expect(result.config.routes).toEqual([{
      name: 'r',
      namespace: NS,
      rules: [{
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: 'b' }] } },
          { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'c', value: 'd' }] } },
        ],
        backendRefs: [{ name: 'app/users:8080' }],
      }],
    }]);
    expect(result.warnings).toEqual([]);
  });
});

describe('gatewayApiToProxyConfig: errors', () => {
  const options: GatewayApiCompileOptions = { gateway: { namespace: NS, name: 'edge' } };
  const oneIssue = (objects: unknown[], opts: GatewayApiCompileOptions = options): [string, unknown] => {
    const error = compileError(objects, opts);
    expect(error.issues).toHaveLength(1);
    return [error.message, error.issues[0]];
  };

  test('an entry that is not an object names its index', () => {
    expect(oneIssue([42, EDGE_HTTP])).toEqual([
      'gatewayApiToProxyConfig: objects[0] must be a Kubernetes object with apiVersion and kind; got 42. [MALFORMED_OBJECT]',
      { code: 'MALFORMED_OBJECT', path: 'objects[0]', value: 42, message: 'must be a Kubernetes object with apiVersion and kind' },
    ]);
  });

  test('an object without kind names its index', () => {
    const object = { apiVersion: 'v1', metadata: { name: 'x' } };
    expect(oneIssue([EDGE_HTTP, object])).toEqual([
      'gatewayApiToProxyConfig: objects[1] must be a Kubernetes object with apiVersion and kind; got {"apiVersion":"v1","metadata":{"name":"x"}}. [MALFORMED_OBJECT]',
      { code: 'MALFORMED_OBJECT', path: 'objects[1]', value: object, message: 'must be a Kubernetes object with apiVersion and kind' },
    ]);
  });

  test('an object without metadata.name names its index, kind and field', () => {
    expect(oneIssue([EDGE_HTTP, { apiVersion: GW, kind: 'GRPCRoute', metadata: { namespace: NS }, spec: {} }])).toEqual([
      'gatewayApiToProxyConfig: objects[1] (GRPCRoute).metadata.name must be a non-empty string; got nothing. [MALFORMED_OBJECT]',
      { code: 'MALFORMED_OBJECT', path: 'objects[1] (GRPCRoute).metadata.name', value: undefined, message: 'must be a non-empty string' },
    ]);
  });

  test('a Gateway without listeners is named with its field (and, being malformed, is not found either)', () => {
    const error = compileError([gateway('edge', [])], options);
    expect(error.message).toBe(
      'gatewayApiToProxyConfig: 2 problems:\n'
      + '  - Gateway "app/edge".spec.listeners must have at least 1 entry; got []. [MALFORMED_OBJECT]\n'
      + '  - options.gateway must name a Gateway among the objects; got "app/edge". Gateways found: none. [GATEWAY_NOT_FOUND]',
    );
    expect(error.issues[0]).toEqual({ code: 'MALFORMED_OBJECT', path: 'Gateway "app/edge".spec.listeners', value: [], message: 'must have at least 1 entry' });
  });

  test('a Gateway listener without port is named with its index', () => {
    const error = compileError([gateway('edge', [{ name: 'http', protocol: 'HTTP' } as never])], options);
    expect(error.issues[0]).toEqual({
      code: 'MALFORMED_OBJECT', path: 'Gateway "app/edge".spec.listeners[0].port', value: undefined, message: 'must be a number',
    });
  });

  test('a GRPCRoute whose rules is not a list is named with its field', () => {
    const rules = { backendRefs: [] };
    expect(oneIssue([EDGE_HTTP, route('r', { rules } as never)])).toEqual([
      'gatewayApiToProxyConfig: GRPCRoute "app/r".spec.rules must be a list; got {"backendRefs":[]}. [MALFORMED_OBJECT]',
      { code: 'MALFORMED_OBJECT', path: 'GRPCRoute "app/r".spec.rules', value: rules, message: 'must be a list' },
    ]);
  });

  // The GRPCRoute CRD's list limits: a route over one is refused by the API server, so it is an error here, naming the field.
  const times = <T>(n: number, item: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => item(i));
  const toUsers = { name: 'users', port: 8080 };
  const methodMatch = { method: { service: 'user.v1.UserService' } };
  test.each([
    ['17 rules', { rules: times(17, () => ({ backendRefs: [toUsers] })) }, 'spec.rules', 'must have at most 16 entries'],
    ['17 backendRefs in a rule', { rules: [{ backendRefs: times(17, () => toUsers) }] }, 'spec.rules[0].backendRefs', 'must have at most 16 entries'],
    ['65 matches in a rule', { rules: [{ matches: times(65, () => methodMatch) }] }, 'spec.rules[0].matches', 'must have at most 64 entries'],
    ['129 matches in all rules', { rules: times(3, () => ({ matches: times(43, () => methodMatch) })) }, 'spec.rules',
      'must have at most 128 matches in all rules together'],
    ['17 header matches in a match', { rules: [{ matches: [{ headers: times(17, (i) => ({ name: `h${i}`, value: 'v' })) }] }] },
      'spec.rules[0].matches[0].headers', 'must have at most 16 entries'],
    ['17 filters in a rule', { rules: [{ filters: times(17, () => ({ type: 'RequestHeaderModifier' as const, requestHeaderModifier: { remove: ['x'] } })) }] },
      'spec.rules[0].filters', 'must have at most 16 entries'],
    ['17 hostnames', { hostnames: times(17, (i) => `h${i}.example.com`) }, 'spec.hostnames', 'must have at most 16 entries'],
    ['33 parentRefs', { parentRefs: times(33, () => parent('edge')) }, 'spec.parentRefs', 'must have at most 32 entries'],
    ['a weight over 1000000', { rules: [{ backendRefs: [{ ...toUsers, weight: 1_000_001 }] }] }, 'spec.rules[0].backendRefs[0].weight', 'must be at most 1000000'],
  ])('a GRPCRoute with %s is MALFORMED_OBJECT, naming the field', (_, spec, field, message) => {
    const objects = [EDGE_HTTP, route('big', { parentRefs: [parent('edge')], ...spec }), USERS];
    // The offending value, found in `spec` by the field's path (`spec.rules[0].backendRefs` -> rules, 0, backendRefs).
    const keys = field.replace(/\[(\d+)\]/g, '.$1').split('.').slice(1);
    const value = keys.reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], spec);
    expect(compileError(objects, options).issues).toEqual([{ code: 'MALFORMED_OBJECT', path: `GRPCRoute "app/big".${field}`, value, message }]);
  });

  test.each([
    [
      'a GRPCRoute filter of an unknown type',
      route('r', { parentRefs: [parent('edge')], rules: [{ filters: [{ type: 'Teleport' }], backendRefs: [{ name: 'users', port: 8080 }] }] } as never),
      { path: 'GRPCRoute "app/r".spec.rules[0].filters[0].type', value: 'Teleport', message: 'must be one of "RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "ExtensionRef"' },
    ],
    [
      'a BackendTLSPolicy hostname with a wildcard',
      backendTlsPolicy('p', 'users', { wellKnownCACertificates: 'System', hostname: '*.example.com' }),
      { path: 'BackendTLSPolicy "app/p".spec.validation.hostname', value: '*.example.com', message: 'must be a hostname without a wildcard' },
    ],
    [
      'a numeric listener hostname',
      gateway('edge', [http('http', { hostname: 5 as never })], 'web'),
      { path: 'Gateway "web/edge".spec.listeners[0].hostname', value: 5, message: 'must be a string' },
    ],
  ])('%s is MALFORMED_OBJECT, naming the field', (_, object, issue) => {
    expect(oneIssue([EDGE_HTTP, USERS, object])[1]).toEqual({ code: 'MALFORMED_OBJECT', ...issue });
  });

  test('options.gateway naming a Gateway that is not among the objects lists the ones there are', () => {
    expect(oneIssue([EDGE_HTTP, gateway('other', [http('http')], 'web')], { gateway: { namespace: NS, name: 'ghost' } })).toEqual([
      'gatewayApiToProxyConfig: options.gateway must name a Gateway among the objects; got "app/ghost". Gateways found: app/edge, web/other. [GATEWAY_NOT_FOUND]',
      {
        code: 'GATEWAY_NOT_FOUND',
        path: 'options.gateway',
        value: 'app/ghost',
        message: 'must name a Gateway among the objects',
        hint: 'Gateways found: app/edge, web/other.',
      },
    ]);
  });

  test('options.mesh naming a Service that is not among the objects is named', () => {
    expect(oneIssue([USERS], { mesh: [{ namespace: NS, name: 'ghost' }] })).toEqual([
      'gatewayApiToProxyConfig: options.mesh must name Services among the objects; got "app/ghost". [SERVICE_NOT_FOUND]',
      { code: 'SERVICE_NOT_FOUND', path: 'options.mesh', value: 'app/ghost', message: 'must name Services among the objects' },
    ]);
  });

  test.each([
    ['both gateway and mesh', { gateway: { namespace: NS, name: 'edge' }, mesh: [] }, '["gateway","mesh"]', ['gateway', 'mesh']],
    ['neither gateway nor mesh', {}, '[]', []],
  ])('options with %s are refused', (_, opts, shown, value) => {
    expect(oneIssue([EDGE_HTTP], opts)).toEqual([
      `gatewayApiToProxyConfig: options must name exactly one of gateway and mesh; got ${shown}. [PARENT_REQUIRED]`,
      { code: 'PARENT_REQUIRED', path: 'options', value, message: 'must name exactly one of gateway and mesh' },
    ]);
  });

  test('every problem is reported at once', () => {
    const error = compileError([null, { apiVersion: GW, kind: 'Gateway', metadata: { name: '' } }, route('r', { hostnames: 'a' } as never)], {});
    expect(error.issues.map((i) => [i.code, i.path])).toEqual([
      ['MALFORMED_OBJECT', 'objects[0]'],
      ['MALFORMED_OBJECT', 'objects[1] (Gateway).metadata.name'],
      ['MALFORMED_OBJECT', 'GRPCRoute "app/r".spec.hostnames'],
      ['PARENT_REQUIRED', 'options'],
    ]);
  });
});

/** Either the compile throws a GrpcMeshValidationError, or it returns a config the proxy's validator accepts. */
function expectValidConfigOrValidationError(objects: readonly unknown[], options: GatewayApiCompileOptions): void {
  let result;
  try {
    result = gatewayApiToProxyConfig(objects, options);
  } catch (error) {
    expect(describeThrown(error)).toBe('GrpcMeshValidationError');
    return;
  }
  expectValidConfig(result);
}

describe('gatewayApiToProxyConfig: garbage in', () => {
  const rt = (spec: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    apiVersion: GW, kind: 'GRPCRoute', metadata: { name: 'r', namespace: NS, ...extra }, spec,
  });
  // Every route names both the Gateway and the Service, so that the gateway and mesh compiles both attach it.
  const parents = [{ name: 'edge' }, { group: '', kind: 'Service', name: 'users' }];
  const okRoute = { parentRefs: parents, rules: [{ backendRefs: [{ name: 'users', port: 8080 }] }] };
  const withRule = (rule: unknown): unknown => ({ parentRefs: parents, rules: [rule] });
  const gw = (listener: unknown): Record<string, unknown> => ({ apiVersion: GW, kind: 'Gateway', metadata: { name: 'edge', namespace: NS }, spec: { listeners: [listener] } });
  const listener = (extra: Record<string, unknown>): Record<string, unknown> => ({ name: 'http', port: 80, protocol: 'HTTP', ...extra });
  const policy = (spec: unknown): Record<string, unknown> => ({ apiVersion: GW, kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: NS }, spec });
  const crossRoute = rt({ parentRefs: parents, rules: [{ backendRefs: [{ name: 'users', namespace: 'data', port: 8080 }] }] });

  const variants: Array<[string, unknown[]]> = [
    ['null', [null]],
    ['undefined', [undefined]],
    ['a number', [42]],
    ['a string', ['Gateway']],
    ['a list', [[]]],
    ['an empty object', [{}]],
    ['no apiVersion', [{ kind: 'Gateway', metadata: { name: 'edge' } }]],
    ['a numeric apiVersion', [{ apiVersion: 5, kind: 'Gateway', metadata: { name: 'edge' } }]],
    ['metadata null', [{ apiVersion: GW, kind: 'Gateway', metadata: null }]],
    ['a numeric name', [{ apiVersion: GW, kind: 'Gateway', metadata: { name: 7 } }]],
    ['a numeric namespace', [{ apiVersion: GW, kind: 'GRPCRoute', metadata: { name: 'r', namespace: 5 }, spec: okRoute }]],
    ['Gateway spec null', [{ apiVersion: GW, kind: 'Gateway', metadata: { name: 'edge', namespace: NS }, spec: null }]],
    ['listeners a string', [{ apiVersion: GW, kind: 'Gateway', metadata: { name: 'edge', namespace: NS }, spec: { listeners: 'http' } }]],
    ['a null listener', [gw(null)]],
    ['a string port', [gw(listener({ port: '80' }))]],
    ['a numeric listener hostname', [gw(listener({ hostname: 5 })), rt(okRoute), USERS]],
    ['allowedRoutes a string', [gw(listener({ allowedRoutes: 'All' })), rt(okRoute), USERS]],
    ['kinds a string', [gw(listener({ allowedRoutes: { kinds: 'GRPCRoute' } })), rt(okRoute), USERS]],
    ['a null kind', [gw(listener({ allowedRoutes: { kinds: [null] } })), rt(okRoute), USERS]],
    ['matchExpressions a string', [gw(listener({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: 'x' } } } })), rt(okRoute), USERS]],
    ['matchLabels a string', [gw(listener({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: 'x' } } } })), rt(okRoute), USERS]],
    ['Namespace labels a string', [
      gw(listener({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { a: 'b' } } } } })),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: 'x' } }, rt(okRoute), USERS,
    ]],
    ['certificateRefs [null]', [gw(listener({ protocol: 'HTTPS', port: 443, tls: { certificateRefs: [null] } })), rt(okRoute), USERS]],
    ['certificateRefs a string', [gw(listener({ protocol: 'HTTPS', port: 443, tls: { certificateRefs: 'cert' } })), rt(okRoute), USERS]],
    ['a numeric certificate name', [gw(listener({ protocol: 'HTTPS', port: 443, tls: { certificateRefs: [{ name: 5 }] } })), gw(listener({})), rt(okRoute)]],
    ['GRPCRoute spec a string', [EDGE_HTTP, rt('spec')]],
    ['rules an object', [EDGE_HTTP, rt({ rules: {} })]],
    ['parentRefs [null]', [EDGE_HTTP, rt({ parentRefs: [null] })]],
    ['parentRefs of strings', [EDGE_HTTP, rt({ parentRefs: ['edge'] })]],
    ['a numeric parent name', [EDGE_HTTP, rt({ parentRefs: [{ name: 5 }] })]],
    ['a numeric sectionName', [EDGE_HTTP, rt({ ...okRoute, parentRefs: [{ name: 'edge', sectionName: 5 }] }), USERS]],
    ['hostnames [5]', [EDGE_HTTP, rt({ ...okRoute, hostnames: [5] }), USERS]],
    ['hostnames [null]', [gateway('edge', [http('h', { hostname: 'a.example.com' })]), rt({ ...okRoute, hostnames: [null] }), USERS]],
    ['rules [null]', [EDGE_HTTP, rt(withRule(null))]],
    ['rules of strings', [EDGE_HTTP, rt(withRule('rule'))]],
    ['backendRefs a string', [EDGE_HTTP, rt(withRule({ backendRefs: 'users' }))]],
    ['backendRefs [null]', [EDGE_HTTP, rt(withRule({ backendRefs: [null] }))]],
    ['a numeric backend name', [EDGE_HTTP, rt(withRule({ backendRefs: [{ name: 5, port: 8080 }] }))]],
    ['a string backend port', [EDGE_HTTP, rt(withRule({ backendRefs: [{ name: 'users', port: '8080' }] })), USERS]],
    ['a string weight', [EDGE_HTTP, rt(withRule({ backendRefs: [{ name: 'users', port: 8080, weight: 'heavy' }] })), USERS]],
    ['backend filters a string', [EDGE_HTTP, rt(withRule({ backendRefs: [{ name: 'users', port: 8080, filters: 'x' }] })), USERS]],
    ['matches a string', [EDGE_HTTP, rt(withRule({ matches: 'all', backendRefs: [{ name: 'users', port: 8080 }] })), USERS]],
    ['matches [null]', [EDGE_HTTP, rt(withRule({ matches: [null], backendRefs: [{ name: 'users', port: 8080 }] })), USERS]],
    ['headers a string', [EDGE_HTTP, rt(withRule({ matches: [{ headers: 'x' }], backendRefs: [{ name: 'users', port: 8080 }] })), USERS]],
    ['filters [null]', [EDGE_HTTP, rt(withRule({ filters: [null], backendRefs: [{ name: 'users', port: 8080 }] })), USERS]],
    ['a mirror without backendRef', [EDGE_HTTP, rt(withRule({ filters: [{ type: 'RequestMirror', requestMirror: {} }] })), USERS]],
    ['a mirror backendRef null', [EDGE_HTTP, rt(withRule({ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: null } }] })), USERS]],
    ['an unknown filter type', [EDGE_HTTP, rt(withRule({ filters: [{ type: 'Teleport' }], backendRefs: [{ name: 'users', port: 8080 }] })), USERS]],
    ['a garbage creationTimestamp', [EDGE_HTTP, rt(okRoute, { creationTimestamp: 'yesterday' }), rt(okRoute, { name: 's', creationTimestamp: 5 }), USERS]],
    ['Service ports a string', [EDGE_HTTP, rt(okRoute), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'users', namespace: NS }, spec: { ports: '8080' } }]],
    ['Service ports [null]', [EDGE_HTTP, rt(okRoute), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'users', namespace: NS }, spec: { ports: [null] } }]],
    ['Service spec a string', [EDGE_HTTP, rt(okRoute), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'users', namespace: NS }, spec: 'x' }]],
    ['ReferenceGrant from a string', [EDGE_HTTP, crossRoute, headless('users', 'data'),
      { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'data' }, spec: { from: 'x', to: 'y' } }]],
    ['ReferenceGrant from [null]', [EDGE_HTTP, crossRoute, headless('users', 'data'),
      { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'data' }, spec: { from: [null], to: [null] } }]],
    ['BackendTLSPolicy targetRefs [null]', [EDGE_HTTP, rt(okRoute), USERS, policy({ targetRefs: [null], validation: { hostname: 'x' } })]],
    ['BackendTLSPolicy caCertificateRefs a string', [EDGE_HTTP, rt(okRoute), USERS,
      policy({ targetRefs: [{ group: '', kind: 'Service', name: 'users' }], validation: { hostname: 'x', caCertificateRefs: 'ca' } })]],
    ['BackendTLSPolicy caCertificateRefs [null]', [EDGE_HTTP, rt(okRoute), USERS,
      policy({ targetRefs: [{ group: '', kind: 'Service', name: 'users' }], validation: { hostname: 'x', caCertificateRefs: [null] } })]],
    ['BackendTLSPolicy hostname with a wildcard', [EDGE_HTTP, rt(okRoute), USERS,
      policy({ targetRefs: [{ group: '', kind: 'Service', name: 'users' }], validation: { hostname: '*.x', wellKnownCACertificates: 'System' } })]],
    ['ConfigMap data a string', [EDGE_HTTP, rt(okRoute), USERS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: NS }, data: 'x' }]],
  ];

  test('there are a few dozen variants', () => {
    expect(variants.length).toBeGreaterThanOrEqual(36);
  });

  test.each(variants)('%s: a GrpcMeshValidationError or a config the proxy loads, never another error', (_, objects) => {
    const withGateway = objects.some(isGatewayEdge) ? objects : [EDGE_HTTP, ...objects];
    expectValidConfigOrValidationError(withGateway, { gateway: { namespace: NS, name: 'edge' } });
  });

  test.each(variants)('%s, compiled as a mesh: a GrpcMeshValidationError or a config the proxy loads', (_, objects) => {
    expectValidConfigOrValidationError([USERS, ...objects], { mesh: [{ namespace: NS, name: 'users' }] });
  });
});

function isGatewayEdge(object: unknown): boolean {
  const o = object as { kind?: unknown; metadata?: { name?: unknown } } | null;
  return typeof o === 'object' && o !== null && o.kind === 'Gateway' && o.metadata?.name === 'edge';
}

describe('gatewayApiToProxyConfig: upstream conformance manifests', () => {
  const UPSTREAM = join(__dirname, '..', '..', 'fixtures', 'gateway-api-conformance', 'upstream');
  const INFRA = 'gateway-conformance-infra';
  const load = (...path: string[]): unknown[] => parseAllDocuments(readFileSync(join(UPSTREAM, ...path), 'utf8'))
    .map((doc) => doc.toJSON() as unknown)
    .filter((object) => object !== null);
  const BASE = load('base', 'manifests.yaml');
  const infraCluster = (name: string): ReturnType<typeof dnsCluster> => dnsCluster(INFRA, name, 8080);
  const summary = (routes: ReadonlyArray<{ route: string; parents: readonly ParentStatus[] }>): Array<[string, Array<[string, string, boolean]>]> =>
    routes.map((r) => [r.route, r.parents.map((p) => [p.reason, p.message, p.resolvedRefs])]);
  const port80 = (name: string, virtualHosts: readonly ProxyVirtualHostConfig[]): ProxyListenerConfig => ({ name: `${name}-80`, address: '0.0.0.0', port: 80, virtualHosts });

  test('every upstream manifest parses into objects the compiler accepts', () => {
    expect(BASE.length).toBeGreaterThan(30);
    for (const name of ['same-namespace', 'all-namespaces', 'backend-namespaces', 'same-namespace-with-https-listener']) {
      expect(() => compile(BASE, { gateway: { namespace: INFRA, name } })).not.toThrow();
    }
  });

  test('the HTTPS Gateway of the base manifests: one listener on port 443, a virtual host per listener, one certificate', () => {
    const result = compile(BASE, { gateway: { namespace: INFRA, name: 'same-namespace-with-https-listener' } });
    expect(result).toEqual({
      config: {
        version: 2,
        listeners: [{
          name: 'same-namespace-with-https-listener-443',
          address: '0.0.0.0',
          port: 443,
          tls: {
            certFile: `/etc/grpc-mesh-proxy/secrets/${INFRA}/tls-validity-checks-certificate/tls.crt`,
            keyFile: `/etc/grpc-mesh-proxy/secrets/${INFRA}/tls-validity-checks-certificate/tls.key`,
          },
          virtualHosts: [
            vh('https', []),
            vh('https-with-hostname', [], 'second-example.org'),
            vh('https-with-wildcard-hostname', [], '*.wildcard.org'),
            vh('https-with-hostname-matching-wildcard', [], 'fourth-example.wildcard.org'),
          ],
        }],
        admin: DEFAULT_ADMIN,
        clusters: [],
        routes: [],
      },
      warnings: [],
      routes: [],
    });
  });

  const sameNamespace: Array<[string, string[], string[]]> = [
    ['grpcroute-exact-method-matching.yaml', ['exact-matching'], ['grpc-infra-backend-v1', 'grpc-infra-backend-v2']],
    ['grpcroute-header-matching.yaml', ['grpc-header-matching'], ['grpc-infra-backend-v1', 'grpc-infra-backend-v2']],
    ['grpcroute-named-rule.yaml', ['grpc-named-rules'], ['grpc-infra-backend-v1', 'grpc-infra-backend-v2']],
    ['grpcroute-request-header-modifier.yaml', ['grpc-request-header-modifier'], ['grpc-infra-backend-v1', 'grpc-infra-backend-v2']],
    ['grpcroute-weight.yaml', ['weighted-backends'], ['grpc-infra-backend-v1', 'grpc-infra-backend-v2', 'grpc-infra-backend-v3']],
  ];

  test.each(sameNamespace)('%s on Gateway same-namespace: virtual host "http" with its routes, every backend resolved', (file, routes, backends) => {
    const manifests = load('tests', file);
    const result = compile([...BASE, ...manifests], { gateway: { namespace: INFRA, name: 'same-namespace' } });
    expect(result.config.listeners).toEqual([port80('same-namespace', [vh('http', routes.map((r) => `${INFRA}/${r}`))])]);
    expect(result.config.clusters).toEqual(backends.map(infraCluster));
    expect(summary(result.routes)).toEqual(routes.map((r) => [`${INFRA}/${r}`, [['Accepted', ATTACHED_HTTP, true]]]));
    expect(result.warnings).toEqual(backends.map((b) => clusterIpWarning(INFRA, b)));
    // The rules reach the proxy as written, with backendRefs naming clusters.
    type SourceRule = GRPCRouteRule & { backendRefs: Array<{ name: string; port: number; weight?: number }> };
    const source = manifests[0] as { spec: { rules: SourceRule[] } };
    expect(result.config.routes).toEqual([{
      name: routes[0],
      namespace: INFRA,
      rules: source.spec.rules.map((rule) => ({
        ...rule,
        backendRefs: rule.backendRefs.map((b) => ({ name: `${INFRA}/${b.name}:${b.port}`, ...(b.weight !== undefined && { weight: b.weight }) })),
      })),
    }]);
  });

  test('grpcroute-listener-hostname-matching.yaml: four virtual hosts on port 80, each with the routes of its sectionName', () => {
    const result = compile([...BASE, ...load('tests', 'grpcroute-listener-hostname-matching.yaml')], {
      gateway: { namespace: INFRA, name: 'grpcroute-listener-hostname-matching' },
    });
    expect(result.config.listeners).toEqual([port80('grpcroute-listener-hostname-matching', [
      vh('listener-1', [`${INFRA}/backend-v1`], 'bar.com'),
      vh('listener-2', [`${INFRA}/backend-v2`], 'foo.bar.com'),
      vh('listener-3', [`${INFRA}/backend-v3`], '*.bar.com'),
      vh('listener-4', [`${INFRA}/backend-v3`], '*.foo.com'),
    ])]);
    expect(result.config.routes).toEqual(['1', '2', '3'].map((v) => proxyRoute(`backend-v${v}`, `${INFRA}/grpc-infra-backend-v${v}:8080`, { namespace: INFRA })));
    expect(summary(result.routes)).toEqual([
      [`${INFRA}/backend-v1`, [['Accepted', 'attached to listener "listener-1" (bar.com)', true]]],
      [`${INFRA}/backend-v2`, [['Accepted', 'attached to listener "listener-2" (foo.bar.com)', true]]],
      [`${INFRA}/backend-v3`, [
        ['Accepted', 'attached to listener "listener-3" (*.bar.com)', true],
        ['Accepted', 'attached to listener "listener-4" (*.foo.com)', true],
      ]],
    ]);
  });

  test('the routes of grpcroute-listener-hostname-matching.yaml do not attach to Gateway same-namespace', () => {
    const result = compile([...BASE, ...load('tests', 'grpcroute-listener-hostname-matching.yaml')], { gateway: { namespace: INFRA, name: 'same-namespace' } });
    expect(result.config.listeners).toEqual([port80('same-namespace', [vh('http', [])])]);
    expect(result.routes).toEqual([]);
  });

  test('backendtlspolicy-grpcroute.yaml, with the CA ConfigMaps the conformance suite creates: TLS clusters with each policy\'s hostname', () => {
    const ca = { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' };
    const result = compile([
      ...BASE,
      ...load('tests', 'backendtlspolicy-grpcroute.yaml'),
      configMap('tls-checks-ca-certificate', ca, INFRA),
      configMap('mismatch-ca-certificate', ca, INFRA),
    ], { gateway: { namespace: INFRA, name: 'same-namespace' } });
    const caFile = (name: string): string => `/etc/grpc-mesh-proxy/ca/${INFRA}/${name}/ca.crt`;
    const tlsCluster = (name: string, serverName: string, caName: string): ReturnType<typeof dnsCluster> => ({
      ...dnsCluster(INFRA, name, 443), tls: { caFile: caFile(caName), serverName },
    });
    expect(result.config).toEqual({
      version: 2,
      listeners: [port80('same-namespace', [vh('http', [`${INFRA}/backendtlspolicy-grpcroute`, `${INFRA}/backendtlspolicy-grpcroute-cert-mismatch`])])],
      admin: DEFAULT_ADMIN,
      clusters: [
        tlsCluster('backendtlspolicy-grpc-test', 'abc.example.com', 'tls-checks-ca-certificate'),
        tlsCluster('backendtlspolicy-grpc-host-mismatch-test', 'mismatch.example.com', 'tls-checks-ca-certificate'),
        tlsCluster('backendtlspolicy-grpc-cert-mismatch-test', 'abc.example.com', 'mismatch-ca-certificate'),
      ],
      routes: [
        {
          name: 'backendtlspolicy-grpcroute',
          namespace: INFRA,
          hostnames: ['abc.example.com'],
          rules: [
            {
              matches: [{ method: { service: 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho', method: 'Echo' } }],
              backendRefs: [{ name: `${INFRA}/backendtlspolicy-grpc-test:443` }],
            },
            {
              matches: [{ method: { service: 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho', method: 'EchoTwo' } }],
              backendRefs: [{ name: `${INFRA}/backendtlspolicy-grpc-host-mismatch-test:443` }],
            },
          ],
        },
        {
          name: 'backendtlspolicy-grpcroute-cert-mismatch',
          namespace: INFRA,
          hostnames: ['cert-mismatch.example.com'],
          rules: [{
            matches: [{ method: { service: 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho', method: 'Echo' } }],
            backendRefs: [{ name: `${INFRA}/backendtlspolicy-grpc-cert-mismatch-test:443` }],
          }],
        },
      ],
    });
    expect(summary(result.routes)).toEqual([
      [`${INFRA}/backendtlspolicy-grpcroute`, [['Accepted', ATTACHED_HTTP, true]]],
      [`${INFRA}/backendtlspolicy-grpcroute-cert-mismatch`, [['Accepted', ATTACHED_HTTP, true]]],
    ]);
  });

  test('backendtlspolicy-grpcroute.yaml without the CA ConfigMaps: every TLS backend invalid, one warning per reference', () => {
    const result = compile([...BASE, ...load('tests', 'backendtlspolicy-grpcroute.yaml')], { gateway: { namespace: INFRA, name: 'same-namespace' } });
    expect(result.config.clusters).toEqual([
      invalidCluster(`${INFRA}/backendtlspolicy-grpc-test:443`),
      invalidCluster(`${INFRA}/backendtlspolicy-grpc-host-mismatch-test:443`),
      invalidCluster(`${INFRA}/backendtlspolicy-grpc-cert-mismatch-test:443`),
    ]);
    expect(result.warnings.map((w) => [w.code, w.path])).toEqual([
      ['BACKEND_TLS_CA_MISSING', `BackendTLSPolicy "${INFRA}/grpc-normative-test".spec.validation.caCertificateRefs[0]`],
      ['BACKEND_TLS_CA_MISSING', `BackendTLSPolicy "${INFRA}/grpc-host-mismatch".spec.validation.caCertificateRefs[0]`],
      ['BACKEND_TLS_CA_MISSING', `BackendTLSPolicy "${INFRA}/grpc-cert-mismatch".spec.validation.caCertificateRefs[0]`],
    ]);
    expect(result.routes.map((r) => r.parents.map((p) => [p.accepted, p.resolvedRefsReason]))).toEqual([[[true, 'BackendNotFound']], [[true, 'BackendNotFound']]]);
  });

  const MESH_NS = 'gateway-conformance-mesh';
  const MESH = load('mesh', 'manifests.yaml');
  const meshParent = { group: '', kind: 'Service', name: 'echo', port: 7070 };

  test('tests/mesh/grpcroute-weight.yaml on Service echo: one virtual host named echo, echo-v3 (weight 0) missing and invalid', () => {
    const result = compile([...MESH, ...load('tests', 'mesh', 'grpcroute-weight.yaml')], { mesh: [{ namespace: MESH_NS, name: 'echo' }] });
    expect(result).toEqual({
      config: {
        version: 2,
        listeners: [{
          name: 'mesh',
          address: '0.0.0.0',
          port: 8080,
          virtualHosts: [{ name: 'echo', routes: [`${MESH_NS}/mesh-grpc-weighted-backends`, `${MESH_NS}/echo-default`] }],
        }],
        admin: DEFAULT_ADMIN,
        clusters: [
          dnsCluster(MESH_NS, 'echo-v1', 7070),
          dnsCluster(MESH_NS, 'echo-v2', 7070),
          invalidCluster(`${MESH_NS}/echo-v3:7070`),
          // The default route of echo, on its port equal to meshPort.
          dnsCluster(MESH_NS, 'echo', 8080),
        ],
        routes: [{
          name: 'mesh-grpc-weighted-backends',
          namespace: MESH_NS,
          creationTimestamp: '9999-12-31T23:59:59Z',
          rules: [{
            backendRefs: [
              { name: `${MESH_NS}/echo-v1:7070`, weight: 70 },
              { name: `${MESH_NS}/echo-v2:7070`, weight: 30 },
              { name: `invalid:${MESH_NS}/echo-v3:7070`, weight: 0 },
            ],
          }],
        }, {
          name: 'echo-default',
          namespace: MESH_NS,
          rules: [{ backendRefs: [{ name: `${MESH_NS}/echo:8080` }] }],
        }],
      },
      warnings: [clusterIpWarning(MESH_NS, 'echo-v1'), clusterIpWarning(MESH_NS, 'echo-v2'), clusterIpWarning(MESH_NS, 'echo')],
      routes: [{
        route: `${MESH_NS}/mesh-grpc-weighted-backends`,
        parents: [{
          ...accepted(meshParent, `attached to Service "${MESH_NS}/echo"`),
          resolvedRefs: false,
          resolvedRefsReason: 'BackendNotFound',
          resolvedRefsMessage: `GRPCRoute "${MESH_NS}/mesh-grpc-weighted-backends".spec.rules[0].backendRefs[2] refers to Service "${MESH_NS}/echo-v3", `
            + 'which is not among the objects',
        }],
      }],
    });
  });

  test('tests/mesh/grpcroute-request-header-modifier.yaml on Service echo: its four rules with their filters', () => {
    const manifests = load('tests', 'mesh', 'grpcroute-request-header-modifier.yaml');
    const result = compile([...MESH, ...manifests], { mesh: [{ namespace: MESH_NS, name: 'echo' }] });
    expect(result.config.listeners).toEqual([
      {
        name: 'mesh',
        address: '0.0.0.0',
        port: 8080,
        virtualHosts: [{ name: 'echo', routes: [`${MESH_NS}/grpc-request-header-modifier`, `${MESH_NS}/echo-default`] }],
      },
    ]);
    const source = manifests[0] as { spec: { rules: Array<GRPCRouteRule & { backendRefs: Array<{ name: string; port: number }> }> } };
    expect(result.config.routes).toEqual([{
      name: 'grpc-request-header-modifier',
      namespace: MESH_NS,
      creationTimestamp: '9999-12-31T23:59:59Z',
      rules: source.spec.rules.map((rule) => ({ ...rule, backendRefs: rule.backendRefs.map((b) => ({ name: `${MESH_NS}/${b.name}:${b.port}` })) })),
    }, {
      name: 'echo-default',
      namespace: MESH_NS,
      rules: [{ backendRefs: [{ name: `${MESH_NS}/echo:8080` }] }],
    }]);
    expect(result.config.clusters).toEqual([dnsCluster(MESH_NS, 'echo-v1', 7070), dnsCluster(MESH_NS, 'echo-v2', 7070), dnsCluster(MESH_NS, 'echo', 8080)]);
    expect(summary(result.routes)).toEqual([[`${MESH_NS}/grpc-request-header-modifier`, [['Accepted', `attached to Service "${MESH_NS}/echo"`, true]]]]);
  });
});
