import { callMatches, compileMatch, type CompiledMatch } from './compiled-match';
import type { GRPCBackendRef, GRPCRouteMatch } from './gateway-api';
import { callHost, type GrpcCall, type RequestHeaders } from './grpc-call';
import { serviceMethodSeparator } from './grpc-path';
import { listenerScopedHostnames } from './hostname-intersection';
import { hostEndsWithSuffix, isWildcard } from './hostname-match';
import { isValidHostname } from './hostname-validation';
import { DUPLICATE_HEADER_MATCH, validateRouteMatch } from './match-validation';
import { RouteTableError } from './route-table-error';
import type { ProblemCode, ValidationIssue } from '../problems';
import {
  statusDecision,
  type BackendDecision,
  type MatchedRule,
  type PickedBackend,
  type RouteDecision,
  type RouteInput,
  type StatusDecision,
} from './routing-decision';
import { effectiveWeight, isValidWeight, MAX_BACKEND_WEIGHT, WeightedPicker } from './weighted-pick';

/** Options of a `RouteTable`. */
export interface RouteTableOptions {
  /**
   * Hostname of the listener the routes are attached to. Route hostnames are narrowed to it, routes whose
   * hostnames do not intersect it are left out (`unattachedRoutes`), and hosts outside it match nothing.
   * @default - the listener accepts every host (a listener without hostname, or a GAMMA Service parent)
   */
  readonly listenerHostname?: string;
  /**
   * Whether a backend is valid (its Service exists, a cross-namespace reference has its ReferenceGrant...).
   * Invalid backends keep their share of the traffic, and that share gets UNAVAILABLE. Called once per backend
   * at construction.
   * @default - every backend is valid
   */
  readonly isBackendValid?: (backendRef: GRPCBackendRef, route: RouteInput) => boolean;
}

/** The rule matches of a route table that serve one hostname, in precedence order (`RouteTable.hostnameGroups`). */
export interface HostnameGroup {
  /** The hostname (exact or `*.` wildcard); undefined for the matches that serve every host. */
  readonly hostname: string | undefined;
  /** The rule matches, most precedent first. */
  readonly matches: readonly MatchedRule[];
}

const NO_MATCHING_HOSTNAME = statusDecision('UNIMPLEMENTED', 'NO_MATCHING_HOSTNAME', 'no route serves the host of the call');
const NO_MATCHING_RULE = statusDecision('UNIMPLEMENTED', 'NO_MATCHING_RULE', 'no route rule matches the call');

/**
 * The GRPCRoutes attached to one parent (a Gateway listener or a GAMMA Service), compiled once into an
 * immutable table that routes calls exactly as the Gateway API specifies. `match()` and `route()` compile no
 * regular expression and allocate nothing on the common path (results are prebuilt and frozen).
 *
 * Precedence, across every rule of every route, largest first: characters of the matching non-wildcard
 * hostname, characters of the matching hostname, characters of the matched service, characters of the matched
 * method, number of header matches; then the oldest route, then `namespace/name`; inside a route the first
 * rule, then its first match. Matches are grouped by the hostname they serve (exact, wildcard, any host) and
 * sorted by the rest of the key at construction, so a call looks at its most specific hostname group first and
 * takes the first entry that matches.
 */
export class RouteTable {
  /** `namespace/name` of the routes left out because no hostname of theirs intersects the listener hostname. */
  public readonly unattachedRoutes: readonly string[];
  private readonly exactHost: ReadonlyMap<string, readonly Entry[]>;
  private readonly wildcardHosts: readonly WildcardGroup[];
  private readonly anyHost: readonly Entry[];
  private readonly readsHost: boolean;

  /**
   * @param routes the GRPCRoutes attached to the parent
   * @param options listener hostname and backend validity
   * @throws RouteTableError when a route is invalid (what the GRPCRoute CRD would reject)
   */
  public constructor(routes: readonly RouteInput[], options: RouteTableOptions = {}) {
    const problems = validateRoutes(routes, options.listenerHostname);
    if (problems.length > 0) throw new RouteTableError(problems);
    const groups = new HostnameGroups();
    const unattached: string[] = [];
    routes.forEach((route, routeIndex) => {
      const hostnames = listenerScopedHostnames(route.spec.hostnames, options.listenerHostname);
      if (hostnames?.length === 0) unattached.push(routeKeyOf(route));
      else for (const entry of routeEntries(route, routeIndex, hostnames, options.isBackendValid)) groups.add(entry);
    });
    this.unattachedRoutes = Object.freeze(unattached);
    this.exactHost = groups.exactHost();
    this.wildcardHosts = groups.wildcardHosts();
    this.anyHost = groups.anyHost();
    this.readsHost = this.exactHost.size > 0 || this.wildcardHosts.length > 0;
  }

