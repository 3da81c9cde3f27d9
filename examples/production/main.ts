/**
 * A gRPC service as it runs in production (docs/production.md): the workload and its Envoy tier autoscaled, their
 * own ServiceAccounts (one bound to a cloud role), scheduling on dedicated arm64 nodes, configuration from Secrets
 * and ConfigMaps, NetworkPolicies that let only the Envoy pods reach the server, mTLS from Envoy to the pods with
 * certificates from the cluster's internal CA, and a public TLS listener that requires partners' client certificates.
 */
import { App, Chart } from 'cdk8s';
import { DataPlane, GrpcMeshService } from 'grpc-mesh/cdk8s';

const app = new App();
const chart = new Chart(app, 'production');

new GrpcMeshService(chart, 'ledger', {
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

app.synth();
