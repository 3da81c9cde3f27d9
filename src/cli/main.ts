#!/usr/bin/env node
/** The `grpc-mesh` command (the package's bin): `grpc-mesh compile` and `grpc-mesh explain`, see `./grpc-mesh-cli`. */
import { run } from './grpc-mesh-cli';

process.exitCode = run(process.argv.slice(2));