  /** The rule a call matches, or UNIMPLEMENTED when no hostname or no rule matches. */
  public match(call: GrpcCall): RouteDecision {
    const found = this.find(call);
    return found.kind === 'status' ? found : found.matched;
  }

  /**
   * The backend a call goes to: `match()`, then a weighted pick among the rule's backends.
   * @param call the call
   * @param random returns a number in [0, 1); inject a seeded one for deterministic results
   * @returns the backend; UNIMPLEMENTED when nothing matches; UNAVAILABLE when the rule has no backend with a
   *   weight above 0, or the picked backend is invalid
   */
  public route(call: GrpcCall, random: () => number = Math.random): BackendDecision {
    const found = this.find(call);
    if (found.kind === 'status') return found;
    const index = found.picker.pick(random);
    return index === -1 ? found.noBackend : found.outcomes[index];
  }

  /**
   * Every rule match the call satisfies, in precedence order: the first is the one `match()` returns, the others
   * are what it won against. For tools that explain a decision (`grpc-mesh explain`); it allocates.
   */
  public candidates(call: GrpcCall): MatchedRule[] {
    const path = call.path;
    const slash = serviceMethodSeparator(path);
    const headers = call.headers;
    const groups: Array<readonly Entry[]> = [];
    const host = this.readsHost ? callHost(call) : undefined;
    if (host !== undefined) {
      const exact = this.exactHost.get(host);
      if (exact !== undefined) groups.push(exact);
      for (const group of this.wildcardHosts) if (hostEndsWithSuffix(host, group.suffix)) groups.push(group.entries);
    }
    groups.push(this.anyHost);
    return groups.flatMap((entries) => entries.filter((e) => callMatches(e.test, path, slash, headers)).map((e) => e.matched));
  }

  /**
   * Every rule match of the table, grouped by the hostname it serves, in the order `match()` tries them: exact
   * hostnames (each group sorted by precedence), then wildcard hostnames longest first, then the matches that
   * serve every host (`hostname` undefined). For compilers that hand the table to another data plane (Envoy); it
   * allocates.
   */
  public hostnameGroups(): HostnameGroup[] {
    const matchesOf = (entries: readonly Entry[]): MatchedRule[] => entries.map((e) => e.matched);
    return [
      ...[...this.exactHost].map(([hostname, entries]) => ({ hostname, matches: matchesOf(entries) })),
      ...this.wildcardHosts.map((group) => ({ hostname: `*${group.suffix}`, matches: matchesOf(group.entries) })),
      { hostname: undefined, matches: matchesOf(this.anyHost) },
    ];
  }

  private find(call: GrpcCall): Entry | StatusDecision {
    const path = call.path;
    const slash = serviceMethodSeparator(path);
    const headers = call.headers;
    let hostMatched = false;
    const host = this.readsHost ? callHost(call) : undefined;
    if (host !== undefined) {
      const exact = this.exactHost.get(host);
      if (exact !== undefined) {
        hostMatched = true;
        const entry = firstMatching(exact, path, slash, headers);
        if (entry !== undefined) return entry;
      }
      const wildcards = this.wildcardHosts;
      for (let i = 0; i < wildcards.length; i++) {
        if (!hostEndsWithSuffix(host, wildcards[i].suffix)) continue;
        hostMatched = true;
        const entry = firstMatching(wildcards[i].entries, path, slash, headers);
        if (entry !== undefined) return entry;
      }
    }
    if (this.anyHost.length > 0) {
      const entry = firstMatching(this.anyHost, path, slash, headers);
      return entry ?? NO_MATCHING_RULE;
    }
    return hostMatched ? NO_MATCHING_RULE : NO_MATCHING_HOSTNAME;
  }
}

