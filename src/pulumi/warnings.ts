import * as pulumi from '@pulumi/pulumi';
import { hideFields, isSettingOn, WARNINGS_AS_ERRORS_KEY } from '../core';

/**
 * Warnings of a component that the stack turns into errors with `pulumi config set grpc-mesh:warningsAsErrors true`:
 * a `pulumi.ResourceError` attached to the component, one warning per line.
 */
export class GrpcMeshWarningsError extends pulumi.ResourceError {
  /** The warnings, each formatted with its component, code and how to silence it. */
  public readonly warnings: readonly string[];

  /**
   * @param warnings the component's warnings
   * @param resource the component
   */
  public constructor(warnings: readonly string[], resource: pulumi.Resource) {
    super([`${WARNINGS_AS_ERRORS_KEY} is set, and there ${warnings.length === 1 ? 'is 1 warning' : `are ${warnings.length} warnings`}:`,
      ...warnings.map((w) => `  - ${w}`)].join('\n'), resource);
    this.name = 'GrpcMeshWarningsError';
    this.warnings = warnings;
    hideFields(this, ['warnings']);
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
