/**
 * Runs a Pulumi program under the mocks of `./mocks`, as `pulumi up` runs it (plain Node resolution, so the program's
 * `grpc-mesh/pulumi` import goes through the package's `exports` to lib/) but without an engine. Writes, as JSON, every
 * resource the program registered and the value of every output it exports.
 *
 *   ts-node --project examples/tsconfig.json test/pulumi/run-under-mocks.ts <program> <result.json> [<resource> <state JSON>]
 *
 * The optional resource name and state JSON add state to what the mocks return for that resource (e.g. a
 * LoadBalancer `status`).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { promiseOf, settle, useMocks } from './mocks';

async function main(program: string, resultFile: string, stateFor?: string, stateJson?: string): Promise<void> {
  const recorded = await useMocks('example', (r) => (r.name === stateFor ? JSON.parse(stateJson!) : undefined));
  // The mocks must be set before the program loads, so it is required here, not imported at the top.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(resolve(program)) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exported)) outputs[name] = pulumi.Output.isInstance(value) ? await promiseOf(value) : value;
  await settle();
  writeFileSync(resultFile, JSON.stringify({ resources: recorded, outputs }));
}

const [program, resultFile, stateFor, stateJson] = process.argv.slice(2);
main(program, resultFile, stateFor, stateJson).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
