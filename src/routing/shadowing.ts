import { distinctByName } from './compiled-match';
import type { GRPCRouteMatch, GRPCRouteRule } from './gateway-api';

/** A match that can never win, because an earlier rule of the same route has an identical match. */
export interface ShadowedMatch {
  /** Index of the rule of the unreachable match. */
  readonly ruleIndex: number;
  /** Index of the unreachable match in `rules[ruleIndex].matches`; -1 when the rule has no matches (matches everything). */
  readonly matchIndex: number;
  /** Index of the earlier rule that wins instead. */
  readonly shadowedBy: number;
  /** Index of the identical match in `rules[shadowedBy].matches`; -1 when that rule has no matches. */
  readonly shadowedByMatchIndex: number;
}

/**
 * Finds the matches of one route that can never be reached because an earlier rule has an identical match:
 * the same method match once `type` defaults to `Exact`, and the same set of header matches in any order, names
 * compared case-insensitively (and, as the spec says, only the first entry of a repeated name counting).
 * A rule without matches counts as one match-everything match, so it shadows a later rule without matches or
 * a later empty match `{}`.
 *
 * Only identical matches shadow. An earlier catch-all rule does NOT shadow a more specific later rule:
 * GRPCRoute precedence ranks every match of every rule by service characters, method characters and header
 * count before rule order, so the later, more specific match wins the calls it matches. Rule order only
 * breaks ties between matches with identical precedence keys, and within one route (same hostnames, same
 * creation time, same name) only identical matches tie for sure. Repeats inside one rule are not reported:
 * they lead to the same rule.
 * @param rules the rules of one route, in order
 * @returns the unreachable matches, in rule and match order
 */
export function findShadowedMatches(rules: readonly GRPCRouteRule[]): ShadowedMatch[] {
  const firstSeen = new Map<string, { readonly ruleIndex: number; readonly matchIndex: number }>();
  const shadowed: ShadowedMatch[] = [];
  rules.forEach((rule, ruleIndex) => {
    const matches: readonly (GRPCRouteMatch | undefined)[] = rule.matches?.length ? rule.matches : [undefined];
    const keys = matches.map(matchKey);
    keys.forEach((key, i) => {
      const earlier = firstSeen.get(key);
      if (earlier !== undefined && earlier.ruleIndex < ruleIndex) {
        shadowed.push({ ruleIndex, matchIndex: indexIn(rule, i), shadowedBy: earlier.ruleIndex, shadowedByMatchIndex: earlier.matchIndex });
      }
    });
    keys.forEach((key, i) => {
      if (!firstSeen.has(key)) firstSeen.set(key, { ruleIndex, matchIndex: indexIn(rule, i) });
    });
  });
  return shadowed;
}

/** The position of a match in its rule, -1 for the implicit match of a rule without matches. */
function indexIn(rule: GRPCRouteRule, i: number): number {
  return rule.matches?.length ? i : -1;
}

/** A string equal for exactly the matches that match the same calls with the same precedence. */
function matchKey(match: GRPCRouteMatch | undefined): string {
  const service = match?.method?.service || '';
  const method = match?.method?.method || '';
  const methodKey = service || method ? [match?.method?.type ?? 'Exact', service, method] : [];
  const headerKeys = distinctByName(match?.headers ?? [])
    .map((h) => [h.name.toLowerCase(), h.type ?? 'Exact', h.value])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([methodKey, headerKeys]);
}
