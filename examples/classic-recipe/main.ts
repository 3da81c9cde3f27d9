/**
 * The classic "headless Service + Envoy" recipe for per-call gRPC balancing, with grpc-mesh:
 * a gRPC service on port 3001 (3 pods), its headless Service, and 2 Envoy pods behind a LoadBalancer that
 * re-resolve the headless name every second and spread every call over the pods.
 */
import { App, Chart } from 'cdk8s';
import { DataPlane, GrpcMeshService, GrpcStatus } from 'grpc-mesh/cdk8s';

const app = new App();
const chart = new Chart(app, 'classic-recipe');

new GrpcMeshService(chart, 'user-service', {
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

app.synth();
