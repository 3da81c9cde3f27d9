import { DataPlane, GrpcStatus, type GrpcMeshServiceProps } from '../../src/core';

/** Props of a typical service: own workload, Envoy data plane, a full traffic policy. */
export const USERS_PROPS: GrpcMeshServiceProps = {
  namespace: 'app',
  port: 50051,
  workload: { image: 'registry.example.com/user-service:1.0.0', replicas: 3 },
  dataPlane: DataPlane.envoy({ replicas: 2 }),
  trafficPolicy: {
    loadBalancer: 'LEAST_REQUEST',
    retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE], perTryTimeoutMs: 300 },
    timeouts: { requestMs: 5_000 },
  },
};
