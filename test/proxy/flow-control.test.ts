import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import * as ts from 'typescript';
import { Cleanup, echoClient, LOCAL, proxyConfig, serverStream, startBackends, staticCluster, type EchoClient, type EchoReply } from './harness';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const MiB = 1024 * 1024;

const ROOT = join(__dirname, '..', '..');

/**
 * The proxy's sources and the child script, transpiled to plain JavaScript in a scratch folder (same layout), so
 * that the child runs the proxy alone: under ts-node it would also hold the TypeScript compiler, whose 50 MiB
 * heap makes V8 collect garbage far less often and blurs what the proxy itself holds.
 */
function transpileProxy(): string {
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

/** The proxy in a child process: its RSS is then the proxy's alone, not the test's backends' and clients'. */
async function startChildProxy(config: object): Promise<{ port: number; rss: () => Promise<number> }> {
  const child = fork(transpileProxy(), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  cleanup.add(() => void child.kill());
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { type: string; port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`proxy child exited with ${code}`)));
  });
  const rss = (): Promise<number> => new Promise((resolve) => {
    const onMessage = (message: { type: string; rss: number }): void => {
      if (message.type !== 'rss') return;
      child.off('message', onMessage);
      resolve(message.rss);
    };
    child.on('message', onMessage);
    child.send({ type: 'rss' });
  });
  return { port, rss };
}

/** Reads a server stream slowly: a pause of `pauseMs` after every message. Resolves with the bytes received. */
function slowRead(client: EchoClient, count: number, payloadBytes: number, pauseMs: number): Promise<{ code: number; bytes: number }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const call = client.ServerStream({ count, payloadBytes }, new Metadata(), {});
    call.on('data', (reply: EchoReply) => {
      bytes += reply.payload.length;
      call.pause();
      setTimeout(() => call.resume(), pauseMs);
    });
    // Done when the status came and every buffered message was read ('end').
    let code = -1;
    let ended = false;
    const finish = (): void => {
      if (code !== -1 && ended) resolve({ code, bytes });
    };
    call.on('error', () => {
      ended = true;
      finish();
    });
    call.on('end', () => {
      ended = true;
      finish();
    });
    call.on('status', (status: { code: number }) => {
      code = status.code;
      finish();
    });
  });
}

describe('flow control', () => {
  test('a 64 MiB server stream to a slow client grows the proxy\'s RSS by less than 32 MiB', async () => {
    // GIVEN a backend that streams as fast as the proxy takes it, and the proxy alone in its own process
    const backends = await startBackends(1, cleanup);
    const proxy = await startChildProxy(proxyConfig([staticCluster('echo', backends)]));
    const client = echoClient(`${LOCAL}:${proxy.port}`, cleanup);
    // Warm up the code paths and buffers with a 4 MiB stream, then take the baseline.
    expect((await serverStream(client, { count: 64, payloadBytes: 64 * 1024 })).code).toBe(0);
    const baseline = await proxy.rss();

    // WHEN a client reads 64 MiB (1,024 messages of 64 KiB) at a fraction of the speed the backend writes
    let peak = baseline;
    let sampling = true;
    const sampler = (async (): Promise<void> => {
      while (sampling) {
        peak = Math.max(peak, await proxy.rss());
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const started = Date.now();
    const outcome = await slowRead(client, 1024, 64 * 1024, 2);
    sampling = false;
    await sampler;

    // THEN every byte arrived, and the proxy held at most a few stream windows of it at a time
    const growthMiB = (peak - baseline) / MiB;
    console.log(`64 MiB slow stream in ${Date.now() - started} ms: proxy RSS ${(baseline / MiB).toFixed(1)} MiB -> peak ${(peak / MiB).toFixed(1)} MiB `
      + `(growth ${growthMiB.toFixed(1)} MiB)`);
    expect(outcome).toEqual({ code: 0, bytes: 64 * MiB });
    expect(growthMiB).toBeLessThan(32);
  }, 60_000);
});
