import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { loadConfigText } from './load-config';
import type { ProxyConfig } from '../../core/proxy-config';
import { DEFAULT_CONFIG_DEBOUNCE_MS, DEFAULT_CONFIG_POLL_INTERVAL_MS } from '../defaults';
import { channels, type ConfigMessage } from '../observability/channels';

/** Options of {@link watchConfig}. */
export interface WatchConfigOptions {
  /**
   * Quiet time after a file system event before the file is read (a ConfigMap update is several events).
   * @default 200
   */
  readonly debounceMs?: number;
  /**
   * Interval of the content-hash poll that backs up `fs.watch` (which can miss events on some file systems).
   * @default 2000
   */
  readonly pollIntervalMs?: number;
  /**
   * The content the running config was loaded from; a change is anything else.
   * @default - the file's content when the watch starts
   */
  readonly initialContent?: string;
  /**
   * Where reloads and refusals are logged.
   * @default - not logged
   */
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
}

/** A running config watch. */
export interface ConfigWatcher {
  /** Reads the file now and reloads when its content changed; resolves when done. */
  check(): Promise<void>;
  /** Stops watching. */
  close(): void;
}

/** Called with a new valid config; a rejection counts as a failed reload. */
export type ConfigChangeHandler = (config: ProxyConfig) => void | Promise<void>;

/**
 * Watches a config file and calls `onChange` with each new valid version. Kubernetes updates a mounted
 * ConfigMap by swapping the `..data` symlink of its directory, so the directory is watched (not the file, whose
 * inode never changes), with a debounce, backed by a periodic poll that compares a hash of the content. An
 * invalid version is refused: logged, published on `channels.config` with `ok: false`, and the running config
 * stays. Each distinct content is acted on once. Timers and the watch do not keep the process alive.
 * @param path the config file (possibly a symlink)
 * @param onChange applies a new config
 * @param options timings, initial content and logger
 */
export async function watchConfig(path: string, onChange: ConfigChangeHandler, options: WatchConfigOptions = {}): Promise<ConfigWatcher> {
  const watcher = new ConfigFileWatcher(path, onChange, options);
  await watcher.start(options.initialContent);
  return watcher;
}

class ConfigFileWatcher implements ConfigWatcher {
  /** Hash of the content last acted on (applied or refused), or the read error last reported. */
  private seen: string | undefined;
  private fsWatcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private checkAgain = false;
  private closed = false;

  public constructor(private readonly path: string, private readonly onChange: ConfigChangeHandler, private readonly options: WatchConfigOptions) {}

  public async start(initialContent: string | undefined): Promise<void> {
    const content = initialContent ?? await readFile(this.path, 'utf8').catch(() => undefined);
    this.seen = content === undefined ? undefined : hash(content);
    try {
      this.fsWatcher = watch(dirname(this.path), { persistent: false }, () => this.schedule());
      this.fsWatcher.on('error', () => this.stopFsWatch());
    } catch {
      // The poll alone keeps watching.
    }
    this.poll = setInterval(() => void this.check(), this.options.pollIntervalMs ?? DEFAULT_CONFIG_POLL_INTERVAL_MS).unref();
  }

  public check(): Promise<void> {
    if (this.running) {
      this.checkAgain = true;
      return this.running;
    }
    this.running = this.checkOnce().finally(() => {
      this.running = undefined;
      if (this.checkAgain && !this.closed) {
        this.checkAgain = false;
        void this.check();
      }
    });
    return this.running;
  }

  public close(): void {
    this.closed = true;
    this.stopFsWatch();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.check(), this.options.debounceMs ?? DEFAULT_CONFIG_DEBOUNCE_MS).unref();
  }

  private stopFsWatch(): void {
    this.fsWatcher?.close();
    this.fsWatcher = undefined;
  }

  private async checkOnce(): Promise<void> {
    let content: string;
    try {
      content = await readFile(this.path, 'utf8');
    } catch (error) {
      const key = `error:${(error as NodeJS.ErrnoException).code ?? 'read'}`;
      if (this.seen !== key) {
        this.seen = key;
        this.refuse(`cannot read ${this.path}: ${(error as Error).message}`);
      }
      return;
    }
    const contentHash = hash(content);
    if (contentHash === this.seen || this.closed) return;
    this.seen = contentHash;
    let config: ProxyConfig;
    try {
      config = await loadConfigText(content, this.path);
    } catch (error) {
      this.refuse((error as Error).message);
      return;
    }
    try {
      await this.onChange(config);
    } catch (error) {
      this.refuse(`applying ${this.path} failed: ${(error as Error).message}`);
      return;
    }
    this.options.logger?.info({ path: this.path, sha256: contentHash }, 'config reloaded');
    publish({ ok: true });
  }

  private refuse(error: string): void {
    this.options.logger?.warn({ path: this.path, error }, 'config reload refused; the running config stays');
    publish({ ok: false, error });
  }
}

function publish(message: ConfigMessage): void {
  if (channels.config.hasSubscribers) channels.config.publish(message);
}

function hash(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}