/** One match of one rule, served on one hostname, with its precomputed results and precedence key. */
interface Entry {
  readonly kind: 'entry';
  readonly test: CompiledMatch;
  readonly matched: MatchedRule;
  readonly picker: WeightedPicker;
  /** What picking each backend leads to (the backend, or UNAVAILABLE for an invalid one). */
  readonly outcomes: readonly BackendDecision[];
  readonly noBackend: StatusDecision;
  readonly createdMs: number;
  readonly routeIndex: number;
}

/** The entries served on one wildcard hostname; `suffix` is the hostname without its `*`. */
interface WildcardGroup {
  readonly suffix: string;
  readonly entries: readonly Entry[];
}

/** Sorts entries into exact, wildcard and any-host groups, each in precedence order. */
class HostnameGroups {
  private readonly exact = new Map<string, Entry[]>();
  private readonly wildcard = new Map<string, Entry[]>();
  private readonly any: Entry[] = [];

  public add(entry: Entry): void {
    const hostname = entry.matched.hostname;
    if (hostname === undefined) this.any.push(entry);
    else if (isWildcard(hostname)) pushTo(this.wildcard, hostname.slice(1), entry);
    else pushTo(this.exact, hostname, entry);
  }

  public exactHost(): ReadonlyMap<string, readonly Entry[]> {
    return new Map([...this.exact].map(([host, entries]) => [host, sortByPrecedence(entries)]));
  }

  /** Longest suffix first: two suffixes of one host never have the same length, so this is precedence order. */
  public wildcardHosts(): readonly WildcardGroup[] {
    return Object.freeze([...this.wildcard]
      .sort(([a], [b]) => b.length - a.length)
      .map(([suffix, entries]) => Object.freeze({ suffix, entries: sortByPrecedence(entries) })));
  }

  public anyHost(): readonly Entry[] {
    return sortByPrecedence(this.any);
  }
}

function pushTo(map: Map<string, Entry[]>, key: string, entry: Entry): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}

/**
 * Sorts the entries of one hostname group (equal on precedence steps 1 and 2) by the rest of the key. Steps 3
 * and 4 compare characters of the matched service and method: every match that constrains the service and
 * matches a call matched all of the call's service (Exact compares the whole segment, a RegularExpression must
 * match all of it), so among matching entries the count is the service's length or 0, and "constrains the
 * service" ranks them exactly. Likewise for the method.
 */
function sortByPrecedence(entries: readonly Entry[]): readonly Entry[] {
  return Object.freeze([...entries].sort((a, b) =>
    rank(b.test.constrainsService) - rank(a.test.constrainsService)
    || rank(b.test.constrainsMethod) - rank(a.test.constrainsMethod)
    || b.test.headers.length - a.test.headers.length
    || compare(a.createdMs, b.createdMs)
    || compare(a.matched.routeKey, b.matched.routeKey)
    || a.routeIndex - b.routeIndex
    || a.matched.ruleIndex - b.matched.ruleIndex
    || a.matched.matchIndex - b.matched.matchIndex));
}

function rank(flag: boolean): number {
  return flag ? 1 : 0;
}

/** Ascending order of numbers (Infinity included) or of strings by UTF-16 code units, locale-independent. */
function compare<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function firstMatching(entries: readonly Entry[], path: string, slash: number, headers: RequestHeaders): Entry | undefined {
  for (let i = 0; i < entries.length; i++) {
    if (callMatches(entries[i].test, path, slash, headers)) return entries[i];
  }
  return undefined;
}

