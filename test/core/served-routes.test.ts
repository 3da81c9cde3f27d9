import { parse } from 'yaml';
import {
  compileTierRoutes,
  DataPlane,
  ENVOY_CONFIG_KEY,
  envoyTierBootstrap,
  GatewayImplementation,
  gatewayParentRef,
  gatewayTierPorts,
  GrpcMeshValidationError,
  GrpcStatus,
  meshServiceBackendRef,
  meshServiceParentRef,
  PROXY_CONFIG_KEY,
  proxyTierConfig,
  renderGatewayTier,
  renderGrpcGateway,
  renderGrpcMeshService,
  resolveCanaryGrpcRoute,
  resolveGrpcGateway,
  resolveGrpcMeshService,
  resolveGrpcRoute,
  type CanaryGrpcRouteProps,
  type GrpcGatewayModel,
  type GrpcGatewayProps,
  type GrpcMeshServiceModel,
  type GrpcMeshServiceProps,
  type GrpcRouteModel,
  type GrpcRouteProps,
  type KubeObject,
  type RoutingScope,
  type ServedParent,
  type TierRoutes,
  type ValidationIssue,
} from '../../src/core';
import { validateConfig } from '../../src/proxy/config';
import { engineOutcome } from '../support/engine-outcome';
import { envoyCallDeadline, evaluateEnvoyRoute, type EnvoyRequest } from '../support/envoy-route-evaluator';
import { validateEnvoyBootstrap } from '../support/envoy-validator';

const NS = 'app';
const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:0.1.0';

function service(name: string, dataPlane: DataPlane, extra: Partial<GrpcMeshServiceProps> = {}): GrpcMeshServiceModel {
  return resolveGrpcMeshService({ namespace: NS, port: 50051, workload: { image: `registry.example.com/${name}:1.0.0` }, dataPlane, ...extra }, { defaultName: name });
}

function gateway(props: Omit<GrpcGatewayProps, 'namespace'>, name = 'edge'): GrpcGatewayModel {
  return resolveGrpcGateway({ namespace: NS, ...props }, { defaultName: name });
}

function route(name: string, props: Omit<GrpcRouteProps, 'namespace'> & { namespace?: string }): GrpcRouteModel {
  return resolveGrpcRoute({ namespace: NS, ...props }, { defaultName: name });
}

function canary(name: string, props: Omit<CanaryGrpcRouteProps, 'namespace'>): GrpcRouteModel {
  return resolveCanaryGrpcRoute({ namespace: NS, ...props }, { defaultName: name });
}

const to = meshServiceBackendRef;
const onService = meshServiceParentRef;
const onGateway = gatewayParentRef;

function compile(scope: Partial<RoutingScope>, parent: ServedParent): TierRoutes {
  return compileTierRoutes({ services: [], gateways: [], routes: [], ...scope }, parent);
}

/** The issues a resolve function throws, or [] when it does not throw. */
function issuesOf(resolve: () => unknown): ValidationIssue[] {
  try {
    resolve();
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) return [...error.issues];
    throw error;
  }
  return [];
}

const byName = <T extends { name: string }>(items: readonly T[], name: string): T => {
  const found = items.find((i) => i.name === name);
  if (found === undefined) throw new Error(`no "${name}" among ${items.map((i) => i.name).join(', ')}`);
  return found;
};

type Outcome = Record<string, number> | { status: number | undefined } | 'no route';

/** The RouteConfiguration of a bootstrap's listener. */
function routeConfigOf(bootstrap: unknown, listenerName: string): Record<string, any> {
  const listeners = (bootstrap as any).static_resources.listeners as Array<{ name: string; filter_chains: any[] }>;
  return byName(listeners, listenerName).filter_chains[0].filters[0].typed_config.route_config;
}

/** Where Envoy's first matching route sends a call. */
function envoyOutcome(bootstrap: unknown, listenerName: string, request: EnvoyRequest): Outcome {
  const outcome = evaluateEnvoyRoute(routeConfigOf(bootstrap, listenerName), request);
  if (outcome.kind === 'none') return 'no route';
  if (outcome.kind === 'direct') return { status: outcome.grpcStatus };
  return { ...outcome.clusters };
}

/** Every forwarding route of a bootstrap's listener, by name. */
function envoyRoutesOf(bootstrap: unknown, listenerName: string): Map<string, Record<string, any>> {
  return new Map(routeConfigOf(bootstrap, listenerName).virtual_hosts.flatMap((v: any) => v.routes).map((r: any) => [r.name, r]));
}

/** A call to `/<service>/<method>` with headers. */
const call = (authority: string, path: string, headers: Record<string, string> = {}): EnvoyRequest => ({ authority, path, headers });

