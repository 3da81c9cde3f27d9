/* eslint-disable no-bitwise -- raw HTTP/2 frames are a bit-level wire format */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { OPTIONS } from './connection-options';
import { encodeFrame, headersFrame, lastGoaway, parseFrames, PREFACE, settingsFrame, windowUpdateFrame, type RawFrame } from './raw-frames';
import { CANCEL, ENHANCE_YOUR_CALM, FRAME_SIZE_ERROR, NO_ERROR, PROTOCOL_ERROR, REFUSED_STREAM } from '../../../src/proxy/h2/constants';
import { H2Connection, IGNORING_HANDLER } from '../../../src/proxy/h2/h2-connection';
import type { H2Stream, H2StreamHandler } from '../../../src/proxy/h2/h2-stream';
import type { HeaderFields } from '../../../src/proxy/h2/hpack/decoder';
import { HpackEncoder } from '../../../src/proxy/h2/hpack/encoder';

/**
 * `H2Connection` against the real nghttp2 of `node:http2`, in both roles: our server with a `node:http2` client,
 * our client with a `node:http2` server. Malformed input the node client refuses to produce is written as raw
 * frames.
 */


const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** Resolves once `condition` holds, checked on every turn of the event loop. */
async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Records what a stream reports. */
class Recorder implements H2StreamHandler {
  public headers: HeaderFields | undefined;
  public trailers: HeaderFields | undefined;
  public trailersOnly = false;
  public readonly chunks: Buffer[] = [];
  public ended = false;
  public drains = 0;
  public readonly closed: Promise<H2Stream>;
  private resolveClosed!: (stream: H2Stream) => void;

  public constructor() {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  public get body(): Buffer {
    return Buffer.concat(this.chunks);
  }

  public onHeaders(_stream: H2Stream, headers: HeaderFields, endStream: boolean): void {
    this.headers = headers;
    this.trailersOnly = endStream;
  }

  public onData(_stream: H2Stream, chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
  }

  public onTrailers(_stream: H2Stream, trailers: HeaderFields): void {
    this.trailers = trailers;
  }

  public onEnd(): void {
    this.ended = true;
  }

  public onDrain(): void {
    this.drains++;
  }

  public onClose(stream: H2Stream): void {
    this.resolveClosed(stream);
  }
}

/** Our server on a loopback port; `onStream` takes each stream. */
async function ourServer(
  onStream: (stream: H2Stream, headers: HeaderFields) => void, options = OPTIONS,
): Promise<{ port: number; connections: H2Connection[] }> {
  const connections: H2Connection[] = [];
  const server = net.createServer((socket) => {
    const connection = new H2Connection(socket, false, options);
    connection.onStream = onStream;
    connections.push(connection);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.close();
    for (const connection of connections) connection.destroy();
  });
  return { port: (server.address() as net.AddressInfo).port, connections };
}

/** A `node:http2` client session. */
function nodeClient(port: number): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  cleanups.push(() => session.destroy());
  return session;
}

/** A `node:http2` server on a loopback port. */
async function nodeServer(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void, settings: http2.Settings = {},
): Promise<{ port: number; server: http2.Http2Server }> {
  const server = http2.createServer({ settings });
  server.on('stream', onStream);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.close();
    for (const session of sessions) session.destroy();
  });
  return { port: (server.address() as net.AddressInfo).port, server };
}

/** Our client connection. */
async function ourClient(port: number, options = OPTIONS): Promise<H2Connection> {
  const socket = net.connect(port, '127.0.0.1');
  const connection = new H2Connection(socket, true, options);
  cleanups.push(() => connection.destroy());
  await once(socket, 'connect');
  return connection;
}

const REQUEST = { ':method': 'POST', ':scheme': 'http', ':authority': 'test', ':path': '/svc/Method', 'content-type': 'application/grpc', 'te': 'trailers' };

interface NodeOutcome {
  headers?: http2.IncomingHttpHeaders;
  trailers?: http2.IncomingHttpHeaders;
  body: Buffer;
  rstCode?: number;
}

