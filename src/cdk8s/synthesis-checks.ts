import type { Construct, IConstruct } from 'constructs';
import {
  collectProblems, formatIssue, isSettingOn, WARNINGS_AS_ERRORS_ENV, WARNINGS_AS_ERRORS_KEY, type GrpcMeshValidationError,
} from '../core';
import { printWarnings } from './warnings';

/** The problems of each construct whose props are invalid, reported at synthesis. */
const PROBLEMS = new WeakMap<IConstruct, GrpcMeshValidationError>();

/**
 * Resolves a construct's props with a core resolver, without throwing on invalid props: their problems fail
 * synthesis (`app.synth()`, `cdk8s synth`) through a node validation, in one error with the problems of every other
 * construct of the app, one line per problem (`[shop/users] GrpcMeshService "shop/users": port must be ...`).
 * The construct is then built from the props as given, only for the app to go on; nothing is written.
 *
 * Props too broken to build the construct from at all (e.g. a JavaScript caller that omits a required prop) still
 * throw at construction, with every problem of the construct.
 */
export function resolveForSynthesis<T>(construct: Construct, resolve: () => T): T {
  const { value, error } = collectProblems(resolve);
  if (value === undefined) throw error!;
  if (error !== undefined) {
    PROBLEMS.set(construct, error);
    construct.node.addValidation({ validate: () => error.issues.map((issue) => `${error.subject}: ${formatIssue(issue)}`) });
  }
  return value;
}

/**
 * The problems of a construct built from invalid props, if it was. Such a construct takes no part in the app's
 * routing (its problems are reported, not compounded by the tiers that would serve it), and when building it
 * from the props as given fails, its constructor throws these problems instead of that failure.
 */
export function problemsOf(construct: IConstruct): GrpcMeshValidationError | undefined {
  return PROBLEMS.get(construct);
}

/**
 * Whether the app turns warnings into errors: the context key `grpc-mesh:warningsAsErrors`
 * (`app.node.setContext('grpc-mesh:warningsAsErrors', true)`) or the environment variable
 * `GRPC_MESH_WARNINGS_AS_ERRORS=true`, each `true` or `"true"`.
 */
export function warningsAsErrors(scope: IConstruct): boolean {
  return isSettingOn(scope.node.tryGetContext(WARNINGS_AS_ERRORS_KEY)) || isSettingOn(process.env[WARNINGS_AS_ERRORS_ENV]);
}

/** The warnings printed for each construct: cdk8s validates the app more than once in one `app.synth()`. */
const PRINTED = new WeakMap<IConstruct, Set<string>>();

/**
 * What a synthesis check returns for warnings: nothing, once they are printed to stderr (each once per
 * construct); or, when the app turns warnings into errors, one validation error per warning.
 */
export function warningsAtSynthesis(scope: IConstruct, warnings: readonly string[]): string[] {
  if (!warningsAsErrors(scope)) {
    const printed = PRINTED.get(scope) ?? new Set<string>();
    PRINTED.set(scope, printed);
    printWarnings(warnings.filter((w) => !printed.has(w)));
    warnings.forEach((w) => printed.add(w));
    return [];
  }
  return warnings.map((w) => `warning (${WARNINGS_AS_ERRORS_KEY}): ${w}`);
}

/**
 * Reports a construct's warnings at synthesis (see {@link warningsAtSynthesis}); a construct with problems reports
 * only those.
 */
export function reportWarnings(construct: Construct, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  construct.node.addValidation({ validate: () => (problemsOf(construct) ? [] : warningsAtSynthesis(construct, warnings)) });
}
