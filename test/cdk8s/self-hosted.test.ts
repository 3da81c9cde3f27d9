import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  CanaryGrpcRoute,
  DataPlane,
  GatewayImplementation,
  GrpcGateway,
  GrpcMeshService,
  GrpcRoute,
  GrpcStatus,
  type GrpcMeshServiceProps,
} from '../../src/cdk8s';
import { configHash, ENVOY_CONFIG_KEY, PROXY_CONFIG_KEY, renderGrpcMeshService, resolveGrpcMeshService, type KubeObject } from '../../src/core';
import { givenPackageVersion } from '../support/package-version';
import { envoyBootstrapCount, problemsOf } from '../support/validate-all';

const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:0.1.0';
const RETRY = { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } };

const isCertificate = (o: KubeObject) => o.apiVersion === 'cert-manager.io/v1' && o.kind === 'Certificate';

// ---------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------

function serviceIn(chart: Chart, name: string, dataPlane = DataPlane.none(), extra: Partial<GrpcMeshServiceProps> = {}): GrpcMeshService {
  return new GrpcMeshService(chart, name, { port: 50051, workload: { image: `registry.example.com/${name}:1.0.0` }, dataPlane, ...extra });
}

/**
 * A proxy-served edge Gateway (h2c and TLS with a cert-manager certificate) with a method split and a 90/10 canary,
 * an Envoy-served internal Gateway, and a proxy-balanced service with a GAMMA canary.
 */
function shop(options: { gatewayApiObjects?: boolean } = {}) {
  const app = Testing.app();
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const edge = new GrpcGateway(chart, 'edge', {
    implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, ...options }),
    listeners: [
      { name: 'grpc', port: 50051 },
      { name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: 'api-example-com-tls' } },
    ],
    certManager: { clusterIssuer: 'letsencrypt-prod' },
  });
  const internal = new GrpcGateway(chart, 'internal', {
    implementation: GatewayImplementation.envoy({ serviceType: 'ClusterIP' }),
    listeners: [{ name: 'grpc', port: 50051 }],
  });
  const orders = serviceIn(chart, 'orders', DataPlane.envoy(), { trafficPolicy: RETRY });
  const routes = {
    users: new GrpcRoute(chart, 'users', {
      parents: [edge],
      rules: [
        { matches: [{ service: 'user.v1.UserService', method: 'GetUser' }], backends: [{ service: serviceIn(chart, 'users-reader') }] },
        { matches: [{ service: 'user.v1.UserService' }], backends: [{ service: serviceIn(chart, 'users-writer') }] },
      ],
    }),
    orders: new CanaryGrpcRoute(chart, 'orders-split', {
      parents: [edge],
      grpcService: 'order.v1.OrderService',
      stable: orders,
      canary: serviceIn(chart, 'orders-canary'),
      canaryWeight: 10,
      canaryHeader: { name: 'x-canary', value: 'always' },
    }),
    internalOrders: new GrpcRoute(chart, 'internal-orders', { parents: [internal], rules: [{ matches: [{ service: 'order.v1.OrderService' }], backends: [{ service: orders }] }] }),
    checkout: undefined as CanaryGrpcRoute | undefined,
  };
  const checkout = serviceIn(chart, 'checkout', DataPlane.proxy({ image: PROXY_IMAGE, serviceType: 'ClusterIP' }), { trafficPolicy: RETRY });
  routes.checkout = new CanaryGrpcRoute(chart, 'checkout-split', {
    parents: [checkout],
    stable: checkout,
    canary: serviceIn(chart, 'checkout-canary'),
    canaryWeight: 10,
    canaryHeader: { name: 'x-canary', value: 'always' },
  });
  return { app, chart, edge, internal, checkout, routes };
}

const find = (objects: readonly KubeObject[], kind: string, name: string): any => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
};
const proxyConfigOf = (objects: readonly KubeObject[], name: string): any => parse(find(objects, 'ConfigMap', name).data[PROXY_CONFIG_KEY]);
const proxyRoutesOf = (objects: readonly KubeObject[], name: string): string[] => proxyConfigOf(objects, name).routes.map((r: any) => `${r.namespace}/${r.name}`);
function envoyRouteNamesOf(objects: readonly KubeObject[], name: string): string[] {
  const listeners = parse(find(objects, 'ConfigMap', name).data[ENVOY_CONFIG_KEY]).static_resources.listeners;
  const filters = listeners.flatMap((l: any) => l.filter_chains.flatMap((c: any) => c.filters));
  const hosts = filters.flatMap((f: any) => f.typed_config.route_config?.virtual_hosts ?? []);
  return hosts.flatMap((v: any) => v.routes.map((r: any) => r.name));
}
const GATEWAY_API_KINDS = ['Gateway', 'GatewayClass', 'GRPCRoute', 'ReferenceGrant'];

