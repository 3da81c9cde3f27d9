/**
 * Parity: the same props through the cdk8s constructs and through the Pulumi components give the same Kubernetes
 * objects, object for object and field for field (DESIGN.md section 3). cdk8s objects come from `Testing.synth`
 * (the props matrix) or from the real `cdk8s synth` of the examples; Pulumi objects are the inputs the mocks
 * recorded. Objects are compared as multisets keyed by apiVersion/kind/namespace/name, with deep equality of
 * each object and nothing dropped or normalised: the only transformation is Pulumi's inputs -> plain JSON, and
 * key order (irrelevant to deep equality).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { collectingUnhandledRejections, manifestsOf, settle, useMocks, type RecordedResource } from './mocks';
import { CDK8S_EXAMPLES } from '../../projenrc/examples';
import * as cdk8s from '../../src/cdk8s';
import {
  DataPlane,
  formatIssue,
  GatewayImplementation,
  GrpcStatus,
  type CanaryGrpcRouteProps,
  type GrpcGatewayProps,
  type GrpcMeshServiceProps,
  type GrpcRouteProps,
  type IGrpcBackend,
  type IRouteParent,
  type ContainerProps,
  type KubeObject,
  type PodProps,
  type TrafficPolicy,
} from '../../src/core';
import type {
  CanaryGrpcRouteArgs, DataPlaneFactories, GatewayImplementationFactories, GrpcGatewayArgs, GrpcMeshServiceArgs, GrpcRouteArgs,
} from '../../src/pulumi';
import { FULL_POLICY } from '../core/dialects/fixtures';

type PulumiModule = typeof import('../../src/pulumi');
let P: PulumiModule;

beforeAll(async () => {
  await useMocks('import');
  P = await import('../../src/pulumi');
});

/** What a scenario builds with, in either framework. */
interface Framework {
  service(name: string, props: GrpcMeshServiceProps): IRouteParent & IGrpcBackend;
  gateway(name: string, props: GrpcGatewayProps): IRouteParent & { listener(name: string): IRouteParent };
  route(name: string, props: GrpcRouteProps): void;
  canary(name: string, props: CanaryGrpcRouteProps): void;
}
type Scenario = (f: Framework) => void;

function synthWithCdk8s(scenario: Scenario): KubeObject[] {
  const chart = new Chart(Testing.app(), 'parity');
  scenario({
    service: (name, props) => new cdk8s.GrpcMeshService(chart, name, props),
    gateway: (name, props) => new cdk8s.GrpcGateway(chart, name, props),
    route: (name, props) => new cdk8s.GrpcRoute(chart, name, props),
    canary: (name, props) => new cdk8s.CanaryGrpcRoute(chart, name, props),
  });
  return Testing.synth(chart);
}

async function recordWithPulumi(stack: string, scenario: Scenario): Promise<KubeObject[]> {
  const recorded = await useMocks(stack);
  scenario({
    service: (name, props) => new P.GrpcMeshService(name, props),
    gateway: (name, props) => new P.GrpcGateway(name, props),
    route: (name, props) => new P.GrpcRoute(name, props),
    canary: (name, props) => new P.CanaryGrpcRoute(name, props),
  });
  await settle();
  return manifestsOf(recorded);
}

/** A stack per row, so that no row sees another's routes or ReferenceGrants. */
const stackOf = (row: string) => row.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
const keyOf = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The objects as a multiset: sorted by key, then by content, so that equal multisets give equal arrays. */
function multiset(objects: readonly KubeObject[]): Array<[string, KubeObject]> {
  return objects
    .map((o): [string, KubeObject] => [keyOf(o), o])
    .sort(([a, x], [b, y]) => a.localeCompare(b) || JSON.stringify(x).localeCompare(JSON.stringify(y)));
}

/** Asserts both frameworks gave the same objects; returns how many. */
function expectSameObjects(pulumiObjects: readonly KubeObject[], cdk8sObjects: readonly KubeObject[]): number {
  expect(pulumiObjects.length).toBeGreaterThan(0);
  expect(multiset(pulumiObjects)).toStrictEqual(multiset(cdk8sObjects));
  return pulumiObjects.length;
}

const WORKLOAD = {
  image: 'registry.example.com/users:2.1.0',
  replicas: 4,
  command: ['/server'],
  args: ['--port=50051'],
  env: { LOG_LEVEL: 'info', REGION: 'eu-west-1' },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  preStopDelaySeconds: 10,
  terminationGracePeriodSeconds: 45,
  runAsUser: 10001,
  serviceAccountName: 'users',
  podLabels: { tier: 'backend' },
  podAnnotations: { 'example.com/owner': 'identity' },
  imagePullPolicy: 'IfNotPresent' as const,
};
const MONITORING = { errorRateAlert: { thresholdPercent: 2, forMinutes: 10, severity: 'critical' }, labels: { release: 'prometheus' } };
/** FULL_POLICY without what Istio (streamIdleMs, healthCheck) or Envoy Gateway routes (streamIdleMs) cannot express. */
const { streamIdleMs: _streamIdleMs, ...EXPRESSIBLE_TIMEOUTS } = FULL_POLICY.timeouts!;
const ISTIO_POLICY: TrafficPolicy = { ...FULL_POLICY, timeouts: EXPRESSIBLE_TIMEOUTS, healthCheck: undefined };
const ENVOY_GATEWAY_POLICY: TrafficPolicy = { ...FULL_POLICY, timeouts: EXPRESSIBLE_TIMEOUTS };
const LINKERD_POLICY: TrafficPolicy = {
  loadBalancer: 'LEAST_REQUEST',
  retry: { attempts: 3, on: [GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED], perTryTimeoutMs: 1_500 },
  timeouts: { requestMs: 30_000, streamIdleMs: 300_000 },
  outlierDetection: { enabled: true, consecutiveErrors: 7, baseEjectionTimeMs: 15_000 },
};
const EDGE: GrpcGatewayProps = {
  namespace: 'infra',
  gatewayClassName: 'eg',
  listeners: [{ name: 'grpc', port: 8080, hostname: '*.example.com', allowedRoutes: { from: 'All' } }],
};
const plain = (name: string, namespace = 'app'): GrpcMeshServiceProps => ({ namespace, port: 50051, selector: { app: name }, dataPlane: DataPlane.none() });

