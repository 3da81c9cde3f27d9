/**
 * `npm run demo`: why gRPC needs per-call balancing, in ten seconds on loopback.
 *
 * Three @grpc/grpc-js backends. One client channel (one HTTP/2 connection) sends N calls twice: first to a
 * "ClusterIP-like" address (a plain TCP forwarder that, like kube-proxy, picks a backend per *connection*),
 * then through grpc-mesh-proxy (which picks a backend per *call*). The per-backend counts are printed side by
 * side. Everything started here is stopped before the script ends.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
// A development script: grpc-js plays the client and the backends here, never the proxy.
// eslint-disable-next-line import/no-extraneous-dependencies
import * as grpc from '@grpc/grpc-js';
import type { ProxyConfig } from '../src/core/proxy-config';
import { Proxy } from '../src/proxy/proxy';

const HOST = '127.0.0.1';
const CALLS = Number(process.env.DEMO_CALLS ?? 300);
const CONCURRENCY = 10;
const BAR_WIDTH = 30;
/** Hard stop: the demo never runs longer than this. */
const DEADLINE_MS = 20_000;

const identity = (b: Buffer): Buffer => b;
/** `demo.Echo/Say`: the request is ignored, the reply is the backend's id. Raw bytes, no .proto needed. */
const ECHO = {
  Say: {
    path: '/demo.Echo/Say',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} satisfies grpc.ServiceDefinition;
const EchoClient = grpc.makeGenericClientConstructor(ECHO, 'Echo');

/** A grpc-js backend that counts the calls it serves. */
interface Backend {
  readonly id: string;
  readonly port: number;
  calls: number;
  readonly server: grpc.Server;
}

async function startBackend(id: string): Promise<Backend> {
  const server = new grpc.Server();
  const backend = { id, port: 0, calls: 0, server };
  server.addService(ECHO, {
    Say: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      backend.calls++;
      callback(null, Buffer.from(id));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return Object.assign(backend, { port });
}

interface L4Forwarder {
  readonly server: Server;
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): void;
}

/** What kube-proxy does for a ClusterIP Service: one backend per TCP connection, round robin. */
async function startL4Forwarder(backends: readonly Backend[]): Promise<L4Forwarder> {
  const sockets = new Set<Socket>();
  let next = 0;
  let accepted = 0;
  const server = createServer((downstream) => {
    accepted++;
    const backend = backends[next++ % backends.length];
    const upstream = connect(backend.port, HOST);
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket)).on('error', () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.pipe(upstream).pipe(downstream);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    connections: () => accepted,
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Sends `CALLS` unary calls over one client channel, `CONCURRENCY` at a time; returns the failures. */
async function sendCalls(address: string): Promise<number> {
  const client = new EchoClient(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  let sent = 0;
  let failed = 0;
  const say = (): Promise<void> => new Promise((resolve) => {
    (client as unknown as { Say: (req: Buffer, cb: (error: grpc.ServiceError | null) => void) => void }).Say(Buffer.alloc(0), (error) => {
      if (error) failed++;
      resolve();
    });
  });
  const worker = async (): Promise<void> => {
    while (sent < CALLS) {
      sent++;
      await say();
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    client.close();
  }
  return failed;
}

function bar(count: number, max: number): string {
  const width = max === 0 ? 0 : Math.round((count / max) * BAR_WIDTH);
  return `${'█'.repeat(width)}${' '.repeat(BAR_WIDTH - width)} ${String(count).padStart(String(max).length)}`;
}

function chart(ids: readonly string[], l4: readonly number[], l7: readonly number[]): string {
  const max = Math.max(...l4, ...l7, 1);
  const column = BAR_WIDTH + 1 + String(max).length;
  const header = `${' '.repeat(4)}${'ClusterIP-like (per connection)'.padEnd(column)} | grpc-mesh-proxy (per call)`;
  const rows = ids.map((id, i) => `${id.padEnd(4)}${bar(l4[i], max)} | ${bar(l7[i], max)}`);
  return [header, ...rows].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const stops: Array<() => unknown> = [];
  const deadline = setTimeout(() => {
    process.stderr.write(`demo: still running after ${DEADLINE_MS / 1000} s; giving up\n`);
    process.exit(1);
  }, DEADLINE_MS).unref();
  try {
    const backends: Backend[] = [];
    for (const id of ['b1', 'b2', 'b3']) {
      const backend = await startBackend(id);
      stops.push(() => backend.server.forceShutdown());
      backends.push(backend);
    }
    console.log(`3 gRPC backends on ${backends.map((b) => `${HOST}:${b.port}`).join(', ')}; ${CALLS} calls over ONE client connection each time\n`);

    const forwarder = await startL4Forwarder(backends);
    stops.push(() => forwarder.close());
    const l4Failed = await sendCalls(`${HOST}:${forwarder.port}`);
    const l4 = backends.map((b) => b.calls);
    for (const b of backends) b.calls = 0;

    const config: ProxyConfig = {
      version: 1,
      listeners: [{ name: 'grpc', address: HOST, port: 0 }],
      admin: { address: HOST, port: 0 },
      clusters: [{
        name: 'backends',
        discovery: { type: 'static', endpoints: backends.map((b) => ({ address: HOST, port: b.port })) },
        loadBalancer: 'ROUND_ROBIN',
      }],
      routes: [{ name: 'all', rules: [{ backendRefs: [{ name: 'backends' }] }] }],
    };
    const proxy = await Proxy.start(config);
    stops.push(() => proxy.close());
    while (!proxy.ready) await new Promise((resolve) => setTimeout(resolve, 10));
    const l7Failed = await sendCalls(`${HOST}:${proxy.ports.get('grpc')}`);
    const l7 = backends.map((b) => b.calls);

    console.log(chart(backends.map((b) => b.id), l4, l7));
    console.log(`\nThe L4 forwarder accepted ${forwarder.connections()} connection(s): every call rode it to one backend.`);
    console.log('grpc-mesh-proxy picked a backend for every call.');
    if (l4Failed + l7Failed > 0) console.log(`Failed calls: ${l4Failed} direct, ${l7Failed} through the proxy.`);
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (l4Failed + l7Failed > 0) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop();
    clearTimeout(deadline);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`demo failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