describe('self-hosted tiers (cdk8s)', () => {
  describe('a proxy-served and an Envoy-served Gateway and a proxy-balanced service with a GAMMA canary', () => {
    let objects: KubeObject[];
    let fixture: ReturnType<typeof shop>;
    beforeAll(() => {
      fixture = shop();
      objects = Testing.synth(fixture.chart) as KubeObject[];
    });

    test('synthesize into valid, restricted manifests, valid Envoy bootstraps and valid cert-manager Certificates', () => {
      // problemsOf checks Certificates against cert-manager's own CRD (test/fixtures/cert-manager-1.21.1).
      expect(problemsOf(objects)).toEqual([]);
      expect(envoyBootstrapCount(objects)).toBe(2); // the internal Gateway's and the orders balancer's
      const certificates = objects.filter(isCertificate);
      expect(certificates.map((c) => [c.metadata.name, (c.spec as any).dnsNames, (c.spec as any).issuerRef]))
        .toEqual([['api-example-com-tls', ['api.example.com'], { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' }]]);
    });

    test('the Certificate check rejects what the CRD rejects', () => {
      const [certificate] = objects.filter(isCertificate);
      const misspelt = { ...certificate, spec: { ...(certificate.spec as object), dnsName: ['api.example.com'] } };
      const noIssuer = { ...certificate, spec: { secretName: 'x' } };
      expect(problemsOf([misspelt as KubeObject])).toEqual([expect.stringContaining('dnsName')]);
      expect(problemsOf([noIssuer as KubeObject])).toEqual([expect.stringContaining('issuerRef')]);
    });

    test('write no GRPCRoute, Gateway, GatewayClass or ReferenceGrant', () => {
      expect(objects.filter((o) => GATEWAY_API_KINDS.includes(o.kind))).toEqual([]);
      const { edge, internal, routes } = fixture;
      const written = [edge.gateway, internal.gateway, routes.users.route, routes.orders.route, routes.internalOrders.route, routes.checkout!.route];
      expect(written).toEqual(Array(6).fill(undefined));
    });

    test('each tier serves the routes attached to it', () => {
      expect(proxyRoutesOf(objects, 'edge-proxy')).toEqual(['shop/orders-split', 'shop/users']);
      expect(envoyRouteNamesOf(objects, 'internal-envoy')).toEqual(['shop/internal-orders/rules/0/matches/0', 'unimplemented']);
      expect(proxyRoutesOf(objects, 'checkout-proxy')).toEqual(['shop/checkout-split', 'shop/checkout-default']);
    });

    test('the edge tier exposes both listener ports and mounts the certificate Secret', () => {
      expect(find(objects, 'Service', 'edge-proxy').spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([['grpc-50051', 50051, 8080], ['grpc-443', 443, 8081]]);
      const pod = find(objects, 'Deployment', 'edge-proxy').spec.template.spec;
      const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === '/etc/grpc-mesh/tls/api-example-com-tls');
      expect(mount).toMatchObject({ readOnly: true });
      expect(pod.volumes.find((v: any) => v.name === mount.name).secret.secretName).toBe('api-example-com-tls');
      expect(proxyConfigOf(objects, 'edge-proxy').listeners[1].tls).toEqual({
        certFile: '/etc/grpc-mesh/tls/api-example-com-tls/tls.crt', keyFile: '/etc/grpc-mesh/tls/api-example-com-tls/tls.key',
      });
    });
  });

  test('with gatewayApiObjects: true the Gateway (class grpc-mesh) and its GRPCRoutes are written too, valid against the Gateway API CRDs', () => {
    const { chart, edge, routes } = shop({ gatewayApiObjects: true });
    const objects = Testing.synth(chart) as KubeObject[];
    expect(problemsOf(objects)).toEqual([]);
    expect(objects.filter((o) => GATEWAY_API_KINDS.includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Gateway/edge', 'GRPCRoute/users', 'GRPCRoute/orders-split']);
    expect(find(objects, 'Gateway', 'edge').spec.gatewayClassName).toBe('grpc-mesh');
    expect((routes.orders.route!.toJson() as any).spec.parentRefs).toEqual([expect.objectContaining({ kind: 'Gateway', name: 'edge', namespace: 'shop' })]);
    expect(edge.gateway).toBeDefined();
    // The tier serves them all the same.
    expect(proxyRoutesOf(objects, 'edge-proxy')).toEqual(['shop/orders-split', 'shop/users']);
  });

  describe('declaration order', () => {
    test('routes declared before the Gateway (by plain reference), after it, and in another chart all reach its tier', () => {
      const app = Testing.app();
      const chart = new Chart(app, 'shop', { namespace: 'shop' });
      const team = new Chart(app, 'team', { namespace: 'team' });
      const users = serviceIn(chart, 'users');
      new GrpcRoute(chart, 'early', { parents: [{ kind: 'Gateway', name: 'edge', namespace: 'shop' }], rules: [{ matches: [{ service: 'a.v1.A' }], backends: [{ service: users }] }] });
      const edge = new GrpcGateway(chart, 'edge', {
        implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE }),
        listeners: [{ name: 'grpc', port: 50051, allowedRoutes: { from: 'All' } }],
      });
      const late = new GrpcRoute(chart, 'late', { parents: [edge], rules: [{ matches: [{ service: 'b.v1.B' }], backends: [{ service: users }] }] });
      const foreign = new GrpcRoute(team, 'foreign', { parents: [edge], rules: [{ matches: [{ service: 'c.v1.C' }], backends: [{ service: users }] }] });
      const objects = Testing.synth(chart) as KubeObject[];
      expect(proxyRoutesOf(objects, 'edge-proxy')).toEqual(['shop/early', 'shop/late', 'team/foreign']);
      expect(proxyConfigOf(objects, 'edge-proxy').clusters.map((c: any) => c.name)).toEqual(['shop/users:50051']);
      expect([late.route, foreign.route]).toEqual([undefined, undefined]);
      expect(Testing.synth(team)).toEqual([]);
    });

    test('a route added after the Gateway appears in its ConfigMap and rolls its pods (config-hash)', () => {
      const { chart, edge } = shop();
      const hashOf = (objects: KubeObject[]) => find(objects, 'Deployment', 'edge-proxy').spec.template.metadata.annotations['grpc-mesh.io/config-hash'];
      const dataOf = (objects: KubeObject[]) => find(objects, 'ConfigMap', 'edge-proxy').data[PROXY_CONFIG_KEY];
      const before = Testing.synth(chart) as KubeObject[];
      expect(hashOf(before)).toBe(configHash(dataOf(before)));
      new GrpcRoute(chart, 'search-route', { parents: [edge], rules: [{ matches: [{ service: 'search.v1.Search' }], backends: [{ service: serviceIn(chart, 'search') }] }] });
      const after = Testing.synth(chart) as KubeObject[];
      expect(proxyRoutesOf(after, 'edge-proxy')).toEqual(['shop/orders-split', 'shop/search-route', 'shop/users']);
      expect(hashOf(after)).toBe(configHash(dataOf(after)));
      expect(hashOf(after)).not.toBe(hashOf(before));
      // Nothing else of the tier changes.
      expect(find(after, 'Service', 'edge-proxy')).toEqual(find(before, 'Service', 'edge-proxy'));
    });
  });

  describe('bad props', () => {
    test('what a construct cannot be fails synthesis, naming it, with the problems of every other construct', () => {
      const { chart, edge } = shop();
      new GrpcGateway(chart, 'partner', {
        implementation: GatewayImplementation.envoy(),
        listeners: [{ name: 'grpc-tls', port: 443, hostname: 'partner.example.com', tls: { secretName: 'partner-tls', secretNamespace: 'certs' } }],
      });
      const plain = serviceIn(chart, 'plain');
      new GrpcRoute(chart, 'mesh', { parents: [plain], rules: [{ backends: [{ service: plain }] }] });
      new GrpcRoute(chart, 'with-policy', { parents: [edge], trafficPolicy: RETRY, rules: [{ backends: [{ service: plain }] }] });
      let message = '';
      try {
        Testing.synth(chart);
      } catch (e) {
        message = (e as Error).message;
      }
      const lines = message.split('\n');
      expect(lines[0]).toBe('Validation failed with the following errors:');
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(/^ {2}\[shop\/partner\] GrpcGateway "shop\/partner": listeners\[0\]\.tls\.secretNamespace must be the Gateway's namespace \("shop"\).*\[SECRET_NOT_MOUNTABLE\]$/),
        expect.stringMatching(/^ {2}\[shop\/mesh\] GrpcRoute "shop\/mesh": parents\[0\] has DataPlane\.none\(\).*\[ROUTE_PARENT_NOT_SERVED\]$/),
        expect.stringMatching(/^ {2}\[shop\/with-policy\] GrpcRoute "shop\/with-policy": trafficPolicy cannot be attached to a route served by a grpc-mesh tier.*\[UNSUPPORTED_BY_DATA_PLANE\]$/),
      ]);
    });

    test('synthesis fails with one error that names every problem of every tier', () => {
      const app = Testing.app();
      const chart = new Chart(app, 'shop', { namespace: 'shop' });
      const team = new Chart(app, 'team', { namespace: 'team' });
      const edge = new GrpcGateway(chart, 'edge', { implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE }), listeners: [{ name: 'grpc', port: 50051 }] });
      const internal = new GrpcGateway(chart, 'internal', { implementation: GatewayImplementation.envoy(), listeners: [{ name: 'grpc', port: 50051 }] });
      const users = serviceIn(chart, 'users');
      const random = serviceIn(chart, 'random', DataPlane.envoy(), { trafficPolicy: { loadBalancer: 'RANDOM' } });
      const checkout = serviceIn(chart, 'checkout', DataPlane.proxy({ image: PROXY_IMAGE }));
      const orders = { matches: [{ service: 'order.v1.OrderService' }], backends: [{ service: users }] };
      new GrpcRoute(chart, 'orders-a', { parents: [edge], rules: [orders] });
      new GrpcRoute(chart, 'orders-b', { parents: [edge], rules: [orders] });
      new GrpcRoute(chart, 'to-random', { parents: [edge], rules: [{ matches: [{ service: 'rand.v1.Rand' }], backends: [{ service: random }] }] });
      new GrpcRoute(chart, 'legacy', { parents: [checkout], rules: [{ matches: [{ service: 'legacy.v1.Legacy' }], backends: [{ service: { name: 'legacy', port: 9000 } }] }] });
      // A route of another namespace, attached by plain reference: the internal listener admits its own namespace only.
      new GrpcRoute(team, 'foreign', { parents: [{ kind: 'Gateway', name: 'internal', namespace: 'shop' }], rules: [{ backends: [{ service: users }] }] });
      expect(internal.tier).toBeDefined();

      let error: Error | undefined;
      try {
        Testing.synth(chart);
      } catch (e) {
        error = e as Error;
      }
      expect(error).toBeInstanceOf(Error);
      const lines = error!.message.split('\n');
      expect(lines[0]).toBe('Validation failed with the following errors:');
      expect(lines.slice(1).sort()).toEqual([
        expect.stringMatching(/^ {2}\[shop\/checkout\] GRPCRoute "shop\/legacy" has backends the proxy tier of GrpcMeshService "shop\/checkout" cannot reach: .*Service "shop\/legacy", which is not among the objects.*\[BACKEND_NOT_RESOLVED\]$/),
        expect.stringMatching(/^ {2}\[shop\/edge\] GRPCRoute "shop\/orders-b"\.rules\[0\] has the same match as GRPCRoute "shop\/orders-a"\.rules\[0\] on listener "edge-50051".*\[CONFLICTING_ROUTES\]$/),
        expect.stringMatching(/^ {2}\[shop\/edge\] GrpcMeshService "shop\/random"\.trafficPolicy\.loadBalancer cannot be honoured by grpc-mesh-proxy.*\(the proxy tier "edge-proxy" routes calls to it\).*\[UNSUPPORTED_BY_DATA_PLANE\]$/),
        expect.stringMatching(/^ {2}\[shop\/internal\] GRPCRoute "team\/foreign" is not served by the envoy tier of GrpcGateway "shop\/internal": listener "grpc" does not allow routes from namespace "team".*\[ROUTE_NOT_SERVED\]$/),
      ]);
      // The whole app is validated whichever chart is synthesized, and nothing is written.
      expect(() => Testing.synth(team)).toThrow(error!.message);
      expect(() => app.synth()).toThrow(error!.message);
    });

    // A construct built from invalid props stays in the construct tree without its routing part.
    test('a construct with invalid props is left out of the tiers: synthesis reports its own problems only', () => {
      const { chart } = shop();
      new GrpcGateway(chart, 'partner', {
        implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE }),
        listeners: [{ name: 'grpc-tls', port: 443, tls: { secretName: 'partner-tls', secretNamespace: 'certs' } }],
      });
      new GrpcRoute(chart, 'to-partner', { parents: [{ kind: 'Gateway', name: 'partner', namespace: 'shop' }], rules: [{ backends: [{ service: { name: 'users', port: 50051 } }] }] });
      expect(() => Testing.synth(chart)).toThrow(/^Validation failed with the following errors:\n {2}\[shop\/partner\] GrpcGateway "shop\/partner": listeners\[0\]\.tls\.secretNamespace .*\[SECRET_NOT_MOUNTABLE\]$/);
    });

    test('props too broken to build a construct from still fail at its construction', () => {
      const { chart } = shop();
      // A JavaScript caller without listeners: the Gateway has nothing to be built from.
      expect(() => new GrpcGateway(chart, 'broken', { gatewayClassName: 'eg', listeners: undefined as never }))
        .toThrow('GrpcGateway "shop/broken": listeners must have between 1 and 64 listeners; got 0. [TOO_FEW]');
    });
  });

  describe('a balancer no route is attached to', () => {
    const props = (dataPlane: DataPlane): GrpcMeshServiceProps => ({ port: 50051, workload: { image: 'registry.example.com/ledger:1.0.0' }, dataPlane, trafficPolicy: RETRY });
    const balancerOf = (objects: KubeObject[], name: string) => ({
      config: find(objects, 'ConfigMap', name), deployment: find(objects, 'Deployment', name), service: find(objects, 'Service', name), pdb: find(objects, 'PodDisruptionBudget', name),
    });
    const cases = [['proxy', DataPlane.proxy({ image: PROXY_IMAGE }), PROXY_CONFIG_KEY], ['envoy', DataPlane.envoy(), ENVOY_CONFIG_KEY]] as const;

    test.each(cases)('is byte-identical to the %s balancer rendered without routes, in an app full of routes or alone', (kind, dataPlane, key) => {
      const full = shop();
      new GrpcMeshService(full.chart, 'ledger', props(dataPlane));
      const inFull = balancerOf(Testing.synth(full.chart) as KubeObject[], `ledger-${kind}`);

      const aloneChart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
      new GrpcMeshService(aloneChart, 'ledger', props(dataPlane));
      const alone = balancerOf(Testing.synth(aloneChart) as KubeObject[], `ledger-${kind}`);

      const rendered = renderGrpcMeshService(resolveGrpcMeshService(props(dataPlane), { defaultName: 'ledger', defaultNamespace: 'shop' })).balancer!;
      expect(inFull.config.data[key]).toBe((rendered.config.data as Record<string, string>)[key]);
      expect(alone.config.data[key]).toBe(inFull.config.data[key]);
      expect(JSON.stringify(inFull)).toBe(JSON.stringify(alone));
      expect(inFull.config).toEqual(rendered.config);
      expect(inFull.deployment).toEqual(rendered.deployment);
      expect(inFull.service).toEqual(rendered.service);
      expect(inFull.pdb).toEqual(rendered.podDisruptionBudget);
    });
  });
});

