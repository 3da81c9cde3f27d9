import { formatIssue, formatWarning, GrpcMeshValidationError, type ValidationIssue } from './errors';

/** RFC 1035 label: what Kubernetes requires of Service names. */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 label: what Kubernetes requires of namespace names and most label-like fields. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Longest DNS label. */
export const MAX_DNS_LABEL_LENGTH = 63;

/**
 * Collects every problem in a set of props, then throws them together. Checks return whether they passed, so
 * callers can skip checks that depend on a value already known to be bad.
 */
export class IssueCollector {
  private readonly issues: ValidationIssue[] = [];
  private readonly warningList: ValidationIssue[] = [];

  /**
   * @param subject the construct the props belong to, e.g. `GrpcMeshService "users"`
   * @param silenced codes of warnings the user chose to silence
   */
  public constructor(public readonly subject: string, private readonly silenced: readonly string[] = []) {}

  /** Records a problem. */
  public add(issue: ValidationIssue): void {
    this.issues.push(issue);
  }

  /** Problems recorded so far. */
  public get problems(): readonly ValidationIssue[] {
    return this.issues;
  }

  /** Records a warning: synthesis goes on, and the user can silence it by its code. */
  public warn(issue: ValidationIssue): void {
    if (!this.silenced.includes(issue.code)) this.warningList.push(issue);
  }

  /** Warnings recorded so far, formatted with the subject, one per line. */
  public get warnings(): string[] {
    return this.warningList.map((w) => formatWarning(this.subject, w));
  }

  /** Records `issue` unless `condition` holds; returns `condition`. */
  public require(condition: boolean, issue: ValidationIssue): boolean {
    if (!condition) this.add(issue);
    return condition;
  }

