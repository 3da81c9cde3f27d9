import { formatIssues, type ValidationIssue } from './validation-issue';

/** Marks every {@link GrpcMeshError}, also one thrown by another copy of this library. */
const BRAND = Symbol.for('grpc-mesh.GrpcMeshError');
/** The key Node's `util.inspect` (and so `console.error` and an uncaught error) calls, without importing `node:util`. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
/**
 * The folders of this library's code, compiled (`lib`) and, as source maps show its frames, source (`src`): their
 * stack frames are left out of an error's stack.
 */
const OUR_CODE: readonly string[] = ((): string[] => {
  const root = typeof __dirname === 'string' ? __dirname.replace(/[\\/](src|lib)[\\/]problems$/, '') : undefined;
  if (root === undefined || root === __dirname) return [];
  return ['src', 'lib'].flatMap((dir) => [`${root}/${dir}/`, `${root}\\${dir}\\`]);
})();

/**
 * The base of every grpc-mesh error that reports problems: invalid props (`GrpcMeshValidationError`, the Pulumi
 * `GrpcMeshResourceError`), warnings made errors (`GrpcMeshWarningsError`), invalid routes (`RouteTableError`) and an
 * invalid proxy config (`ProxyConfigError`). Its message names the subject and every problem, one line each with
 * path, value, fix and code (see `formatIssues`); `issues` holds them for tooling.
 *
 * It prints as its message, once: its fields are not enumerable (Node would print them after the stack, listing
 * every problem again), `util.inspect` shows the stack alone, and the stack leaves out the frames of this
 * library, which say nothing about the problems; the caller's frames stay.
 */
export class GrpcMeshError extends Error {
  /** Tells a `GrpcMeshError` apart, also one thrown by another copy of this library. */
  public static isGrpcMeshError(error: unknown): error is GrpcMeshError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
  }

  /** What the problems belong to, e.g. `GrpcMeshService "users"`. */
  public readonly subject: string;
  /** Every problem found, each with its stable code. */
  public readonly issues: readonly ValidationIssue[];

  /**
   * @param subject what the problems belong to, e.g. `GrpcMeshService "users"`
   * @param issues every problem found
   * @param message the message, when it is not `formatIssues` of the subject and issues
   */
  public constructor(subject: string, issues: readonly ValidationIssue[], message = formatIssues(subject, issues)) {
    super(message);
    this.name = new.target.name;
    this.subject = subject;
    this.issues = issues;
    Object.defineProperty(this, BRAND, { value: true });
    hideFields(this, ['name', 'subject', 'issues']);
    Object.defineProperty(this, 'stack', { value: callerStack(this), writable: true, configurable: true });
  }

  /** What `util.inspect`, `console.error` and Node's report of an uncaught error show: the stack alone. */
  public [INSPECT](): string {
    return this.stack ?? `${this.name}: ${this.message}`;
  }
}

/**
 * Makes fields of an error non-enumerable: Node prints an uncaught error's enumerable fields after its stack (as
 * `cdk8s synth` and `ts-node` show it), which would list every problem a second time, after the message.
 */
export function hideFields(error: Error, fields: readonly string[]): void {
  for (const field of fields) Object.defineProperty(error, field, { enumerable: false });
}

/** The stack of `error` from where it is created: its header, then the frames outside this library and Node's internals. */
function callerStack(error: Error): string {
  const header = `${error.name}: ${error.message}`;
  const capture = (Error as { captureStackTrace?: (target: object) => void }).captureStackTrace;
  if (capture === undefined || OUR_CODE.length === 0) return header;
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  try {
    capture(holder);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const frames = (holder.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line) && isCallerFrame(line));
  return [header, ...frames.slice(0, limit)].join('\n');
}

function isCallerFrame(frame: string): boolean {
  return !OUR_CODE.some((dir) => frame.includes(dir)) && !/[\\/]node_modules[\\/]|\(node:|\(internal\/| node:internal/.test(frame);
}
