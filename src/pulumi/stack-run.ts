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
