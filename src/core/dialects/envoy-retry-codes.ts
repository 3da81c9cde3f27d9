import { GrpcStatus } from '../grpc-status';

/** The gRPC status codes Envoy can retry on (its `retry_on` knows no others), in Envoy, Istio and Envoy Gateway alike. */
export const ENVOY_RETRYABLE_CODES: readonly GrpcStatus[] = [
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.INTERNAL,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.UNAVAILABLE,
];
