import * as pulumi from '@pulumi/pulumi';
import { GrpcMeshError, hideFields, isSettingOn, WARNINGS_AS_ERRORS_KEY } from '../core';
import { markAsResourceError } from './errors';

/**
 * Warnings of a component that the stack turns into errors with `pulumi config set grpc-mesh:warningsAsErrors true`:
 * a Pulumi `ResourceError` attached to the component, one warning per line, reported without a stack trace. Its
 * `issues` are empty: the warnings are in `warnings`, each formatted with its component and code.
 */
export class GrpcMeshWarningsError extends GrpcMeshError {
  /** The warnings, each formatted with its component, code and how to silence it. */
  public readonly warnings: readonly string[];
  /** The component whose warnings these are. */
  declare public readonly resource: pulumi.Resource | undefined;
  /** Always true: Pulumi reports the message without the stack. */
  declare public readonly hideStack: boolean;

  /**
   * @param warnings the component's warnings
   * @param resource the component
   */
  public constructor(warnings: readonly string[], resource: pulumi.Resource) {
    const count = warnings.length === 1 ? 'is 1 warning' : `are ${warnings.length} warnings`;
    super(WARNINGS_AS_ERRORS_KEY, [], [`${WARNINGS_AS_ERRORS_KEY} is set, and there ${count}:`, ...warnings.map((w) => `  - ${w}`)].join('\n'));
    this.warnings = warnings;
    hideFields(this, ['warnings']);
    markAsResourceError(this, resource);
  }
}

/** Whether the stack's config turns warnings into errors (`grpc-mesh:warningsAsErrors`: `true`). */
export function warningsAsErrors(): boolean {
  return isSettingOn(pulumi.runtime.getConfig(WARNINGS_AS_ERRORS_KEY));
}

/**
 * Logs the warnings of a component as Pulumi warnings attached to it, where `pulumi up` shows them; or, when the
 * stack sets `grpc-mesh:warningsAsErrors`, throws them as a {@link GrpcMeshWarningsError}.
 */
export function logWarnings(warnings: readonly string[], resource: pulumi.Resource): void {
  if (warnings.length > 0 && warningsAsErrors()) throw new GrpcMeshWarningsError(warnings, resource);
  for (const warning of warnings) void pulumi.log.warn(warning, resource);
}
