import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { COMPILED_MAIN, requireCompiledProxy } from './harness';

/**
 * The proxy image to run the proxy's end-to-end suites against (`npm run test:image` sets it after building the
 * image): with it, every {@link ProxyProcess} is the container; without it, `node lib/proxy/main.js`.
 */
export const PROXY_IMAGE = process.env.GRPC_MESH_PROXY_IMAGE || undefined;

/** podman on these machines: runc with cgroupfs. */
export const PODMAN = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
/** The sandbox's own limits on open files and processes: podman cannot raise a container's above them. */
export const PODMAN_LIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=4096:4096'];
/** The V8 flags of the image's ENTRYPOINT (see the Dockerfile), for the local command. */
const IMAGE_NODE_FLAGS = ['--max-semi-space-size=2'];

const execFileAsync = promisify(execFile);

/** Runs podman with this machine's runtime flags. */
export function podman(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync('podman', [...PODMAN, ...args], { encoding: 'utf8' });
}

/** The `started` log line: bound ports by listener name, the admin port and, when configured, the probe port. */
export interface StartedLine {
  readonly listeners: Readonly<Record<string, number>>;
  readonly admin: number;
  readonly probes?: number;
}

/** Options of a {@link ProxyProcess}. */
export interface ProxyProcessOptions {
  /**
   * Files the proxy reads that its arguments do not name (the TLS files of a config): mounted into the container.
   * @default - none
   */
  readonly files?: readonly string[];
}

let containers = 0;

/**
 * `grpc-mesh-proxy ARGS` in a process of its own, started the way it ships: `node --max-semi-space-size=2
 * lib/proxy/main.js ARGS`, or with {@link PROXY_IMAGE} the image itself, `podman run --network host IMAGE ARGS`, with
 * every file and folder that ARGS or `files` name mounted read-only at the same path (and made readable to the
 * image's non-root user, as a Kubernetes volume is). Its output is collected and its JSON log lines parsed as they
 * come.
 */
export class ProxyProcess {
  /** Everything written to stdout so far (the access log). */
  public stdout = '';
  /** Everything written to stderr so far (usage errors and the JSON process log). */
  public stderr = '';
  /** The exit code, once the process (or the container) has exited and its output has been read. */
  public readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly container: string | undefined;
  private readonly lines: Array<Record<string, unknown>> = [];
  private readonly lineListeners = new Set<(line: Record<string, unknown>) => void>();
  private partial = '';
  private exitCode: number | null | undefined;

  public constructor(args: readonly string[], options: ProxyProcessOptions = {}) {
    if (PROXY_IMAGE === undefined) {
      requireCompiledProxy();
      this.child = spawn(process.execPath, [...IMAGE_NODE_FLAGS, COMPILED_MAIN, ...args], { stdio: 'pipe' });
    } else {
      this.container = `grpc-mesh-proxy-e2e-${process.pid}-${++containers}`;
      const mounts = mountsFor([...args, ...(options.files ?? [])]).flatMap((dir) => ['-v', `${dir}:${dir}:ro`]);
      this.child = spawn('podman', [...PODMAN, 'run', '--rm', ...PODMAN_LIMITS, '--name', this.container, '--network', 'host', ...mounts,
        PROXY_IMAGE, ...args], { stdio: 'pipe' });
    }
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => this.readStderr(chunk));
    // 'close', not 'exit': it comes once stdout and stderr are read to their end, so the log is whole.
    this.exited = new Promise((resolve) => this.child.on('close', (code) => {
      this.exitCode = code;
      resolve(code);
    }));
  }

  /** Whether it still runs. */
  public get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The JSON lines of its process log so far. */
  public log(): ReadonlyArray<Record<string, unknown>> {
    return this.lines;
  }

  /** Calls `listener` with every JSON log line from now on. */
  public onLogLine(listener: (line: Record<string, unknown>) => void): void {
    this.lineListeners.add(listener);
  }

  /** Resolves with the `started` log line once written; rejects, with its stderr, if the process exits first. */
  public started(): Promise<StartedLine> {
    return new Promise((resolve, reject) => {
      const done = (line: Record<string, unknown>): void => {
        if (line.msg !== 'started') return;
        this.lineListeners.delete(done);
        resolve(line as unknown as StartedLine);
      };
      const line = this.lines.find((l) => l.msg === 'started');
      if (line !== undefined) return resolve(line as unknown as StartedLine);
      this.lineListeners.add(done);
      void this.exited.then((code) => reject(new Error(`grpc-mesh-proxy exited with ${code} before it started:\n${this.stderr}`)));
    });
  }

  /** The proxy's process id on this machine (the container's process, with an image), for /proc. */
  public async pid(): Promise<number> {
    if (this.container === undefined) return this.child.pid as number;
    return Number((await podman('inspect', '--format', '{{.State.Pid}}', this.container)).stdout.trim());
  }

  /** Sends `signal` to the proxy (with an image, through `podman kill`, to the container's process). */
  public signal(signal: NodeJS.Signals): void {
    if (this.container === undefined) this.child.kill(signal);
    else void podman('kill', '--signal', signal, this.container).catch(() => undefined);
  }

  /** Kills it if it still runs, and waits until it (and its container) is gone. */
  public async stop(): Promise<void> {
    if (this.running) {
      if (this.container === undefined) this.child.kill('SIGKILL');
      else await podman('rm', '--force', '--time', '0', this.container).catch(() => undefined);
    }
    await this.exited;
  }

  private readStderr(chunk: string): void {
    this.stderr += chunk;
    const text = this.partial + chunk;
    const end = text.lastIndexOf('\n');
    this.partial = text.slice(end + 1);
    if (end < 0) return;
    for (const raw of text.slice(0, end).split('\n')) {
      if (!raw.startsWith('{')) continue;
      const line = JSON.parse(raw) as Record<string, unknown>;
      this.lines.push(line);
      for (const listener of [...this.lineListeners]) listener(line);
    }
  }
}

/**
 * The folders to mount for the absolute paths among `paths` that exist (a file's folder, or the folder itself), none
 * inside another. What the proxy reads is made readable to every user, as a Kubernetes volume is: each file named,
 * the files directly in each folder named, and every folder from a mount down to them.
 */
function mountsFor(paths: readonly string[]): string[] {
  const named = paths.filter((path) => path.startsWith(sep) && existsSync(path));
  const folderOf = (path: string): string => (statSync(path).isDirectory() ? path : dirname(path));
  const dirs = new Set(named.map(folderOf));
  const mounts = [...dirs].filter((dir) => ![...dirs].some((other) => other !== dir && dir.startsWith(`${other}${sep}`)));
  // eslint-disable-next-line no-bitwise -- permission bits, added to what is there
  const readable = (path: string, bits: number): void => chmodSync(path, statSync(path).mode | bits);
  for (const path of named) {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isFile()) readable(join(path, entry.name), 0o044);
    } else {
      readable(path, 0o044);
    }
    for (let dir = folderOf(path); ; dir = dirname(dir)) {
      readable(dir, 0o055);
      if (mounts.includes(dir)) break;
    }
  }
  return mounts;
}
