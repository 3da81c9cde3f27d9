import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Cleanup, echoClient, startBackends, unary, waitFor } from './harness';
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

  test('bundles the proxy on node:20-bookworm-slim and runs it on distroless Node 20', () => {
    expect(stages.map((s) => [s.name, s.from])).toEqual([
      ['build', 'node:20-bookworm-slim'],
      ['runtime', 'gcr.io/distroless/nodejs20-debian12:nonroot'],
    ]);
    expect(only(stageNamed('build'), 'RUN').map((i) => i.args)).toEqual([
      'npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier',
      'node scripts/image/bundle-proxy.mjs /out',
    ]);
  });

  test('copies only the bundle into the runtime stage, and runs nothing there (distroless has no shell)', () => {
    const copies = only(runtime, 'COPY').map((i) => i.args.split(/\s+/));
    // Nothing from the build context: sources never reach the runtime image.
    expect(copies).toEqual([['--from=build', '/out', './']]);
    expect(only(runtime, 'ADD')).toEqual([]);
    expect(only(runtime, 'RUN')).toEqual([]);
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

  test('runs the bundle with the config file the rendered Deployment mounts, exposing its ports', () => {
    expect(only(runtime, 'ENTRYPOINT').map(execForm)).toEqual([['/nodejs/bin/node', '--max-semi-space-size=2', 'lib/proxy/main.js']]);
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
    expect(ignore).toEqual(['*', '!package.json', '!package-lock.json', '!tsconfig.json', '!src/', '!scripts/image/bundle-proxy.mjs']);
  });
});

describe('the image\'s command, run as CI runs it', () => {
  const cleanup = new Cleanup();
  /** The image's /app: the build stage's bundle, made by the same script. */
  let app: string;
  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 'grpc-mesh-proxy-bundle-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'image', 'bundle-proxy.mjs'), app], { stdio: 'pipe' });
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));
  afterEach(() => cleanup.run());

  test('the bundle loads nothing but Node built-ins: the image has no node_modules', () => {
    const bundle = readFileSync(join(app, 'lib', 'proxy', 'main.js'), 'utf8');
    const required = new Set([...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map(([, specifier]) => specifier));
    expect([...required].filter((p) => !builtinModules.includes(p.replace(/^node:/, '')))).toEqual([]);
    expect(required).toContain('node:net'); // the scan sees the bundle's requires
    expect(readdirSync(app).sort()).toEqual(['THIRD-PARTY-NOTICES', 'lib', 'package.json']);
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
    expect(command).toBe('/nodejs/bin/node');
    const child = spawn(process.execPath, args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
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
