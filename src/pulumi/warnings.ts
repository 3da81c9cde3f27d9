import * as pulumi from '@pulumi/pulumi';

/** Logs the warnings of a component as Pulumi warnings attached to it, where `pulumi up` shows them. */
export function logWarnings(warnings: readonly string[], resource: pulumi.Resource): void {
  for (const warning of warnings) void pulumi.log.warn(warning, resource);
}
