import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { encodeFrame, headersFrame, PREFACE, settingsFrame } from './h2/raw-frames';
import { RawPeer } from './h2/raw-peer';
import { Cleanup, EchoService, proxyConfig, proxyPort, startBackends, startProxy, staticCluster, waitFor, type Backend } from './harness';
import { HpackEncoder } from '../../src/proxy/h2/hpack/encoder';
import { CHANNEL_NAMES, type ConnectionCloseMessage } from '../../src/proxy/observability/channels';
import type { Proxy } from '../../src/proxy/proxy';

/** A listener's `limits`, and the HTTP/2 rules a proxy must keep when it passes requests on (RFC 9113 8.1.1). */

const cleanup = new Cleanup();
let backends: Backend[];
let proxy: Proxy;
const closes: ConnectionCloseMessage[] = [];
const onClose = (message: unknown): void => void closes.push(message as ConnectionCloseMessage);

beforeAll(async () => {
  backends = await startBackends(1, cleanup);
  const config = proxyConfig([staticCluster('echo', backends)]);
  proxy = await startProxy({
    ...config,
    listeners: config.listeners.map((l) => ({ ...l, limits: { maxConnections: 3, maxConcurrentStreams: 5 } })),
  }, cleanup);
  subscribe(CHANNEL_NAMES.connectionClose, onClose);
});
afterAll(async () => {
  unsubscribe(CHANNEL_NAMES.connectionClose, onClose);
  await cleanup.run();
});

const REFUSED_STREAM = 0x7;
const PROTOCOL_ERROR = 0x1;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
const HANDSHAKE = Buffer.concat([PREFACE, settingsFrame([])]);

/** The header block of a call of `method`, with `extra` fields. */
function request(method: string, extra: Record<string, string> = {}): Buffer {
  const headers = { ':method': 'POST', ':scheme': 'http', ':path': `/test.echo.Echo/${method}`, ':authority': 'proxy' };
  return Buffer.from(new HpackEncoder().encode({ ...headers, 'content-type': 'application/grpc', 'te': 'trailers', ...extra }));
}

/** An empty EchoRequest as a gRPC message. */
const EMPTY_MESSAGE = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), EchoService.service.Unary.requestSerialize({})]);

async function connect(): Promise<RawPeer> {
  const peer = await RawPeer.connect({ port: proxyPort(proxy), keepFrames: true }, cleanup);
  peer.send(HANDSHAKE);
  return peer;
}

describe('listener limits', () => {
  test('advertises maxConcurrentStreams in SETTINGS and refuses a stream over it with REFUSED_STREAM', async () => {
    const peer = await connect();
    const settings = await peer.frame((f) => f.type === 0x4 && f.flags === 0);
    const advertised = new Map<number, number>();
    for (let at = 0; at < settings.payload.length; at += 6) advertised.set(settings.payload.readUInt16BE(at), settings.payload.readUInt32BE(at + 2));
    expect(advertised.get(SETTINGS_MAX_CONCURRENT_STREAMS)).toBe(5);

    // Six bidi calls left open: the sixth is one too many.
    const block = request('Bidi');
    peer.send(Buffer.concat([1, 3, 5, 7, 9, 11].map((stream) => headersFrame(stream, block))));
    const refused = await peer.frame((f) => f.type === 0x3);
    expect({ stream: refused.streamId, code: refused.payload.readUInt32BE(0) }).toEqual({ stream: 11, code: REFUSED_STREAM });
    await waitFor(() => backends[0].calls.Bidi >= 5, 10_000, 'the five calls to reach the backend');
    expect(backends[0].calls.Bidi).toBe(5);
    peer.socket.destroy();
    await peer.closed;
  });

  test('closes connections over maxConnections as they arrive, and reports them', async () => {
    const open = await Promise.all([connect(), connect(), connect()]);
    await Promise.all(open.map((peer) => peer.frame((f) => f.type === 0x4)));
    const refusedBefore = closes.filter((c) => c.reason === 'connection_limit').length;
    const fourth = await RawPeer.connect({ port: proxyPort(proxy), keepFrames: true }, cleanup);
    await fourth.closed;
    expect(fourth.frames).toEqual([]);
    expect(closes.filter((c) => c.reason === 'connection_limit').length).toBe(refusedBefore + 1);
    for (const peer of open) peer.socket.destroy();
    await Promise.all(open.map((peer) => peer.closed));
  });
});

describe('requests whose body disagrees with their content-length (RFC 9113 8.1.1)', () => {
  test.each([
    ['longer', '2'],
    ['shorter', '10'],
  ])('a body %s than its content-length gets PROTOCOL_ERROR and is not passed on complete', async (_what, contentLength) => {
    const unaryBefore = backends[0].calls.Unary;
    const peer = await connect();
    peer.send(Buffer.concat([
      headersFrame(1, request('Unary', { 'content-length': contentLength })),
      encodeFrame(0x0, 0x1, 1, EMPTY_MESSAGE),
    ]));
    const reset = await peer.frame((f) => f.type === 0x3 && f.streamId === 1);
    expect(reset.payload.readUInt32BE(0)).toBe(PROTOCOL_ERROR);
    // The same connection goes on serving.
    peer.send(Buffer.concat([headersFrame(3, request('Unary')), encodeFrame(0x0, 0x1, 3, EMPTY_MESSAGE)]));
    const trailers = await peer.frame((f) => f.type === 0x1 && f.streamId === 3 && f.flags % 2 === 1);
    expect(trailers.streamId).toBe(3);
    expect(backends[0].calls.Unary).toBe(unaryBefore + 1);
    peer.socket.destroy();
  });
});
