import type * as pulumi from '@pulumi/pulumi';
import { resolveGrpcRoute, type GrpcRouteProps } from '../core';
import { GrpcRouteBase } from './grpc-route-base';

/** Arguments of a `GrpcRoute`: the same props as the cdk8s construct. */
export type GrpcRouteArgs = GrpcRouteProps;

/**
 * A Gateway API GRPCRoute: method and header matches, weighted backends and filters, attached to a `GrpcGateway`
 * (north-south) or a `GrpcMeshService` (GAMMA, east-west). Backends in other namespaces get their ReferenceGrants.
 */
export class GrpcRoute extends GrpcRouteBase {
  /**
   * @param name The unique name of this component: the default `name` prop and the prefix of its children's names.
   * @param args The same props as the cdk8s `GrpcRoute`.
   * @param opts Options of the component, passed on to its children.
   */
  public constructor(name: string, args: GrpcRouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super('GrpcRoute', name, (context) => resolveGrpcRoute(args, context), opts);
  }
}
