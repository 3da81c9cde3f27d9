import { GrpcMeshError, type ValidationIssue } from '../problems';

/**
 * Thrown by `RouteTable` when routes are invalid (what the CRD would reject); `issues` lists every problem, with
 * paths relative to the routes array.
 */
export class RouteTableError extends GrpcMeshError {
  /** @param issues every problem found */
  public constructor(issues: readonly ValidationIssue[]) {
    super('Invalid routes', issues);
  }
}
