import { compileFullMatch } from './full-match-regex';
import type { GRPCHeaderMatch, GRPCMethodMatch, GRPCRouteMatch } from './gateway-api';
import { headerValue, type RequestHeaders } from './grpc-call';

/** Tests a call's `:path`, given the index of its service/method slash (-1 when malformed). */
export type PathTest = (path: string, slash: number) => boolean;
/** Tests a call's headers. */
export type HeadersTest = (headers: RequestHeaders) => boolean;

/** A GRPCRouteMatch compiled once: closures over precomputed strings and regular expressions. */
export interface CompiledMatch {
  /** The method test; undefined matches every path. */
  readonly path: PathTest | undefined;
  /** Header tests, all of which must hold (one per distinct header name; later repeats are ignored). */
  readonly headers: readonly HeadersTest[];
  /** Whether the match constrains the service (precedence step 3). */
  readonly constrainsService: boolean;
  /** Whether the match constrains the method (precedence step 4). */
  readonly constrainsMethod: boolean;
}

/** Compiles a match; undefined (a rule without matches) matches every call. The match must be valid. */
export function compileMatch(match: GRPCRouteMatch | undefined): CompiledMatch {
  const service = match?.method?.service || undefined;
  const method = match?.method?.method || undefined;
  return {
    path: match?.method ? compileMethodMatch(match.method) : undefined,
    headers: distinctByName(match?.headers ?? []).map(compileHeaderMatch),
    constrainsService: service !== undefined,
    constrainsMethod: method !== undefined,
  };
}

/** Whether a call satisfies a compiled match. */
export function callMatches(match: CompiledMatch, path: string, slash: number, headers: RequestHeaders): boolean {
  if (match.path !== undefined && !match.path(path, slash)) return false;
  const tests = match.headers;
  for (let i = 0; i < tests.length; i++) {
    if (!tests[i](headers)) return false;
  }
  return true;
}

/**
 * The header matches that count: the spec says only the first entry of a name (case-insensitively) is
 * considered and later ones are ignored.
 */
export function distinctByName(headers: readonly GRPCHeaderMatch[]): GRPCHeaderMatch[] {
  const seen = new Set<string>();
  return headers.filter((h) => {
    const name = h.name.toLowerCase();
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}

function compileMethodMatch(match: GRPCMethodMatch): PathTest | undefined {
  const service = match.service || undefined;
  const method = match.method || undefined;
  if (service === undefined && method === undefined) return undefined;
  if ((match.type ?? 'Exact') === 'RegularExpression') return compileRegexMethodMatch(service, method);
  if (service !== undefined && method !== undefined) {
    const full = `/${service}/${method}`;
    return (path) => path === full;
  }
  if (service !== undefined) {
    // Segment-aware: `/foo.Bar/` never matches `/foo.BarBaz/M`, and the method must be a single segment.
    const prefix = `/${service}/`;
    const slashAt = prefix.length - 1;
    return (path, slash) => slash === slashAt && path.startsWith(prefix);
  }
  const suffix = `/${method}`;
  return (path, slash) => slash !== -1 && slash === path.length - suffix.length && path.endsWith(suffix);
}

function compileRegexMethodMatch(service: string | undefined, method: string | undefined): PathTest {
  const serviceRegex = service === undefined ? undefined : compileFullMatch(service);
  const methodRegex = method === undefined ? undefined : compileFullMatch(method);
  return (path, slash) => slash !== -1
    && (serviceRegex === undefined || serviceRegex.test(path.slice(1, slash)))
    && (methodRegex === undefined || methodRegex.test(path.slice(slash + 1)));
}

/** A header holds when any of its values (a repeated header) is accepted. */
function compileHeaderMatch(match: GRPCHeaderMatch): HeadersTest {
  const name = match.name.toLowerCase();
  const expected = match.value;
  const regex = match.type === 'RegularExpression' ? compileFullMatch(expected) : undefined;
  const accepts = regex === undefined ? (value: string) => value === expected : (value: string) => regex.test(value);
  return (headers) => {
    const value = headerValue(headers, name);
    if (value === undefined) return false;
    if (typeof value === 'string') return accepts(value);
    for (let i = 0; i < value.length; i++) {
      if (accepts(value[i])) return true;
    }
    return false;
  };
}
