import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { parseAllDocuments, stringify } from 'yaml';
import {
  explainCall, ExplainError, gatewayApiToProxyConfig, type CallExplanation, type GatewayApiCompileOptions, type GatewayApiCompileResult,
} from '../core/compile';
import { formatIssue, GrpcMeshValidationError } from '../core/errors';

/** Exit code of invalid input: unreadable files, malformed objects, a parent that is not there, bad flags. */
export const EXIT_INVALID = 2;
/** Exit code of a compile whose routes are not all accepted (`--strict`), or an explained call that fails. */
export const EXIT_NOT_OK = 1;

/** A text sink (process.stdout, or a collector in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/** Where the command writes, for tests. */
export interface CliStreams {
  /** Results. @default process.stdout */
  readonly stdout?: TextSink;
  /** Warnings and errors. @default process.stderr */
  readonly stderr?: TextSink;
}

/**
 * The `grpc-mesh` command: `compile` turns Gateway API YAML into a grpc-mesh-proxy config, `explain` tells which
 * route, rule and backend a call reaches and why. Both go through `gatewayApiToProxyConfig`.
 * @param argv the arguments after the command name
 * @returns the exit code
 */
export function run(argv: readonly string[], streams: CliStreams = {}): number {
  const stdout = streams.stdout ?? process.stdout;
  const stderr = streams.stderr ?? process.stderr;
  let exitCode = 0;
  const program = new Command('grpc-mesh')
    .description('Gateway API objects in, grpc-mesh-proxy config out: compile them, or explain where a call goes.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) });

  const parentOptions = (command: Command): Command => command
    .argument('<files...>', 'YAML files of Kubernetes objects (the output of `cdk8s synth`, or your own)')
    .addOption(new Option('--gateway <namespace/name>', 'the Gateway to compile (north-south)').conflicts('mesh'))
    .addOption(new Option('--mesh <namespace/name...>', 'the Services whose east-west routes to compile (GAMMA)'))
    .option('--cluster-domain <domain>', 'the cluster DNS domain', 'cluster.local');

  parentOptions(program.command('compile'))
    .description('print the grpc-mesh-proxy config (YAML) for a Gateway or mesh Services; warnings go to stderr')
    .option('--strict', 'exit 1 when a route is not accepted or a backend does not resolve')
    .action((files: string[], flags: CompileFlags) => {
      const result = compileFiles(files, flags);
      reportWarnings(result, stderr);
      stdout.write(stringify(result.config, { lineWidth: 0 }));
      if (flags.strict === true && !allAccepted(result)) exitCode = EXIT_NOT_OK;
    });

  parentOptions(program.command('explain'))
    .description('say which route, rule and match a call wins, what it beat, and the backends it reaches (or its status), offline')
    .requiredOption('--call <path>', 'the gRPC method, /package.Service/Method')
    .option('-H, --header <name:value>', 'request metadata (repeatable)', collect, [])
    .option('--authority <host>', 'the :authority of the call (its host picks the Gateway listener and route hostnames)')
    .option('--port <port>', 'the listener port the call arrives on (when the Gateway has several)', parsePort)
    .option('--json', 'print the explanation as JSON')
    .action((files: string[], flags: ExplainFlags) => {
      const result = compileFiles(files, flags);
      const explanation = explainCall(result.config, {
        path: flags.call,
        ...(flags.authority !== undefined && { authority: flags.authority }),
        ...(flags.port !== undefined && { port: flags.port }),
        headers: headersOf(flags.header),
      });
      stdout.write(flags.json === true ? `${JSON.stringify(explanation, null, 2)}\n` : describe(explanation, flags));
      if (explanation.outcome !== 'OK') exitCode = EXIT_NOT_OK;
    });

  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_INVALID;
    if (error instanceof GrpcMeshValidationError || error instanceof InputError || error instanceof ExplainError) {
      stderr.write(`grpc-mesh: ${error.message}\n`);
      return EXIT_INVALID;
    }
    throw error;
  }
  return exitCode;
}

