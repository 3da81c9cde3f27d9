import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { tempDir, validConfig } from './fixtures';
import type { ProxyConfig } from '../../../src/core/proxy-config';
import { watchConfig, type ConfigChangeHandler, type ConfigWatcher, type WatchConfigOptions } from '../../../src/proxy/config';
import { channels, type ConfigMessage } from '../../../src/proxy/observability/channels';

const NO_POLL: WatchConfigOptions = { debounceMs: 20, pollIntervalMs: 600_000 };

function configWithDrain(drainTimeoutMs: number): ProxyConfig {
  return { ...validConfig(), drainTimeoutMs };
}

/** Resolves once `condition` holds; fails after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('watchConfig', () => {
  let tmp: ReturnType<typeof tempDir>;
  let watcher: ConfigWatcher | undefined;
  const applied: ProxyConfig[] = [];
  const published: ConfigMessage[] = [];
  const onConfig = (message: unknown): void => void published.push(message as ConfigMessage);

  beforeEach(() => {
    tmp = tempDir();
    applied.length = 0;
    published.length = 0;
    channels.config.subscribe(onConfig);
  });
  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    channels.config.unsubscribe(onConfig);
    tmp.remove();
  });

  async function watchFile(file: string, options = NO_POLL, onChange: ConfigChangeHandler = (c) => void applied.push(c)): Promise<ConfigWatcher> {
    watcher = await watchConfig(file, onChange, options);
    return watcher;
  }

  test('applies a valid new version written to the file', async () => {
    const file = tmp.path('proxy.yaml');
    writeFileSync(file, stringify(configWithDrain(1000)));
    await watchFile(file);
    writeFileSync(file, stringify(configWithDrain(2000)));
    await eventually(() => applied.length === 1);
    expect(applied[0]).toEqual(configWithDrain(2000));
    expect(published).toEqual([{ ok: true }]);
  });

  test('applies a new version when a ConfigMap volume swaps its ..data symlink', async () => {
    // The kubelet's layout: proxy.yaml -> ..data/proxy.yaml, ..data -> ..<timestamp>/, swapped by an atomic rename.
    const version = (name: string, config: ProxyConfig): void => {
      mkdirSync(tmp.path(name));
      writeFileSync(tmp.path(`${name}/proxy.yaml`), stringify(config));
    };
    version('..2026_01_01_00_00_00.1', configWithDrain(1000));
    symlinkSync('..2026_01_01_00_00_00.1', tmp.path('..data'));
    symlinkSync('..data/proxy.yaml', tmp.path('proxy.yaml'));
    await watchFile(tmp.path('proxy.yaml'));

    version('..2026_01_01_00_01_00.2', configWithDrain(2000));
    symlinkSync('..2026_01_01_00_01_00.2', tmp.path('..data_tmp'));
    renameSync(tmp.path('..data_tmp'), tmp.path('..data'));
    rmSync(tmp.path('..2026_01_01_00_00_00.1'), { recursive: true });

    await eventually(() => applied.length === 1);
    expect(applied[0].drainTimeoutMs).toBe(2000);
  });

  test('finds a change by the content hash on a check (what the periodic poll runs)', async () => {
    const file = tmp.path('proxy.json');
    writeFileSync(file, JSON.stringify(configWithDrain(1000)));
    const w = await watchFile(file, { pollIntervalMs: 600_000, debounceMs: 600_000 });
    await w.check();
    expect(applied).toEqual([]);
    writeFileSync(file, JSON.stringify(configWithDrain(3000)));
    await w.check();
    await w.check();
    expect(applied).toEqual([configWithDrain(3000)]);
  });

  test('refuses an invalid version, keeps the running one, and applies the next valid one', async () => {
    const file = tmp.path('proxy.yaml');
    writeFileSync(file, stringify(configWithDrain(1000)));
    const w = await watchFile(file, { pollIntervalMs: 600_000, debounceMs: 600_000 });
    writeFileSync(file, stringify({ ...configWithDrain(1000), clusters: [] }));
    await w.check();
    expect(applied).toEqual([]);
    expect(published).toHaveLength(1);
    expect(published[0].ok).toBe(false);
    expect(published[0].error).toContain('routes[0].rules[0].backendRefs[0].name must name a cluster (no cluster is configured); got "users-canary". [CLUSTER_NOT_FOUND]');

    writeFileSync(file, stringify(configWithDrain(4000)));
    await w.check();
    expect(applied).toEqual([configWithDrain(4000)]);
    expect(published.map((m) => m.ok)).toEqual([false, true]);
  });

  test('reports a version whose apply failed as a refused reload, once', async () => {
    const file = tmp.path('proxy.yaml');
    writeFileSync(file, stringify(configWithDrain(1000)));
    const w = await watchFile(file, { pollIntervalMs: 600_000, debounceMs: 600_000 }, () => Promise.reject(new Error('listen EADDRINUSE')));
    writeFileSync(file, stringify(configWithDrain(2000)));
    await w.check();
    await w.check();
    expect(published).toEqual([{ ok: false, error: `applying ${file} failed: listen EADDRINUSE` }]);
  });

  test('reports a vanished file once and applies it when it comes back', async () => {
    const file = tmp.path('proxy.yaml');
    writeFileSync(file, stringify(configWithDrain(1000)));
    const w = await watchFile(file, { pollIntervalMs: 600_000, debounceMs: 600_000 });
    rmSync(file);
    await w.check();
    await w.check();
    expect(published).toHaveLength(1);
    expect(published[0].error).toMatch(/^cannot read .+proxy\.yaml: ENOENT/);
    writeFileSync(file, stringify(configWithDrain(5000)));
    await w.check();
    expect(applied).toEqual([configWithDrain(5000)]);
  });

  test('polls by itself when no file system event comes', async () => {
    const file = tmp.path('proxy.yaml');
    writeFileSync(file, stringify(configWithDrain(1000)));
    await watchFile(file, { pollIntervalMs: 50, debounceMs: 600_000 });
    writeFileSync(file, stringify(configWithDrain(6000)));
    await eventually(() => applied.length === 1);
    expect(applied[0].drainTimeoutMs).toBe(6000);
  });

  test('stops reacting once closed', async () => {
    const file = tmp.path('proxy.yaml');
    writeFileSync(file, stringify(configWithDrain(1000)));
    (await watchFile(file, { pollIntervalMs: 20, debounceMs: 20 })).close();
    writeFileSync(file, stringify(configWithDrain(7000)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(applied).toEqual([]);
  });
});
