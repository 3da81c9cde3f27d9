import { formatIssue, GrpcMeshError, type ValidationIssue } from '../problems';

export { formatIssue, formatIssues, formatValue, GrpcMeshError, hideFields, ProblemCode, type ValidationIssue } from '../problems';

/**
 * Formats a warning of a construct as a line: the subject, the issue, and how to silence it.
 * @param subject the construct, e.g. `GrpcRoute "shop/orders"`
 */
export function formatWarning(subject: string, issue: ValidationIssue): string {
  return `${subject}: ${formatIssue(issue)} (silenceWarnings: ['${issue.code}'] hides this)`;
}

/**
 * Thrown when props are invalid. It lists every problem found, not only the first, so that one synthesis run
 * shows everything there is to fix. Adapters rethrow it in their framework's error type with the same issues.
 */
export class GrpcMeshValidationError extends GrpcMeshError {
  /** Tells a `GrpcMeshValidationError` apart even across duplicate copies of this library. */
  public static isValidationError(error: unknown): error is GrpcMeshValidationError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
  }

  /**
   * @param subject the construct the props belong to, e.g. `GrpcMeshService "users"`
   * @param issues every problem found
   */
  public constructor(subject: string, issues: readonly ValidationIssue[]) {
    super(subject, issues);
    Object.defineProperty(this, BRAND, { value: true });
  }
}

const BRAND = Symbol.for('grpc-mesh.GrpcMeshValidationError');
