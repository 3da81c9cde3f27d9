/** Prints the warnings of a construct to stderr, where `cdk8s synth` users see them. */
export function printWarnings(warnings: readonly string[]): void {
  for (const warning of warnings) console.warn(`[grpc-mesh] warning: ${warning}`);
}