/** A `node:http2` request; resolves with what came back. */
function nodeRequest(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer): Promise<NodeOutcome> {
  return new Promise((resolve) => {
    const stream = session.request(headers);
    const chunks: Buffer[] = [];
    let response: http2.IncomingHttpHeaders | undefined;
    let trailers: http2.IncomingHttpHeaders | undefined;
    stream.on('response', (h) => { response = h; });
    stream.on('trailers', (t) => { trailers = t; });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ headers: response, trailers, body: Buffer.concat(chunks), rstCode: stream.rstCode }));
    stream.end(body);
  });
}

describe('H2Connection as a server, with a node:http2 client', () => {
  test('answers a request with headers, data and trailers', async () => {
    const { port } = await ourServer((stream, headers) => {
      const recorder = new Recorder();
      recorder.onEnd = () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-path': headers[':path'] as string }, false);
        stream.write(Buffer.concat([Buffer.from('echo:'), recorder.body]));
        stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'done' });
      };
      stream.handler = recorder;
    });
    const outcome = await nodeRequest(nodeClient(port), { ...REQUEST, 'x-custom': ['a', 'b'] }, Buffer.from('hello'));
    expect(outcome.headers).toMatchObject({ ':status': 200, 'x-path': '/svc/Method' });
    expect(outcome.body.toString()).toBe('echo:hello');
    expect(outcome.trailers).toMatchObject({ 'grpc-status': '0', 'grpc-message': 'done' });
  });

  test('decodes a header block split over CONTINUATION frames', async () => {
    let received: HeaderFields | undefined;
    const { port } = await ourServer((stream, headers) => {
      received = headers;
      stream.respond({ ':status': 200, 'grpc-status': '0' }, true);
    });
    const big = 'v'.repeat(40_000);
    const outcome = await nodeRequest(nodeClient(port), { ...REQUEST, 'x-big': big });
    expect(outcome.headers?.[':status']).toBe(200);
    expect(received?.['x-big']).toBe(big);
  });

  test('holds back flow-control credit while a stream is paused, and drains a writer when the reader catches up', async () => {
    // GIVEN a server that pauses every request stream and writes 1 MiB
    const payload = Buffer.alloc(1024 * 1024, 7);
    let serverStream: H2Stream | undefined;
    const recorder = new Recorder();
    let firstWrite: boolean | undefined;
    const { port } = await ourServer((stream) => {
      serverStream = stream;
      stream.handler = recorder;
      stream.pause();
      stream.respond({ ':status': 200 }, false);
      firstWrite = stream.write(payload);
      stream.sendTrailers({ 'grpc-status': '0' });
    });
    const session = nodeClient(port);
    const stream = session.request({ ...REQUEST });
    stream.on('error', () => undefined);
    const received: Buffer[] = [];
    stream.pause();

    // WHEN the client sends 256 KiB while the server stream is paused
    stream.write(Buffer.alloc(256 * 1024, 1));
    await new Promise((resolve) => setTimeout(resolve, 200));

    // THEN only one window (64 KiB) arrived, and the 1 MiB write was queued (the client's window is 64 KiB)
    expect(recorder.body.length).toBe(65_535);
    expect(firstWrite).toBe(false);
    expect(serverStream?.bufferedBytes).toBeGreaterThan(900 * 1024);

    // WHEN both sides resume
    serverStream?.resume();
    stream.on('data', (chunk: Buffer) => received.push(chunk));
    stream.resume();
    stream.end();
    await once(stream, 'close');

    // THEN everything arrived, and the server got its drain
    expect(recorder.body.length).toBe(256 * 1024);
    expect(Buffer.concat(received).equals(payload)).toBe(true);
    expect(recorder.drains).toBe(0); // The trailers were queued: the stream ended, no drain is owed to anyone.
  });

  test('answers PING, and sends GOAWAY on close: streams in flight finish, the connection then closes', async () => {
    const pending: H2Stream[] = [];
    const { port, connections } = await ourServer((stream) => {
      stream.handler = new Recorder();
      pending.push(stream);
    });
    const session = nodeClient(port);
    await once(session, 'connect'); // (node:http2 cancels a PING sent while connecting)
    await new Promise<void>((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve())));
    const inFlight = nodeRequest(session, REQUEST);
    while (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const goaway = once(session, 'goaway');
    connections[0].close();
    await goaway;
    pending[0].respond({ ':status': 200, 'grpc-status': '0' }, true);
    expect((await inFlight).headers?.['grpc-status']).toBe('0');
    await once(session, 'close');
    expect(connections[0].destroyed).toBe(true);
  });

  test('refuses streams over its concurrency limit and resets header lists over its limits', async () => {
    const raw = await rawClient((await ourServer(() => undefined, { ...OPTIONS, maxConcurrentStreams: 1, maxHeaderFields: 10 })).port);
    const encoder = new HpackEncoder();
    const many: Record<string, string> = { ...REQUEST };
    for (let i = 0; i < 20; i++) many[`x-${i}`] = 'v';
    raw.headers(1, encoder.encode(many), false);
    raw.headers(3, encoder.encode(REQUEST), false);
    raw.headers(5, encoder.encode(REQUEST), false);
    expect(await raw.rstOf(1)).toBe(ENHANCE_YOUR_CALM);
    expect(await raw.rstOf(5)).toBe(REFUSED_STREAM);
  });

  test('resets malformed requests with PROTOCOL_ERROR and keeps the connection', async () => {
    const { port } = await ourServer((stream) => stream.respond({ ':status': 200, 'grpc-status': '0' }, true));
    const raw = await rawClient(port);
    const encoder = new HpackEncoder();
    const { ':path': _path, ...withoutPath } = REQUEST;
    raw.headers(1, encoder.encode(withoutPath), true);
    raw.headers(3, encoder.encode({ ...REQUEST, 'X-Upper': 'v' }), true);
    raw.headers(5, encoder.encode({ ...REQUEST, connection: 'keep-alive' }), true);
    raw.headers(7, encoder.encode({ ...REQUEST, te: 'gzip' }), true);
    raw.headers(9, encoder.encode({ ...REQUEST, 'x-bad': 'a\r\nb' }), true);
    raw.headers(11, encoder.encode({ ...REQUEST, 'http2-settings': 'AAMAAABkAAQAoAAAAAIAAAAA' }), true);
    raw.headers(13, encoder.encode(REQUEST), true);
    for (const id of [1, 3, 5, 7, 9, 11]) expect(await raw.rstOf(id)).toBe(PROTOCOL_ERROR);
    expect(await raw.headersOf(13)).toBe(true);
  });

  test('ignores frames on a stream it already closed (trailers crossing its reset) and keeps the connection', async () => {
    const { port } = await ourServer((stream) => stream.respond({ ':status': 200, 'grpc-status': '0' }, true));
    const raw = await rawClient(port);
    const encoder = new HpackEncoder();
    raw.headers(1, encoder.encode(REQUEST), false);
    expect(await raw.rstOf(1)).toBe(0); // The answer came before the request's end: NO_ERROR tells the client to stop.
    raw.headers(1, encoder.encode({ 'x-late-trailer': 'v' }), true);
    raw.headers(3, encoder.encode(REQUEST), true);
    expect(await raw.headersOf(3)).toBe(true);
  });

  test('disconnects a client that resets most of its streams before the answer (rapid reset)', async () => {
    let opened = 0;
    const { port, connections } = await ourServer((stream) => {
      opened++;
      stream.handler = new Recorder();
    });
    const raw = await rawClient(port);
    const encoder = new HpackEncoder();
    for (let id = 1; id < 2 * 600; id += 2) {
      raw.headers(id, encoder.encode(REQUEST), false);
      raw.rst(id, CANCEL);
    }
    expect(await raw.goawayCode()).toBe(ENHANCE_YOUR_CALM);
    expect(opened).toBeGreaterThanOrEqual(500);
    expect(opened).toBeLessThan(600);
    expect(connections[0].destroyed).toBe(true);
  });

  test('closes a connection whose client sends no preface and SETTINGS within the handshake timeout', async () => {
    const { port, connections } = await ourServer(() => undefined, { ...OPTIONS, handshakeTimeoutMs: 100 });
    const silent = net.connect(port, '127.0.0.1');
    cleanups.push(() => silent.destroy());
    silent.on('error', () => undefined);
    silent.resume();
    const started = Date.now();
    await once(silent, 'close');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(connections[0].error?.message).toMatch(/no HTTP\/2 SETTINGS/);

    // A client that speaks HTTP/2 is not affected by the timer.
    const session = nodeClient(port);
    await once(session, 'connect');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(session.closed).toBe(false);
  });

  test('closes a connection whose header block is not finished within the header-block timeout, with GOAWAY ENHANCE_YOUR_CALM', async () => {
    const { port, connections } = await ourServer(() => undefined, { ...OPTIONS, headerBlockTimeoutMs: 100 });
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const block = Buffer.from(new HpackEncoder().encode(REQUEST));
    socket.write(Buffer.concat([PREFACE, settingsFrame([]), headersFrame(1, block.subarray(0, 3), { endHeaders: false })]));
    await once(socket, 'close');
    expect(lastGoaway(parseFrames(Buffer.concat(chunks)))?.code).toBe(ENHANCE_YOUR_CALM);
    expect(connections[0].closeReason).toBe('header_timeout');
  });

  test('stops reading from a peer that does not read and holds back DATA until its socket drains', async () => {
    // GIVEN a peer that grants all the window there is, asks for a large body and does not read
    const maxOutputBytes = 256 * 1024;
    const body = Buffer.alloc(64 * 1024, 0x62);
    let server: H2Stream | undefined;
    let blockedAt = -1;
    let written = 0;
    const { port, connections } = await ourServer((stream) => {
      server = stream;
      stream.handler = { ...IGNORING_HANDLER, onDrain: () => undefined };
      stream.respond({ ':status': 200 }, false);
      // Writes a chunk a turn, as the proxy passes on what it reads, until the connection holds DATA back (the
      // kernel's buffers take several MiB first).
      const writeMore = (): void => {
        written += body.length;
        if (!stream.write(body)) blockedAt = connections[0].socket.writableLength;
        else if (written < 256 * 1024 * 1024) setImmediate(writeMore);
      };
      writeMore();
    }, { ...OPTIONS, maxOutputBytes, sendTimeoutMs: 60_000 });
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    socket.pause();
    const block = Buffer.from(new HpackEncoder().encode(REQUEST));
    socket.write(Buffer.concat([
      PREFACE, settingsFrame([[0x4, 0x7fff_ffff]]), windowUpdateFrame(0, 0x7fff_ffff - 65_535), headersFrame(1, block, { endStream: true }),
    ]));
    await waitUntil(() => blockedAt >= 0);

    // THEN what waits in the connection stays near the threshold, and it no longer reads from the peer
    expect(blockedAt).toBeGreaterThan(maxOutputBytes);
    expect(blockedAt).toBeLessThan(maxOutputBytes + 2 * body.length);
    expect(connections[0].socket.isPaused()).toBe(true);

    // WHEN the peer reads, THEN the stream drains and the connection reads again
    let drained = false;
    (server as H2Stream).handler = { ...IGNORING_HANDLER, onDrain: () => (drained = true) };
    socket.resume();
    await waitUntil(() => drained);
    expect(connections[0].socket.isPaused()).toBe(false);
  });

  test('holds back DATA written in one turn past the output threshold, and sends it as the socket takes it', async () => {
    const maxOutputBytes = 256 * 1024;
    const body = Buffer.alloc(16 * 1024, 0x63);
    let written = 0;
    let drains = 0;
    const { port } = await ourServer((stream) => {
      stream.handler = {
        ...IGNORING_HANDLER,
        onDrain: () => {
          drains++;
          stream.end();
        },
      };
      stream.respond({ ':status': 200 }, false);
      // A producer that writes all it can in one turn: it is told to stop at the threshold, and ends once drained.
      while (stream.write(body)) written += body.length;
      written += body.length;
    }, { ...OPTIONS, maxOutputBytes });
    // A client whose windows let far more through than the threshold.
    const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 16 * 1024 * 1024 } });
    session.on('error', () => undefined);
    cleanups.push(() => session.destroy());
    await once(session, 'connect');
    session.setLocalWindowSize(16 * 1024 * 1024);
    const outcome = await nodeRequest(session, { ...REQUEST, ':method': 'GET' });
    expect(written).toBeGreaterThanOrEqual(maxOutputBytes);
    expect(written).toBeLessThanOrEqual(maxOutputBytes + body.length);
    expect(outcome.body.length).toBe(written);
    expect(drains).toBe(1);
  });

  test('closes a connection that does not start with the HTTP/2 preface, with GOAWAY PROTOCOL_ERROR', async () => {
    const { port } = await ourServer(() => undefined);
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'close');
    const frames = parseFrames(Buffer.concat(chunks));
    const goaway = frames.find((f) => f.type === 7);
    expect(goaway?.payload.readUInt32BE(4)).toBe(PROTOCOL_ERROR);
  });
});

