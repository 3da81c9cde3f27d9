/**
 * grpc-mesh with Pulumi: the same objects as the four cdk8s examples, with the same names, namespaces and props.
 * - the classic recipe: a gRPC service on port 3001 (3 pods), its headless Service, and 2 Envoy pods behind a
 *   LoadBalancer that re-resolve the headless name every second and spread every call over the pods
 *   (examples/classic-recipe)
 * - Gateway API routing (examples/gateway-api): a TLS Gateway with cert-manager certificates, a method split,
 *   header A/B routing, a 90/10 canary, a GAMMA (east-west) route and a backend in another namespace, whose
 *   ReferenceGrant is generated
 * - routes without a controller (examples/self-hosted): a Gateway served by grpc-mesh-proxy, a method split, a
 *   90/10 canary and a GAMMA canary on a proxy-balanced service, every route compiled into the proxy tiers. The
 *   routes are declared in the same synchronous part of the program as what serves them, as self-hosted tiers need.
 * - production (examples/production): autoscaling, NetworkPolicies, identity, scheduling, backend mTLS and a TLS
 *   listener that requires client certificates
 *
 * `pulumi up` applies it to the cluster of the current kubeconfig context (or pass a `k8s.Provider` in `opts`).
 */
import { CanaryGrpcRoute, DataPlane, GatewayImplementation, GrpcGateway, GrpcMeshService, GrpcRoute, GrpcStatus } from 'grpc-mesh/pulumi';

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

// East-west: a GAMMA route on the inventory Service adds a header to every call made to it inside the Linkerd mesh.
const inventory = new GrpcMeshService('inventory', {
  namespace: 'app',
  port: 50051,
  workload: { image: 'registry.example.com/inventory:1.0.0' },
  dataPlane: DataPlane.linkerd(),
});
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

// Routes without a controller, in namespace "shop". Resource names carry a `shop-` prefix where the Gateway API
// example above already uses the name; the `name` prop keeps the Kubernetes names of examples/self-hosted.
const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:0.1.0';
const shopEdge = new GrpcGateway('shop-edge', {
  name: 'edge',
  namespace: 'shop',
  implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, replicas: 2 }),
  listeners: [
    { name: 'grpc', port: 50051 },
    { name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: 'api-example-com-tls' } },
  ],
});
/** A service of the shop: the edge (or its own balancer) balances its calls per call. */
function shopService(name: string, dataPlane = DataPlane.none()): GrpcMeshService {
  return new GrpcMeshService(`shop-${name}`, { name, namespace: 'shop', port: 50051, workload: { image: `registry.example.com/${name}:1.0.0` }, dataPlane });
}
new GrpcRoute('shop-users', {
  name: 'users',
  namespace: 'shop',
  parents: [shopEdge],
  rules: [
    { name: 'reads', matches: [{ service: 'user.v1.UserService', method: 'GetUser' }, { service: 'user.v1.UserService', method: 'ListUsers' }], backends: [{ service: shopService('users-reader') }] },
    { name: 'writes', matches: [{ service: 'user.v1.UserService' }], backends: [{ service: shopService('users-writer') }] },
  ],
});
new CanaryGrpcRoute('shop-orders', {
  name: 'orders',
  namespace: 'shop',
  parents: [shopEdge],
  grpcService: 'order.v1.OrderService',
  stable: shopService('orders-stable'),
  canary: shopService('orders-canary'),
  canaryWeight: 10,
  canaryHeader: { name: 'x-canary', value: 'always' },
});
const checkout = new GrpcMeshService('shop-checkout', {
  name: 'checkout',
  namespace: 'shop',
  port: 50051,
  workload: { image: 'registry.example.com/checkout:1.0.0' },
  dataPlane: DataPlane.proxy({ image: PROXY_IMAGE, serviceType: 'ClusterIP' }),
  trafficPolicy: { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } },
});
new CanaryGrpcRoute('shop-checkout-split', {
  name: 'checkout-split',
  namespace: 'shop',
  parents: [checkout],
  grpcService: 'checkout.v1.CheckoutService',
  stable: checkout,
  canary: shopService('checkout-canary'),
  canaryWeight: 10,
  canaryHeader: { name: 'x-canary', value: 'always' },
});

// A gRPC service as it runs in production (examples/production, docs/production.md).
const ledger = new GrpcMeshService('ledger', {
  namespace: 'finance',
  port: 50051,
  workload: {
    image: 'registry.example.com/ledger:1.4.2',
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    // Scaling: an autoscaling/v2 HorizontalPodAutoscaler owns the pod count (no `replicas` on the Deployment).
    autoscaling: { minReplicas: 3, maxReplicas: 30, cpuUtilizationPercent: 70 },
    // Identity: the pods run as the ServiceAccount `ledger`, created with them; no API token is mounted.
    serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/ledger' },
    // Scheduling.
    nodeSelector: { 'kubernetes.io/arch': 'arm64' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'grpc', effect: 'NoSchedule' }],
    priorityClassName: 'business-critical',
    imagePullSecrets: ['registry-credentials'],
    // Configuration.
    env: {
      LOG_FORMAT: 'json',
      DATABASE_PASSWORD: { secretKeyRef: { name: 'ledger-db', key: 'password' } },
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
    },
    envFrom: [{ configMapRef: { name: 'ledger-settings' } }],
    volumes: [{ name: 'rules', configMap: { name: 'ledger-rules' } }],
    volumeMounts: [{ name: 'rules', mountPath: '/etc/ledger/rules' }],
    // The server also serves plaintext grpc.health.v1 on this port, for the kubelet's probes (see backendTls).
    args: ['--health-port=8086'],
  },
  dataPlane: DataPlane.envoy({
    autoscaling: { minReplicas: 2, maxReplicas: 10 },
    resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    // The balancer terminates TLS for its clients, and only lets in clients with a certificate from partners-ca.
    listenerTls: {
      secretName: 'ledger-api-tls',
      certManager: { clusterIssuer: 'letsencrypt' },
      dnsNames: ['ledger.api.example.com'],
      clientCertificates: { caConfigMap: 'partners-ca' },
    },
  }),
  // TLS from the Envoy tier to the pods, both sides with certificates from the cluster's internal CA (mTLS).
  backendTls: { certManager: { clusterIssuer: 'internal-ca' }, healthPort: 8086 },
  // Who may call: the default lets anyone reach the LoadBalancer and only the Envoy pods reach the server.
  networkPolicy: {
    metricsFrom: [{ namespaces: ['monitoring'] }],
    ingress: [{ ports: [{ port: 9090 }], from: [{ namespaces: ['monitoring'] }] }], // the server's own metrics
  },
});

/** Where in-cluster clients of the classic recipe send their calls. */
export const userServiceEndpoint = userService.endpoint;
/** The address of the classic recipe's Envoy LoadBalancer, once the cloud has assigned it. */
export const userServiceAddress = userService.loadBalancerAddress;
/** The in-cluster target of the users reader, for clients that balance themselves (DataPlane.none()). */
export const usersReaderEndpoint = usersReader.endpoint;
/** Where in-cluster clients of the production service send their calls. */
export const ledgerEndpoint = ledger.endpoint;
