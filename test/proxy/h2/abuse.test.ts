import {
  continuationFrame, encodeFrame, headersFrame, hpackInteger, pingFrame, PREFACE, rstStreamFrame, settingsFrame, windowUpdateFrame,
} from './raw-frames';
import { RawPeer } from './raw-peer';
import { HpackEncoder } from '../../../src/proxy/h2/hpack/encoder';
import { startChildProxy, type ChildProxy } from '../child-proxy';
import {
  Cleanup, echoClient, EchoService, failures, LoadLoop, LOCAL, proxyConfig, startBackends, staticCluster, waitFor, type Backend,
} from '../harness';

/**
 * The attacks of issue 9, each with fixed frame counts, against the proxy in a process of its own (run as the
 * image runs it), while a well-behaved grpc-js client calls all along on its own connection. For each: the proxy
 * stays up, its peak RSS stays within 64 MiB of its idle RSS, the well-behaved client sees no failure, and every
 * attacking connection is closed with the right GOAWAY code (and counted under the right reason).
 *
 * Each attack comes from a loopback address of its own (127.0.0.x), since the proxy counts some abuse per client
 * address: one attack's counts must not decide another's outcome, nor the well-behaved client's (127.0.0.1).
 */

const MiB = 1024 * 1024;
const NO_ERROR = 0x0;
const ENHANCE_YOUR_CALM = 0xb;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
/** The idle and send timeouts the proxy runs with here (short, so that the tests wait little). */
const IDLE_TIMEOUT_MS = 1500;
const SEND_TIMEOUT_MS = 1000;

const cleanup = new Cleanup();
let backends: Backend[];
let proxy: ChildProxy;
let healthy: LoadLoop;
let idleRss: number;

beforeAll(async () => {
  backends = await startBackends(2, cleanup);
  const config = proxyConfig([staticCluster('echo', backends)]);
  proxy = await startChildProxy({
    ...config,
    listeners: config.listeners.map((l) => ({ ...l, limits: { idleTimeoutMs: IDLE_TIMEOUT_MS, sendTimeoutMs: SEND_TIMEOUT_MS } })),
    accessLog: false,
  }, cleanup);
  healthy = new LoadLoop(echoClient(`${LOCAL}:${proxy.port}`, cleanup), 2, 1_000_000, cleanup);
  // Warm up the code paths, then take the idle baseline.
  await waitFor(() => healthy.outcomes.length >= 500, 20_000, 'the healthy client to warm up');
  idleRss = await proxy.rss();
});
afterAll(() => cleanup.run());

beforeEach(() => proxy.resetPeakRss());
afterEach(async () => {
  const before = healthy.outcomes.length;
  await waitFor(() => healthy.outcomes.length > before + 20, 10_000, 'the healthy client to go on');
  expect(failures(healthy.outcomes)).toEqual([]);
});

/** Asserts the proxy's peak RSS during the test stayed within 64 MiB of its idle RSS, and reports it. */
function expectBoundedMemory(attack: string): void {
  const peak = proxy.peakRss();
  console.log(`${attack}: proxy RSS idle ${(idleRss / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB `
    + `(+${((peak - idleRss) / MiB).toFixed(1)} MiB); ${healthy.outcomes.length} healthy calls so far, all OK`);
  expect(peak - idleRss).toBeLessThan(64 * MiB);
}

/** The preface and an empty SETTINGS. */
const HANDSHAKE = Buffer.concat([PREFACE, settingsFrame([])]);

/** The header block of a gRPC call of `method` (a fresh encoder: no dynamic table state to keep in step). */
function requestBlock(method: string): Buffer {
  const headers = { ':method': 'POST', ':scheme': 'http', ':path': `/test.echo.Echo/${method}`, ':authority': 'proxy' };
  return Buffer.from(new HpackEncoder().encode({ ...headers, 'content-type': 'application/grpc', 'te': 'trailers' }));
}

