import { regexSyntaxError } from './full-match-regex';
import type { ProblemCode, ValidationIssue } from '../problems';
import type { GRPCHeaderMatch, GRPCMethodMatch, GRPCRouteMatch, MatchType } from './gateway-api';

/** CRD pattern of an Exact `service`: a fully qualified proto service name, case-insensitive, optional leading dot. */
export const GRPC_SERVICE_PATTERN = /^\.?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/;
/** CRD pattern of an Exact `method`: a proto identifier. */
export const GRPC_METHOD_PATTERN = /^[A-Za-z_][A-Za-z_0-9]*$/;
/** CRD pattern of a header name: an HTTP token (RFC 7230). */
export const HEADER_NAME_PATTERN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/** Length limits of the GRPCRoute CRD. */
export const GRPC_MATCH_LIMITS = {
  /** Characters of `method.service`. */
  serviceLength: 1024,
  /** Characters of `method.method`. */
  methodLength: 1024,
  /** Characters of `headers[].name`. */
  headerNameLength: 256,
  /** Characters of `headers[].value`. */
  headerValueLength: 4096,
  /** Header matches in one match. */
  headersPerMatch: 16,
} as const;

/** Code of the problem "a header name repeats in one match", which `RouteTable` tolerates (the spec defines it). */
export const DUPLICATE_HEADER_MATCH: ProblemCode = 'DUPLICATE_HEADER_MATCH';

/** One problem of a match: a {@link ValidationIssue} that also names the offending field of the validated object. */
export interface MatchProblem extends ValidationIssue {
  /** The offending field of the validated object: `service`, `method`, `type`, `name`, `value` or `headers[1].name`. */
  readonly field: string;
}

/**
 * Checks a GRPCRoute method match the way the CRD does: at least one of `service`/`method` set (non-empty);
 * with type `Exact` (the default) a valid service name and method identifier; with `RegularExpression`
 * expressions that compile; at most 1024 characters each; a known `type`.
 * @param match the method match
 * @param path prefix of the problems' `path`, e.g. `rules[0].matches[1].method`
 * @returns every problem found, none when valid
 */
export function validateMethodMatch(match: GRPCMethodMatch, path?: string): MatchProblem[] {
  const problems = new ProblemList(path);
  const type = match.type ?? 'Exact';
  problems.check(isMatchType(type), 'type', 'INVALID_MATCH_TYPE', type, 'must be Exact or RegularExpression');
  problems.check(!!match.service || !!match.method, 'service', 'EMPTY_METHOD_MATCH', match.service,
    'must be set when method is not (a method match needs a service, a method or both)');
  checkSegment(problems, 'service', match.service, type, GRPC_SERVICE_PATTERN, GRPC_MATCH_LIMITS.serviceLength,
    'must be a fully qualified gRPC service name (letters, digits and "_" in dot-separated parts, e.g. user.v1.UserService)');
  checkSegment(problems, 'method', match.method, type, GRPC_METHOD_PATTERN, GRPC_MATCH_LIMITS.methodLength,
    'must be a gRPC method name (letters, digits and "_", not starting with a digit, e.g. GetUser)');
  return problems.list;
}

/**
 * Checks a GRPCRoute header match the way the CRD does: the name an HTTP token of 1 to 256 characters, the
 * value 1 to 4096 characters and, with type `RegularExpression`, an expression that compiles; a known `type`.
 * @param match the header match
 * @param path prefix of the problems' `path`, e.g. `rules[0].matches[1].headers[2]`
 * @returns every problem found, none when valid
 */
