import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { connect as connectTcp, type Socket } from 'node:net';
import { encodeFrame, PREFACE } from './h2/raw-frames';
import {
  Cleanup, echoClient, failures, LoadLoop, LOCAL, proxyConfig, proxyPort, startBackends, startProxy, staticCluster, unary, waitFor,
  type Backend,
} from './harness';
import type { Proxy } from '../../src/proxy/proxy';

const cleanup = new Cleanup();
let backends: Backend[];
let proxy: Proxy;
let healthy: LoadLoop;

/** An empty, framed EchoRequest. */
const EMPTY_MESSAGE = Buffer.from([0, 0, 0, 0, 0]);

beforeAll(async () => {
  backends = await startBackends(2, cleanup);
  proxy = await startProxy(proxyConfig([staticCluster('echo', backends)]), cleanup);
  // A well-behaved client calls all along, on its own connection: every test checks it was never disturbed.
  healthy = new LoadLoop(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), 2, 100_000, cleanup);
});
afterAll(() => cleanup.run());
afterEach(async () => {
  const before = healthy.outcomes.length;
  await waitFor(() => healthy.outcomes.length > before + 10, 10_000, 'the healthy client to go on');
  expect(failures(healthy.outcomes)).toEqual([]);
});

interface RawOutcome {
  headers?: IncomingHttpHeaders;
  trailers?: IncomingHttpHeaders;
  rstCode?: number;
  error?: string;
}

/** A session of a raw `node:http2` client to the proxy. */
function rawSession(): ClientHttp2Session {
  const session = connect(`http://${LOCAL}:${proxyPort(proxy)}`);
  session.on('error', () => undefined);
  cleanup.add(() => void session.destroy());
  return session;
}

/** One request with a raw `node:http2` client. */
function rawCall(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body: Buffer = EMPTY_MESSAGE): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const outcome: RawOutcome = {};
    const stream = session.request({
      ':method': 'POST', 'content-type': 'application/grpc', 'te': 'trailers', ...headers,
    });
    stream.on('response', (h) => { outcome.headers = h; });
    stream.on('trailers', (t) => { outcome.trailers = t; });
    stream.on('error', (e) => { outcome.error = (e as NodeJS.ErrnoException).code; });
    stream.on('close', () => resolve({ ...outcome, rstCode: stream.rstCode }));
    stream.resume();
    stream.end(body);
  });
}

