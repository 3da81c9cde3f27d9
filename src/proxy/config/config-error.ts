/** One problem of a proxy config: where, what is wrong, and the offending value. */
export interface ConfigProblem {
  /** Field path, e.g. `clusters[0].discovery.port`; empty for the whole file. */
  readonly path: string;
  /** What is wrong, as a fragment that follows the path: `must be ...`. */
  readonly message: string;
  /** The offending value (undefined when the field is missing). */
  readonly value?: unknown;
}

/** Thrown when a proxy config cannot be used; lists every problem found. */
export class ProxyConfigError extends Error {
  /** Every problem found. */
  public readonly problems: readonly ConfigProblem[];

  /**
   * @param source where the config came from (a file path, or a description such as `--backends`)
   * @param problems every problem found
   */
  public constructor(public readonly source: string, problems: readonly ConfigProblem[]) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super(`Invalid proxy config ${source}: ${count}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ProxyConfigError';
    this.problems = problems;
  }
}

/** `clusters[0].discovery.port: must be an integer between 1 and 65535; got 70000`. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.path === '' ? '(config)' : problem.path;
  return `${where}: ${problem.message}; got ${describeValue(problem.value)}`;
}

/** A value as a short JSON-like text; `nothing` for a missing one. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `clusters[0].discovery.port` from `['clusters', 0, 'discovery', 'port']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}
