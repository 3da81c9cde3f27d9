/** The one gRPC status table lives with the routing engine, which answers with statuses; the core re-exports it. */
export { GrpcStatus, grpcStatusKebabName, grpcStatusName } from '../routing/grpc-status';
