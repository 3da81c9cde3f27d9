/**
 * Pulumi components of grpc-mesh: the cdk8s constructs' names and props as ComponentResources taking
 * `(name, args, opts)`, with the data-plane and gateway strategies and the enums they take. A Pulumi program
 * imports everything it needs from `grpc-mesh/pulumi`.
 *
 * @packageDocumentation
 */
export * from '../core/api';
export { CanaryGrpcRoute, type CanaryGrpcRouteArgs } from './canary-grpc-route';
export {
  DataPlane, GatewayImplementation,
  type DataPlaneFactories, type EnvoyDataPlaneArgs, type EnvoyGatewayTierArgs, type GatewayImplementationFactories, type ProxyDataPlaneArgs,
  type ProxyGatewayArgs,
} from './data-plane';
export { GrpcMeshResourceError } from './errors';
export { GrpcMeshWarningsError } from './warnings';
export { GrpcGateway, type GrpcGatewayArgs, type GrpcListenerArgs, type GrpcListenerTlsArgs } from './grpc-gateway';
export { GrpcMeshService, type BalancerResources, type GrpcMeshServiceArgs, type WorkloadArgs } from './grpc-mesh-service';
export { GrpcRoute, type GrpcRouteArgs } from './grpc-route';
export { GrpcRouteBase, type RouteInputs } from './grpc-route-base';
export type { InputRecord, PodArgs } from './inputs';