/** A framed EchoRequest `{ count, payloadBytes }`: a gRPC message (5-octet prefix, then the protobuf). */
function echoRequest(count: number, payloadBytes: number): Buffer {
  const message = EchoService.service.ServerStream.requestSerialize({ count, payloadBytes });
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** `count` copies of `frame` back to back, in one buffer. */
function repeated(frame: Buffer, count: number): Buffer {
  const out = Buffer.allocUnsafe(frame.length * count);
  for (let i = 0; i < count; i++) frame.copy(out, i * frame.length);
  return out;
}

/** Runs `attack` on `count` connections from `localAddress` at once; resolves with them once all are closed. */
async function attackWith(count: number, localAddress: string, attack: (attacker: RawPeer) => void, read = true): Promise<RawPeer[]> {
  const attackers = await Promise.all(Array.from({ length: count }, () => RawPeer.connect({ port: proxy.port, localAddress, read }, cleanup)));
  for (const attacker of attackers) attack(attacker);
  return attackers;
}

function expectGoaways(attackers: readonly RawPeer[], code: number): void {
  expect(attackers.map((a) => a.goaway?.code)).toEqual(attackers.map(() => code));
}

describe('hostile clients', () => {
  test('empty CONTINUATION frames (100,000 on each of 10 connections) end each connection with ENHANCE_YOUR_CALM at once', async () => {
    const floodsBefore = proxy.closes.filter((r) => r === 'flood').length;
    const empty = repeated(continuationFrame(1, Buffer.alloc(0), false), 100_000);
    const attackers = await attackWith(10, '127.0.0.2', (a) => {
      a.send(Buffer.concat([HANDSHAKE, headersFrame(1, requestBlock('Unary').subarray(0, 4), { endHeaders: false })]));
      a.send(empty);
    });
    await proxy.closed('flood', floodsBefore + 10);
    await Promise.all(attackers.map((a) => a.closed));
    expectGoaways(attackers, ENHANCE_YOUR_CALM);
    expectBoundedMemory('empty CONTINUATION flood');
  });

  test('a 256 KiB header block in one-byte CONTINUATIONs (20 connections) is cut off after 8 CONTINUATION frames', async () => {
    const before = proxy.closes.filter((r) => r === 'header_limit').length;
    const oneByte = repeated(continuationFrame(1, Buffer.from([0x40]), false), 256 * 1024);
    const attackers = await attackWith(20, '127.0.0.3', (a) => {
      a.send(Buffer.concat([HANDSHAKE, headersFrame(1, Buffer.from([0x40]), { endHeaders: false })]));
      a.send(oneByte);
    });
    await proxy.closed('header_limit', before + 20);
    await Promise.all(attackers.map((a) => a.closed));
    expectGoaways(attackers, ENHANCE_YOUR_CALM);
    expectBoundedMemory('one-byte CONTINUATIONs');
  });

  test('a PING flood (1,000,000 PINGs on each of 10 connections that never read) ends with ENHANCE_YOUR_CALM', async () => {
    const before = proxy.closes.filter((r) => r === 'flood').length;
    const pings = repeated(pingFrame(Buffer.from('flooding')), 1_000_000);
    const attackers = await attackWith(10, '127.0.0.4', (a) => {
      a.send(HANDSHAKE);
      a.send(pings);
    }, false);
    await proxy.closed('flood', before + 10);
    // Only now do the attackers read what the proxy sent them: acknowledgements, then the GOAWAY.
    for (const attacker of attackers) attacker.read();
    await Promise.all(attackers.map((a) => a.closed));
    expectGoaways(attackers, ENHANCE_YOUR_CALM);
    expectBoundedMemory('PING flood without reading');
  });

  test('clients that grant huge windows and never read (10 connections x 4 streams of 64 MiB) are cut off after the send timeout', async () => {
    const before = proxy.closes.filter((r) => r === 'slow_reader').length;
    const calledBefore = backends[0].calls.ServerStream + backends[1].calls.ServerStream;
    const block = requestBlock('ServerStream');
    const attackers = await attackWith(10, '127.0.0.5', (a) => {
      const frames = [PREFACE, settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 0x7fff_ffff]]), windowUpdateFrame(0, 0x7fff_ffff - 65_535)];
      for (let stream = 1; stream <= 7; stream += 2) {
        frames.push(headersFrame(stream, block), encodeFrame(0x0, 0x1, stream, echoRequest(1024, 64 * 1024)));
      }
      a.send(Buffer.concat(frames));
    }, false);
    await waitFor(() => backends[0].calls.ServerStream + backends[1].calls.ServerStream >= calledBefore + 40, 10_000, 'the 40 streams to reach the backends');
    await proxy.closed('slow_reader', before + 10);
    for (const attacker of attackers) attacker.read();
    await Promise.all(attackers.map((a) => a.closed));
    expectGoaways(attackers, ENHANCE_YOUR_CALM);
    expectBoundedMemory('huge windows, no reads');
  });

  test('a connection with no open stream is closed with GOAWAY NO_ERROR at the idle timeout; one with an open stream is not', async () => {
    const before = proxy.closes.filter((r) => r === 'idle').length;
    // GIVEN a connection with a call open (a bidi stream the client never ends), made first so that its idle timer
    // fires first, and a connection that only says hello
    const [busy] = await attackWith(1, '127.0.0.6', (a) => a.send(Buffer.concat([HANDSHAKE, headersFrame(1, requestBlock('Bidi'))])));
    const [idle] = await attackWith(1, '127.0.0.6', (a) => a.send(HANDSHAKE));

    // WHEN the idle one is closed
    await idle.closed;

    // THEN it got GOAWAY NO_ERROR for being idle (the proxy's log line for it comes through a pipe, after the socket
    // closed), and the busy one is still open
    expect(idle.goaway?.code).toBe(NO_ERROR);
    await proxy.closed('idle', before + 1);
    expect(proxy.closes.filter((r) => r === 'idle').length).toBe(before + 1);
    expect(busy.socket.destroyed).toBe(false);
    expect(busy.goaway).toBeUndefined();
  });

  test('HPACK bombs (50 connections, blocks that decode to 120 MB each) cost a stream reset once, then the connection', async () => {
    const before = proxy.closes.filter((r) => r === 'header_limit').length;
    // A 4,000-octet value entered into the dynamic table, then referred to 30,000 times: 30 KB that decode to 120 MB.
    const value = 'a'.repeat(4000);
    // A literal with incremental indexing and a new name (RFC 7541 section 6.2.1).
    const insert = Buffer.concat([Buffer.from([0x40, 6]), Buffer.from('x-bomb'), hpackInteger(0, 7, value.length), Buffer.from(value)]);
    const references = Buffer.alloc(30_000, 0xbe);
    const request = requestBlock('Unary');
    const blockFrames = (streamId: number, block: Buffer): Buffer[] => {
      const frames = [headersFrame(streamId, block.subarray(0, 16_384), { endHeaders: false, endStream: true })];
      for (let at = 16_384; at < block.length; at += 16_384) {
        frames.push(continuationFrame(streamId, block.subarray(at, at + 16_384), at + 16_384 >= block.length));
      }
      return frames;
    };
    const attackers = await attackWith(50, '127.0.0.7', (a) => {
      const bomb = Buffer.concat([request, insert, references]);
      a.send(Buffer.concat([HANDSHAKE, ...blockFrames(1, bomb), ...blockFrames(3, bomb)]));
    });
    await proxy.closed('header_limit', before + 50);
    await Promise.all(attackers.map((a) => a.closed));
    expectGoaways(attackers, ENHANCE_YOUR_CALM);
    expect(backends.every((b) => !b.headerNames.has('x-bomb'))).toBe(true);
    expectBoundedMemory('HPACK bomb');
  });

  test('rapid reset is counted per client address: a reconnecting client is cut off at its first reset', async () => {
    const before = proxy.closes.filter((r) => r === 'rapid_reset').length;
    const block = requestBlock('Unary');
    const pairs = (count: number): Buffer => Buffer.concat(Array.from({ length: count }, (_, i) => {
      const stream = 1 + 2 * i;
      return Buffer.concat([headersFrame(stream, block), rstStreamFrame(stream, 0x8)]);
    }));
    // GIVEN a client that opened and reset 500 streams on one connection, and was cut off for it
    const [first] = await attackWith(1, '127.0.0.8', (a) => a.send(Buffer.concat([HANDSHAKE, pairs(600)])));
    await proxy.closed('rapid_reset', before + 1);
    await first.closed;
    expect(first.goaway).toEqual({ code: ENHANCE_YOUR_CALM, lastStreamId: 999 });

    // WHEN it reconnects and does it again
    const [second] = await attackWith(1, '127.0.0.8', (a) => a.send(Buffer.concat([HANDSHAKE, pairs(600)])));
    await proxy.closed('rapid_reset', before + 2);
    await second.closed;

    // THEN its first reset on the new connection is its last
    expect(second.goaway).toEqual({ code: ENHANCE_YOUR_CALM, lastStreamId: 1 });
  });
});
