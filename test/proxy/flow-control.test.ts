import { Metadata } from '@grpc/grpc-js';
import { startChildProxy } from './child-proxy';
import { Cleanup, echoClient, LOCAL, proxyConfig, serverStream, startBackends, staticCluster, type EchoClient, type EchoReply } from './harness';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const MiB = 1024 * 1024;

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
    const proxy = await startChildProxy(proxyConfig([staticCluster('echo', backends)]), cleanup);
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
