/**
 * cdk8s constructs of grpc-mesh. Every props type, enum and strategy class of the core is re-exported, so a
 * cdk8s app imports everything from `grpc-mesh/cdk8s`.
 */
export * from '../core';
export * from './canary-grpc-route';
export * from './grpc-gateway';
export * from './grpc-mesh-service';
export * from './grpc-route';
export * from './grpc-route-base';
