import {
  DataPlane,
  GatewayImplementation,
  gatewayParentRef,
  gatewaysNotAllowed,
  GrpcMeshValidationError,
  listGrpcMeshServiceManifests,
  meshServiceBackendRef,
  meshServiceParentRef,
  renderGatewayTier,
  compileTierRoutes,
  renderGrpcMeshService,
  resolveGrpcGateway,
  resolveGrpcMeshService,
  resolveGrpcRoute,
  tiersRoutingTo,
  type GrpcMeshServiceModel,
  type GrpcMeshServiceProps,
  type KubeObject,
  type RoutingScope,
} from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';
import { connectionAllowed, policySelects, type Cluster, type Endpoint, type Pod } from '../support/network-policy-evaluator';
import { at } from '../support/render';
import { problemsOf } from '../support/validate-all';

const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:0.1.0';
const NAMESPACES = { 'app': {}, 'web': {}, 'monitoring': {}, 'other': {}, 'infra': {}, 'kube-system': {} };

function model(overrides: Partial<GrpcMeshServiceProps> = {}, name = 'users'): GrpcMeshServiceModel {
  return resolveGrpcMeshService({ ...USERS_PROPS, ...overrides }, { defaultName: name });
}

function objectsOf(m: GrpcMeshServiceModel, scope?: RoutingScope): KubeObject[] {
  return listGrpcMeshServiceManifests(renderGrpcMeshService(m, undefined, scope && tiersRoutingTo(scope, m))).map((l) => l.manifest);
}

/** The pods of the Deployments among the objects: namespace, template labels, named container ports. */
function podsOf(objects: readonly KubeObject[]): Pod[] {
  return objects.filter((o) => o.kind === 'Deployment').map((o) => ({
    kind: 'pod',
    namespace: o.metadata.namespace!,
    labels: at(o, 'spec', 'template', 'metadata', 'labels'),
    namedPorts: Object.fromEntries(at(o, 'spec', 'template', 'spec', 'containers')
      .flatMap((c: any) => c.ports ?? []).filter((p: any) => p.name).map((p: any) => [p.name, p.containerPort])),
  }));
}

const podNamed = (pods: readonly Pod[], name: string) => pods.find((p) => p.labels['app.kubernetes.io/name'] === name)!;
const policies = (objects: readonly KubeObject[]) => objects.filter((o) => o.kind === 'NetworkPolicy');
const cluster = (...objects: KubeObject[][]): Cluster => ({ namespaces: NAMESPACES, policies: policies(objects.flat()) });
const somePod = (namespace: string, labels: Record<string, string> = { app: 'random' }): Pod => ({ kind: 'pod', namespace, labels });
const internet: Endpoint = { kind: 'external', ip: '203.0.113.7' };

function codesOf(networkPolicy: GrpcMeshServiceProps['networkPolicy']): Array<[string, string]> {
  try {
    model({ networkPolicy });
    return [];
  } catch (error) {
    if (!GrpcMeshValidationError.isValidationError(error)) throw error;
    return error.issues.map((i) => [i.code, i.path]);
  }
}

