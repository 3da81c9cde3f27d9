import type * as pulumi from '@pulumi/pulumi';
import { resolveCanaryGrpcRoute, type CanaryGrpcRouteProps } from '../core';
import { GrpcRouteBase, type RouteInputs } from './grpc-route-base';

/**
 * Arguments of a `CanaryGrpcRoute`: the props of the cdk8s construct, with `namespace` and the values of `labels` as
 * `pulumi.Input`s (see {@link RouteInputs}).
 */
export interface CanaryGrpcRouteArgs extends Omit<CanaryGrpcRouteProps, 'namespace' | 'labels'>, RouteInputs {}

/**
 * The canary intent on top of a GRPCRoute: stable and canary backends, a percentage for the canary, and
 * optionally a header that always reaches the canary, scoped to one gRPC service or method if asked.
 */
export class CanaryGrpcRoute extends GrpcRouteBase {
  /**
   * @param name The unique name of this component: the default `name` prop and the prefix of its children's names.
   * @param args The same props as the cdk8s `CanaryGrpcRoute`.
   * @param opts Options of the component, passed on to its children.
   */
  public constructor(name: string, args: CanaryGrpcRouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super('CanaryGrpcRoute', name, args, resolveCanaryGrpcRoute, opts);
  }
}