const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:0.1.0';
/** Every pod prop (scheduling, pull secrets, identity), for the workload and the tiers. */
const POD: PodProps = {
  nodeSelector: { 'kubernetes.io/arch': 'arm64' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'grpc', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['grpc'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'spot', operator: 'DoesNotExist' }] } }],
    },
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 20,
        podAffinityTerm: {
          topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'cache' } }, namespaces: ['cache'],
        },
      }],
    },
  },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 2 }],
  priorityClassName: 'business-critical',
  imagePullSecrets: ['registry-credentials'],
  serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/accounts' },
  automountServiceAccountToken: true,
};
/** Every container pass-through of the workload. */
const CONTAINER: ContainerProps = {
  env: {
    LOG_LEVEL: 'info',
    DB_PASSWORD: { secretKeyRef: { name: 'accounts-db', key: 'password' } },
    FLAGS: { configMapKeyRef: { name: 'flags', key: 'accounts', optional: true } },
    POD_IP: { fieldRef: { fieldPath: 'status.podIP' } },
  },
  envFrom: [{ prefix: 'APP_', configMapRef: { name: 'accounts-config' } }, { secretRef: { name: 'accounts-secrets', optional: true } }],
  volumes: [
    { name: 'tls', secret: { secretName: 'accounts-tls', defaultMode: 0o440, items: [{ key: 'tls.crt', path: 'tls.crt' }] } },
    { name: 'config', configMap: { name: 'accounts-config' } },
    { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
    { name: 'scratch', emptyDir: {} },
    { name: 'data', persistentVolumeClaim: { claimName: 'accounts-data', readOnly: true } },
    {
      name: 'token',
      projected: {
        defaultMode: 0o440,
        sources: [
          { serviceAccountToken: { path: 'vault-token', audience: 'vault', expirationSeconds: 3600 } }, { configMap: { name: 'vault-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        ],
      },
    },
  ],
  volumeMounts: [
    { name: 'tls', mountPath: '/etc/tls' },
    { name: 'config', mountPath: '/etc/accounts/config.yaml', subPath: 'config.yaml' },
    { name: 'cache', mountPath: '/var/cache/accounts' },
    { name: 'scratch', mountPath: '/scratch' },
    { name: 'data', mountPath: '/data' },
    { name: 'token', mountPath: '/var/run/secrets/vault', readOnly: true },
  ],
};
/** A gRPC service with its own workload and no balancer of its own: a self-hosted tier balances its calls. */
const workloadOnly = (name: string, namespace = 'shop'): GrpcMeshServiceProps => ({
  namespace, port: 50051, workload: { image: `registry.example.com/${name}:1.0.0` }, dataPlane: DataPlane.none(),
});
/** A Gateway served by grpc-mesh-proxy: h2c on 50051, TLS on 443 with a cert-manager certificate. */
const PROXY_EDGE: GrpcGatewayProps = {
  namespace: 'shop',
  implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, replicas: 2, logLevel: 'warn' }),
  certManager: { clusterIssuer: 'letsencrypt-prod' },
  listeners: [
    { name: 'grpc', port: 50051 },
    { name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: 'api-example-com-tls' } },
  ],
};

/** The props matrix: one row per data plane, policy dialect and Gateway API feature, with how many objects each gives. */
const MATRIX: ReadonlyArray<[string, number, Scenario]> = [
  ['envoy data plane: own workload, every policy family, LoadBalancer options, monitoring', 14, (f) => {
    f.service('users', {
      namespace: 'app',
      port: 50051,
      targetPort: 8443,
      workload: WORKLOAD,
      dataPlane: DataPlane.envoy({
        replicas: 3,
        serviceType: 'LoadBalancer',
        port: 443,
        serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
        loadBalancerSourceRanges: ['10.0.0.0/8'],
        resources: { requests: { cpu: '200m', memory: '128Mi' } },
        dnsRefreshMs: 2_000,
        drainSeconds: 20,
        accessLog: true,
        logLevel: 'warning',
      }),
      trafficPolicy: FULL_POLICY,
      monitoring: { podMonitor: true, ...MONITORING },
      labels: { team: 'identity' },
      clusterDomain: 'cluster.example',
    });
  }],
  ['envoy data plane: defaults, existing workload (selector), ClusterIP', 9, (f) => {
    f.service('legacy', { port: 9090, selector: { app: 'legacy' }, dataPlane: DataPlane.envoy({ serviceType: 'ClusterIP' }) });
  }],
  ['proxy data plane: grpc-mesh-proxy tier with a traffic policy, its PodMonitor, alerts and dashboard', 15, (f) => {
    f.service('orders', {
      namespace: 'shop',
      port: 50051,
      workload: { image: 'registry.example.com/orders:1.0.0' },
      dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0', replicas: 2, logLevel: 'warn' }),
      trafficPolicy: { loadBalancer: 'LEAST_REQUEST', retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] }, timeouts: { requestMs: 3_000 } },
      monitoring: { latencyAlert: { thresholdMs: 500 }, labels: { release: 'prometheus' } },
    });
  }],
  ['listener TLS: a proxy balancer with a cert-manager Certificate and client certificates from a ConfigMap', 13, (f) => {
    f.service('orders', {
      namespace: 'shop',
      port: 50051,
      workload: { image: 'registry.example.com/orders:1.0.0' },
      dataPlane: DataPlane.proxy({
        image: PROXY_IMAGE,
        listenerTls: {
          secretName: 'orders-tls',
          certManager: { issuer: 'internal-ca' },
          dnsNames: ['orders.shop.example.com'],
          clientCertificates: { caConfigMap: 'partners-ca' },
        },
      }),
    });
  }],
  ['listener TLS: an Envoy balancer with client certificates from the CA of its own Secret', 9, (f) => {
    f.service('legacy', {
      port: 9090,
      selector: { app: 'legacy' },
      dataPlane: DataPlane.envoy({ listenerTls: { secretName: 'legacy-tls', clientCertificates: { caSecret: 'legacy-tls' } } }),
    });
  }],
  ['gateway: client certificates on a port, as Gateway API frontend validation', 1, (f) => {
    f.gateway('partners', {
      namespace: 'infra',
      gatewayClassName: 'istio',
      listeners: [{ name: 'mtls', port: 443, hostname: 'partners.example.com', tls: { secretName: 'partners-tls', clientCertificates: { caConfigMap: 'partners-ca' } } }],
    });
  }],
  ['no data plane: own workload, clients balance over the headless Service', 6, (f) => {
    f.service('search', { namespace: 'app', port: 50051, workload: { image: 'registry.example.com/search:1.0.0', replicas: 2 }, dataPlane: DataPlane.none() });
  }],
  ['istio data plane: DestinationRule and VirtualService from the policy, PodMonitor, alerts, dashboard', 10, (f) => {
    f.service('billing', { namespace: 'billing', port: 50051, workload: WORKLOAD, dataPlane: DataPlane.istio(), trafficPolicy: ISTIO_POLICY, monitoring: MONITORING });
  }],
  ['linkerd data plane: policy annotations and failure accrual, the GRPCRoute of its gRPC retries, PodMonitor, alerts, dashboard', 9, (f) => {
    f.service('ledger', { namespace: 'ledger', port: 50051, workload: WORKLOAD, dataPlane: DataPlane.linkerd(), trafficPolicy: LINKERD_POLICY, monitoring: MONITORING });
  }],
  ['network policies: allowFrom, metricsFrom, ingress and egress; the tier of a self-hosted gateway admitted to the pods it routes to', 21, (f) => {
    const users = f.service('users', {
      namespace: 'app',
      port: 50051,
      workload: { image: 'registry.example.com/users:2.1.0' },
      dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0', serviceType: 'ClusterIP' }),
      monitoring: MONITORING,
      networkPolicy: {
        allowFrom: [{ namespaces: ['web', 'mobile'] }, { cidr: '10.20.0.0/16', except: ['10.20.1.0/24'] }],
        metricsFrom: [{ namespaces: ['monitoring'], podSelector: { 'app.kubernetes.io/name': 'prometheus' } }],
        ingress: [{ ports: [{ port: 9464 }, { port: 'admin' }], from: [{ namespaceSelector: { team: 'sre' } }] }],
        egress: [{ to: [{ cidr: '10.30.0.0/16' }], ports: [{ port: 5432 }] }, { to: [{ podSelector: {} }] }],
      },
    });
    const edge = f.gateway('edge', {
      namespace: 'infra',
      implementation: GatewayImplementation.proxy({
        image: 'registry.example.com/grpc-mesh-proxy:0.1.0', networkPolicy: { allowFrom: [{ cidr: '192.0.2.0/24' }], restrictEgress: true },
      }),
      listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }],
    });
    f.route('users-api', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: users }] }] });
  }],
  ['gateway: TLS with cert-manager, its GatewayClass, h2c and Selector listeners, labels and annotations', 2, (f) => {
    f.gateway('edge', {
      namespace: 'infra',
      gatewayClassName: 'eg',
      gatewayClass: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller', description: 'Envoy Gateway' },
      certManager: { clusterIssuer: 'letsencrypt-prod' },
      labels: { team: 'platform' },
      listeners: [
        { name: 'grpc-tls', hostname: '*.api.example.com', port: 443, tls: { secretName: 'api-tls-cert' }, allowedRoutes: { from: 'All' } },
        { name: 'grpc', port: 8080, allowedRoutes: { from: 'Selector', selector: { 'grpc-mesh/edge': 'true' } } },
      ],
    });
  }],
  ['gateway: certificates in another namespace, one ReferenceGrant for two listeners', 2, (f) => {
    f.gateway('partner', {
      namespace: 'partners',
      gatewayClassName: 'istio',
      annotations: { 'example.com/owner': 'platform' },
      listeners: [
        { name: 'a', hostname: 'a.example.com', port: 443, tls: { secretName: 'wildcard', secretNamespace: 'certs' } },
        { name: 'b', hostname: 'b.example.com', port: 443, tls: { secretName: 'wildcard', secretNamespace: 'certs' } },
      ],
    });
  }],
  ['routes: cross-namespace backends and mirrors, one grant shared by routes, filters, a satisfied referenceGrants: false', 13, (f) => {
    const edge = f.gateway('edge', EDGE);
    const payments = f.service('payments', plain('payments', 'payments'));
    const shadow = f.service('shadow', plain('shadow', 'audit'));
    f.route('checkout', {
      namespace: 'app',
      parents: [edge.listener('grpc')],
      hostnames: ['pay.example.com'],
      labels: { team: 'shop' },
      rules: [{
        name: 'pay',
        matches: [{ service: 'pay.v1.Payments', method: 'Pay', headers: [{ name: 'x-tenant', value: 'a.*', type: 'RegularExpression' }] }],
        backends: [{ service: payments, weight: 9 }, { service: { name: 'payments-v2', namespace: 'payments', port: 50051 }, weight: 1 }],
        filters: {
          requestHeaders: { set: { 'x-routed': 'yes' }, remove: ['x-debug'] },
          responseHeaders: { add: { 'x-served-by': 'grpc-mesh' } },
          mirrors: [{ backend: shadow, percent: 5 }],
        },
      }],
    });
    f.route('refunds', { namespace: 'app', parents: [edge], rules: [{ matches: [{ service: 'pay.v1.Refunds' }], backends: [{ service: payments }] }] });
    f.route('reports', { namespace: 'app', parents: [edge], referenceGrants: false, rules: [{ matches: [{ service: 'pay.v1.Reports' }], backends: [{ service: payments }] }] });
  }],
  ['route policy: Envoy Gateway BackendTrafficPolicy from every family it can express', 6, (f) => {
    const edge = f.gateway('edge', EDGE);
    const users = f.service('users', plain('users'));
    f.route('users-read', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: users }] }], trafficPolicy: ENVOY_GATEWAY_POLICY });
  }],
  ['route policy: Linkerd annotations on a GAMMA route of a linkerd service', 7, (f) => {
    const ledger = f.service('ledger', { namespace: 'ledger', port: 50051, workload: { image: 'registry.example.com/ledger:1.0.0' }, dataPlane: DataPlane.linkerd() });
    f.route('ledger-mesh', {
      namespace: 'ledger',
      parents: [ledger],
      rules: [{ backends: [{ service: ledger }] }],
      trafficPolicy: { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] }, timeouts: { requestMs: 1_000 } },
    });
  }],
  ['canaries: north-south with a forcing header and a cross-namespace canary, method-scoped GAMMA canary', 16, (f) => {
    const edge = f.gateway('edge', EDGE);
    const stable = f.service('orders-stable', plain('orders-stable'));
    const canary = f.service('orders-canary', plain('orders-canary', 'canaries'));
    f.canary('orders', {
      namespace: 'app',
      parents: [edge],
      hostnames: ['orders.example.com'],
      grpcService: 'order.v1.OrderService',
      stable,
      canary,
      canaryWeight: 10,
      canaryHeader: { name: 'x-canary', value: 'always' },
    });
    const inventory = f.service('inventory', { namespace: 'app', port: 50051, workload: { image: 'registry.example.com/inventory:1.0.0' }, dataPlane: DataPlane.istio() });
    f.canary('inventory-canary', {
      namespace: 'app',
      parents: [inventory],
      grpcService: 'inventory.v1.Inventory',
      grpcMethod: 'Reserve',
      stable: inventory,
      canary: { name: 'inventory-v2', port: 50051 },
      canaryWeight: 25,
    });
  }],
  ['identity and pod pass-throughs: every pod and container prop on the workload, an existing ServiceAccount and scheduling on the tiers', 17, (f) => {
    f.service('accounts', {
      namespace: 'app',
      port: 50051,
      workload: { image: 'registry.example.com/accounts:1.0.0', ...POD, ...CONTAINER },
      dataPlane: DataPlane.envoy({
        ...POD,
        serviceAccountAnnotations: undefined,
        serviceAccountName: 'balancers',
        affinity: {
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { tier: 'lb' } } }] },
        },
      }),
    });
    f.gateway('edge', {
      namespace: 'app',
      implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, ...POD, topologySpreadConstraints: [] }),
      listeners: [{ name: 'grpc', port: 8080 }],
    });
  }],
];