describe('the default grpc-mesh-proxy image (cdk8s)', () => {
  afterEach(() => jest.restoreAllMocks());

  /** A proxy-served Gateway and a proxy-balanced service given no image, and a service given `PROXY_IMAGE`. */
  function app() {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    const edge = new GrpcGateway(chart, 'edge', { implementation: GatewayImplementation.proxy(), listeners: [{ name: 'grpc', port: 50051 }] });
    const checkout = serviceIn(chart, 'checkout', DataPlane.proxy({ serviceType: 'ClusterIP' }));
    serviceIn(chart, 'ledger', DataPlane.proxy({ image: PROXY_IMAGE }));
    new GrpcRoute(chart, 'checkout-route', { parents: [edge], rules: [{ backends: [{ service: checkout }] }] });
    return chart;
  }
  const imageOf = (objects: readonly KubeObject[], name: string) => find(objects, 'Deployment', name).spec.template.spec.containers[0].image;

  test('a released library deploys the image of its release where none is given, and the given one elsewhere', () => {
    givenPackageVersion('1.4.2');
    const objects = Testing.synth(app()) as KubeObject[];
    expect(['edge-proxy', 'checkout-proxy', 'ledger-proxy'].map((name) => imageOf(objects, name))).toEqual([
      'ghcr.io/grpc-mesh/grpc-mesh-proxy:1.4.2', 'ghcr.io/grpc-mesh/grpc-mesh-proxy:1.4.2', PROXY_IMAGE,
    ]);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('an unreleased build fails synthesis for each tier given no image, naming its construct and field', () => {
    givenPackageVersion('0.0.0');
    expect(() => Testing.synth(app())).toThrow(new RegExp([
      'Validation failed with the following errors:',
      ' {2}\\[shop/edge\\] GrpcGateway "shop/edge": implementation\\.image is required: this grpc-mesh is an unreleased build \\(version 0\\.0\\.0\\)[^\\n]*\\[INVALID_IMAGE\\]',
      ' {2}\\[shop/checkout\\] GrpcMeshService "shop/checkout": dataPlane\\.image is required: [^\\n]*scripts/image/build\\.sh[^\\n]*\\[INVALID_IMAGE\\]$',
    ].join('\n')));
  });
});
