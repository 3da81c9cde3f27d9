import type { Construct } from 'constructs';
import { resolveGrpcRoute, type GrpcRouteProps } from '../core';
import { GrpcRouteBase } from './grpc-route-base';

/**
 * A Gateway API GRPCRoute: method and header matches, weighted backends and filters, attached to a `GrpcGateway`
 * (north-south) or a `GrpcMeshService` (GAMMA, east-west). Backends in other namespaces get their ReferenceGrants.
 */
export class GrpcRoute extends GrpcRouteBase {
  public constructor(scope: Construct, id: string, props: GrpcRouteProps) {
    super(scope, id, 'GrpcRoute', (context) => resolveGrpcRoute(props, context));
  }
}
