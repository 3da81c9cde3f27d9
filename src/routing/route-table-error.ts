import type { MatchProblem } from './match-validation';

/** A problem of the routes given to a `RouteTable`; `path` is relative to the routes array. */
export type RouteProblem = Omit<MatchProblem, 'field'>;

/** Thrown by `RouteTable` when routes are invalid (what the CRD would reject); lists every problem. */
export class RouteTableError extends Error {
  /** Every problem found. */
  public readonly problems: readonly RouteProblem[];

  public constructor(problems: readonly RouteProblem[]) {
    super(`Invalid routes: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map(describe).join('\n')}`);
    this.name = 'RouteTableError';
    this.problems = problems;
  }
}

function describe(problem: RouteProblem): string {
  return `  - ${problem.path} ${problem.message}; got ${JSON.stringify(problem.value) ?? 'nothing'}. [${problem.code}]`;
}