describe('compileTierRoutes: a GAMMA route on a proxy-balanced service', () => {
  const checkout = service('checkout', DataPlane.proxy({ image: PROXY_IMAGE, dnsRefreshMs: 1500 }), {
    trafficPolicy: { loadBalancer: 'ROUND_ROBIN', retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } },
  });
  const checkoutCanary = service('checkout-canary', DataPlane.none());
  const split = canary('checkout-split', {
    parents: [onService(checkout)],
    grpcService: 'checkout.v1.CheckoutService',
    stable: to(checkout),
    canary: to(checkoutCanary),
    canaryWeight: 10,
    canaryHeader: { name: 'x-canary', value: 'always' },
  });
  const served = compile({ services: [checkout, checkoutCanary], routes: [split] }, { kind: 'service', model: checkout });
  const config = proxyTierConfig(served);

  test('compiles the 90/10 canary and a default route to the service, last, on the mesh listener', () => {
    // The service's own pods keep the cluster name of its balancer without routes (grpc-backend); others are `ns/name:port`.
    expect(served.issues).toEqual([]);
    expect(served.warnings).toEqual([]);
    expect(served.routes).toEqual(['app/checkout-split']);
    expect(config.listeners).toEqual([{
      name: 'mesh',
      address: '0.0.0.0',
      port: 8080,
      virtualHosts: [{ name: 'checkout', routes: ['app/checkout-split', 'app/checkout-default'] }],
    }]);
    const [canaryRoute, defaultRoute] = config.routes;
    expect(canaryRoute.rules.map((r) => [r.name, r.matches, r.backendRefs])).toEqual([
      ['canary-header', [{ method: { type: 'Exact', service: 'checkout.v1.CheckoutService' }, headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] }],
        [{ name: 'app/checkout-canary:50051', weight: 1 }]],
      ['canary-split', [{ method: { type: 'Exact', service: 'checkout.v1.CheckoutService' } }],
        [{ name: 'grpc-backend', weight: 90 }, { name: 'app/checkout-canary:50051', weight: 10 }]],
    ]);
    expect(defaultRoute).toEqual({ name: 'checkout-default', namespace: 'app', rules: [{ backendRefs: [{ name: 'grpc-backend' }] }] });
  });

  test('each cluster is a Service port, found by DNS on its headless FQDN at the tier\'s refresh, with that service\'s own traffic policy', () => {
    expect(config.clusters.map((c) => c.name)).toEqual(['app/checkout-canary:50051', 'grpc-backend']);
    const stable = byName(config.clusters, 'grpc-backend');
    const canaryCluster = byName(config.clusters, 'app/checkout-canary:50051');
    expect(stable.discovery).toEqual({ type: 'dns', hostname: 'checkout-headless.app.svc.cluster.local.', port: 50051, refreshIntervalMs: 1500 });
    expect(canaryCluster.discovery).toEqual({ type: 'dns', hostname: 'checkout-canary-headless.app.svc.cluster.local.', port: 50051, refreshIntervalMs: 1500 });
    // The stable's policy: round robin and retries; the canary (DataPlane.none(), no policy) gets the defaults.
    expect(stable.loadBalancer).toBe('ROUND_ROBIN');
    expect(stable.retry).toEqual({ attempts: 2, on: [GrpcStatus.UNAVAILABLE], backoffBaseMs: 25, backoffMaxMs: 250 });
    expect(canaryCluster.loadBalancer).toBe('LEAST_REQUEST');
    expect(canaryCluster.retry).toBeUndefined();
    expect([...served.ownPolicy]).toEqual(['grpc-backend']);
    expect(config.drainTimeoutMs).toBe(served.tier.drainSeconds * 1000);
  });

  test('the routing engine sends canary-header calls to the canary, the others 90/10, and calls no route matches to the service', () => {
    const host = 'checkout-proxy.app.svc.cluster.local:50051';
    expect(engineOutcome(config, 'mesh', call(host, '/checkout.v1.CheckoutService/Pay'))).toEqual({ 'grpc-backend': 90, 'app/checkout-canary:50051': 10 });
    expect(engineOutcome(config, 'mesh', call(host, '/checkout.v1.CheckoutService/Pay', { 'x-canary': 'always' }))).toEqual({ 'app/checkout-canary:50051': 1 });
    expect(engineOutcome(config, 'mesh', call(host, '/grpc.health.v1.Health/Check', { 'x-canary': 'always' }))).toEqual({ 'grpc-backend': 1 });
  });

  test('the balancer\'s ConfigMap holds this config and its Service keeps the one service port', () => {
    const balancer = renderGrpcMeshService(checkout, served).balancer!;
    expect(parse((balancer.config.data as Record<string, string>)[PROXY_CONFIG_KEY])).toEqual(JSON.parse(JSON.stringify(config)));
    expect((balancer.service.spec as any).ports).toEqual([{ name: 'grpc', port: 50051, targetPort: 8080, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }]);
  });

  test('without an attached route the balancer renders exactly as without served routes', () => {
    const lone = compile({ services: [checkout, checkoutCanary] }, { kind: 'service', model: checkout });
    expect(lone.routes).toEqual([]);
    expect(lone.issues).toEqual([]);
    expect(renderGrpcMeshService(checkout, lone)).toEqual(renderGrpcMeshService(checkout));
  });
});