describe('H2Connection as a client, with a node:http2 server', () => {
  test('sends a request and reads response headers, data and trailers, and trailers-only responses', async () => {
    const { port } = await nodeServer((stream, headers) => {
      if (headers[':path'] === '/svc/Only') {
        stream.respond({ ':status': 200, 'grpc-status': '5' }, { endStream: true });
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'x-seen': headers['x-custom'] as string }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.concat([Buffer.from('echo:'), ...chunks]));
      });
    });
    const client = await ourClient(port);
    const full = new Recorder();
    const stream = client.request({ ...REQUEST, 'x-custom': 'yes' }, full);
    stream.write(Buffer.from('hi'));
    stream.end();
    await full.closed;
    expect(full.headers).toMatchObject({ ':status': '200', 'x-seen': 'yes' });
    expect(full.body.toString()).toBe('echo:hi');
    expect(full.trailers).toMatchObject({ 'grpc-status': '0' });
    expect(full.ended).toBe(true);

    const only = new Recorder();
    client.request({ ...REQUEST, ':path': '/svc/Only' }, only).end();
    await only.closed;
    expect(only.trailersOnly).toBe(true);
    expect(only.headers?.['grpc-status']).toBe('5');
  });

  test("keeps to the server's concurrent-stream limit, queueing the streams over it", async () => {
    let concurrent = 0;
    let peak = 0;
    const { port } = await nodeServer((stream) => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      stream.on('close', () => concurrent--);
      stream.resume();
      stream.on('end', () => setTimeout(() => stream.respond({ ':status': 200, 'grpc-status': '0' }, { endStream: true }), 20));
    }, { maxConcurrentStreams: 2 });
    const client = await ourClient(port);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the server's SETTINGS
    const recorders = Array.from({ length: 6 }, () => new Recorder());
    for (const recorder of recorders) client.request(REQUEST, recorder).end();
    await Promise.all(recorders.map((r) => r.closed));
    expect(recorders.every((r) => r.headers?.['grpc-status'] === '0')).toBe(true);
    expect(peak).toBe(2);
  });

  test('reports resets, GOAWAY refusals and lost connections on each stream', async () => {
    const streams: http2.ServerHttp2Stream[] = [];
    const { port } = await nodeServer((stream) => {
      streams.push(stream);
      stream.on('error', () => undefined);
    });
    const client = await ourClient(port);
    const reset = new Recorder();
    client.request(REQUEST, reset);
    while (streams.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    streams[0].close(CANCEL);
    expect((await reset.closed).rstCode).toBe(CANCEL);

    // GOAWAY with last stream id 3: stream 5 was not processed.
    const kept = new Recorder();
    const refused = new Recorder();
    client.request(REQUEST, kept);
    client.request(REQUEST, refused);
    while (streams.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    streams[1].session?.goaway(0, 3);
    const refusedStream = await refused.closed;
    expect(refusedStream.rstCode).toBe(REFUSED_STREAM);
    expect(client.goingAway).toBe(true);
    expect(() => client.request(REQUEST, new Recorder())).toThrow(/going away/);

    streams[1].session?.destroy();
    const lost = await kept.closed;
    expect(lost.connectionLost).toBe(true);
  });

  test('tells a connection the server closed with GOAWAY from one that died without it, and refuses malformed GOAWAYs', async () => {
    // GOAWAY (last stream 0): the server closed on purpose; our stream 1 was not processed.
    const closed = await rawServerExchange(goawayFrame(0, NO_ERROR));
    expect((await closed.recorder.closed).rstCode).toBe(REFUSED_STREAM);
    expect(closed.client.goawayReceived).toBe(true);

    // The socket closed without GOAWAY: the stream is lost, and nothing says the server meant it.
    const died = await rawServerExchange(Buffer.alloc(0), true);
    expect((await died.recorder.closed).connectionLost).toBe(true);
    expect(died.client.goawayReceived).toBe(false);

    // Hostile: GOAWAY on a stream, and GOAWAY shorter than 8 bytes, are connection errors, not a GOAWAY received.
    for (const [frame, code] of [[goawayFrame(0, NO_ERROR, 1), PROTOCOL_ERROR], [goawayFrame(0, NO_ERROR, 0, 4), FRAME_SIZE_ERROR]] as const) {
      const hostile = await rawServerExchange(frame);
      expect((await hostile.recorder.closed).connectionLost).toBe(true);
      expect(hostile.client.goawayReceived).toBe(false);
      expect(hostile.client.destroyed).toBe(true);
      expect(hostile.client.error).toMatchObject({ code });
    }
  });

  test('resets a stream whose server sends data before the response headers', async () => {
    // DATA on stream 1 without HEADERS.
    const recorder = await requestFromRawServer(encodeFrame(0, 0, 1, Buffer.from('abc')));
    expect((await recorder.closed).rstCode).toBe(PROTOCOL_ERROR);
    expect(recorder.chunks).toEqual([]);
  });

  test.each(['600', '20', '2x0', 'abc'])('resets a stream whose server answers with :status %p', async (status) => {
    const block = new HpackEncoder().encode({ ':status': status });
    const recorder = await requestFromRawServer(encodeFrame(1, 0x4, 1, Buffer.from(block)));
    expect((await recorder.closed).rstCode).toBe(PROTOCOL_ERROR);
    expect(recorder.headers).toBeUndefined();
  });

  test('reads a large response with flow control, and gets its PING answered', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const { port } = await nodeServer((stream) => {
      stream.resume();
      stream.respond({ ':status': 200 });
      stream.end(payload);
    });
    const client = await ourClient(port);
    await new Promise<void>((resolve, reject) => client.ping((error) => (error ? reject(error) : resolve())));
    const recorder = new Recorder();
    client.request(REQUEST, recorder).end();
    await recorder.closed;
    expect(recorder.body.equals(payload)).toBe(true);
  });
});

