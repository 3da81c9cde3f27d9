/**
 * Pulumi components of grpc-mesh: the cdk8s constructs' names and props as ComponentResources taking
 * `(name, args, opts)`. Every props type, enum and strategy class of the core is re-exported, so a Pulumi
 * program imports everything from `grpc-mesh/pulumi`.
 */
export * from '../core';
export * from './canary-grpc-route';
export { GrpcMeshResourceError } from './errors';
export { GrpcMeshWarningsError } from './warnings';
export * from './grpc-gateway';
export * from './grpc-mesh-service';
export * from './grpc-route';
export * from './grpc-route-base';