interface CompileFlags {
  readonly gateway?: string;
  readonly mesh?: string[];
  readonly clusterDomain: string;
  readonly strict?: boolean;
}

interface ExplainFlags extends CompileFlags {
  readonly call: string;
  readonly header: string[];
  readonly authority?: string;
  readonly port?: number;
  readonly json?: boolean;
}

/** Bad input found by the command itself (files, flags). */
class InputError extends Error {}

function compileFiles(files: readonly string[], flags: CompileFlags): GatewayApiCompileResult {
  const objects: unknown[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
    }
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) throw new InputError(`${file} is not valid YAML: ${document.errors[0].message}`);
      const object: unknown = document.toJS();
      if (object !== null && object !== undefined) objects.push(object);
    }
  }
  if (flags.gateway === undefined && flags.mesh === undefined) throw new InputError('say which parent to compile: --gateway NAMESPACE/NAME or --mesh NAMESPACE/NAME');
  const options: GatewayApiCompileOptions = {
    clusterDomain: flags.clusterDomain,
    ...(flags.gateway !== undefined && { gateway: objectKey(flags.gateway, '--gateway') }),
    ...(flags.mesh !== undefined && { mesh: flags.mesh.map((m) => objectKey(m, '--mesh')) }),
  };
  return gatewayApiToProxyConfig(objects, options);
}

function objectKey(value: string, flag: string): { namespace: string; name: string } {
  const parts = value.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new InputError(`${flag} takes NAMESPACE/NAME; got "${value}"`);
  return { namespace: parts[0], name: parts[1] };
}

function reportWarnings(result: GatewayApiCompileResult, stderr: TextSink): void {
  for (const warning of result.warnings) stderr.write(`warning: ${formatIssue(warning)}\n`);
  for (const route of result.routes) {
    for (const parent of route.parents) {
      if (!parent.accepted) stderr.write(`warning: GRPCRoute "${route.route}" is not accepted (${parent.reason}): ${parent.message}\n`);
      if (!parent.resolvedRefs) stderr.write(`warning: GRPCRoute "${route.route}" has unresolved backends (${parent.resolvedRefsReason}): ${parent.resolvedRefsMessage}\n`);
    }
  }
}

function allAccepted(result: GatewayApiCompileResult): boolean {
  return result.routes.every((r) => r.parents.every((p) => p.accepted && p.resolvedRefs));
}

function headersOf(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    if (colon <= 0) throw new InputError(`-H takes name:value; got "${value}"`);
    headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim();
  }
  return headers;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InputError(`--port takes a port number; got "${value}"`);
  return port;
}

/** The explanation for a person. */
function describe(e: CallExplanation, flags: ExplainFlags): string {
  const lines: string[] = [];
  const headers = flags.header.length === 0 ? '' : ` with ${flags.header.join(', ')}`;
  lines.push(`call ${flags.call}${flags.authority === undefined ? '' : ` to ${flags.authority}`}${headers}`);
  lines.push(`  listener ${e.listener}${e.virtualHost === undefined ? '' : `, Gateway listener "${e.virtualHost}"`}`);
  if (e.winner !== undefined) {
    const match = e.winner.match < 0 ? 'no matches (matches every call)' : `match ${e.winner.match}`;
    lines.push(`  wins: GRPCRoute ${e.winner.route}, rule ${e.winner.rule}, ${match}${e.winner.hostname === undefined ? '' : `, hostname ${e.winner.hostname}`}`);
    for (const b of e.beaten) {
      lines.push(`    beat GRPCRoute ${b.route}, rule ${b.rule}, ${b.match < 0 ? 'no matches' : `match ${b.match}`}: the winner has ${b.lostBecause}`);
    }
  }
  for (const backend of e.backends) {
    const share = `${(backend.probability * 100).toFixed(1).replace(/\.0$/, '')} %`;
    lines.push(`  backend ${backend.cluster}: ${share} (weight ${backend.weight})${backend.unavailable ? ' -> UNAVAILABLE: the backend did not resolve' : ''}`);
  }
  lines.push(`  ${e.outcome}: ${e.reason}`);
  return `${lines.join('\n')}\n`;
}