/**
 * Routes declared before what serves them, which they can only name by plain references: a route on the self-hosted
 * Gateway `edge` (with or without its Gateway API objects), a GAMMA canary on the DataPlane.proxy() service `checkout`.
 */
function routesFirst(gatewayApiObjects: boolean): Scenario {
  return (f) => {
    f.route('users-api', {
      namespace: 'shop',
      parents: [{ kind: 'Gateway', name: 'edge', namespace: 'shop' }],
      rules: [{ matches: [{ service: 'user.v1.UserService' }], backends: [{ service: { name: 'users', namespace: 'shop', port: 50051 } }] }],
    });
    f.canary('checkout-split', {
      namespace: 'shop',
      parents: [{ kind: 'Service', name: 'checkout', namespace: 'shop', port: 50051, dataPlane: 'proxy' }],
      stable: { name: 'checkout', port: 50051 },
      canary: { name: 'checkout-canary', port: 50051 },
      canaryWeight: 10,
    });
    f.gateway('edge', {
      namespace: 'shop',
      implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, gatewayApiObjects }),
      listeners: [{ name: 'grpc', port: 50051 }],
    });
    f.service('users', plain('users', 'shop'));
    f.service('checkout', { ...plain('checkout', 'shop'), dataPlane: DataPlane.proxy({ image: PROXY_IMAGE }) });
    f.service('checkout-canary', plain('checkout-canary', 'shop'));
  };
}

