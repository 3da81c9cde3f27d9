/**
 * cdk8s constructs of grpc-mesh: `GrpcMeshService`, `GrpcRoute`, `CanaryGrpcRoute` and `GrpcGateway`, with their
 * props, the data-plane and gateway strategies and the enums they take. A cdk8s app imports everything it needs
 * from `grpc-mesh/cdk8s`.
 *
 * @packageDocumentation
 */
export * from '../core/api';
export { CanaryGrpcRoute } from './canary-grpc-route';
export { GrpcGateway } from './grpc-gateway';
export { GrpcMeshService, type BalancerObjects } from './grpc-mesh-service';
export { GrpcRoute } from './grpc-route';
export { GrpcRouteBase } from './grpc-route-base';
