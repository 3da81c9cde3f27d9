import type { Construct } from 'constructs';
import { resolveCanaryGrpcRoute, type CanaryGrpcRouteProps } from '../core';
import { GrpcRouteBase } from './grpc-route-base';

/**
 * The canary intent on top of a GRPCRoute: stable and canary backends, a percentage for the canary, and
 * optionally a header that always reaches the canary, scoped to one gRPC service or method if asked.
 */
export class CanaryGrpcRoute extends GrpcRouteBase {
  public constructor(scope: Construct, id: string, props: CanaryGrpcRouteProps) {
    super(scope, id, 'CanaryGrpcRoute', (context) => resolveCanaryGrpcRoute(props, context));
  }
}
