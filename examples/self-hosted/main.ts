/**
 * Routes without a controller: the same route constructs as with a Gateway API controller, served by the
 * grpc-mesh-proxy tiers this app deploys itself. Nothing but core Kubernetes objects is written: no Gateway API
 * CRDs, no controller, no mesh are needed on the cluster.
 * - edge:     a Gateway served by grpc-mesh-proxy (a LoadBalancer Service), h2c on 50051 and TLS on 443
 * - users:    one gRPC service split by method into reader and writer backends, on the edge
 * - orders:   a 90/10 canary on the edge, with `x-canary: always` forcing the canary
 * - checkout: a GAMMA canary on a service balanced by its own grpc-mesh-proxy tier: in-cluster clients call
 *             `checkout-proxy`, which sends 10 % of the CheckoutService calls to the canary, and every other call
 *             (no route matches it) to checkout itself, as a mesh does
 * Routes may be declared before or after what serves them: each tier compiles its routes at synthesis.
 */
import { App, Chart } from 'cdk8s';
import { CanaryGrpcRoute, DataPlane, GatewayImplementation, GrpcGateway, GrpcMeshService, GrpcRoute, GrpcStatus } from 'grpc-mesh/cdk8s';

/** The grpc-mesh-proxy image, built from this repository's Dockerfile and pushed to your registry. */
const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:0.1.0';
const app = new App();
const chart = new Chart(app, 'shop', { namespace: 'shop' });

const edge = new GrpcGateway(chart, 'edge', {
  implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, replicas: 2 }),
  listeners: [
    { name: 'grpc', port: 50051 },
    { name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: 'api-example-com-tls' } },
  ],
});

/** A gRPC service with its own workload; the edge (or its own balancer) balances its calls per call. */
function service(name: string, dataPlane = DataPlane.none()): GrpcMeshService {
  return new GrpcMeshService(chart, name, { port: 50051, workload: { image: `registry.example.com/${name}:1.0.0` }, dataPlane });
}

// Method split: reads go to a read-optimised deployment, everything else of the service to the primary.
new GrpcRoute(chart, 'users', {
  parents: [edge],
  rules: [
    { name: 'reads', matches: [{ service: 'user.v1.UserService', method: 'GetUser' }, { service: 'user.v1.UserService', method: 'ListUsers' }], backends: [{ service: service('users-reader') }] },
    { name: 'writes', matches: [{ service: 'user.v1.UserService' }], backends: [{ service: service('users-writer') }] },
  ],
});

// A 90/10 canary on the edge; `x-canary: always` reaches the canary whatever the weight.
new CanaryGrpcRoute(chart, 'orders', {
  parents: [edge],
  grpcService: 'order.v1.OrderService',
  stable: service('orders-stable'),
  canary: service('orders-canary'),
  canaryWeight: 10,
  canaryHeader: { name: 'x-canary', value: 'always' },
});

// GAMMA: a canary on a service balanced by its own grpc-mesh-proxy tier, which serves the route. Retries and the
// rest of the traffic policy belong to the services (here checkout's), not to the route.
const checkout = new GrpcMeshService(chart, 'checkout', {
  port: 50051,
  workload: { image: 'registry.example.com/checkout:1.0.0' },
  dataPlane: DataPlane.proxy({ image: PROXY_IMAGE, serviceType: 'ClusterIP' }),
  trafficPolicy: { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } },
});
new CanaryGrpcRoute(chart, 'checkout-split', {
  parents: [checkout],
  grpcService: 'checkout.v1.CheckoutService',
  stable: checkout,
  canary: service('checkout-canary'),
  canaryWeight: 10,
  canaryHeader: { name: 'x-canary', value: 'always' },
});

app.synth();
