import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import * as ts from 'typescript';
import type { Cleanup } from './harness';
import type { ProxyConfig } from '../../src/core/proxy-config';
import type { ConnectionCloseReason } from '../../src/proxy/h2/connection-error';

const ROOT = join(__dirname, '..', '..');

/**
 * The proxy's sources and the child script, transpiled to plain JavaScript in a scratch folder (same layout), so
 * that the child runs the proxy alone: under ts-node it would also hold the TypeScript compiler, whose 50 MiB
 * heap makes V8 collect garbage far less often and blurs what the proxy itself holds.
 */
export function transpileProxy(cleanup: Cleanup): string {
  const out = mkdtempSync(join(tmpdir(), 'grpc-mesh-proxy-'));
  cleanup.add(() => rmSync(out, { recursive: true, force: true }));
  // Every module the child reaches through relative imports, from the child script on.
  const pending = [join(ROOT, 'test', 'proxy', 'fixtures', 'proxy-child.ts')];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/from '(\.[^']+)'/g)) {
      const resolved = resolvePath(dirname(file), specifier);
      pending.push(existsSync(`${resolved}.ts`) ? `${resolved}.ts` : join(resolved, 'index.ts'));
    }
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    const target = join(out, relative(ROOT, file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return join(out, 'test', 'proxy', 'fixtures', 'proxy-child.js');
}

/** Options of {@link startChildProxy}. */
export interface ChildProxyOptions {
  /**
   * Seed of the proxy's random source (a Park-Miller generator), so that weighted picks and balancing are the same
   * on every run.
   * @default - Math.random
   */
  readonly seed?: number;
  /**
   * The child script, already transpiled by {@link transpileProxy} (a test that starts several proxies transpiles
   * once).
   * @default - transpiled for this proxy, removed by `cleanup`
   */
  readonly script?: string;
}

/** A proxy in a child process of its own, run with the image's V8 flags. */
export interface ChildProxy {
  /** The port of its first listener. */
  readonly port: number;
  /** The bound port of every listener, by listener name. */
  readonly ports: Readonly<Record<string, number>>;
  /** Its process id. */
  readonly pid: number;
  /** The reasons of the client connections it closed so far, in order. */
  readonly closes: readonly ConnectionCloseReason[];
  /** Its resident set size now, in bytes. */
  rss(): Promise<number>;
  /** Its peak resident set size since it started or since `resetPeakRss()`, in bytes (Linux VmHWM). */
  peakRss(): number;
  /** Starts a new peak (Linux `clear_refs` 5). */
  resetPeakRss(): void;
  /** Resolves once it has closed `count` client connections for `reason`, in all. */
  closed(reason: ConnectionCloseReason, count: number): Promise<void>;
}

/** The V8 flags of the image's ENTRYPOINT (see the Dockerfile). */
const IMAGE_NODE_FLAGS = ['--max-semi-space-size=2'];

/**
 * Starts the proxy in a child process: its memory is then the proxy's alone, not the test's backends' and clients'.
 * It reports every client connection it closes, with the reason.
 */
export async function startChildProxy(config: ProxyConfig, cleanup: Cleanup, options: ChildProxyOptions = {}): Promise<ChildProxy> {
  const args = [JSON.stringify(config), ...(options.seed === undefined ? [] : [JSON.stringify({ seed: options.seed })])];
  const child = fork(options.script ?? transpileProxy(cleanup), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: IMAGE_NODE_FLAGS,
  });
  // Killed, and waited for: the cleanup ends once the process is gone.
  cleanup.add(() => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill();
  }));
  const closes: ConnectionCloseReason[] = [];
  const waiters = new Set<() => void>();
  child.on('message', (message: { type: string; reason?: ConnectionCloseReason }) => {
    if (message.type !== 'connection-closed') return;
    closes.push(message.reason as ConnectionCloseReason);
    for (const waiter of [...waiters]) waiter();
  });
  const { port, ports } = await new Promise<{ port: number; ports: Record<string, number> }>((resolve, reject) => {
    child.once('message', (message: { type: string; port: number; ports: Record<string, number> }) => resolve(message));
    child.once('exit', (code) => reject(new Error(`proxy child exited with ${code}`)));
  });
  const pid = child.pid as number;
  const statusKib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return {
    port,
    ports,
    pid,
    closes,
    rss: () => new Promise((resolve) => {
      const onMessage = (message: { type: string; rss: number }): void => {
        if (message.type !== 'rss') return;
        child.off('message', onMessage);
        resolve(message.rss);
      };
      child.on('message', onMessage);
      child.send({ type: 'rss' });
    }),
    peakRss: () => statusKib('VmHWM'),
    resetPeakRss: () => writeFileSync(`/proc/${pid}/clear_refs`, '5'),
    closed: (reason, count) => new Promise((resolve, reject) => {
      const check = (): void => {
        if (closes.filter((r) => r === reason).length < count) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      child.once('exit', (code) => reject(new Error(`proxy child exited with ${code} before closing ${count} connections for ${reason}`)));
      check();
    }),
  };
}
