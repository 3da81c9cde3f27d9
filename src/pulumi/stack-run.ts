import * as pulumi from '@pulumi/pulumi';

/**
 * State kept per stack (`project/stack`) and per program run. A run is told apart by its resource monitor: the
 * Automation API can run a program several times in one process (a preview, then an update), and each run starts
 * afresh.
 */
const runs = new WeakMap<object, Map<string, unknown>>();
const NO_MONITOR = {};

/**
 * The state named `key` of the current stack and run, made by `init` on first use.
 * @param key what the state is, e.g. `reference-grants`
 */
export function stackRunState<T>(key: string, init: () => T): T {
  const run = pulumi.runtime.getMonitor() ?? NO_MONITOR;
  const states = runs.get(run) ?? new Map<string, unknown>();
  runs.set(run, states);
  const id = `${pulumi.getProject()}/${pulumi.getStack()}/${key}`;
  if (!states.has(id)) states.set(id, init());
  return states.get(id) as T;
}

/**
 * Resolves once the synchronous part of the current run's program is over (one turn of the event loop after the
 * first call in the run), so that what depends on every component of the stack sees those declared before and
 * after the caller alike. Later calls in the run (after an `await`) get the same, settled, promise.
 */
export function declarationsOver(): Promise<void> {
  return stackRunState('declarations-over', () => new Promise<void>((resolve) => setImmediate(resolve)));
}