describe('compileTierRoutes: a self-hosted Gateway with h2c and TLS listeners', () => {
  const listeners: GrpcGatewayProps['listeners'] = [
    { name: 'grpc', port: 50051 },
    { name: 'api', port: 443, hostname: 'api.example.com', tls: { secretName: 'api-cert' } },
    { name: 'www', port: 443, hostname: 'www.example.com', tls: { secretName: 'api-cert' } },
  ];
  const edge = gateway({ implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE }), listeners, certManager: { clusterIssuer: 'letsencrypt' } });
  const users = service('users', DataPlane.none());
  const usersRoute = route('users', { parents: [onGateway(edge)], rules: [{ matches: [{ service: 'user.v1.UserService' }], backends: [{ service: to(users) }] }] });
  const served = compile({ services: [users], gateways: [edge], routes: [usersRoute] }, { kind: 'gateway', model: edge });

  test('gives each listener port a container port from 8080 up, listeners on one port sharing it', () => {
    expect(gatewayTierPorts(edge)).toEqual([
      { name: 'grpc-50051', port: 50051, containerPort: 8080, tls: false },
      { name: 'grpc-443', port: 443, containerPort: 8081, tls: true },
    ]);
    expect(served.issues).toEqual([]);
    expect(served.compiled.listeners.map((l) => [l.name, l.port, l.tls, l.virtualHosts?.map((v) => [v.name, v.hostname])])).toEqual([
      ['edge-50051', 8080, undefined, [['grpc', undefined]]],
      ['edge-443', 8081, { certFile: '/etc/grpc-mesh/tls/api-cert/tls.crt', keyFile: '/etc/grpc-mesh/tls/api-cert/tls.key' },
        [['api', 'api.example.com'], ['www', 'www.example.com']]],
    ]);
  });

  test('renders a Service with one port per listener port, the Secret mounted read-only where the TLS files are, and the config', () => {
    const tier = renderGatewayTier(edge, served);
    expect(tier.service.metadata.name).toBe('edge-proxy');
    expect((tier.service.spec as any).ports).toEqual([
      { name: 'grpc-50051', port: 50051, targetPort: 8080, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
      { name: 'grpc-443', port: 443, targetPort: 8081, protocol: 'TCP' },
    ]);
    const pod = (tier.deployment.spec as any).template.spec;
    expect(pod.containers[0].ports.slice(0, 2)).toEqual([
      { name: 'grpc-50051', containerPort: 8080, protocol: 'TCP' },
      { name: 'grpc-443', containerPort: 8081, protocol: 'TCP' },
    ]);
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === '/etc/grpc-mesh/tls/api-cert');
    expect(mount).toEqual({ name: expect.any(String), mountPath: '/etc/grpc-mesh/tls/api-cert', readOnly: true });
    expect(pod.volumes.find((v: any) => v.name === mount.name)).toEqual({ name: mount.name, secret: { secretName: 'api-cert', defaultMode: 0o440 } });
    expect(parse((tier.config.data as Record<string, string>)[PROXY_CONFIG_KEY])).toEqual(JSON.parse(JSON.stringify(proxyTierConfig(served))));
  });

  test('binds the admin interface to loopback, and probes and scrapes the tier on the probe listener', () => {
    const tier = renderGatewayTier(edge, served);
    const config = parse((tier.config.data as Record<string, string>)[PROXY_CONFIG_KEY]);
    expect(config).toMatchObject({ admin: { address: '127.0.0.1', port: 9901 }, probes: { address: '0.0.0.0', port: 19001 } });
    const template = (tier.deployment.spec as any).template;
    const container = template.spec.containers[0];
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['grpc-50051', 8080], ['grpc-443', 8081], ['probe', 19001]]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'probe' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/live', port: 'probe' });
    expect(template.metadata.annotations).toMatchObject({ 'prometheus.io/port': '19001', 'prometheus.io/path': '/metrics' });
    expect(() => validateConfig(config)).not.toThrow();
  });

  test('writes no Gateway API objects unless asked, and one cert-manager Certificate per Secret with every hostname', () => {
    const manifests = renderGrpcGateway(edge);
    expect(manifests.gateway).toBeUndefined();
    expect(manifests.referenceGrants).toEqual([]);
    expect(manifests.certificates).toEqual([{
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'api-cert', namespace: 'app', labels: edge.labels },
      spec: { secretName: 'api-cert', dnsNames: ['api.example.com', 'www.example.com'], issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt' } },
    }]);
    const written = gateway({ implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, gatewayApiObjects: true }), listeners });
    expect(renderGrpcGateway(written).gateway?.spec).toMatchObject({ gatewayClassName: 'grpc-mesh' });
  });
});

