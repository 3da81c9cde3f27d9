import * as pulumi from '@pulumi/pulumi';
import { GrpcMeshValidationError, hideFields, type ValidationIssue } from '../core';

/**
 * Invalid props of a grpc-mesh component: a `pulumi.ResourceError` attached to the component, with the message
 * of the core's {@link GrpcMeshValidationError} (every problem, one per line) and its issues.
 */
export class GrpcMeshResourceError extends pulumi.ResourceError {
  /** Every problem found, each with its stable code, path and value. */
  public readonly issues: readonly ValidationIssue[];

  /**
   * @param error what the core found wrong
   * @param resource the component whose props are invalid
   */
  public constructor(error: GrpcMeshValidationError, resource: pulumi.Resource) {
    super(error.message, resource);
    this.name = 'GrpcMeshResourceError';
    this.issues = error.issues;
    hideFields(this, ['issues']);
  }
}

/** Runs `resolve`, rethrowing a core validation error as a {@link GrpcMeshResourceError} of `resource`. */
export function resolveFor<T>(resource: pulumi.Resource, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) throw new GrpcMeshResourceError(error, resource);
    throw error;
  }
}