/**
 * Rows served by the tiers grpc-mesh deploys itself, with the routes each tier's ConfigMap (by name) must have
 * compiled in: parity alone would also hold if neither framework compiled them.
 */
const SELF_HOSTED: ReadonlyArray<[string, number, Readonly<Record<string, readonly string[]>>, Scenario]> = [
  ['self-hosted proxy gateway: h2c and TLS listeners with cert-manager, monitoring, a method split, a 90/10 canary with a forcing header', 28,
    { 'edge-proxy': ['shop/users-api', 'shop/orders'] }, (f) => {
      const edge = f.gateway('edge', { ...PROXY_EDGE, monitoring: { labels: { release: 'prometheus' } } });
      f.route('users-api', {
        namespace: 'shop',
        parents: [edge],
        rules: [
          {
            name: 'reads',
            matches: [{ service: 'user.v1.UserService', method: 'GetUser' }, { service: 'user.v1.UserService', method: 'ListUsers' }],
            backends: [{ service: f.service('users-reader', workloadOnly('users-reader')) }],
          },
          { name: 'writes', matches: [{ service: 'user.v1.UserService' }], backends: [{ service: f.service('users-writer', workloadOnly('users-writer')) }] },
        ],
      });
      f.canary('orders', {
        namespace: 'shop',
        parents: [edge.listener('grpc-tls')],
        hostnames: ['api.example.com'],
        grpcService: 'order.v1.OrderService',
        stable: f.service('orders-stable', plain('orders-stable', 'shop')),
        canary: f.service('orders-canary', plain('orders-canary', 'shop')),
        canaryWeight: 10,
        canaryHeader: { name: 'x-canary', value: 'always' },
      });
    }],
  ['self-hosted envoy gateway with gatewayApiObjects: a TLS listener requiring client certificates, its CA mounted', 14,
    { 'partners-envoy': ['app/partners-api'] }, (f) => {
      const edge = f.gateway('partners', {
        namespace: 'app',
        implementation: GatewayImplementation.envoy({ gatewayApiObjects: true }),
        listeners: [{ name: 'mtls', port: 443, hostname: 'partners.example.com', tls: { secretName: 'partners-tls', clientCertificates: { caConfigMap: 'partners-ca' } } }],
      });
      const users = f.service('users', workloadOnly('users', 'app'));
      f.route('partners-api', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: users }] }] });
    }],
  ['self-hosted envoy gateway: one route, backend policy compiled into the bootstrap', 10, { 'edge-envoy': ['app/users-api'] }, (f) => {
    const edge = f.gateway('edge', {
      namespace: 'infra',
      implementation: GatewayImplementation.envoy({ replicas: 3, serviceType: 'ClusterIP', logLevel: 'warning' }),
      listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }],
    });
    const users = f.service('users', {
      ...plain('users'),
      dataPlane: DataPlane.istio(),
      trafficPolicy: { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] }, timeouts: { requestMs: 2_000 } },
      silenceWarnings: ['MESH_INJECTION_NOT_MANAGED'],
    });
    f.route('users-api', { namespace: 'app', parents: [edge], rules: [{ matches: [{ service: 'user.v1.UserService' }], backends: [{ service: users }] }] });
  }],
  ['GAMMA canaries on DataPlane.proxy() and DataPlane.envoy() services, compiled into their balancers', 36,
    { 'checkout-proxy': ['shop/checkout-split', 'shop/checkout-default'], 'payments-envoy': ['shop/payments-split', 'shop/payments-default'] }, (f) => {
      const checkout = f.service('checkout', {
        namespace: 'shop',
        port: 50051,
        workload: { image: 'registry.example.com/checkout:1.0.0' },
        dataPlane: DataPlane.proxy({ image: PROXY_IMAGE, serviceType: 'ClusterIP' }),
        trafficPolicy: { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } },
      });
      f.canary('checkout-split', {
        namespace: 'shop',
        parents: [checkout],
        stable: checkout,
        canary: f.service('checkout-canary', workloadOnly('checkout-canary')),
        canaryWeight: 10,
        canaryHeader: { name: 'x-canary', value: 'always' },
      });
      const payments = f.service('payments', {
        namespace: 'shop',
        port: 50051,
        workload: { image: 'registry.example.com/payments:1.0.0' },
        dataPlane: DataPlane.envoy({ serviceType: 'ClusterIP' }),
        trafficPolicy: { timeouts: { requestMs: 3_000 } },
      });
      f.canary('payments-split', {
        namespace: 'shop',
        parents: [payments],
        grpcService: 'pay.v1.Payments',
        stable: payments,
        canary: f.service('payments-canary', workloadOnly('payments-canary')),
        canaryWeight: 20,
      });
    }],
  ['self-hosted gateway with gatewayApiObjects: the Gateway, its GatewayClass and the GRPCRoute are written too', 12, { 'edge-proxy': ['shop/users-api'] }, (f) => {
    const edge = f.gateway('edge', {
      namespace: 'shop',
      implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, gatewayApiObjects: true }),
      gatewayClass: { controllerName: 'grpc-mesh.dev/self-hosted', description: 'served by grpc-mesh-proxy' },
      listeners: [{ name: 'grpc', port: 50051 }],
    });
    f.route('users-api', { namespace: 'shop', parents: [edge], rules: [{ backends: [{ service: f.service('users', plain('users', 'shop')) }] }] });
  }],
  ['routes declared before the gateway (written out too) and the service that serve them, by plain references', 23,
    { 'edge-proxy': ['shop/users-api'], 'checkout-proxy': ['shop/checkout-split', 'shop/checkout-default'] }, routesFirst(true)],
];
const ALL_ROWS: ReadonlyArray<[string, number, Scenario]> = [
  ...MATRIX,
  ...SELF_HOSTED.map(([row, count, , scenario]): [string, number, Scenario] => [row, count, scenario]),
];