describe('compileTierRoutes: what a tier refuses to serve', () => {
  const edge = gateway({ implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE }), listeners: [{ name: 'grpc', port: 50051 }] });
  const envoyEdge = gateway({ implementation: GatewayImplementation.envoy(), listeners: [{ name: 'grpc', port: 50051 }] }, 'internal');
  const users = service('users', DataPlane.none());
  const onEdge = { kind: 'gateway', model: edge } as const;

  test('a route the Gateway does not admit: ROUTE_NOT_SERVED', () => {
    const foreign = route('foreign', { namespace: 'other', parents: [{ kind: 'Gateway', name: 'edge', namespace: NS }], rules: [{ backends: [{ service: to(users) }] }] });
    const served = compile({ services: [users], gateways: [edge], routes: [foreign] }, onEdge);
    expect(served.issues).toEqual([{
      code: 'ROUTE_NOT_SERVED',
      path: 'GRPCRoute "other/foreign"',
      value: 'NotAllowedByListeners',
      message: 'is not served by the proxy tier of GrpcGateway "app/edge": listener "grpc" does not allow routes from namespace "other"',
    }]);
    expect(served.routes).toEqual([]);
  });

  test('a plain Service backend the scope does not hold: BACKEND_NOT_RESOLVED; declared, it is served with a warning', () => {
    const legacyRoute = route('legacy', { parents: [onGateway(edge)], rules: [{ backends: [{ service: { name: 'legacy', port: 9000 } }] }] });
    const missing = compile({ services: [users], gateways: [edge], routes: [legacyRoute] }, onEdge);
    expect(missing.issues).toEqual([expect.objectContaining({
      code: 'BACKEND_NOT_RESOLVED',
      path: 'GRPCRoute "app/legacy"',
      value: 'BackendNotFound',
      message: expect.stringContaining('refers to Service "app/legacy", which is not among the objects'),
    })]);
    const legacy: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: NS }, spec: { selector: { app: 'legacy' }, ports: [{ port: 9000 }] } };
    const declared = compile({ services: [users], gateways: [edge], routes: [legacyRoute], objects: [legacy] }, onEdge);
    expect(declared.issues).toEqual([]);
    expect(declared.warnings).toEqual([expect.stringMatching(/^Service "app\/legacy" is a ClusterIP Service with no headless twin.*\[CLUSTER_IP_BACKEND\]$/s)]);
    expect(declared.compiled.clusters.map((c) => c.name)).toEqual(['app/legacy:9000']);
    expect(declared.compiled.clusters[0].discovery).toMatchObject({ type: 'dns', hostname: 'legacy.app.svc.cluster.local.', port: 9000 });
  });

  test('a compile warning about a route the tier would serve differently fails it (a rule field the proxy ignores)', () => {
    const handWritten: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'sticky', namespace: NS },
      spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'users', port: 50051 }], sessionPersistence: { type: 'Cookie' } }] },
    };
    const served = compile({ services: [users], gateways: [edge], objects: [handWritten] }, onEdge);
    expect(served.issues).toEqual([{
      code: 'UNSUPPORTED_FIELD',
      path: 'GRPCRoute "app/sticky".spec.rules[0].sessionPersistence',
      value: undefined,
      message: 'is not implemented by grpc-mesh-proxy and is ignored; the rule is served without it',
    }]);
  });

  test('two routes with the same match conflict (CONFLICTING_ROUTES); a shadowed match inside one route does not', () => {
    const rule = { matches: [{ service: 'order.v1.OrderService' }], backends: [{ service: to(users) }] };
    const a = route('orders-a', { parents: [onGateway(edge)], rules: [rule] });
    const b = route('orders-b', { parents: [onGateway(edge)], rules: [{ matches: [{ service: 'pay.v1.Pay' }], backends: [{ service: to(users) }] }, rule] });
    expect(compile({ services: [users], gateways: [edge], routes: [a, b] }, onEdge).issues).toEqual([{
      code: 'CONFLICTING_ROUTES',
      path: 'GRPCRoute "app/orders-b".rules[1]',
      value: { method: { type: 'Exact', service: 'order.v1.OrderService' } },
      message: 'has the same match as GRPCRoute "app/orders-a".rules[0] on listener "edge-50051": only their names would decide which one serves the calls',
      hint: 'Merge the two rules into one route, or make their matches differ (a header, a method).',
    }]);
    // A header makes them differ.
    const c = route('orders-c', { parents: [onGateway(edge)], rules: [{ matches: [{ service: 'order.v1.OrderService', headers: [{ name: 'x-tenant', value: 'a' }] }], backends: [{ service: to(users) }] }] });
    expect(compile({ services: [users], gateways: [edge], routes: [a, c] }, onEdge).issues).toEqual([]);
    // Inside one route, the first rule wins by definition: the route's own SHADOWED_MATCH warning says so.
    const shadowed = route('shadowed', { parents: [onGateway(edge)], rules: [rule, rule] });
    expect(shadowed.warnings).toEqual([expect.stringContaining('[SHADOWED_MATCH]')]);
    expect(compile({ services: [users], gateways: [edge], routes: [shadowed] }, onEdge).issues).toEqual([]);
  });

  test('the proxy tier refuses a backend service balanced with RANDOM; the Envoy tier serves it', () => {
    const random = service('random', DataPlane.envoy(), { trafficPolicy: { loadBalancer: 'RANDOM' } });
    const toRandom = (parent: GrpcGatewayModel) => route('random', { parents: [onGateway(parent)], rules: [{ backends: [{ service: to(random) }] }] });
    expect(compile({ services: [random], gateways: [edge], routes: [toRandom(edge)] }, onEdge).issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'GrpcMeshService "app/random".trafficPolicy.loadBalancer',
      value: 'RANDOM',
      message: 'cannot be honoured by grpc-mesh-proxy, which balances with ROUND_ROBIN or LEAST_REQUEST (the proxy tier "edge-proxy" routes calls to it)',
      hint: undefined,
    }]);
    const viaEnvoy = compile({ services: [random], gateways: [envoyEdge], routes: [toRandom(envoyEdge)] }, { kind: 'gateway', model: envoyEdge });
    expect(viaEnvoy.issues).toEqual([]);
    const cluster = (envoyTierBootstrap(viaEnvoy).bootstrap as any).static_resources.clusters.find((c: any) => c.name === 'app/random:50051');
    expect(cluster.lb_policy).toBe('RANDOM');
  });

  test('the Envoy tier refuses a backend service that retries a code Envoy cannot retry', () => {
    const proxied = service('proxied', DataPlane.proxy({ image: PROXY_IMAGE }), { trafficPolicy: { retry: { attempts: 2, on: [GrpcStatus.UNKNOWN] } } });
    const r = route('proxied', { parents: [onGateway(envoyEdge)], rules: [{ backends: [{ service: to(proxied) }] }] });
    expect(compile({ services: [proxied], gateways: [envoyEdge], routes: [r] }, { kind: 'gateway', model: envoyEdge }).issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'GrpcMeshService "app/proxied".trafficPolicy.retry.on[0]',
      value: 'UNKNOWN',
      message: 'cannot be retried by Envoy, which retries only CANCELLED, DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED, UNAVAILABLE '
        + '(the envoy tier "internal-envoy" routes calls to it)',
      hint: 'Remove the code, or have the server answer a retryable code instead.',
    }]);
  });

  // The same rule as for the proxy's own services (the tier strategy's checkPolicySupport): limits it cannot enforce are refused, not dropped.
  test('the proxy tier refuses a backend service\'s circuit-breaker limits it cannot enforce', () => {
    const limited = service('limited', DataPlane.envoy(), { trafficPolicy: { circuitBreaker: { maxConnections: 10, maxPendingCalls: 5 } } });
    const r = route('limited', { parents: [onGateway(edge)], rules: [{ backends: [{ service: to(limited) }] }] });
    const served = compile({ services: [limited], gateways: [edge], routes: [r] }, onEdge);
    for (const field of ['maxConnections', 'maxPendingCalls']) {
      expect(served.issues).toContainEqual(expect.objectContaining({
        code: 'UNSUPPORTED_BY_DATA_PLANE', path: `GrpcMeshService "app/limited".trafficPolicy.circuitBreaker.${field}`,
      }));
    }
  });
});

