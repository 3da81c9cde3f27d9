/**
 * grpc-mesh with Pulumi: the same objects as the two cdk8s examples, with the same names, namespaces and props.
 * - the classic recipe: a gRPC service on port 3001 (3 pods), its headless Service, and 2 Envoy pods behind a
 *   LoadBalancer that re-resolve the headless name every second and spread every call over the pods
 *   (examples/classic-recipe)
 * - Gateway API routing (examples/gateway-api): a TLS Gateway with cert-manager certificates, a method split,
 *   header A/B routing, a 90/10 canary, a GAMMA (east-west) route and a backend in another namespace, whose
 *   ReferenceGrant is generated
 *
 * `pulumi up` applies it to the cluster of the current kubeconfig context (or pass a `k8s.Provider` in `opts`).
 */
import { CanaryGrpcRoute, DataPlane, GrpcGateway, GrpcMeshService, GrpcRoute, GrpcStatus } from 'grpc-mesh/pulumi';

// The classic recipe.
const userService = new GrpcMeshService('user-service', {
  namespace: 'default',
  port: 3001,
  workload: { image: 'registry.example.com/user-service:1.0.0', replicas: 3 },
  dataPlane: DataPlane.envoy({ replicas: 2, serviceType: 'LoadBalancer' }),
  trafficPolicy: {
    loadBalancer: 'ROUND_ROBIN',
    retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE], perTryTimeoutMs: 300 },
    timeouts: { requestMs: 5_000 },
  },
});

// A production Gateway: h2c inside the cluster network is not offered; TLS (ALPN h2) with cert-manager certificates.
const edge = new GrpcGateway('edge', {
  namespace: 'infra',
  gatewayClassName: 'eg',
  certManager: { clusterIssuer: 'letsencrypt-prod' },
  listeners: [
    { name: 'grpc-tls', hostname: '*.api.example.com', port: 443, tls: { secretName: 'api-tls-cert' }, allowedRoutes: { from: 'All' } },
  ],
});

/** A gRPC service with its own workload and no balancer of its own: the Gateway balances its calls. */
function service(name: string, namespace = 'app'): GrpcMeshService {
  return new GrpcMeshService(name, {
    namespace,
    port: 50051,
    workload: { image: `registry.example.com/${name}:1.0.0` },
    dataPlane: DataPlane.none(),
  });
}

// Method-based split: reads go to a read-optimised deployment, writes to the primary.
const usersReader = service('users-reader');
const usersWriter = service('users-writer');
new GrpcRoute('users', {
  namespace: 'app',
  parents: [edge.listener('grpc-tls')],
  hostnames: ['users.api.example.com'],
  rules: [
    { name: 'reads', matches: [{ service: 'user.v1.UserService', method: 'GetUser' }, { service: 'user.v1.UserService', method: 'ListUsers' }], backends: [{ service: usersReader }] },
    { name: 'writes', matches: [{ service: 'user.v1.UserService' }], backends: [{ service: usersWriter }] },
  ],
});

// Header-based A/B routing: clients in experiment B send x-variant: b.
const searchA = service('search-a');
const searchB = service('search-b');
new GrpcRoute('search', {
  namespace: 'app',
  parents: [edge],
  hostnames: ['search.api.example.com'],
  rules: [
    { name: 'variant-b', matches: [{ service: 'search.v1.SearchService', headers: [{ name: 'x-variant', value: 'b' }] }], backends: [{ service: searchB }] },
    { name: 'variant-a', matches: [{ service: 'search.v1.SearchService' }], backends: [{ service: searchA }] },
  ],
});

// A 90/10 canary of one gRPC service; `x-canary: always` reaches the canary whatever the weight.
new CanaryGrpcRoute('orders', {
  namespace: 'app',
  parents: [edge],
  hostnames: ['orders.api.example.com'],
  grpcService: 'order.v1.OrderService',
  stable: service('orders-stable'),
  canary: service('orders-canary'),
  canaryWeight: 10,
  canaryHeader: { name: 'x-canary', value: 'always' },
});

// East-west: a GAMMA route on the inventory Service adds a header to every call made to it inside the mesh.
const inventory = service('inventory');
new GrpcRoute('inventory-mesh', {
  namespace: 'app',
  parents: [inventory],
  rules: [{
    backends: [{ service: inventory }],
    filters: { requestHeaders: { set: { 'x-routed-by': 'grpc-mesh' } } },
  }],
});

// A route in "app" whose backend lives in "payments": the ReferenceGrant in "payments" is generated.
const payments = service('payments', 'payments');
new GrpcRoute('payments-api', {
  namespace: 'app',
  parents: [edge],
  hostnames: ['payments.api.example.com'],
  rules: [{ matches: [{ service: 'payment.v1.PaymentService' }], backends: [{ service: payments }] }],
});

/** Where in-cluster clients of the classic recipe send their calls. */
export const userServiceEndpoint = userService.endpoint;
/** The address of the classic recipe's Envoy LoadBalancer, once the cloud has assigned it. */
export const userServiceAddress = userService.loadBalancerAddress;
/** The in-cluster target of the users reader, for clients that balance themselves (DataPlane.none()). */
export const usersReaderEndpoint = usersReader.endpoint;
