import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Cleanup } from './harness';
import { ProxyProcess } from './proxy-process';
import type { ProxyConfig } from '../../src/core/proxy-config';
import type { ConnectionCloseReason } from '../../src/proxy/h2/connection-error';

/** Options of {@link startChildProxy}. */
export interface ChildProxyOptions {
  /**
   * Seed of the proxy's random source (`--seed`), so that weighted picks and balancing are the same on every run.
   * @default - unseeded
   */
  readonly seed?: number;
}

/** grpc-mesh-proxy in a process of its own (or its container), as it ships. */
export interface ChildProxy {
  /** The port of its first listener. */
  readonly port: number;
  /** The bound port of every listener, by listener name. */
  readonly ports: Readonly<Record<string, number>>;
  /** Its process id on this machine. */
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

/** The absolute paths of existing files in a config (its TLS certificates, keys and CAs). */
function filesNamedIn(value: unknown): string[] {
  if (typeof value === 'string') return isAbsolute(value) && statSync(value, { throwIfNoEntry: false })?.isFile() ? [value] : [];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(filesNamedIn);
}

/**
 * Starts `grpc-mesh-proxy --config FILE` with `config` (see {@link ProxyProcess}: the compiled command, or the image
 * under `npm run test:image`), so that its memory is the proxy's alone, not the test's backends' and clients'. It
 * logs at debug level, which names the reason of every client connection it closes; no access log.
 */
export async function startChildProxy(config: ProxyConfig, cleanup: Cleanup, options: ChildProxyOptions = {}): Promise<ChildProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-mesh-child-proxy-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'proxy.json');
  writeFileSync(file, JSON.stringify(config));
  const seed = options.seed === undefined ? [] : ['--seed', String(options.seed)];
  const proxy = new ProxyProcess(['--config', file, '--log-level', 'debug', '--no-access-log', ...seed], { files: filesNamedIn(config) });
  cleanup.add(() => proxy.stop());

  const closes: ConnectionCloseReason[] = [];
  const waiters = new Set<() => void>();
  proxy.onLogLine((line) => {
    if (line.msg !== 'client connection closed') return;
    closes.push(line.reason as ConnectionCloseReason);
    for (const waiter of [...waiters]) waiter();
  });
  const { listeners } = await proxy.started();
  const pid = await proxy.pid();
  const statusKib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return {
    port: Object.values(listeners)[0],
    ports: listeners,
    pid,
    closes,
    rss: async () => statusKib('VmRSS'),
    peakRss: () => statusKib('VmHWM'),
    resetPeakRss: () => writeFileSync(`/proc/${pid}/clear_refs`, '5'),
    closed: (reason, count) => new Promise((resolve, reject) => {
      const check = (): void => {
        if (closes.filter((r) => r === reason).length < count) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      void proxy.exited.then((code) => reject(new Error(`grpc-mesh-proxy exited with ${code} before closing ${count} connections for ${reason}`)));
      check();
    }),
  };
}