// ---- Raw frames ----

/** One request from our client to a server that answers the first bytes it gets with SETTINGS and `reply`. */
async function requestFromRawServer(reply: Buffer): Promise<Recorder> {
  return (await rawServerExchange(reply)).recorder;
}

/**
 * Our client's request to a server that answers with SETTINGS then `reply`, and then, when `hangUp`, closes the
 * socket without GOAWAY (as a killed process's kernel does).
 */
async function rawServerExchange(reply: Buffer, hangUp = false): Promise<{ client: H2Connection; recorder: Recorder }> {
  const raw = net.createServer((socket) => {
    socket.once('data', () => {
      socket.write(Buffer.concat([encodeFrame(4, 0, 0, Buffer.alloc(0)), reply]));
      if (hangUp) socket.destroy();
    });
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  cleanups.push(() => raw.close());
  const client = await ourClient((raw.address() as net.AddressInfo).port);
  const recorder = new Recorder();
  client.request(REQUEST, recorder);
  return { client, recorder };
}

/** A GOAWAY frame: last stream id and error code, on `streamId` (0 unless hostile), of `length` payload bytes. */
function goawayFrame(lastStreamId: number, code: number, streamId = 0, length = 8): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(code, 4);
  return encodeFrame(7, 0, streamId, payload.subarray(0, length));
}

interface RawClient {
  headers(id: number, block: Buffer, endStream: boolean): void;
  rst(id: number, code: number): void;
  goawayCode(): Promise<number>;
  rstOf(id: number): Promise<number>;
  headersOf(id: number): Promise<boolean>;
}

/** A client that writes frames by hand and reads the server's frames. */
async function rawClient(port: number): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  await once(socket, 'connect');
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
  });
  const frame = (type: number, flags: number, id: number, payload: Buffer): void => {
    socket.write(encodeFrame(type, flags, id, payload));
  };
  socket.write(PREFACE);
  frame(4, 0, 0, Buffer.alloc(0));
  const find = async (id: number, type: number): Promise<RawFrame> => {
    for (let i = 0; i < 200; i++) {
      const match = parseFrames(received).find((f) => f.streamId === id && f.type === type);
      if (match !== undefined) return match;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no frame of type ${type} on stream ${id}`);
  };
  return {
    headers: (id, block, endStream) => frame(1, 0x4 | (endStream ? 1 : 0), id, Buffer.from(block)),
    rst: (id, code) => {
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(code);
      frame(3, 0, id, payload);
    },
    goawayCode: async () => (await find(0, 7)).payload.readUInt32BE(4),
    rstOf: async (id) => (await find(id, 3)).payload.readUInt32BE(0),
    headersOf: async (id) => (await find(id, 1)) !== undefined,
  };
}
