/**
 * One problem found while validating props. Every problem carries a stable `code` (for tooling and tests), the
 * `path` of the offending prop (`trafficPolicy.retry.attempts`), the offending `value` and, where one exists,
 * a `hint` that says how to fix it.
 */
export interface ValidationIssue {
  /** Stable machine-readable code, e.g. `PORT_OUT_OF_RANGE`. */
  readonly code: string;
  /** Path of the offending prop, relative to the construct's props, e.g. `listeners[1].port`. */
  readonly path: string;
  /** The value that was given. */
  readonly value: unknown;
  /** What is wrong, as a sentence fragment that follows the path: `must be between 1 and 65535`. */
  readonly message: string;
  /** How to fix it. */
  readonly hint?: string;
}

/** Renders a value for an error message: strings quoted, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

/** Formats one issue as a line: `port must be between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]`. */
export function formatIssue(issue: ValidationIssue): string {
  const hint = issue.hint ? ` ${issue.hint}` : '';
  return `${issue.path} ${issue.message}; got ${formatValue(issue.value)}.${hint} [${issue.code}]`;
}

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
export class GrpcMeshValidationError extends Error {
  /** Tells a `GrpcMeshValidationError` apart even across duplicate copies of this library. */
  public static isValidationError(error: unknown): error is GrpcMeshValidationError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
  }

  private static describe(subject: string, issues: readonly ValidationIssue[]): string {
    if (issues.length === 1) return `${subject}: ${formatIssue(issues[0])}`;
    const lines = issues.map((issue) => `  - ${formatIssue(issue)}`);
    return [`${subject}: ${issues.length} problems:`, ...lines].join('\n');
  }

  /** The construct the props belong to, e.g. `GrpcMeshService "users"`. */
  public readonly subject: string;
  /** Every problem found. */
  public readonly issues: readonly ValidationIssue[];

  public constructor(subject: string, issues: readonly ValidationIssue[]) {
    super(GrpcMeshValidationError.describe(subject, issues));
    this.name = 'GrpcMeshValidationError';
    this.subject = subject;
    this.issues = issues;
    Object.defineProperty(this, BRAND, { value: true });
    hideFields(this, ['subject', 'issues']);
  }
}

/**
 * Makes fields of an error non-enumerable: Node prints an uncaught error's enumerable fields after its stack (as
 * `cdk8s synth` and `ts-node` show it), which would list every problem a second time, after the message.
 */
export function hideFields(error: Error, fields: readonly string[]): void {
  for (const field of fields) Object.defineProperty(error, field, { enumerable: false });
}

const BRAND = Symbol.for('grpc-mesh.GrpcMeshValidationError');