describe('parity of the Pulumi components with the cdk8s constructs', () => {
  test.each(ALL_ROWS)('%s: the same %d objects', async (row, count, scenario) => {
    const cdk8sObjects = synthWithCdk8s(scenario);
    expect(expectSameObjects(await recordWithPulumi(stackOf(row), scenario), cdk8sObjects)).toBe(count);
  });

  test.each(SELF_HOSTED)('%s: every tier compiled its routes in', async (row, _count, served, scenario) => {
    const objects = await recordWithPulumi(`${stackOf(row)}-served`, scenario);
    const configs = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name in served);
    expect(configs.map((o) => o.metadata.name).sort()).toEqual(Object.keys(served).sort());
    for (const config of configs) {
      const text = Object.values(config.data as Record<string, string>).join('\n');
      const missing = served[config.metadata.name].filter((route) => !text.includes(route));
      expect([config.metadata.name, missing]).toEqual([config.metadata.name, []]);
    }
  });

  test('a plain reference to a self-hosted Gateway without Gateway API objects: only Pulumi, which cannot wait, writes the GRPCRoute, and warns', async () => {
    // cdk8s decides at synthesis, when the Gateway is known; Pulumi creates the route's resources as it is declared.
    const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
    try {
      const pulumiObjects = await recordWithPulumi('routes-first-without-gateway-api-objects', routesFirst(false));
      const onlyPulumi = pulumiObjects.filter((o) => o.kind === 'GRPCRoute');
      expect(onlyPulumi.map(keyOf)).toEqual(['gateway.networking.k8s.io/v1/GRPCRoute/shop/users-api']);
      expect(expectSameObjects(pulumiObjects.filter((o) => !onlyPulumi.includes(o)), synthWithCdk8s(routesFirst(false)))).toBe(21);
      expect(warn.mock.calls.map(([message]) => message).filter((m) => m.includes('[PLAIN_REFERENCE_TO_SELF_HOSTED]')))
        .toEqual([expect.stringMatching(/^GRPCRoute "shop\/users-api" is created although its parents are served by grpc-mesh tiers/)]);
    } finally {
      warn.mockRestore();
    }
  });

  test('the matrix covers every kind grpc-mesh emits', () => {
    const objects = ALL_ROWS.flatMap(([, , scenario]) => synthWithCdk8s(scenario));
    const kinds = new Set(objects.map((o) => o.kind));
    expect([...kinds].sort()).toEqual([
      'BackendTrafficPolicy', 'Certificate', 'ConfigMap', 'Deployment', 'DestinationRule', 'GRPCRoute', 'Gateway', 'GatewayClass',
      'NetworkPolicy', 'PodDisruptionBudget', 'PodMonitor', 'PrometheusRule', 'ReferenceGrant', 'Service', 'ServiceAccount', 'VirtualService',
    ]);
  });
});

/**
 * What a scenario with Output-valued props builds with: the Pulumi args types, whose Input fields get
 * `input(value)` (in Pulumi an Output that resolves only after the program's synchronous part, in cdk8s the value
 * itself) or the name of a Namespace object (`namespace.metadata.name` in Pulumi).
 */
interface InputFramework {
  /** `DataPlane` as each framework exports it (Pulumi's takes Output images). */
  readonly dataPlane: DataPlaneFactories;
  /** `GatewayImplementation` as each framework exports it (Pulumi's takes Output images). */
  readonly implementation: GatewayImplementationFactories;
  input<T>(value: T): pulumi.Input<T>;
  namespace(name: string): pulumi.Input<string>;
  service(name: string, args: GrpcMeshServiceArgs): IRouteParent & IGrpcBackend;
  gateway(name: string, args: GrpcGatewayArgs): IRouteParent & { listener(name: string): IRouteParent };
  route(name: string, args: GrpcRouteArgs): void;
  canary(name: string, args: CanaryGrpcRouteArgs): void;
}
type InputScenario = (f: InputFramework) => void;

