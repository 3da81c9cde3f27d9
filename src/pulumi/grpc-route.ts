import type * as pulumi from '@pulumi/pulumi';
import { resolveGrpcRoute, type GrpcRouteProps } from '../core';
import { GrpcRouteBase, type RouteInputs } from './grpc-route-base';

/**
 * Arguments of a `GrpcRoute`: the props of the cdk8s construct, with `namespace` and the values of `labels` as
 * `pulumi.Input`s (see {@link RouteInputs}).
 */
export interface GrpcRouteArgs extends Omit<GrpcRouteProps, 'namespace' | 'labels'>, RouteInputs {}

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
    super('GrpcRoute', name, args, resolveGrpcRoute, opts);
  }
}
