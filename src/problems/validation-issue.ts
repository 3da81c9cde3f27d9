import type { ProblemCode } from './problem-code';

/**
 * One problem found in props, Gateway API objects, routes or a proxy config: a stable `code` from the
 * {@link ProblemCode} catalogue (for tooling, tests and `silenceWarnings`), the `path` of the offending field
 * (`trafficPolicy.retry.attempts`), the offending `value` and, where one exists, a `hint` that says how to fix it.
 * Errors and warnings have the same shape.
 */
export interface ValidationIssue {
  /** Stable machine-readable code from the catalogue, e.g. `PORT_OUT_OF_RANGE`. */
  readonly code: ProblemCode;
  /**
   * Path of the offending field, relative to what was validated, e.g. `listeners[1].port`; empty for the whole
   * of it (e.g. a config file that cannot be read).
   */
  readonly path: string;
  /**
   * The value that was given.
   * @default - undefined: the field is missing, or the problem is not about one value
   */
  readonly value?: unknown;
  /** What is wrong, as a sentence fragment that follows the path: `must be between 1 and 65535`. */
  readonly message: string;
  /**
   * How to fix it.
   * @default - no hint
   */
  readonly hint?: string;
}

/** Renders a value for an error message: strings quoted, everything else as JSON (at most 80 characters). */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const json = JSON.stringify(value) ?? String(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

/**
 * Formats one issue as a line, the only way grpc-mesh writes a problem:
 * `port must be between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]` (path, what is wrong, the value, the fix, the code).
 * An issue without a `value` key (one not about a single value) leaves out `; got ...`.
 */
export function formatIssue(issue: ValidationIssue): string {
  const hint = issue.hint ? ` ${issue.hint}` : '';
  const where = issue.path === '' ? '' : `${issue.path} `;
  const got = 'value' in issue ? `; got ${formatValue(issue.value)}` : '';
  return `${where}${issue.message}${got}.${hint} [${issue.code}]`;
}

/**
 * Formats the issues of a subject as an error message: one line for one issue
 * (`GrpcGateway "edge": listeners[0].port must be ...`), else a count and one line per issue.
 * @param subject what was validated, e.g. `GrpcMeshService "users"` or `Invalid proxy config /etc/proxy.yaml`
 */
export function formatIssues(subject: string, issues: readonly ValidationIssue[]): string {
  if (issues.length === 1) return `${subject}: ${formatIssue(issues[0])}`;
  return [`${subject}: ${issues.length} problems:`, ...issues.map((issue) => `  - ${formatIssue(issue)}`)].join('\n');
}