function synthInputsWithCdk8s(scenario: InputScenario): KubeObject[] {
  const chart = new Chart(Testing.app(), 'parity');
  // With every Input a plain value, the args are the cdk8s props.
  const props = <T>(args: unknown) => args as T;
  scenario({
    input: (value) => value,
    namespace: (name) => {
      new ApiObject(chart, `namespace-${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return name;
    },
    service: (name, args) => new cdk8s.GrpcMeshService(chart, name, props(args)),
    gateway: (name, args) => new cdk8s.GrpcGateway(chart, name, props(args)),
    route: (name, args) => new cdk8s.GrpcRoute(chart, name, props(args)),
    canary: (name, args) => new cdk8s.CanaryGrpcRoute(chart, name, props(args)),
    dataPlane: cdk8s.DataPlane as unknown as DataPlaneFactories,
    implementation: cdk8s.GatewayImplementation as unknown as GatewayImplementationFactories,
  });
  return Testing.synth(chart);
}

async function recordInputsWithPulumi(stack: string, scenario: InputScenario): Promise<KubeObject[]> {
  const recorded = await useMocks(stack);
  scenario({
    input: <T>(value: T) => pulumi.output(new Promise<T>((resolve) => setImmediate(() => resolve(value)))) as pulumi.Input<T>,
    namespace: (name) => new k8s.core.v1.Namespace(`namespace-${name}`, { metadata: { name } }).metadata.name,
    service: (name, args) => new P.GrpcMeshService(name, args),
    gateway: (name, args) => new P.GrpcGateway(name, args),
    route: (name, args) => new P.GrpcRoute(name, args),
    canary: (name, args) => new P.CanaryGrpcRoute(name, args),
    dataPlane: P.DataPlane,
    implementation: P.GatewayImplementation,
  });
  await settle();
  return manifestsOf(recorded);
}

/** Rows whose props Pulumi takes as Outputs (namespaces, images, replicas, labels, annotations, Secret names...). */
const INPUT_ROWS: ReadonlyArray<[string, number, InputScenario]> = [
  ['envoy data plane: namespace of a Namespace object, image, replicas, ServiceAccount, env, labels and pod annotations as Outputs', 15, (f) => {
    f.service('users', {
      namespace: f.namespace('identity'),
      port: 50051,
      workload: {
        ...WORKLOAD,
        image: f.input(WORKLOAD.image),
        replicas: f.input(5),
        serviceAccountName: f.input('users-sa'),
        env: { ...WORKLOAD.env, DATABASE_HOST: f.input('db.identity.example.com') },
        podLabels: { tier: f.input('backend') },
        podAnnotations: { 'example.com/owner': f.input('identity') },
      },
      dataPlane: DataPlane.envoy({ replicas: 3, serviceType: 'LoadBalancer' }),
      trafficPolicy: FULL_POLICY,
      monitoring: { podMonitor: true, ...MONITORING },
      labels: { team: f.input('identity'), env: 'prod' },
    });
  }],
  ['a Gateway, an istio service and routes in Output namespaces: TLS Secret, labels and annotations as Outputs, one namespace Output shared', 18, (f) => {
    const app = f.namespace('app');
    const edge = f.gateway('edge', {
      namespace: f.input('infra'),
      gatewayClassName: 'istio',
      labels: { team: f.input('platform') },
      annotations: { 'example.com/owner': f.input('platform') },
      listeners: [
        { name: 'grpc-tls', hostname: '*.api.example.com', port: 443, tls: { secretName: f.input('api-tls-cert') }, allowedRoutes: { from: 'All' } },
        { name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } },
      ],
    });
    const billing = f.service('billing', {
      namespace: app, port: 50051, workload: { image: f.input('registry.example.com/billing:1.0.0') }, dataPlane: DataPlane.istio(), trafficPolicy: ISTIO_POLICY,
    });
    const stable = f.service('orders-stable', { ...plain('orders-stable'), namespace: app });
    const canary = f.service('orders-canary', { ...plain('orders-canary'), namespace: app });
    f.route('billing-api', { namespace: app, parents: [edge.listener('grpc-tls')], labels: { team: f.input('billing') }, rules: [{ backends: [{ service: billing }] }] });
    f.canary('orders', {
      namespace: app, parents: [edge], grpcService: 'order.v1.OrderService', stable, canary, canaryWeight: 10, canaryHeader: { name: 'x-canary', value: 'always' },
    });
  }],
  ['self-hosted proxy gateway and GAMMA canaries in Output namespaces: compiled configs, DNS names and config hashes', 37, (f) => {
    const shop = f.namespace('shop');
    const edge = f.gateway('edge', {
      ...PROXY_EDGE,
      namespace: shop,
      listeners: [{ name: 'grpc', port: 50051 }, { name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: f.input('api-example-com-tls') } }],
      certManager: undefined,
    });
    const checkout = f.service('checkout', {
      namespace: shop,
      port: 50051,
      workload: { image: f.input('registry.example.com/checkout:1.0.0'), replicas: f.input(3) },
      dataPlane: DataPlane.proxy({ image: PROXY_IMAGE, serviceType: 'ClusterIP' }),
      trafficPolicy: { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } },
    });
    const checkoutCanary = f.service('checkout-canary', { namespace: shop, port: 50051, workload: { image: f.input('registry.example.com/checkout:1.1.0') }, dataPlane: DataPlane.none() });
    f.canary('checkout-split', { namespace: shop, parents: [checkout], stable: checkout, canary: checkoutCanary, canaryWeight: 10 });
    f.route('checkout-api', { namespace: shop, parents: [edge.listener('grpc-tls')], hostnames: ['api.example.com'], rules: [{ backends: [{ service: checkout }] }] });
    const payments = f.service('payments', {
      namespace: shop, port: 50051, workload: { image: 'registry.example.com/payments:1.0.0' }, dataPlane: DataPlane.envoy({ serviceType: 'ClusterIP' }),
    });
    f.route('payments-api', { namespace: shop, parents: [edge], rules: [{ matches: [{ service: 'pay.v1.Payments' }], backends: [{ service: payments }] }] });
  }],
  ['an autoscaled workload and Envoy tier (HorizontalPodAutoscalers, no replicas on the Deployments), labels as Outputs', 14, (f) => {
    f.service('search', {
      namespace: 'shop',
      port: 50051,
      workload: { image: f.input('registry.example.com/search:1.0.0'), autoscaling: { maxReplicas: 12, memoryUtilizationPercent: 75 } },
      dataPlane: DataPlane.envoy({ autoscaling: { minReplicas: 3, maxReplicas: 9 } }),
      labels: { team: f.input('search') },
    });
  }],
  ['backend mTLS (image as an Output): the server and client Certificates, the Secrets mounted in the server and the tier, the tier\'s upstream TLS', 14, (f) => {
    f.service('ledger', {
      namespace: 'shop',
      port: 50051,
      workload: { image: f.input('registry.example.com/ledger:1.0.0') },
      dataPlane: DataPlane.proxy({ image: PROXY_IMAGE }),
      backendTls: { certManager: { clusterIssuer: 'internal-ca' }, healthPort: 8086 },
    });
  }],
  ['a self-hosted Gateway reaching a service with backend mTLS: its client Certificate, mount and upstream TLS (tier image as an Output)', 14, (f) => {
    const edge = f.gateway('edge', {
      ...PROXY_EDGE,
      implementation: f.implementation.proxy({ image: f.input(PROXY_IMAGE), backendTls: { certManager: { clusterIssuer: 'internal-ca' } } }),
      certManager: undefined,
      listeners: [{ name: 'grpc', port: 50051 }],
    });
    const ledger = f.service('ledger', {
      namespace: 'shop',
      port: 50051,
      workload: { image: 'registry.example.com/ledger:1.0.0' },
      dataPlane: DataPlane.none(),
      backendTls: { certManager: { clusterIssuer: 'internal-ca' }, healthPort: 8086 },
    });
    f.route('ledger-api', { namespace: 'shop', parents: [edge], rules: [{ backends: [{ service: ledger }] }] });
  }],
  ['balancer and tier images as Outputs: DataPlane.proxy(), DataPlane.envoy() and GatewayImplementation.proxy() images from other resources', 31, (f) => {
    const shop = f.namespace('shop');
    const edge = f.gateway('edge', {
      ...PROXY_EDGE,
      namespace: shop,
      implementation: f.implementation.proxy({ image: f.input(PROXY_IMAGE), replicas: 2, logLevel: 'warn' }),
      certManager: undefined,
      listeners: [{ name: 'grpc', port: 50051 }],
    });
    const checkout = f.service('checkout', {
      namespace: shop, port: 50051, workload: { image: 'registry.example.com/checkout:1.0.0' }, dataPlane: f.dataPlane.proxy({ image: f.input(PROXY_IMAGE) }),
    });
    f.route('checkout-api', { namespace: shop, parents: [edge], rules: [{ backends: [{ service: checkout }] }] });
    f.service('payments', {
      namespace: shop, port: 50051, workload: { image: 'registry.example.com/payments:1.0.0' }, dataPlane: f.dataPlane.envoy({ image: f.input('envoyproxy/envoy:v1.36.4') }),
    });
  }],
  ['identity and pod pass-throughs as Outputs: an IAM role ARN, pull secrets, env values, an existing tier ServiceAccount', 11, (f) => {
    f.service('accounts', {
      namespace: 'app',
      port: 50051,
      workload: {
        image: 'registry.example.com/accounts:1.0.0',
        ...POD,
        ...CONTAINER,
        serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': f.input('arn:aws:iam::123456789012:role/accounts') },
        imagePullSecrets: [f.input('registry-credentials')],
        env: { ...CONTAINER.env, DATABASE_HOST: f.input('db.accounts.example.com') },
      },
      dataPlane: f.dataPlane.proxy({ image: f.input(PROXY_IMAGE), serviceAccountName: f.input('balancers'), imagePullSecrets: [f.input('registry-credentials')] }),
    });
  }],
];

describe('parity with Output-valued props', () => {
  test.each(INPUT_ROWS)('%s: the same %d objects as the plain values give through cdk8s', async (row, count, scenario) => {
    const cdk8sObjects = synthInputsWithCdk8s(scenario);
    expect(expectSameObjects(await recordInputsWithPulumi(`inputs-${stackOf(row)}`, scenario), cdk8sObjects)).toBe(count);
  });
});

/** Runs the real `cdk8s synth` of an example into a private directory (examples.test.ts owns examples/x/dist). */
function cdk8sSynth(example: string): KubeObject[] {
  const out = mkdtempSync(join(tmpdir(), `parity-${example}-`));
  try {
    execFileSync('npx', ['cdk8s', 'synth', '--output', out], { cwd: join(__dirname, '..', '..', 'examples', example), stdio: 'pipe', timeout: 120_000 });
    return readdirSync(out).filter((f) => f.endsWith('.k8s.yaml')).flatMap((f) =>
      parseAllDocuments(readFileSync(join(out, f), 'utf8')).map((doc) => doc.toJS() as KubeObject));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Runs the Pulumi example program under mocks in its own Node process, as `pulumi up` would run it (see run-under-mocks.ts). */
function runPulumiExample(stateFor: string, state: unknown): { resources: RecordedResource[]; outputs: Record<string, unknown> } {
  const dir = mkdtempSync(join(tmpdir(), 'pulumi-example-'));
  try {
    const result = join(dir, 'result.json');
    execFileSync('npx', ['ts-node', '--project', 'examples/tsconfig.json', 'test/pulumi/run-under-mocks.ts', 'examples/pulumi/index.ts', result, stateFor, JSON.stringify(state)], {
      cwd: join(__dirname, '..', '..'), stdio: 'pipe', timeout: 120_000,
    });
    return JSON.parse(readFileSync(result, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An app whose routes and Gateway reach other namespaces, declared in the given order: routes with backends, mirrors
 * and a canary in other namespaces, two of them sharing a grant, one with `referenceGrants: false` that a route
 * declared after it satisfies, and a Gateway with a certificate in another namespace.
 */
const crossNamespaceApp = (order: readonly string[]): Scenario => (f) => {
  const edge = f.gateway('edge', {
    ...EDGE,
    listeners: [...EDGE.listeners, { name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: 'wildcard', secretNamespace: 'certs' } }],
  });
  const payments = f.service('payments', plain('payments', 'payments'));
  const audit = f.service('audit', plain('audit', 'audit'));
  const declare: Record<string, () => void> = {
    checkout: () => f.route('checkout', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: payments }], filters: { mirrors: [{ backend: audit }] } }] }),
    reports: () => f.route('reports', {
      namespace: 'app', parents: [edge], referenceGrants: false, rules: [{ matches: [{ service: 'pay.v1.Reports' }], backends: [{ service: payments }] }],
    }),
    refunds: () => f.route('refunds', { namespace: 'app', parents: [edge], rules: [{ matches: [{ service: 'pay.v1.Refunds' }], backends: [{ service: payments }] }] }),
    orders: () => f.canary('orders', {
      namespace: 'shop', parents: [edge], grpcService: 'order.v1.OrderService', stable: f.service('orders-stable', plain('orders', 'shop')), canary: payments, canaryWeight: 10,
    }),
  };
  for (const name of order) declare[name]();
};
/** An app whose route and Gateway need grants that neither grpc-mesh nor the app creates. */
const missingGrantsApp: Scenario = (f) => {
  const edge = f.gateway('edge', {
    ...EDGE,
    referenceGrants: false,
    listeners: [{
      name: 'grpc-tls', port: 443, hostname: 'api.example.com', tls: { secretName: 'wildcard', secretNamespace: 'certs' }, allowedRoutes: { from: 'All' },
    }],
  });
  const payments = f.service('payments', plain('payments', 'payments'));
  const audit = f.service('audit', plain('audit', 'audit'));
  f.route('checkout', { namespace: 'app', parents: [edge], referenceGrants: false, rules: [{ backends: [{ service: payments }], filters: { mirrors: [{ backend: audit }] } }] });
  f.route('local', { namespace: 'payments', parents: [edge], referenceGrants: false, rules: [{ backends: [{ service: payments }] }] });
};
const grantsOf = (objects: readonly KubeObject[]) => objects.filter((o) => o.kind === 'ReferenceGrant');

describe('parity of the ReferenceGrant policy', () => {
  test('the same app gives the same ReferenceGrants through cdk8s and Pulumi, whichever order its routes are declared in', async () => {
    const orders = [['checkout', 'reports', 'refunds', 'orders'], ['orders', 'refunds', 'reports', 'checkout']];
    const cdk8sGrants = orders.map((order) => grantsOf(synthWithCdk8s(crossNamespaceApp(order))));
    const pulumiGrants: KubeObject[][] = [];
    // One program at a time: the mocks are global.
    for (const [i, order] of orders.entries()) pulumiGrants.push(grantsOf(await recordWithPulumi(`grants-parity-${i}`, crossNamespaceApp(order))));
    expect(cdk8sGrants[0].map((g) => `${g.metadata.namespace}/${g.metadata.name}`).sort()).toEqual([
      'audit/grpcroute-from-app-to-service-audit',
      'certs/gateway-from-infra-to-secret-wildcard',
      'payments/grpcroute-from-app-to-service-payments',
      'payments/grpcroute-from-shop-to-service-payments',
    ]);
    for (const grants of [cdk8sGrants[1], ...pulumiGrants]) expect(multiset(grants)).toStrictEqual(multiset(cdk8sGrants[0]));
  });

  test('a reference no grant allows is the same MISSING_REFERENCE_GRANT problem of the same component through cdk8s and Pulumi', async () => {
    // cdk8s: synthesis fails with one line per problem, `[<path>] <Construct> "<path>": <issue>`.
    let cdk8sMessage = '';
    try {
      synthWithCdk8s(missingGrantsApp);
    } catch (error) {
      cdk8sMessage = (error as Error).message;
    }
    const cdk8sProblems = [...cdk8sMessage.matchAll(/^ *\[parity\/([^\]]+)\] (\w+) "parity\/\1": (.*)$/gm)].map(([, name, type, issue]) => `${type} "${name}": ${issue}`);
    // Pulumi: each component fails with a GrpcMeshResourceError (rejected by each promise of its outputs).
    const rejections = await collectingUnhandledRejections(async () => {
      await recordWithPulumi('grants-parity-missing', missingGrantsApp);
    });
    const errors = [...new Set(rejections)] as Array<InstanceType<PulumiModule['GrpcMeshResourceError']>>;
    expect(errors.map((e) => e instanceof P.GrpcMeshResourceError)).toEqual([true, true]);
    // The message of a GrpcMeshResourceError starts with `<Component> "<name>": `.
    const pulumiProblems = errors.flatMap((e) => e.issues.map((issue) => `${e.message.split(': ')[0]}: ${formatIssue(issue)}`));
    expect(pulumiProblems.map((p) => p.replace(/: referenceGrants is false, and no ReferenceGrant allows (.*?);.*$/, ' -> $1')).sort()).toEqual([
      'GrpcGateway "edge" -> Gateway in "infra" -> Secret "certs/wildcard"',
      'GrpcRoute "checkout" -> GRPCRoute in "app" -> Service "audit/audit"',
      'GrpcRoute "checkout" -> GRPCRoute in "app" -> Service "payments/payments"',
    ]);
    expect(cdk8sProblems.sort()).toEqual(pulumiProblems.sort());
  });
});

describe('the Pulumi example program', () => {
  const fromCdk8s = new Map<string, KubeObject[]>();
  let pulumiExample: ReturnType<typeof runPulumiExample>;
  beforeAll(() => {
    for (const example of CDK8S_EXAMPLES) fromCdk8s.set(example, cdk8sSynth(example));
    pulumiExample = runPulumiExample('user-service-balancer-service', { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } });
  }, 300_000);

  test('creates, under mocks, the same objects as the cdk8s examples together', () => {
    expect(CDK8S_EXAMPLES.map((example) => [example, fromCdk8s.get(example)!.length])).toEqual([['classic-recipe', 12], ['gateway-api', 55], ['self-hosted', 48], ['production', 17]]);
    expect(expectSameObjects(manifestsOf(pulumiExample.resources), [...fromCdk8s.values()].flat())).toBe(132);
  });

  test('exports the in-cluster endpoints and the LoadBalancer address of the classic recipe', () => {
    expect(pulumiExample.outputs).toEqual({
      userServiceEndpoint: 'user-service-envoy.default.svc.cluster.local:3001',
      userServiceAddress: '203.0.113.10',
      usersReaderEndpoint: 'dns:///users-reader-headless.app.svc.cluster.local:50051',
      ledgerEndpoint: 'ledger-envoy.finance.svc.cluster.local:50051',
    });
  });
});
