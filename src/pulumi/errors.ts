import type * as pulumi from '@pulumi/pulumi';
import { GrpcMeshError, GrpcMeshValidationError } from '../core';

/**
 * Invalid props of a grpc-mesh component: the core's {@link GrpcMeshValidationError} (every problem, one per line,
 * and its issues) attached to the component as a Pulumi `ResourceError`, so that `pulumi up` reports the message
 * alone on the component, without a stack trace.
 */
export class GrpcMeshResourceError extends GrpcMeshError {
  /** The component whose props are invalid. */
  declare public readonly resource: pulumi.Resource | undefined;
  /** Always true: Pulumi reports the message without the stack, which would only show this library's code. */
  declare public readonly hideStack: boolean;

  /**
   * @param error what the core found wrong
   * @param resource the component whose props are invalid
   */
  public constructor(error: GrpcMeshValidationError, resource: pulumi.Resource) {
    super(error.subject, error.issues);
    markAsResourceError(this, resource);
  }
}

/**
 * Makes a grpc-mesh error a Pulumi `ResourceError` of `resource`, as `pulumi.ResourceError.isInstance` and Pulumi's
 * program runner recognise one (by its mark, which holds across copies of the Pulumi SDK), with the stack hidden.
 * The fields are not enumerable, so that printing the error does not dump the component.
 */
export function markAsResourceError(error: GrpcMeshError, resource: pulumi.Resource): void {
  for (const [field, value] of [['resource', resource], ['hideStack', true], [RESOURCE_ERROR_MARK, true]] as const) {
    Object.defineProperty(error, field, { value, enumerable: false });
  }
}

/** The field `pulumi.ResourceError.isInstance` reads. */
const RESOURCE_ERROR_MARK = '__pulumResourceError';

/** Runs `resolve`, rethrowing a core validation error as a {@link GrpcMeshResourceError} of `resource`. */
export function resolveFor<T>(resource: pulumi.Resource, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) throw new GrpcMeshResourceError(error, resource);
    throw error;
  }
}
