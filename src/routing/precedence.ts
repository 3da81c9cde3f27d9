import type { GrpcCall } from './grpc-call';
import { parseGrpcPath } from './grpc-path';
import { isWildcard } from './hostname-match';
import type { MatchedRule } from './routing-decision';

/**
 * The Gateway API precedence key of a rule match for a call, step by step (docs/design/routing-semantics.md): largest wins on
 * the counts, oldest on the creation time, alphabetical on the route key, then the earlier rule and match.
 */
export interface PrecedenceKey {
  /** Characters of the matching non-wildcard hostname (0 for a wildcard or no hostname). */
  readonly exactHostnameChars: number;
  /** Characters of the matching hostname, wildcard included (0 for none). */
  readonly hostnameChars: number;
  /** Characters of the service the match constrains (0 when it does not). */
  readonly serviceChars: number;
  /** Characters of the method the match constrains (0 when it does not). */
  readonly methodChars: number;
  /** Header matches (distinct names). */
  readonly headerMatches: number;
  /** The route's creation time, when it has one. */
  readonly creationTimestamp: string | undefined;
  /** `namespace/name` of the route. */
  readonly routeKey: string;
  /** Index of the rule in the route. */
  readonly ruleIndex: number;
  /** Index of the match in the rule (-1: a rule without matches). */
  readonly matchIndex: number;
}

/** The precedence key of `matched` for `call`. */
export function precedenceOf(matched: MatchedRule, call: GrpcCall): PrecedenceKey {
  const match = matched.matchIndex < 0 ? undefined : matched.rule.matches?.[matched.matchIndex];
  const name = parseGrpcPath(call.path);
  const hostname = matched.hostname;
  return {
    exactHostnameChars: hostname !== undefined && !isWildcard(hostname) ? hostname.length : 0,
    hostnameChars: hostname?.length ?? 0,
    serviceChars: match?.method?.service ? name?.service.length ?? 0 : 0,
    methodChars: match?.method?.method ? name?.method.length ?? 0 : 0,
    headerMatches: new Set((match?.headers ?? []).map((h) => h.name.toLowerCase())).size,
    creationTimestamp: matched.route.metadata.creationTimestamp,
    routeKey: matched.routeKey,
    ruleIndex: matched.ruleIndex,
    matchIndex: matched.matchIndex,
  };
}

/** The first precedence step on which `winner` beats `loser`, as a sentence fragment: `more header matches (2 > 1)`. */
export function whyAhead(winner: PrecedenceKey, loser: PrecedenceKey): string {
  const larger: Array<[keyof PrecedenceKey, string]> = [
    ['exactHostnameChars', 'a longer exact hostname'],
    ['hostnameChars', 'a longer hostname'],
    ['serviceChars', 'a longer matched service'],
    ['methodChars', 'a longer matched method'],
    ['headerMatches', 'more header matches'],
  ];
  for (const [step, what] of larger) {
    if (winner[step] !== loser[step]) return `${what} (${String(winner[step])} > ${String(loser[step])})`;
  }
  if (winner.creationTimestamp !== loser.creationTimestamp) {
    return `an older route (created ${winner.creationTimestamp ?? 'at an unknown time'}, the other ${loser.creationTimestamp ?? 'at an unknown time'})`;
  }
  if (winner.routeKey !== loser.routeKey) return `its route name first alphabetically (${winner.routeKey} < ${loser.routeKey})`;
  if (winner.ruleIndex !== loser.ruleIndex) return `an earlier rule of the same route (${winner.ruleIndex} < ${loser.ruleIndex})`;
  return `an earlier match of the same rule (${winner.matchIndex} < ${loser.matchIndex})`;
}