export function validateHeaderMatch(match: GRPCHeaderMatch, path?: string): MatchProblem[] {
  const problems = new ProblemList(path);
  const type = match.type ?? 'Exact';
  problems.check(isMatchType(type), 'type', 'INVALID_MATCH_TYPE', type, 'must be Exact or RegularExpression');
  const name = match.name;
  problems.check(typeof name === 'string' && HEADER_NAME_PATTERN.test(name), 'name', 'INVALID_HEADER_NAME', name,
    'must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~)');
  checkLength(problems, 'name', name, GRPC_MATCH_LIMITS.headerNameLength);
  const value = match.value;
  problems.check(typeof value === 'string' && value.length > 0, 'value', 'EMPTY_HEADER_VALUE', value, 'must not be empty');
  checkLength(problems, 'value', value, GRPC_MATCH_LIMITS.headerValueLength);
  if (type === 'RegularExpression' && typeof value === 'string') checkRegex(problems, 'value', value);
  return problems.list;
}

/**
 * Checks one GRPCRoute match: its method match, each header match, at most 16 header matches, and no header
 * name twice (case-insensitively; the spec says only the first is considered, so a repeat is a mistake even
 * where the CRD admits it, as for `Version` after `version`).
 * @param match the match
 * @param path prefix of the problems' `path`, e.g. `rules[0].matches[1]`
 * @returns every problem found, none when valid
 */
export function validateRouteMatch(match: GRPCRouteMatch, path?: string): MatchProblem[] {
  const problems = new ProblemList(path);
  if (match.method) problems.addAll('method', validateMethodMatch(match.method));
  const headers = match.headers ?? [];
  problems.check(headers.length <= GRPC_MATCH_LIMITS.headersPerMatch, 'headers', 'TOO_MANY_HEADER_MATCHES', headers.length,
    `must have at most ${GRPC_MATCH_LIMITS.headersPerMatch} entries`);
  const seen = new Set<string>();
  headers.forEach((header, i) => {
    problems.addAll(`headers[${i}]`, validateHeaderMatch(header));
    const key = typeof header.name === 'string' ? header.name.toLowerCase() : header.name;
    problems.check(!seen.has(key), `headers[${i}].name`, DUPLICATE_HEADER_MATCH, header.name,
      'repeats an earlier header name of this match (names compare case-insensitively; only the first counts)');
    seen.add(key);
  });
  return problems.list;
}

/** Whether a value is one of the Gateway API match types. */
function isMatchType(type: unknown): type is MatchType {
  return type === 'Exact' || type === 'RegularExpression';
}

function checkSegment(
  problems: ProblemList, field: 'service' | 'method', value: string | undefined, type: string, pattern: RegExp, max: number, message: string,
): void {
  if (value === undefined) return;
  if (type === 'RegularExpression') {
    if (value !== '') checkRegex(problems, field, value);
  } else {
    problems.check(pattern.test(value), field, field === 'service' ? 'INVALID_GRPC_SERVICE' : 'INVALID_GRPC_METHOD', value, message);
  }
  checkLength(problems, field, value, max);
}

function checkLength(problems: ProblemList, field: string, value: unknown, max: number): void {
  problems.check(typeof value !== 'string' || value.length <= max, field, 'TOO_LONG', value, `must be at most ${max} characters long`);
}

function checkRegex(problems: ProblemList, field: string, pattern: string): void {
  const error = regexSyntaxError(pattern);
  problems.check(error === undefined, field, 'INVALID_REGEX', pattern, `must be a valid regular expression (${error})`);
}

/** Collects problems under a path prefix. */
class ProblemList {
  public readonly list: MatchProblem[] = [];

  public constructor(private readonly prefix: string | undefined) {}

  /** Adds a problem unless `ok`. */
  public check(ok: boolean, field: string, code: ProblemCode, value: unknown, message: string): void {
    if (!ok) this.list.push({ code, field, path: this.prefix ? `${this.prefix}.${field}` : field, message, value });
  }

  /** Adds the problems of a nested object found at `field`. */
  public addAll(field: string, nested: readonly MatchProblem[]): void {
    for (const p of nested) this.check(false, `${field}.${p.field}`, p.code, p.value, p.message);
  }
}