describe('props a self-hosted Gateway or its routes cannot have', () => {
  const proxy = GatewayImplementation.proxy({ image: PROXY_IMAGE });
  const gatewayIssues = (props: GrpcGatewayProps) => issuesOf(() => resolveGrpcGateway(props, { defaultName: 'edge' }))
    .map((i) => [i.code, i.path, i.value]);

  test('SECRET_NOT_MOUNTABLE: a certificate in another namespace, which the tier\'s pods cannot mount', () => {
    const listeners = [{ name: 'tls', port: 443, tls: { secretName: 'api-cert', secretNamespace: 'certs' } }];
    expect(issuesOf(() => resolveGrpcGateway({ namespace: NS, implementation: proxy, listeners }, { defaultName: 'edge' }))).toEqual([{
      code: 'SECRET_NOT_MOUNTABLE',
      path: 'listeners[0].tls.secretNamespace',
      value: 'certs',
      message: 'must be the Gateway\'s namespace ("app") for a self-hosted Gateway, whose pods mount the Secret',
      hint: 'Copy the certificate into the Gateway\'s namespace (for example with cert-manager or reflector).',
    }]);
    // The Gateway's own namespace, named explicitly, is fine; a controller reads Secrets across namespaces.
    expect(gatewayIssues({ namespace: NS, implementation: proxy, listeners: [{ ...listeners[0], tls: { secretName: 'api-cert', secretNamespace: NS } }] })).toEqual([]);
    expect(gatewayIssues({ namespace: NS, gatewayClassName: 'eg', listeners })).toEqual([]);
  });

  test('LISTENER_CERTIFICATES: listeners on one port with different certificates, or with and without TLS', () => {
    const tls = (name: string, secretName: string) => ({ name, port: 443, hostname: `${name}.example.com`, tls: { secretName } });
    expect(gatewayIssues({ namespace: NS, implementation: proxy, listeners: [tls('a', 'a-cert'), tls('b', 'b-cert')] })).toEqual([
      ['LISTENER_CERTIFICATES', 'listeners[0,1]', ['a-cert', 'b-cert']],
    ]);
    const mixed = issuesOf(() => resolveGrpcGateway({ namespace: NS, implementation: proxy, listeners: [tls('a', 'a-cert'), { name: 'c', port: 443, hostname: 'c.example.com' }] }, { defaultName: 'edge' }));
    expect(mixed).toEqual([expect.objectContaining({
      code: 'LISTENER_CERTIFICATES', path: 'listeners[0,1]', value: ['a-cert', 'no TLS'], message: expect.stringContaining('share port 443 with and without TLS'),
    })]);
    expect(gatewayIssues({ namespace: NS, implementation: proxy, listeners: [tls('a', 'shared'), tls('b', 'shared')] })).toEqual([]);
    // A controller selects certificates by SNI: different certificates on one port are its business.
    expect(gatewayIssues({ namespace: NS, gatewayClassName: 'eg', listeners: [tls('a', 'a-cert'), tls('b', 'b-cert')] })).toEqual([]);
  });

  test('GATEWAY_CLASS_REQUIRED, CONFLICTING_GATEWAY_CLASS and GATEWAY_CLASS_UNUSED', () => {
    const listeners = [{ name: 'grpc', port: 50051 }];
    expect(gatewayIssues({ namespace: NS, listeners })).toEqual([['GATEWAY_CLASS_REQUIRED', 'gatewayClassName', undefined]]);
    expect(gatewayIssues({ namespace: NS, listeners, gatewayClassName: 'istio', implementation: GatewayImplementation.controller('eg') }))
      .toEqual([['CONFLICTING_GATEWAY_CLASS', 'gatewayClassName', 'istio']]);
    expect(gatewayIssues({ namespace: NS, listeners, gatewayClassName: 'eg', implementation: GatewayImplementation.controller('eg') })).toEqual([]);
    const gatewayClass = { controllerName: 'example.com/controller' };
    expect(gatewayIssues({ namespace: NS, listeners, implementation: GatewayImplementation.envoy(), gatewayClass }))
      .toEqual([['GATEWAY_CLASS_UNUSED', 'gatewayClass', gatewayClass]]);
    const writesObjects = GatewayImplementation.envoy({ gatewayApiObjects: true });
    expect(gatewayIssues({ namespace: NS, listeners, implementation: writesObjects, gatewayClass })).toEqual([]);
  });

  test('ROUTE_PARENT_NOT_SERVED: a route on a DataPlane.none() service', () => {
    const users = service('users', DataPlane.none());
    expect(issuesOf(() => route('mesh', { parents: [onService(users)], rules: [{ backends: [{ service: to(users) }] }] }))).toEqual([
      expect.objectContaining({ code: 'ROUTE_PARENT_NOT_SERVED', path: 'parents[0]', value: 'users' }),
    ]);
    // A plain Service reference leaves the route to a mesh grpc-mesh does not configure.
    expect(issuesOf(() => route('mesh', { parents: [{ kind: 'Service', name: 'users', port: 50051 }], rules: [{ backends: [{ service: to(users) }] }] }))).toEqual([]);
  });

  test('UNSUPPORTED_BY_DATA_PLANE: a route trafficPolicy on a route a self-hosted tier serves', () => {
    const users = service('users', DataPlane.proxy({ image: PROXY_IMAGE }));
    const edge = gateway({ implementation: GatewayImplementation.envoy(), listeners: [{ name: 'grpc', port: 50051 }] });
    const trafficPolicy = { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } };
    const withPolicy = (parent: Parameters<typeof route>[1]['parents'][number]) => issuesOf(() => route('r', { parents: [parent], trafficPolicy, rules: [{ backends: [{ service: to(users) }] }] }));
    expect(withPolicy(onGateway(edge))).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'trafficPolicy',
      value: ['retry'],
      message: 'cannot be attached to a route served by a grpc-mesh tier (parent Gateway "edge"), which applies each backend service\'s own traffic policy',
      hint: 'Set trafficPolicy on the backend GrpcMeshServices instead.',
    }]);
    expect(withPolicy(onService(users)).map((i) => [i.code, i.path])).toEqual([['UNSUPPORTED_BY_DATA_PLANE', 'trafficPolicy']]);
    // An Envoy Gateway controller takes it as a BackendTrafficPolicy.
    expect(withPolicy(onGateway(gateway({ gatewayClassName: 'eg', listeners: [{ name: 'grpc', port: 50051 }] })))).toEqual([]);
  });
});