/** The entries of a route: one per hostname it serves (one for any host) and match of each rule. */
function routeEntries(
  route: RouteInput, routeIndex: number, hostnames: readonly string[] | undefined, isBackendValid: RouteTableOptions['isBackendValid'],
): Entry[] {
  const routeKey = routeKeyOf(route);
  const createdMs = creationTime(route);
  const entries: Entry[] = [];
  (route.spec.rules ?? []).forEach((rule, ruleIndex) => {
    const backends = rule.backendRefs ?? [];
    const picker = new WeightedPicker(backends);
    const valid = backends.map((ref) => isBackendValid?.(ref, route) ?? true);
    const noBackend = statusDecision('UNAVAILABLE', 'NO_BACKENDS', `rule ${ruleIndex} of route ${routeKey} has no backend with a weight above 0`);
    const matches: readonly (GRPCRouteMatch | undefined)[] = rule.matches?.length ? rule.matches : [undefined];
    matches.forEach((match, i) => {
      const test = compileMatch(match);
      const matchIndex = match === undefined ? -1 : i;
      for (const hostname of hostnames ?? [undefined]) {
        const matched: MatchedRule = Object.freeze({ kind: 'route', route, routeKey, ruleIndex, rule, matchIndex, hostname });
        const outcomes = backends.map((ref, b) => outcome(matched, ref, b, valid[b]));
        entries.push({ kind: 'entry', test, matched, picker, outcomes, noBackend, createdMs, routeIndex });
      }
    });
  });
  return entries;
}

function outcome(matched: MatchedRule, backendRef: GRPCBackendRef, backendIndex: number, valid: boolean): BackendDecision {
  const backendKey = `${backendRef.namespace ?? namespaceOf(matched.route)}/${backendRef.name}`;
  if (!valid) {
    return statusDecision('UNAVAILABLE', 'INVALID_BACKEND',
      `backend ${backendKey} of rule ${matched.ruleIndex} of route ${matched.routeKey} is invalid`);
  }
  const picked: PickedBackend = { kind: 'backend', matched, backendRef, backendIndex, backendKey };
  return Object.freeze(picked);
}

function namespaceOf(route: RouteInput): string {
  return route.metadata.namespace || 'default';
}

function routeKeyOf(route: RouteInput): string {
  return `${namespaceOf(route)}/${route.metadata.name}`;
}

/** Milliseconds since the epoch; a route without creation time is younger than any with one. */
function creationTime(route: RouteInput): number {
  const timestamp = route.metadata.creationTimestamp;
  return timestamp === undefined ? Number.POSITIVE_INFINITY : Date.parse(timestamp);
}

/**
 * Every problem the CRD (or a broken timestamp) would reject, with paths from the routes array. A header name
 * repeated in another case is accepted: the CRD admits it and the spec says the first entry counts.
 */
function validateRoutes(routes: readonly RouteInput[], listenerHostname: string | undefined): ValidationIssue[] {
  const problems: ValidationIssue[] = [];
  const check = (ok: boolean, code: ProblemCode, path: string, value: unknown, message: string): void => {
    if (!ok) problems.push({ code, path, value, message });
  };
  if (listenerHostname !== undefined) {
    check(isValidHostname(listenerHostname), 'INVALID_HOSTNAME', 'listenerHostname', listenerHostname, 'must be a valid Gateway API hostname');
  }
  routes.forEach((route, r) => {
    const at = `routes[${r}]`;
    check(typeof route.metadata?.name === 'string' && route.metadata.name.length > 0, 'MISSING_NAME', `${at}.metadata.name`, route.metadata?.name,
      'must be a non-empty string');
    const timestamp = route.metadata?.creationTimestamp;
    check(timestamp === undefined || !Number.isNaN(Date.parse(timestamp)), 'INVALID_TIMESTAMP', `${at}.metadata.creationTimestamp`, timestamp,
      'must be an RFC 3339 date-time');
    (route.spec.hostnames ?? []).forEach((h, i) => check(isValidHostname(h), 'INVALID_HOSTNAME', `${at}.spec.hostnames[${i}]`, h,
      'must be a valid Gateway API hostname'));
    (route.spec.rules ?? []).forEach((rule, k) => {
      (rule.matches ?? []).forEach((m, i) => problems.push(...validateRouteMatch(m, `${at}.spec.rules[${k}].matches[${i}]`)
        .filter((p) => p.code !== DUPLICATE_HEADER_MATCH).map(withoutField)));
      (rule.backendRefs ?? []).forEach((b, i) => check(isValidWeight(effectiveWeight(b)), 'INVALID_WEIGHT', `${at}.spec.rules[${k}].backendRefs[${i}].weight`,
        b.weight, `must be an integer from 0 to ${MAX_BACKEND_WEIGHT}`));
    });
  });
  return problems;
}

function withoutField({ code, path, message, value }: ValidationIssue): ValidationIssue {
  return { code, path, message, value };
}
