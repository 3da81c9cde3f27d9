#!/usr/bin/env node
/**
 * The `grpc-mesh-proxy` command (the image's ENTRYPOINT, bundled with its packages): runs the CLI of `./cli` with the
 * process's arguments and exits with its code. Kept apart from `./cli` so that what tests import has no shebang.
 */
import { EXIT_FAILURE, run } from './cli';

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`grpc-mesh-proxy: ${error.stack ?? error.message}\n`);
    process.exit(EXIT_FAILURE);
  },
);
