import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { stringify } from 'yaml';
import { Cleanup, echoClient, requireCompiledProxy, startBackends, unary, waitFor } from './harness';
import { DataPlane } from '../../src/core';
import { PROXY_LISTENER_PORT, PROXY_PROBE_PORT, PROXY_UID } from '../../src/core/defaults';
import type { ProxyConfig } from '../../src/core/proxy-config';
import { render } from '../support/render';

const ROOT = join(__dirname, '..', '..');

/** One instruction of a Dockerfile: keyword and arguments, continuation lines joined. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** A build stage: its base image, name and instructions. */
interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Parses a Dockerfile into stages (comments and blank lines dropped, `\` continuations joined). */
function parseDockerfile(text: string): { readonly args: Readonly<Record<string, string>>; readonly stages: readonly Stage[] } {
  const instructions = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
      return { keyword: keyword.toUpperCase(), args };
    });
  const globalArgs: Record<string, string> = {};
  const stages: Array<{ from: string; name: string | undefined; instructions: Instruction[] }> = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const from = image.replace(/^\$\{(\w+)\}$/, (_m, arg: string) => globalArgs[arg] ?? '');
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name, value] = instruction.args.split('=');
      globalArgs[name] = value;
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  return { args: globalArgs, stages };
}

function only(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** Exec-form arguments (`["a", "b"]`). */
function execForm(instruction: Instruction): string[] {
  return JSON.parse(instruction.args) as string[];
}

describe('Dockerfile', () => {
  const { stages } = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const runtime = stages[stages.length - 1];
  const stageNamed = (name: string): Stage => stages.find((s) => s.name === name)!;

  test('builds in stages from node:20-bookworm-slim: compile, production dependencies, runtime', () => {
    expect(stages.map((s) => [s.name, s.from])).toEqual([
      ['build', 'node:20-bookworm-slim'],
      ['deps', 'node:20-bookworm-slim'],
      ['runtime', 'node:20-bookworm-slim'],
    ]);
    expect(only(stageNamed('build'), 'RUN').map((i) => i.args)).toEqual(['npm ci --ignore-scripts --no-audit --no-fund', 'npx tsc --build']);
  });

  test('installs only production dependencies, without install scripts, for the runtime', () => {
    const install = only(stageNamed('deps'), 'RUN').map((i) => i.args);
    expect(install).toHaveLength(1);
    expect(install[0]).toMatch(/^npm ci /);
    expect(install[0].split(' ')).toEqual(expect.arrayContaining(['--omit=dev', '--ignore-scripts']));
  });

  test('copies only lib/, package*.json and node_modules into the runtime stage', () => {
    const sources = only(runtime, 'COPY').flatMap((i) => {
      const parts = i.args.split(/\s+/);
      const from = parts.find((p) => p.startsWith('--from='));
      expect(from).toBeDefined(); // nothing from the build context: sources never reach the runtime image
      return parts.filter((p) => !p.startsWith('--')).slice(0, -1);
    });
    expect(sources.map((s) => s.split('/').pop())).toEqual(['package.json', 'package-lock.json', 'node_modules', 'lib']);
    expect(only(runtime, 'ADD')).toEqual([]);
    expect(only(runtime, 'RUN').map((i) => i.args).join(' ')).not.toMatch(/npm (ci|install)/);
  });

  test('runs as a non-root numeric user: the UID the rendered Deployment sets', () => {
    const users = only(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0].args.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBe(PROXY_UID);
    expect(Number(gid)).toBe(PROXY_UID);
    const lastUser = runtime.instructions.lastIndexOf(users[0]);
    expect(runtime.instructions.slice(lastUser).some((i) => i.keyword === 'RUN')).toBe(false);
  });

  test('runs lib/proxy/main.js with the config file the rendered Deployment mounts, exposing its ports', () => {
    expect(only(runtime, 'ENTRYPOINT').map(execForm)).toEqual([['node', '--max-semi-space-size=2', 'lib/proxy/main.js']]);
    expect(only(runtime, 'CMD').map(execForm)).toEqual([['--config', '/etc/grpc-mesh-proxy/proxy.yaml']]);
    const container = (render({ dataPlane: DataPlane.proxy({ image: 'grpc-mesh-proxy:test' }) }).balancer!.deployment as any)
      .spec.template.spec.containers[0];
    expect(container.args.slice(0, 2)).toEqual(execForm(only(runtime, 'CMD')[0]));
    // The rendered container's ports: the gRPC listener and the probe listener (the admin interface is on loopback).
    expect(container.ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([PROXY_LISTENER_PORT, PROXY_PROBE_PORT]);
    expect(only(runtime, 'EXPOSE').map((i) => i.args)).toEqual([`${PROXY_LISTENER_PORT} ${PROXY_PROBE_PORT}`]);
    expect(only(runtime, 'WORKDIR').map((i) => i.args)).toEqual(['/app']);
  });

  test('keeps the host\'s node_modules and lib/ out of the build context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore).toEqual(['*', '!package.json', '!package-lock.json', '!tsconfig.json', '!src/']);
  });
});

/** Packages (not relative files) that `entry` loads, following its relative requires through lib/. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
      if (specifier.startsWith('.')) {
        const target = resolvePath(dirname(file), specifier);
        queue.push(existsSync(`${target}.js`) ? `${target}.js` : join(target, 'index.js'));
      } else {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
      }
    }
  }
  return packages;
}

describe('the image\'s command, run as CI runs it', () => {
  const cleanup = new Cleanup();
  const main = join(ROOT, 'lib', 'proxy', 'main.js');
  beforeAll(requireCompiledProxy);
  afterEach(() => cleanup.run());

  test('loads nothing but Node built-ins and the production dependencies the runtime stage installs', () => {
    const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const outside = [...packagesLoadedBy(main)].filter((p) => !builtinModules.includes(p.replace(/^node:/, '')) && !(p in dependencies));
    expect(outside).toEqual([]);
    expect([...packagesLoadedBy(main)].filter((p) => p in dependencies).sort()).toEqual(['commander', 'pino', 'prom-client', 'yaml', 'zod']);
  });

  test('ENTRYPOINT + CMD serve a grpc-js call through the proxy to a grpc-js backend and exit 0 on SIGTERM', async () => {
    const { stages } = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    const runtime = stages[stages.length - 1];
    const [command, ...entryArgs] = execForm(only(runtime, 'ENTRYPOINT')[0]);
    const cmd = execForm(only(runtime, 'CMD')[0]);

    const [backend] = await startBackends(1, cleanup);
    const dir = mkdtempSync(join(tmpdir(), 'grpc-mesh-proxy-image-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    const config: ProxyConfig = {
      version: 1,
      listeners: [{ name: 'grpc', address: '127.0.0.1', port: 0 }],
      admin: { address: '127.0.0.1', port: 0 },
      clusters: [{ name: 'backend', discovery: { type: 'static', endpoints: [{ address: '127.0.0.1', port: backend.port }] } }],
      routes: [{ name: 'all', rules: [{ backendRefs: [{ name: 'backend' }] }] }],
      drainTimeoutMs: 5000,
    };
    const configFile = join(dir, 'proxy.yaml');
    writeFileSync(configFile, stringify(config));
    // The image mounts the config at CMD's path; here the same argument points at a temporary file.
    const args = [...entryArgs, ...cmd.map((arg) => (arg === '/etc/grpc-mesh-proxy/proxy.yaml' ? configFile : arg))];
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.add(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    await waitFor(() => stderr.includes('"msg":"started"') || child.exitCode !== null, 10_000, 'the proxy to start');
    const started = JSON.parse(stderr.split('\n').find((l) => l.includes('"msg":"started"'))!) as { listeners: { grpc: number } };
    const client = echoClient(`127.0.0.1:${started.listeners.grpc}`, cleanup);
    const outcome = await unary(client, { message: 'through the image command' });
    expect(outcome.code).toBe(0);
    expect(outcome.replies[0]).toMatchObject({ backend: 'b1', message: 'through the image command' });
    await waitFor(() => stdout.includes('"path":"/test.echo.Echo/Unary"'), 10_000, 'the access log line');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