describe('compileTierRoutes: the Envoy tier', () => {
  const envoyEdge = gateway({
    implementation: GatewayImplementation.envoy({ dnsRefreshMs: 2000 }),
    listeners: [{ name: 'grpc', port: 50051 }, { name: 'api', port: 443, hostname: 'api.example.com', tls: { secretName: 'api-cert' } }],
  });
  const onEnvoyEdge = { kind: 'gateway', model: envoyEdge } as const;
  const retrying = (attempts: number) => ({ trafficPolicy: { retry: { attempts, on: [GrpcStatus.UNAVAILABLE] } } });

  test('two services with different retries in one weighted rule: UNSUPPORTED_BY_DATA_PLANE (grpc-mesh-proxy serves it)', () => {
    const a = service('orders-a', DataPlane.envoy(), retrying(2));
    const b = service('orders-b', DataPlane.envoy(), retrying(3));
    const both = (parent: GrpcGatewayModel) => route('orders', { parents: [onGateway(parent)], rules: [{ backends: [{ service: to(a) }, { service: to(b) }] }] });
    const h2c = gateway({ implementation: GatewayImplementation.envoy(), listeners: [{ name: 'grpc', port: 50051 }] }, 'h2c');
    const served = compile({ services: [a, b], gateways: [h2c], routes: [both(h2c)] }, { kind: 'gateway', model: h2c });
    expect(served.issues).toEqual([{
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: 'route "app/orders/rules/0"',
      value: ['app/orders-a', 'app/orders-b'],
      message: 'sends calls to services whose retries or timeouts differ, and Envoy sets them per route, not per backend',
      hint: 'Give these services the same trafficPolicy.retry and timeouts, or serve the route with grpc-mesh-proxy.',
    }]);
    const proxyEdge = gateway({ implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE }), listeners: [{ name: 'grpc', port: 50051 }] }, 'proxy-edge');
    const viaProxy = compile({ services: [a, b], gateways: [proxyEdge], routes: [both(proxyEdge)] }, { kind: 'gateway', model: proxyEdge });
    expect(viaProxy.issues).toEqual([]);
    expect(proxyTierConfig(viaProxy).clusters.map((c) => [c.name, c.retry?.attempts])).toEqual([['app/orders-a:50051', 2], ['app/orders-b:50051', 3]]);
  });

  test('a DataPlane.none() canary takes its stable\'s retries: the Envoy route gets the stable\'s retry_policy', () => {
    const stable = service('orders', DataPlane.envoy(), retrying(2));
    const ordersCanary = service('orders-canary', DataPlane.none());
    const r = canary('orders-canary-route', { parents: [onGateway(envoyEdge)], stable: to(stable), canary: to(ordersCanary), canaryWeight: 10 });
    const served = compile({ services: [stable, ordersCanary], gateways: [envoyEdge], routes: [r] }, onEnvoyEdge);
    expect(served.issues).toEqual([]);
    const { bootstrap, issues } = envoyTierBootstrap(served);
    expect(issues).toEqual([]);
    expect(validateEnvoyBootstrap(bootstrap)).toEqual([]);
    const split = envoyRoutesOf(bootstrap, 'edge-50051').get('app/orders-canary-route/rules/0')!;
    expect(split.route.weighted_clusters.clusters).toEqual([{ name: 'app/orders:50051', weight: 90 }, { name: 'app/orders-canary:50051', weight: 10 }]);
    expect(split.route.retry_policy).toMatchObject({ retry_on: 'connect-failure,refused-stream,unavailable', num_retries: 2 });
    // The same split without the stable's own policy retries transport failures only.
    const plain = service('orders', DataPlane.none());
    const defaults = envoyTierBootstrap(compile({ services: [plain, ordersCanary], gateways: [envoyEdge], routes: [r] }, onEnvoyEdge)).bootstrap;
    expect(envoyRoutesOf(defaults, 'edge-50051').get('app/orders-canary-route/rules/0')!.route.retry_policy.retry_on).toBe('connect-failure,refused-stream');
  });

  test('a service\'s requestMs bounds the tier\'s route on the stream timer Envoy reads (max_stream_duration), not route.timeout', () => {
    const orders = service('orders', DataPlane.envoy(), { trafficPolicy: { timeouts: { requestMs: 5_000 } } });
    const r = route('orders-route', { parents: [onGateway(envoyEdge)], rules: [{ backends: [{ service: to(orders) }] }] });
    const { bootstrap, issues } = envoyTierBootstrap(compile({ services: [orders], gateways: [envoyEdge], routes: [r] }, onEnvoyEdge));
    expect(issues).toEqual([]);
    expect(validateEnvoyBootstrap(bootstrap)).toEqual([]);
    const action = envoyRoutesOf(bootstrap, 'edge-50051').get('app/orders-route/rules/0')!.route;
    expect(action.timeout).toBe('0s');
    expect(action.max_stream_duration).toEqual({ max_stream_duration: '5s', grpc_timeout_header_max: '5s' });
    expect(envoyCallDeadline(action)).toEqual({ limitMs: 5_000, from: 'stream-start' });
    expect(envoyCallDeadline(action, 30_000)).toEqual({ limitMs: 5_000, from: 'stream-start' });
    expect(envoyCallDeadline(action, 1_000)).toEqual({ limitMs: 1_000, from: 'stream-start' });
  });

  describe('a Gateway with a method split, a canary with a forcing header and a header A/B on h2c and TLS listeners', () => {
    const reader = service('users-reader', DataPlane.none());
    const writer = service('users-writer', DataPlane.none());
    const stable = service('orders', DataPlane.envoy(), retrying(2));
    const ordersCanary = service('orders-canary', DataPlane.none());
    const searchA = service('search-a', DataPlane.none());
    const searchB = service('search-b', DataPlane.none());
    const parents = [onGateway(envoyEdge)];
    const routes = [
      route('users', {
        parents,
        rules: [
          { matches: [{ service: 'user.v1.UserService', method: 'GetUser' }, { service: 'user.v1.UserService', method: 'ListUsers' }], backends: [{ service: to(reader) }] },
          { matches: [{ service: 'user.v1.UserService' }], backends: [{ service: to(writer) }] },
        ],
      }),
      canary('orders', {
        parents, grpcService: 'order.v1.OrderService', stable: to(stable), canary: to(ordersCanary), canaryWeight: 10, canaryHeader: { name: 'x-canary', value: 'always' },
      }),
      route('search', {
        parents,
        hostnames: ['api.example.com'],
        rules: [
          { matches: [{ service: 'search.v1.Search', headers: [{ name: 'x-variant', value: 'b' }] }], backends: [{ service: to(searchB) }] },
          { matches: [{ service: 'search.v1.Search' }], backends: [{ service: to(searchA) }] },
        ],
      }),
    ];
    const served = compile({ services: [reader, writer, stable, ordersCanary, searchA, searchB], gateways: [envoyEdge], routes }, onEnvoyEdge);
    const { bootstrap, issues } = envoyTierBootstrap(served);
    const config = proxyTierConfig(served);

    test('compiles every route without an issue into a bootstrap Envoy\'s v3 protos accept', () => {
      expect(served.issues).toEqual([]);
      expect(issues).toEqual([]);
      expect(served.routes).toEqual(['app/orders', 'app/search', 'app/users']);
      expect(validateEnvoyBootstrap(bootstrap)).toEqual([]);
    });

    test('listens on the tier\'s container ports, terminating TLS with the mounted Secret', () => {
      const listeners = ((bootstrap as any).static_resources.listeners as Array<Record<string, any>>).filter((l) => l.name !== 'probes');
      expect(listeners.map((l) => [l.name, l.address.socket_address.port_value])).toEqual([['edge-50051', 8080], ['edge-443', 8081]]);
      expect(listeners[0].filter_chains[0].transport_socket).toBeUndefined();
      expect(listeners[1].filter_chains[0].transport_socket.typed_config.common_tls_context).toEqual({
        alpn_protocols: ['h2'],
        tls_certificates: [{ certificate_chain: { filename: '/etc/grpc-mesh/tls/api-cert/tls.crt' }, private_key: { filename: '/etc/grpc-mesh/tls/api-cert/tls.key' } }],
      });
    });

    test('each cluster is STRICT_DNS on its service\'s headless FQDN at the tier\'s refresh, with HTTP/2 upstream', () => {
      const clusters = ((bootstrap as any).static_resources.clusters as Array<Record<string, any>>).filter((c) => c.name !== 'envoy_admin');
      expect(clusters.map((c) => c.name).sort()).toEqual(config.clusters.map((c) => c.name).sort());
      for (const cluster of clusters) {
        const [namespace, name] = (cluster.name as string).replace(/:\d+$/, '').split('/');
        const address = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
        expect([cluster.name, cluster.type, cluster.dns_refresh_rate, address])
          .toEqual([cluster.name, 'STRICT_DNS', '2s', { address: `${name}-headless.${namespace}.svc.cluster.local.`, port_value: 50051 }]);
        expect(cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config).toHaveProperty('http2_protocol_options');
      }
    });

    const paths = [
      '/user.v1.UserService/GetUser', '/user.v1.UserService/ListUsers', '/user.v1.UserService/DeleteUser',
      '/order.v1.OrderService/PlaceOrder', '/search.v1.Search/Query', '/grpc.health.v1.Health/Check',
    ];
    // Header names as HTTP/2 carries them: lower-case.
    const headerSets: Array<Record<string, string>> = [{}, { 'x-canary': 'always' }, { 'x-variant': 'b' }, { 'x-canary': 'never', 'x-variant': 'a' }];
    const cases = [
      ...['edge.example.net:50051', 'api.example.com:50051'].flatMap((authority) => paths.flatMap((path) => headerSets.map((headers) => ['edge-50051', call(authority, path, headers)] as const))),
      ...['api.example.com', 'API.example.com:443', 'other.example.com'].flatMap((authority) => paths.flatMap((path) => headerSets.map((headers) => ['edge-443', call(authority, path, headers)] as const))),
    ];

    test.each(cases.map(([listener, request]) => [`${listener} ${request.authority}${request.path} ${JSON.stringify(request.headers)}`, listener, request] as const))(
      'Envoy\'s first matching route and the proxy\'s routing agree: %s', (_, listener, request) => {
        expect(envoyOutcome(bootstrap, listener, request)).toEqual(engineOutcome(config, listener, request));
      });

    test('the cases exercise every backend and UNIMPLEMENTED', () => {
      const reached = new Set(cases.flatMap(([listener, request]) => Object.keys(engineOutcome(config, listener, request))));
      expect([...reached].sort()).toEqual([
        'app/orders-canary:50051', 'app/orders:50051', 'app/search-a:50051', 'app/search-b:50051', 'app/users-reader:50051', 'app/users-writer:50051', 'status',
      ]);
    });
  });

  test('a GAMMA canary on an Envoy-balanced service: a valid bootstrap whose routes agree with the proxy\'s routing, the default route last', () => {
    const payments = service('payments', DataPlane.envoy(), retrying(2));
    const paymentsCanary = service('payments-canary', DataPlane.none());
    const r = canary('payments-split', {
      parents: [onService(payments)], stable: to(payments), canary: to(paymentsCanary), canaryWeight: 10, canaryHeader: { name: 'x-canary', value: 'always' },
    });
    const served = compile({ services: [payments, paymentsCanary], routes: [r] }, { kind: 'service', model: payments });
    expect(served.issues).toEqual([]);
    const balancer = renderGrpcMeshService(payments, served).balancer!;
    const bootstrap = parse((balancer.config.data as Record<string, string>)[ENVOY_CONFIG_KEY]);
    expect(validateEnvoyBootstrap(bootstrap)).toEqual([]);
    expect([...envoyRoutesOf(bootstrap, 'mesh').keys()]).toEqual([
      'app/payments-split/rules/0/matches/0', 'app/payments-split/rules/1', 'app/payments-default/rules/0', 'unimplemented',
    ]);
    const config = proxyTierConfig(served);
    const host = 'payments-envoy.app.svc.cluster.local:50051';
    for (const request of [call(host, '/pay.v1.Pay/Charge'), call(host, '/pay.v1.Pay/Charge', { 'x-canary': 'always' }), call(host, '/pay.v1.Pay/Charge', { 'x-canary': 'no' })]) {
      expect(envoyOutcome(bootstrap, 'mesh', request)).toEqual(engineOutcome(config, 'mesh', request));
    }
    expect(envoyOutcome(bootstrap, 'mesh', call(host, '/pay.v1.Pay/Charge'))).toEqual({ 'grpc_backend': 90, 'app/payments-canary:50051': 10 });
  });
});