describe('NetworkPolicies of a GrpcMeshService', () => {
  const users = objectsOf(model());
  const orders = objectsOf(model({}, 'orders'));
  const pods = podsOf([...users, ...orders]);
  const server = podNamed(pods, 'users');
  const envoy = podNamed(pods, 'users-envoy');
  const c = cluster(users, orders);

  test('are on by default, one for the server pods and one for the balancer pods, valid against the Kubernetes 1.35 schema', () => {
    expect(policies(users).map((p) => p.metadata.name)).toEqual(['users', 'users-envoy']);
    expect(problemsOf([...users, ...orders])).toEqual([]);
    expect(listGrpcMeshServiceManifests(renderGrpcMeshService(model())).map((l) => l.id).slice(-2)).toEqual(['network-policy', 'balancer-network-policy']);
  });

  test('the server\'s policy selects the server pods and only those; the balancer\'s only the balancer pods', () => {
    const [serverPolicy, balancerPolicy] = policies(users);
    expect(pods.filter((p) => policySelects(serverPolicy, p))).toEqual([server]);
    expect(pods.filter((p) => policySelects(balancerPolicy, p))).toEqual([envoy]);
  });

  test('the balancer pods reach the server\'s targetPort; another pod, another service\'s balancer or another port do not', () => {
    expect(connectionAllowed(c, envoy, server, 50051)).toBe(true);
    expect(connectionAllowed(c, envoy, server, 8080)).toBe(false);
    expect(connectionAllowed(c, somePod('app'), server, 50051)).toBe(false);
    expect(connectionAllowed(c, podNamed(pods, 'orders-envoy'), server, 50051)).toBe(false);
    expect(connectionAllowed(c, internet, server, 50051)).toBe(false);
    // The kubelet's gRPC probes come from the node, which NetworkPolicy always lets through.
    expect(connectionAllowed(c, { kind: 'node' }, server, 50051)).toBe(true);
  });

  test('clients reach the balancer\'s gRPC port from anywhere by default, and only from allowFrom when it is given', () => {
    expect(connectionAllowed(c, internet, envoy, 8080)).toBe(true);
    expect(connectionAllowed(c, somePod('other'), envoy, 8080)).toBe(true);
    expect(connectionAllowed(c, somePod('other'), envoy, 9999)).toBe(false);
    const narrowed = objectsOf(model({ networkPolicy: { allowFrom: [{ namespaces: ['web'] }, { cidr: '198.51.100.0/24' }] } }));
    const n = cluster(narrowed);
    const balancer = podNamed(podsOf(narrowed), 'users-envoy');
    expect(connectionAllowed(n, somePod('web'), balancer, 8080)).toBe(true);
    expect(connectionAllowed(n, { kind: 'external', ip: '198.51.100.9' }, balancer, 8080)).toBe(true);
    expect(connectionAllowed(n, somePod('other'), balancer, 8080)).toBe(false);
    expect(connectionAllowed(n, internet, balancer, 8080)).toBe(false);
  });

  test('the balancer\'s metrics port is open to metricsFrom (every pod of the cluster by default), and to no one outside it', () => {
    const metricsPort = envoy.namedPorts!.metrics as number;
    expect(connectionAllowed(c, somePod('monitoring'), envoy, metricsPort)).toBe(true);
    expect(connectionAllowed(c, internet, envoy, metricsPort)).toBe(false);
    const objects = objectsOf(model({ monitoring: {}, networkPolicy: { metricsFrom: [{ namespaces: ['monitoring'], podSelector: { app: 'prometheus' } }] } }));
    const n = cluster(objects);
    const balancer = podNamed(podsOf(objects), 'users-envoy');
    const prometheus = somePod('monitoring', { app: 'prometheus' });
    expect(connectionAllowed(n, prometheus, balancer, metricsPort)).toBe(true);
    expect(connectionAllowed(n, somePod('monitoring'), balancer, metricsPort)).toBe(false);
    expect(connectionAllowed(n, somePod('app', { app: 'prometheus' }), balancer, metricsPort)).toBe(false);
    // The PodMonitor scrapes the very port the policy opens.
    const podMonitor = objects.find((o) => o.kind === 'PodMonitor')!;
    expect(at(podMonitor, 'spec', 'podMetricsEndpoints', 0, 'port')).toBe('metrics');
    expect(problemsOf(objects)).toEqual([]);
  });

  test('the grpc-mesh-proxy tier\'s pods get the same policy on their own ports', () => {
    const objects = objectsOf(model({ dataPlane: DataPlane.proxy({ image: PROXY_IMAGE }) }));
    const p = podsOf(objects);
    const proxy = podNamed(p, 'users-proxy');
    const n = cluster(objects);
    expect(connectionAllowed(n, proxy, podNamed(p, 'users'), 50051)).toBe(true);
    expect(connectionAllowed(n, internet, proxy, 8080)).toBe(true);
    expect(connectionAllowed(n, somePod('monitoring'), proxy, proxy.namedPorts!.probe as number)).toBe(true);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('without a balancer, allowFrom reaches the pods: every pod of the cluster by default, nothing outside it', () => {
    const open = objectsOf(model({ dataPlane: DataPlane.none(), trafficPolicy: undefined }));
    const pod = podNamed(podsOf(open), 'users');
    expect(policies(open).map((o) => o.metadata.name)).toEqual(['users']);
    expect(connectionAllowed(cluster(open), somePod('other'), pod, 50051)).toBe(true);
    expect(connectionAllowed(cluster(open), internet, pod, 50051)).toBe(false);
    expect(connectionAllowed(cluster(open), somePod('other'), pod, 50052)).toBe(false);
    const narrowed = objectsOf(model({ dataPlane: DataPlane.none(), trafficPolicy: undefined, networkPolicy: { allowFrom: [{ podSelector: { role: 'client' } }] } }));
    expect(connectionAllowed(cluster(narrowed), somePod('app', { role: 'client' }), pod, 50051)).toBe(true);
    expect(connectionAllowed(cluster(narrowed), somePod('other', { role: 'client' }), pod, 50051)).toBe(false);
    expect(problemsOf([...narrowed])).toEqual([]);
  });

  test('with Linkerd, callers reach the inbound proxy port 4143 beside targetPort, and metricsFrom its admin and tap ports 4191 and 4190', () => {
    const objects = objectsOf(model({ dataPlane: DataPlane.linkerd(), trafficPolicy: undefined, networkPolicy: { allowFrom: [{ namespaces: ['web'] }] } }));
    const pod = podNamed(podsOf(objects), 'users');
    const n = cluster(objects);
    for (const port of [50051, 4143]) {
      expect([port, connectionAllowed(n, somePod('web'), pod, port)]).toEqual([port, true]);
      expect([port, connectionAllowed(n, somePod('other'), pod, port)]).toEqual([port, false]);
    }
    expect(connectionAllowed(n, somePod('monitoring'), pod, 4191)).toBe(true);
    expect(connectionAllowed(n, somePod('linkerd-viz'), pod, 4190)).toBe(true); // linkerd viz tap
    expect(connectionAllowed(n, somePod('web'), pod, 4140)).toBe(false); // the outbound port stays inside the pod
    expect(problemsOf(objects)).toEqual([]);
  });

  test('with Istio, callers reach the HBONE port 15008 beside targetPort, and metricsFrom the sidecar\'s 15090 and 15020', () => {
    const objects = objectsOf(model({ dataPlane: DataPlane.istio(), trafficPolicy: undefined }));
    const pod = podNamed(podsOf(objects), 'users');
    const n = cluster(objects);
    expect([50051, 15008, 15090, 15020, 15000].map((port) => connectionAllowed(n, somePod('other'), pod, port))).toEqual([true, true, true, true, false]);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('ingress rules open more ports or admit more callers of the gRPC port (by default)', () => {
    const objects = objectsOf(model({
      networkPolicy: {
        ingress: [
          { ports: [{ port: 9464 }], from: [{ namespaces: ['monitoring'] }] },
          { from: [{ namespaces: ['envoy-gateway-system'], podSelector: { 'gateway.envoyproxy.io/owning-gateway-name': 'eg' } }] },
        ],
      },
    }));
    const pod = podNamed(podsOf(objects), 'users');
    const n = { namespaces: { ...NAMESPACES, 'envoy-gateway-system': {} }, policies: policies(objects) };
    const egProxy = somePod('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'eg' });
    expect(connectionAllowed(n, somePod('monitoring'), pod, 9464)).toBe(true);
    expect(connectionAllowed(n, somePod('monitoring'), pod, 50051)).toBe(false);
    expect(connectionAllowed(n, egProxy, pod, 50051)).toBe(true);
    expect(connectionAllowed(n, somePod('envoy-gateway-system'), pod, 50051)).toBe(false);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('egress: the server pods reach the cluster DNS and their rules only; the balancer the DNS and the server pods', () => {
    const objects = objectsOf(model({ networkPolicy: { egress: [{ to: [{ cidr: '10.30.0.0/16' }], ports: [{ port: 5432 }] }] } }));
    const p = podsOf(objects);
    const pod = podNamed(p, 'users');
    const balancer = podNamed(p, 'users-envoy');
    const n = cluster(objects);
    const dns = somePod('kube-system', { 'k8s-app': 'kube-dns' });
    for (const from of [pod, balancer]) {
      expect(connectionAllowed(n, from, dns, 53, 'UDP')).toBe(true);
      expect(connectionAllowed(n, from, dns, 53, 'TCP')).toBe(true);
      expect(connectionAllowed(n, from, somePod('kube-system', { 'k8s-app': 'metrics-server' }), 53, 'UDP')).toBe(false);
      expect(connectionAllowed(n, from, somePod('other', { 'k8s-app': 'kube-dns' }), 53, 'UDP')).toBe(false);
      expect(connectionAllowed(n, from, internet, 443)).toBe(false);
    }
    expect(connectionAllowed(n, pod, { kind: 'external', ip: '10.30.4.5' }, 5432)).toBe(true);
    expect(connectionAllowed(n, pod, { kind: 'external', ip: '10.31.4.5' }, 5432)).toBe(false);
    expect(connectionAllowed(n, balancer, pod, 50051)).toBe(true);
    expect(connectionAllowed(n, balancer, { kind: 'external', ip: '10.30.4.5' }, 5432)).toBe(false);
    expect(at(policies(objects)[0], 'spec', 'policyTypes')).toEqual(['Ingress', 'Egress']);
    // Without egress, neither policy restricts it.
    expect(policies(users).map((o) => at(o, 'spec', 'policyTypes'))).toEqual([['Ingress'], ['Ingress']]);
    expect(connectionAllowed(c, server, internet, 443)).toBe(true);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('enabled: false writes none', () => {
    expect(policies(objectsOf(model({ networkPolicy: { enabled: false } })))).toEqual([]);
    expect(renderGrpcMeshService(model({ networkPolicy: { enabled: false } })).networkPolicies).toBeUndefined();
  });

  test('refuses peers that name nothing or mix, bad CIDRs, ports and port names, empty lists, rules beside enabled: false', () => {
    expect(codesOf({ allowFrom: [{}] })).toEqual([['NETWORK_PEER_EMPTY', 'networkPolicy.allowFrom[0]']]);
    expect(codesOf({ allowFrom: [] })).toEqual([['TOO_FEW', 'networkPolicy.allowFrom']]);
    expect(codesOf({ metricsFrom: [{ cidr: '10.0.0.0/8', podSelector: { app: 'x' } }] })).toEqual([['NETWORK_PEER_MIXED', 'networkPolicy.metricsFrom[0]']]);
    expect(codesOf({ allowFrom: [{ namespaces: ['a'], namespaceSelector: { team: 'b' } }] })).toEqual([['NETWORK_PEER_MIXED', 'networkPolicy.allowFrom[0]']]);
    expect(codesOf({ allowFrom: [{ podSelector: { app: 'x' }, except: ['10.0.0.0/8'] }] })).toEqual([['NETWORK_PEER_MIXED', 'networkPolicy.allowFrom[0]']]);
    expect(codesOf({ allowFrom: [{ cidr: '10.0.0.1/8' }, { cidr: '10.0.0.0/33' }, { cidr: 'fd00::/8' }, { cidr: 'fd00::1/64' }, { cidr: '010.0.0.0/8' }] }))
      .toEqual([['INVALID_CIDR', 'networkPolicy.allowFrom[0].cidr'], ['INVALID_CIDR', 'networkPolicy.allowFrom[1].cidr'],
        ['INVALID_CIDR', 'networkPolicy.allowFrom[3].cidr'], ['INVALID_CIDR', 'networkPolicy.allowFrom[4].cidr']]);
    expect(codesOf({ allowFrom: [{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '11.0.0.0/16', '10.0.0.0/8', 'fd00::/64'] }] }))
      .toEqual([2, 3, 4].map((i) => ['INVALID_CIDR', `networkPolicy.allowFrom[0].except[${i - 1}]`]));
    expect(codesOf({ allowFrom: [{ namespaces: ['Web'], podSelector: { 'bad key!': 'x' } }] }))
      .toEqual([['INVALID_NAME', 'networkPolicy.allowFrom[0].namespaces[0]'], ['INVALID_LABEL', 'networkPolicy.allowFrom[0].podSelector["bad key!"]']]);
    expect(codesOf({ ingress: [{ ports: [{ port: 0 }, { port: 'Metrics' }, { port: 'metrics', endPort: 9000 }, { port: 9000, endPort: 8000 }, { port: 1, protocol: 'ICMP' as 'TCP' }] }] }))
      .toEqual([['PORT_OUT_OF_RANGE', 'networkPolicy.ingress[0].ports[0].port'], ['INVALID_PORT_NAME', 'networkPolicy.ingress[0].ports[1].port'],
        ['NETWORK_PORT_RANGE', 'networkPolicy.ingress[0].ports[2].endPort'], ['NETWORK_PORT_RANGE', 'networkPolicy.ingress[0].ports[3].endPort'],
        ['OUT_OF_RANGE', 'networkPolicy.ingress[0].ports[4].protocol']]);
    expect(codesOf({ egress: [{ to: [] }] })).toEqual([['TOO_FEW', 'networkPolicy.egress[0].to']]);
    expect(codesOf({ enabled: false, allowFrom: [{ namespaces: ['web'] }] })).toEqual([['NETWORK_POLICY_DISABLED', 'networkPolicy.enabled']]);
    expect(codesOf({ allowFrom: [{ cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] }, { cidr: '0.0.0.0/0' }, { cidr: '::/0' }] })).toEqual([]);
  });

  test('names the field, the value and the fix in its messages', () => {
    expect(() => model({ networkPolicy: { allowFrom: [{ cidr: '10.0.0.1/8' }] } }))
      .toThrow('networkPolicy.allowFrom[0].cidr has host bits set; got "10.0.0.1/8". Write the network address: 10.0.0.0/8.');
  });
});

describe('NetworkPolicies and the tiers that route to a service', () => {
  const NS = 'app';
  const users = model({ namespace: NS, networkPolicy: { allowFrom: [{ namespaces: ['web'] }] } });
  const edge = resolveGrpcGateway({
    namespace: 'infra', implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE }), listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }],
  }, { defaultName: 'edge' });
  const checkout = model({ namespace: NS, dataPlane: DataPlane.proxy({ image: PROXY_IMAGE }), trafficPolicy: undefined }, 'checkout');
  const viaEdge = resolveGrpcRoute({ namespace: NS, parents: [gatewayParentRef(edge)], rules: [{ backends: [{ service: meshServiceBackendRef(users) }] }] }, { defaultName: 'users-api' });
  const gamma = resolveGrpcRoute({
    namespace: NS, parents: [meshServiceParentRef(checkout)], rules: [{ matches: [{ service: 'user.v1.UserService' }], backends: [{ service: meshServiceBackendRef(users) }] }],
  }, { defaultName: 'users-from-checkout' });
  const scope: RoutingScope = { services: [users, checkout], gateways: [edge], routes: [viaEdge, gamma] };

  test('finds the self-hosted gateway\'s tier and the other service\'s balancer, and admits their pods to the server\'s targetPort', () => {
    expect(tiersRoutingTo(scope, users)).toEqual([
      { namespace: 'infra', selector: edge.tier!.selector },
      { namespace: NS, selector: checkout.dataPlane.kind === 'proxy' ? checkout.dataPlane.selector : {} },
    ]);
    expect(tiersRoutingTo(scope, checkout)).toEqual([]);
    const objects = objectsOf(users, scope);
    const tier = renderGatewayTier(edge, compileTierRoutes(scope, { kind: 'gateway', model: edge }));
    const checkoutObjects = objectsOf(checkout, scope);
    const p = podsOf([...objects, tier.deployment, ...checkoutObjects]);
    const n = cluster(objects, checkoutObjects);
    const server = podNamed(p, 'users');
    expect(connectionAllowed(n, podNamed(p, 'edge-proxy'), server, 50051)).toBe(true);
    expect(connectionAllowed(n, podNamed(p, 'checkout-proxy'), server, 50051)).toBe(true);
    expect(connectionAllowed(n, podNamed(p, 'checkout'), server, 50051)).toBe(false);
    expect(connectionAllowed(n, somePod('infra'), server, 50051)).toBe(false);
    // Without the routes, neither is admitted.
    const alone = cluster(objectsOf(users, { ...scope, routes: [] }));
    expect(connectionAllowed(alone, podNamed(p, 'edge-proxy'), server, 50051)).toBe(false);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('a balancer that routes to another service may reach its pods once egress is restricted', () => {
    const restricted = model({ namespace: NS, dataPlane: DataPlane.proxy({ image: PROXY_IMAGE }), trafficPolicy: undefined, networkPolicy: { egress: [] } }, 'checkout');
    const served = compileTierRoutes({ ...scope, services: [users, restricted] }, { kind: 'service', model: restricted });
    const objects = listGrpcMeshServiceManifests(renderGrpcMeshService(restricted, served)).map((l) => l.manifest);
    const p = podsOf([...objects, ...objectsOf(users)]);
    const n = cluster(objects);
    expect(connectionAllowed(n, podNamed(p, 'checkout-proxy'), podNamed(p, 'users'), 50051)).toBe(true);
    expect(connectionAllowed(n, podNamed(p, 'checkout-proxy'), podNamed(p, 'users'), 50052)).toBe(false);
  });

  test('warns when a Gateway API controller\'s gateway routes to a service whose pods admit only its balancer', () => {
    const eg = resolveGrpcGateway({ namespace: 'infra', gatewayClassName: 'eg', listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }] }, { defaultName: 'eg' });
    const viaEg = resolveGrpcRoute({ namespace: NS, parents: [gatewayParentRef(eg)], rules: [{ backends: [{ service: meshServiceBackendRef(users) }] }] }, { defaultName: 'users-eg' });
    const withEg: RoutingScope = { services: [users], gateways: [eg], routes: [viaEg] };
    expect(gatewaysNotAllowed(withEg, users).map((w) => [w.code, w.value])).toEqual([['GATEWAY_NOT_ALLOWED_BY_NETWORK_POLICY', 'GRPCRoute app/users-eg via Gateway infra/eg']]);
    expect(gatewaysNotAllowed(withEg, model({ namespace: NS, networkPolicy: { ingress: [{ from: [{ namespaces: ['envoy-gateway-system'] }] }] } }))).toEqual([]);
    const open = model({ namespace: NS, dataPlane: DataPlane.none(), trafficPolicy: undefined });
    expect(gatewaysNotAllowed({ ...withEg, services: [open] }, open)).toEqual([]);
    expect(gatewaysNotAllowed(scope, users)).toEqual([]); // a self-hosted tier is admitted by name
  });
});

describe('the NetworkPolicy of a self-hosted Gateway\'s tier', () => {
  const users = model({ namespace: 'app', dataPlane: DataPlane.none(), trafficPolicy: undefined });
  const gatewayWith = (networkPolicy?: NonNullable<Parameters<typeof GatewayImplementation.proxy>[0]>['networkPolicy']) => resolveGrpcGateway({
    namespace: 'infra',
    implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, ...(networkPolicy && { networkPolicy }) }),
    listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }, { name: 'grpc-tls', port: 443, tls: { secretName: 'edge-tls' }, allowedRoutes: { from: 'All' } }],
  }, { defaultName: 'edge' });
  const tierOf = (edge: ReturnType<typeof gatewayWith>) => {
    const viaEdge = resolveGrpcRoute({ namespace: 'app', parents: [gatewayParentRef(edge)], rules: [{ backends: [{ service: meshServiceBackendRef(users) }] }] }, { defaultName: 'users-api' });
    return renderGatewayTier(edge, compileTierRoutes({ services: [users], gateways: [edge], routes: [viaEdge] }, { kind: 'gateway', model: edge }));
  };

  test('is on by default: the listener ports from anyone, the metrics port from the cluster\'s pods, nothing else; valid', () => {
    const tier = tierOf(gatewayWith());
    const objects = [tier.deployment, tier.networkPolicy!];
    const pod = podNamed(podsOf(objects), 'edge-proxy');
    const n = cluster(objects);
    expect(pod.namedPorts).toMatchObject({ 'grpc-8080': 8080, 'grpc-443': 8081 });
    expect([8080, 8081].map((port) => connectionAllowed(n, internet, pod, port))).toEqual([true, true]);
    expect(connectionAllowed(n, somePod('monitoring'), pod, pod.namedPorts!.probe as number)).toBe(true);
    expect(connectionAllowed(n, internet, pod, pod.namedPorts!.probe as number)).toBe(false);
    expect(connectionAllowed(n, internet, pod, 9999)).toBe(false);
    expect(at(tier.networkPolicy, 'spec', 'policyTypes')).toEqual(['Ingress']);
    expect(problemsOf(objects)).toEqual([]);
    expect(tierOf(gatewayWith({ enabled: false })).networkPolicy).toBeUndefined();
  });

  test('admits only allowFrom when given, and with restrictEgress reaches only the DNS and the backends of its routes', () => {
    const tier = tierOf(gatewayWith({ allowFrom: [{ cidr: '198.51.100.0/24' }], restrictEgress: true }));
    const objects = [tier.deployment, tier.networkPolicy!, ...objectsOf(users)];
    const p = podsOf(objects);
    const pod = podNamed(p, 'edge-proxy');
    const n = cluster(objects);
    expect(connectionAllowed(n, { kind: 'external', ip: '198.51.100.20' }, pod, 8080)).toBe(true);
    expect(connectionAllowed(n, internet, pod, 8080)).toBe(false);
    expect(connectionAllowed(n, pod, podNamed(p, 'users'), 50051)).toBe(true);
    expect(connectionAllowed(n, pod, somePod('other'), 50051)).toBe(false);
    expect(connectionAllowed(n, pod, somePod('kube-system', { 'k8s-app': 'kube-dns' }), 53, 'UDP')).toBe(true);
    expect(connectionAllowed(n, pod, internet, 443)).toBe(false);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('refuses what it refuses for a service, at implementation.networkPolicy', () => {
    expect(() => gatewayWith({ enabled: false, restrictEgress: true })).toThrow(/implementation\.networkPolicy\.enabled is false, so restrictEgress would do nothing/);
    expect(() => gatewayWith({ allowFrom: [{}] })).toThrow(/implementation\.networkPolicy\.allowFrom\[0\] names no pods and no addresses/);
  });
});

