/**
 * Gateway API routing for gRPC with grpc-mesh, one chart per scenario:
 * - edge:      a production Gateway with TLS termination and cert-manager certificates
 * - users:     one gRPC service split by method into reader and writer backends
 * - search:    header-based A/B routing
 * - orders:    a 90/10 canary with a header that forces the canary
 * - mesh:      a GAMMA (east-west) route with a request header modifier, served by Linkerd
 * - payments:  a backend in another namespace, with its ReferenceGrant generated
 */
import { App, Chart } from 'cdk8s';
import { CanaryGrpcRoute, DataPlane, GrpcGateway, GrpcMeshService, GrpcRoute } from 'grpc-mesh/cdk8s';

const app = new App();

// A production Gateway: h2c inside the cluster network is not offered; TLS (ALPN h2) with cert-manager certificates.
const edgeChart = new Chart(app, 'edge');
const edge = new GrpcGateway(edgeChart, 'edge', {
  namespace: 'infra',
  gatewayClassName: 'eg',
  certManager: { clusterIssuer: 'letsencrypt-prod' },
  listeners: [
    { name: 'grpc-tls', hostname: '*.api.example.com', port: 443, tls: { secretName: 'api-tls-cert' }, allowedRoutes: { from: 'All' } },
  ],
});

/** A gRPC service with its own workload and no balancer of its own: the Gateway balances its calls. */
function service(chart: Chart, name: string, namespace = 'app'): GrpcMeshService {
  return new GrpcMeshService(chart, name, {
    namespace,
    port: 50051,
    workload: { image: `registry.example.com/${name}:1.0.0` },
    dataPlane: DataPlane.none(),
  });
}

// Method-based split: reads go to a read-optimised deployment, writes to the primary.
const usersChart = new Chart(app, 'users');
const usersReader = service(usersChart, 'users-reader');
const usersWriter = service(usersChart, 'users-writer');
new GrpcRoute(usersChart, 'users', {
  namespace: 'app',
  parents: [edge.listener('grpc-tls')],
  hostnames: ['users.api.example.com'],
  rules: [
    { name: 'reads', matches: [{ service: 'user.v1.UserService', method: 'GetUser' }, { service: 'user.v1.UserService', method: 'ListUsers' }], backends: [{ service: usersReader }] },
    { name: 'writes', matches: [{ service: 'user.v1.UserService' }], backends: [{ service: usersWriter }] },
  ],
});

// Header-based A/B routing: clients in experiment B send x-variant: b.
const searchChart = new Chart(app, 'search');
const searchA = service(searchChart, 'search-a');
const searchB = service(searchChart, 'search-b');
new GrpcRoute(searchChart, 'search', {
  namespace: 'app',
  parents: [edge],
  hostnames: ['search.api.example.com'],
  rules: [
    { name: 'variant-b', matches: [{ service: 'search.v1.SearchService', headers: [{ name: 'x-variant', value: 'b' }] }], backends: [{ service: searchB }] },
    { name: 'variant-a', matches: [{ service: 'search.v1.SearchService' }], backends: [{ service: searchA }] },
  ],
});

// A 90/10 canary of one gRPC service; `x-canary: always` reaches the canary whatever the weight.
const ordersChart = new Chart(app, 'orders');
new CanaryGrpcRoute(ordersChart, 'orders', {
  namespace: 'app',
  parents: [edge],
  hostnames: ['orders.api.example.com'],
  grpcService: 'order.v1.OrderService',
  stable: service(ordersChart, 'orders-stable'),
  canary: service(ordersChart, 'orders-canary'),
  canaryWeight: 10,
  canaryHeader: { name: 'x-canary', value: 'always' },
});

// East-west: a GAMMA route on the inventory Service adds a header to every call made to it inside the Linkerd mesh.
const meshChart = new Chart(app, 'mesh');
const inventory = new GrpcMeshService(meshChart, 'inventory', {
  namespace: 'app',
  port: 50051,
  workload: { image: 'registry.example.com/inventory:1.0.0' },
  dataPlane: DataPlane.linkerd(),
});
new GrpcRoute(meshChart, 'inventory-mesh', {
  namespace: 'app',
  parents: [inventory],
  rules: [{
    backends: [{ service: inventory }],
    filters: { requestHeaders: { set: { 'x-routed-by': 'grpc-mesh' } } },
  }],
});

// A route in "app" whose backend lives in "payments": the ReferenceGrant in "payments" is generated.
const paymentsChart = new Chart(app, 'payments');
const payments = service(paymentsChart, 'payments', 'payments');
new GrpcRoute(paymentsChart, 'payments-api', {
  namespace: 'app',
  parents: [edge],
  hostnames: ['payments.api.example.com'],
  rules: [{ matches: [{ service: 'payment.v1.PaymentService' }], backends: [{ service: payments }] }],
});

app.synth();