describe('malformed input', () => {
  test.each(['/', '/nomethod', '/a/b/c', '/service/', '//method', '/service/method/'])(
    'answers UNIMPLEMENTED in a trailers-only response to the path %p', async (path) => {
      const outcome = await rawCall(rawSession(), { ':path': path });
      expect(outcome.headers).toMatchObject({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' });
      expect(outcome.headers?.['grpc-message']).toMatch(/^malformed :path/);
    });

  test.each(['abc', '123456789S', '10', '-1S', '1.5S', '10s'])('answers INTERNAL to the grpc-timeout %p, as a gRPC server does', async (timeout) => {
    // grpc-js servers accept some of these loosely (they search the value for digits and a unit); the proxy
    // holds to the spec's grammar: 1 to 8 digits, then one unit letter.
    const outcome = await rawCall(rawSession(), { ':path': '/test.echo.Echo/Unary', 'grpc-timeout': timeout });
    expect(outcome.headers).toMatchObject({ 'grpc-status': '13', 'grpc-message': `Invalid grpc-timeout value "${timeout}"` });
  });

  test('resets the stream of a header list with too many fields, and serves the next call on the same connection', async () => {
    const session = rawSession();
    const headers: OutgoingHttpHeaders = { ':path': '/test.echo.Echo/Unary' };
    for (let i = 0; i < 300; i++) headers[`x-h${i}`] = 'v';
    const outcome = await rawCall(session, headers);
    expect(outcome.headers).toBeUndefined();
    expect(outcome.rstCode).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    const next = await rawCall(session, { ':path': '/test.echo.Echo/Unary' });
    expect(next.trailers?.['grpc-status']).toBe('0');
  });

  test.each([
    ['one 100 KiB header', { 'x-huge': 'x'.repeat(100 * 1024) }],
    ['50 headers of 2 KiB (100 KiB in all)', Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`x-h${i}`, 'v'.repeat(2048)]))],
  ])('a grpc-js client sending %s gets an error, and nothing reaches a backend', async (_what, metadata) => {
    // (A header list over 64 KiB gets its stream reset; a single field over nghttp2's 64 KiB limit is a
    // compression error that closes that client's connection. Either way other clients are not affected.)
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    const outcome = await unary(client, {}, { metadata });
    expect(outcome.code).not.toBe(0);
    expect(backends.some((b) => Object.keys(metadata).some((name) => b.headerNames.has(name)))).toBe(false);
  });

  test('a client that resets its stream mid-call cancels the upstream call', async () => {
    // GIVEN a server stream in flight
    const session = rawSession();
    const cancelledBefore = backends[0].cancelled + backends[1].cancelled;
    const stream = session.request({ ':method': 'POST', ':path': '/test.echo.Echo/ServerStream', 'content-type': 'application/grpc', 'te': 'trailers' });
    stream.on('error', () => undefined);
    // EchoRequest { count: 100, delay_ms: 20 }: field 5 (0x28) = 100, field 4 (0x20) = 20
    stream.end(Buffer.from([0, 0, 0, 0, 4, 0x28, 100, 0x20, 20]));
    await new Promise((resolve) => stream.once('data', resolve));

    // WHEN the client resets it
    stream.close(constants.NGHTTP2_CANCEL);

    // THEN the backend sees the call cancelled, and the proxy has no call left in flight but the healthy client's
    await waitFor(() => backends[0].cancelled + backends[1].cancelled > cancelledBefore, 10_000, 'the backend to see the cancellation');
    await waitFor(() => proxy.activeCalls <= 2, 10_000, 'the proxy to forget the call');
  });

  test('a client that drops its connection mid-call cancels its upstream calls', async () => {
    let socket: Socket | undefined;
    const session = connect(`http://${LOCAL}:${proxyPort(proxy)}`, {
      createConnection: () => {
        socket = connectTcp(proxyPort(proxy), LOCAL);
        return socket;
      },
    });
    session.on('error', () => undefined);
    cleanup.add(() => void session.destroy());
    const cancelledBefore = backends[0].cancelled + backends[1].cancelled;
    for (let i = 0; i < 5; i++) {
      const stream = session.request({ ':method': 'POST', ':path': '/test.echo.Echo/Bidi', 'content-type': 'application/grpc', 'te': 'trailers' });
      stream.on('error', () => undefined);
      stream.write(EMPTY_MESSAGE);
    }
    await waitFor(() => backends[0].calls.Bidi + backends[1].calls.Bidi >= 5, 10_000, 'the calls to reach the backends');
    socket?.destroy();
    await waitFor(() => backends[0].cancelled + backends[1].cancelled >= cancelledBefore + 5, 10_000, 'the backends to see 5 cancellations');
  });

  test('sends GOAWAY and closes a connection that does not speak HTTP/2', async () => {
    const socket = connectTcp(proxyPort(proxy), LOCAL);
    socket.on('error', () => undefined);
    cleanup.add(() => void socket.destroy());
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.write('GET / HTTP/1.1\r\nHost: proxy\r\n\r\n');
    // The proxy closes its side (FIN) after its SETTINGS and a GOAWAY (frame type 7).
    await new Promise((resolve) => socket.on('end', resolve));
    const bytes = Buffer.concat(received);
    expect(bytes.includes(Buffer.from([0x07, 0x00, 0x00, 0x00, 0x00, 0x00]))).toBe(true);
  });

  test('answers a non-gRPC request path with UNIMPLEMENTED without forwarding it', async () => {
    const outcome = await rawCall(rawSession(), { ':path': '/index.html', ':method': 'GET' }, Buffer.alloc(0));
    // A backend would have answered "The server does not implement the method /index.html".
    expect(outcome.headers).toMatchObject({ 'grpc-status': '12', 'grpc-message': 'malformed :path "/index.html": want /<service>/<method>' });
  });

  test('300 connections of random frames (after a valid preface) end only those connections', async () => {
    // A seeded generator, so that a failure can be replayed.
    let seed = 20261122;
    const next = (limit: number): number => {
      seed = (seed * 48271) % 2147483647; // Park-Miller: exact in doubles
      return seed % limit;
    };
    for (let connection = 0; connection < 300; connection++) {
      const socket = connectTcp(proxyPort(proxy), LOCAL);
      socket.on('error', () => undefined);
      socket.resume();
      const parts = [PREFACE, encodeFrame(4, 0, 0, Buffer.alloc(0))];
      for (let i = 0; i < 8; i++) {
        const payload = Buffer.alloc(next(64));
        for (let b = 0; b < payload.length; b++) payload[b] = next(256);
        parts.push(encodeFrame(next(11), next(256), next(3) === 0 ? 0 : 1 + 2 * next(4), payload));
      }
      socket.end(Buffer.concat(parts));
      await new Promise((resolve) => socket.on('close', resolve));
    }
    // (afterEach: the healthy client on its own connection saw no failure.)
    expect(proxy.activeCalls).toBeLessThanOrEqual(2 + 4);
  });
});