  /** Checks that `value` is an integer in `[min, max]`; `undefined` passes. */
  public integerInRange(path: string, value: number | undefined, min: number, max: number, hint?: string): boolean {
    if (value === undefined) return true;
    if (!Number.isInteger(value)) {
      return this.require(false, { code: 'NOT_AN_INTEGER', path, value, message: 'must be a whole number', hint });
    }
    return this.require(value >= min && value <= max, {
      code: 'OUT_OF_RANGE',
      path,
      value,
      message: max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}` : `must be between ${min} and ${max}`,
      hint,
    });
  }

  /** Checks a TCP port number. */
  public port(path: string, value: number | undefined): boolean {
    if (value === undefined) return true;
    return this.require(Number.isInteger(value) && value >= 1 && value <= 65535, {
      code: 'PORT_OUT_OF_RANGE',
      path,
      value,
      message: 'must be a port number between 1 and 65535',
    });
  }

  /** Checks a duration in milliseconds: a whole number, at least `min`. */
  public milliseconds(path: string, value: number | undefined, min = 1): boolean {
    return this.integerInRange(path, value, min, Number.MAX_SAFE_INTEGER, 'Durations are whole milliseconds.');
  }

  /** Checks a Kubernetes object name that must be an RFC 1035 label (Services), `maxLength` at most. */
  public dns1035Label(path: string, value: string, maxLength = MAX_DNS_LABEL_LENGTH, hint?: string): boolean {
    return this.require(value.length <= maxLength && DNS_1035_LABEL.test(value), {
      code: 'INVALID_NAME',
      path,
      value,
      message: `must be a DNS-1035 label of at most ${maxLength} characters (lower-case letters, digits and '-', starting with a letter and ending with a letter or digit)`,
      hint,
    });
  }

  /** Checks that a list has at most `max` items (and at least `min`). */
  public count(path: string, items: readonly unknown[] | undefined, min: number, max: number, what = 'items'): boolean {
    const n = items?.length ?? 0;
    return this.require(n >= min && n <= max, {
      code: n > max ? 'TOO_MANY' : 'TOO_FEW',
      path,
      value: n,
      message: min === max ? `must have exactly ${min} ${what}` : `must have ${min === 0 ? 'at most' : `between ${min} and`} ${max} ${what}`,
      hint: n > max ? 'This is a Gateway API limit the CRD enforces at apply time.' : undefined,
    });
  }

  /** Checks an RFC 1123 subdomain (names of most Kubernetes objects and of Secrets). */
  public dns1123Subdomain(path: string, value: string): boolean {
    return this.require(value.length <= 253 && DNS_1123_SUBDOMAIN.test(value), {
      code: 'INVALID_NAME',
      path,
      value,
      message: 'must be a DNS-1123 subdomain of at most 253 characters (lower-case letters, digits, \'-\' and \'.\')',
    });
  }

  /** Checks a namespace name (RFC 1123 label). */
  public dns1123Label(path: string, value: string): boolean {
    return this.require(value.length <= MAX_DNS_LABEL_LENGTH && DNS_1123_LABEL.test(value), {
      code: 'INVALID_NAME',
      path,
      value,
      message: 'must be a DNS-1123 label of at most 63 characters (lower-case letters, digits and \'-\')',
    });
  }

  /** Checks a map of Kubernetes labels: keys `[prefix/]name`, values at most 63 characters. */
  public labels(path: string, labels: Readonly<Record<string, string>> | undefined): boolean {
    let ok = true;
    for (const [key, value] of Object.entries(labels ?? {})) {
      ok = this.require(isLabelKey(key), {
        code: 'INVALID_LABEL',
        path: `${path}["${key}"]`,
        value: key,
        message: 'must be a label key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 characters',
      }) && ok;
      ok = this.require(isLabelValue(value), {
        code: 'INVALID_LABEL',
        path: `${path}["${key}"]`,
        value,
        message: 'must be a label value: at most 63 characters of letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit',
      }) && ok;
    }
    return ok;
  }

  /**
   * Throws a {@link GrpcMeshValidationError} listing every problem, if there is any; inside
   * {@link collectProblems}, hands it over instead and returns, so the model is built from the props as given.
   */
  public throwIfAny(): void {
    if (this.issues.length === 0) return;
    const error = new GrpcMeshValidationError(this.subject, this.issues);
    if (collecting === undefined) throw error;
    collecting.push(error);
  }
}

/** Where {@link IssueCollector.throwIfAny} hands its problems while {@link collectProblems} runs. */
let collecting: GrpcMeshValidationError[] | undefined;

/** What {@link collectProblems} returns. */
export interface CollectedProblems<T> {
  /** What `resolve` returned: undefined when the props were too broken to build it from. */
  readonly value?: T;
  /** Every problem found (one error, the first subject), or undefined when the props are valid. */
  readonly error?: GrpcMeshValidationError;
}

/**
 * Runs a core resolver (e.g. `resolveGrpcMeshService`) with its validation problems returned instead of thrown,
 * and the model built from the props as given. Adapters with a synthesis phase use it to report the problems
 * of every construct of an app in one error at synthesis, instead of stopping at the first construct. `resolve`
 * must be synchronous: the collectors it creates hand their problems over while it runs.
 *
 * A model built from invalid props is only fit to be rendered into objects that are never written out: the
 * caller must fail synthesis with `error`. When the props are too broken for the model to be built at all,
 * `value` is undefined and `error` holds the problems.
 */
export function collectProblems<T>(resolve: () => T): CollectedProblems<T> {
  const outer = collecting;
  const found: GrpcMeshValidationError[] = [];
  collecting = found;
  let value: T | undefined;
  try {
    value = resolve();
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) found.push(error);
    else if (found.length === 0) throw error;
    value = undefined;
  } finally {
    collecting = outer;
  }
  return { value, error: mergeProblems(found) };
}

/** The problems of several errors as one error (of the first subject), each problem once. */
function mergeProblems(errors: readonly GrpcMeshValidationError[]): GrpcMeshValidationError | undefined {
  if (errors.length === 0) return undefined;
  if (errors.length === 1) return errors[0];
  const seen = new Set<string>();
  const issues = errors.flatMap((e) => e.issues).filter((issue) => {
    const key = formatIssue(issue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return new GrpcMeshValidationError(errors[0].subject, issues);
}

/**
 * The setting that makes every warning fail synthesis, for CI builds: the cdk8s context key
 * (`app.node.setContext('grpc-mesh:warningsAsErrors', true)` before adding charts) and the Pulumi config key
 * (`pulumi config set grpc-mesh:warningsAsErrors true`). Warnings a construct silences with `silenceWarnings` stay
 * silent.
 */
export const WARNINGS_AS_ERRORS_KEY = 'grpc-mesh:warningsAsErrors';

/**
 * The environment variable that does what {@link WARNINGS_AS_ERRORS_KEY} does for a cdk8s app, without changing its
 * code: `GRPC_MESH_WARNINGS_AS_ERRORS=true cdk8s synth`.
 */
export const WARNINGS_AS_ERRORS_ENV = 'GRPC_MESH_WARNINGS_AS_ERRORS';

/** Whether a setting read from context or config is on: `true` or the string `"true"` (any case). */
export function isSettingOn(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

/** Whether `key` is a Kubernetes label key (also what taint keys and topology keys must be): `[prefix/]name`. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && LABEL_PREFIX.test(prefix));
  return prefixOk && name.length <= 63 && LABEL_NAME.test(name);
}

/** Whether `value` is a Kubernetes label value: empty, or at most 63 letters, digits, '-', '_' and '.', alphanumeric at both ends. */
export function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 63 && (value === '' || LABEL_NAME.test(value));
}
