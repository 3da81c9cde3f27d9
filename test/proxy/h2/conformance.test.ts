/* eslint-disable no-bitwise -- raw HTTP/2 frames and HPACK octets are bit-level wire formats */
/**
 * HTTP/2 conformance of `H2Connection` in the server role: the server-side test cases of h2spec
 * (https://github.com/summerwind/h2spec, Copyright (c) 2015 Moto Ishizawa, MIT licence), ported case by case to jest.
 * Each test is named after its h2spec case ("<section> #<n>", h2spec's numbering; h2spec's sections follow RFC 7540)
 * and sends the same octets over a real loopback TCP socket, then accepts what h2spec accepts:
 *
 * - a connection error (RFC 9113 section 5.4.1): GOAWAY with one of the listed codes, or the connection closing
 *   (a GOAWAY with another code fails the test);
 * - a stream error (RFC 9113 section 5.4.2): RST_STREAM with one of the listed codes on the stream, or a connection
 *   error with one of them (h2spec's `VerifyStreamError` accepts both);
 * - "the connection stays usable": a PING sent afterwards is acknowledged with its payload.
 *
 * References: RFC 9113 (HTTP/2, which obsoletes RFC 7540; h2spec's section numbers are RFC 7540's, the comments give
 * RFC 9113's where they differ) and RFC 7541 (HPACK). Waits are for events (a frame, the connection closing), each
 * with a 2 s limit that fails the test with what the server sent instead; nothing sleeps for a fixed time.
 *
 * Server under test: `new H2Connection(socket, false, OPTIONS)` whose streams answer like a small HTTP server once
 * the request has ended: `:status 200` and a short body (h2spec's flow-control cases need a body), no body for HEAD.
 * A request for `/hold` is never answered, which keeps its stream open (half-closed (remote) once the request ends).
 *
 * Two variants beyond h2spec ("6.1 #3 (on a closed stream)", "6.9 #2 (on a closed stream)") send h2spec's frame on a
 * stream that has ended both ways: frame validity checks do not depend on the stream still being open.
 * "5.1.1 #3" is from h2spec's later history (a HEADERS frame on a half-closed (remote) stream).
 *
 * Not ported, because they cannot apply to this server:
 * - http2 3.2 (starting HTTP/2 for "http" URIs with an HTTP/1.1 Upgrade, RFC 7540 section 3.2, removed by RFC 9113):
 *   the proxy speaks HTTP/2 with prior knowledge only, and h2spec's one case there (the server preface) is 3.5 #1;
 * - http2 3.3 (starting HTTP/2 for "https" URIs: ALPN) and 9.2 (TLS 1.2 features): TLS-only, while `H2Connection`
 *   runs over whatever socket it is given (TLS, when configured, is terminated in front of it and tested elsewhere);
 * - h2spec's client-side cases (h2spec -client): they test an HTTP/2 client, not a server.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { OPTIONS } from './connection-options';
import {
  continuationFrame, dataFrame, encodeFrame, goawayFrame, headersFrame, hpackInteger, parseFrames, pingFrame, PREFACE, priorityFrame, rstStreamFrame,
  settingsFrame, windowUpdateFrame, type RawFrame,
} from './raw-frames';
import {
  COMPRESSION_ERROR, FLAG_ACK, FLAG_END_HEADERS, FLAG_END_STREAM, FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR,
  NO_ERROR, PROTOCOL_ERROR, REFUSED_STREAM, SETTINGS_ENABLE_PUSH, SETTINGS_HEADER_TABLE_SIZE, SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE, STREAM_CLOSED, TYPE_DATA,
  TYPE_GOAWAY, TYPE_HEADERS, TYPE_PING, TYPE_PUSH_PROMISE, TYPE_RST_STREAM, TYPE_SETTINGS, TYPE_WINDOW_UPDATE,
} from '../../../src/proxy/h2/constants';
import { H2Connection } from '../../../src/proxy/h2/h2-connection';
import type { H2Stream, H2StreamHandler } from '../../../src/proxy/h2/h2-stream';
import type { HeaderFields } from '../../../src/proxy/h2/hpack/decoder';
import { HpackEncoder, type OutgoingFields } from '../../../src/proxy/h2/hpack/encoder';


/** How long one wait for the server may take before the test fails. */
const WAIT_MS = 2000;
/** Frames received before a failed wait that its message shows, for context. */
const CONTEXT_EVENTS = 6;
/** The body of every answer (at least 5 octets: 6.9.2 #2 needs that many). */
const BODY = Buffer.from('h2spec conformance\n');
/** A path the server never answers. */
const HOLD = '/hold';
/** h2spec's default --max-header-length: the value length of its dummy header fields. */
const MAX_HEADER_LEN = 4000;
/** The dynamic table size a decoder has until the peer's SETTINGS_HEADER_TABLE_SIZE says otherwise. */
const DEFAULT_HEADER_TABLE_SIZE = 4096;

const ERROR_NAMES = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];
const FRAME_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];

function codeName(code: number): string {
  return ERROR_NAMES[code] ?? `0x${code.toString(16)}`;
}

function codeNames(codes: readonly number[]): string {
  return codes.map(codeName).join(' or ');
}

// ---- The server under test ----

interface Server {
  port: number;
  connections: H2Connection[];
  /** Request headers of every stream the server accepted, in order. */
  requests: HeaderFields[];
}

let server: Server;
let listener: net.Server;
const peers: Peer[] = [];

beforeEach(async () => {
  const connections: H2Connection[] = [];
  const requests: HeaderFields[] = [];
  listener = net.createServer((socket) => {
    const connection = new H2Connection(socket, false, OPTIONS);
    connection.onStream = (stream, headers) => serve(stream, headers, requests);
    connections.push(connection);
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  server = { port: (listener.address() as net.AddressInfo).port, connections, requests };
});

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.socket.destroy();
  for (const connection of server.connections) connection.destroy();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

/** Answers a request once it has ended, as a small HTTP server would; `/hold` is never answered. */
function serve(stream: H2Stream, headers: HeaderFields, requests: HeaderFields[]): void {
  requests.push(headers);
  const hold = headers[':path'] === HOLD;
  const head = headers[':method'] === 'HEAD';
  const handler: H2StreamHandler = {
    onHeaders: noop,
    onData: noop,
    onTrailers: noop,
    onDrain: noop,
    onClose: noop,
    onEnd: (ended) => {
      if (hold) return;
      if (head) {
        ended.respond({ ':status': '200' }, true);
        return;
      }
      ended.respond({ ':status': '200', 'content-type': 'text/plain' }, false);
      ended.write(BODY);
      ended.end();
    },
  };
  stream.handler = handler;
}

function noop(): void {
  // Nothing to do.
}

// ---- Frames, written by hand ----

function pushPromiseFrame(streamId: number, promisedStreamId: number, block: Buffer): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(promisedStreamId);
  return encodeFrame(TYPE_PUSH_PROMISE, FLAG_END_HEADERS, streamId, Buffer.concat([payload, block]));
}

/** Octets given as a string of `\xNN` escapes, as h2spec writes them. */
function octets(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/**
 * A header block of literal fields without indexing and with new names (RFC 7541 section 6.2.2), in exactly the
 * given order and spelling: for blocks the encoder would reorder or refuse (pseudo-header fields after regular
 * ones, duplicates, upper-case names).
 */
function literalBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from([0x00]), hpackInteger(0, 7, name.length), Buffer.from(name, 'latin1'));
    parts.push(hpackInteger(0, 7, value.length), Buffer.from(value, 'latin1'));
  }
  return Buffer.concat(parts);
}

/** h2spec's `DummyHeaders(c, n)`: `x-dummy<i>` fields of `MAX_HEADER_LEN` octets each. */
function dummyHeaders(count: number): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i < count; i++) fields[`x-dummy${i}`] = 'x'.repeat(MAX_HEADER_LEN);
  return fields;
}

function describeFrame(frame: RawFrame): string {
  const name = FRAME_NAMES[frame.type] ?? `frame type 0x${frame.type.toString(16)}`;
  const { payload, streamId, flags } = frame;
  switch (frame.type) {
    case TYPE_RST_STREAM:
      return `RST_STREAM(stream ${streamId}, ${payload.length === 4 ? codeName(payload.readUInt32BE(0)) : '?'})`;
    case TYPE_GOAWAY:
      return payload.length >= 8
        ? `GOAWAY(last stream ${payload.readUInt32BE(0) & 0x7fff_ffff}, ${codeName(payload.readUInt32BE(4))})`
        : 'GOAWAY(?)';
    case TYPE_DATA:
    case TYPE_HEADERS:
      return `${name}(stream ${streamId}, ${payload.length} octets${(flags & FLAG_END_STREAM) !== 0 ? ', END_STREAM' : ''})`;
    case TYPE_SETTINGS:
    case TYPE_PING:
      return `${name}(${(flags & FLAG_ACK) !== 0 ? 'ACK, ' : ''}${payload.length} octets)`;
    case TYPE_WINDOW_UPDATE:
      return `WINDOW_UPDATE(stream ${streamId}, ${payload.length === 4 ? payload.readUInt32BE(0) : '?'})`;
    default:
      return `${name}(stream ${streamId}, flags 0x${flags.toString(16)}, ${payload.length} octets)`;
  }
}

// ---- The client: raw frames out, events in ----

/** What the client saw: a frame, or the connection closing (always the last event). */
type PeerEvent = { frame: RawFrame; closed?: undefined } | { closed: true; frame?: undefined };

/**
 * A client that writes frames by hand and reads the server's frames as events. `expect...` methods wait for the
 * next event (from a cursor, so that each wait sees what came after the previous one, as h2spec's do) that settles
 * them, and reject with what the server sent when it does not come within `WAIT_MS`.
 */
class Peer {
  /** The client's HPACK encoder (its dynamic table stays in step with the server's decoder). */
  public readonly encoder = new HpackEncoder();
  private readonly events: PeerEvent[] = [];
  private cursor = 0;
  private received = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();

  public constructor(public readonly socket: net.Socket, public readonly authority: string) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      const frames = parseFrames(this.received);
      let used = 0;
      for (const frame of frames) {
        used += 9 + frame.payload.length;
        this.push({ frame });
      }
      this.received = this.received.subarray(used);
    });
    const closed = (): void => {
      if (this.events.at(-1)?.closed !== true) this.push({ closed: true });
    };
    socket.on('end', closed);
    socket.on('close', closed);
    socket.on('error', () => undefined); // ECONNRESET, EPIPE: the close follows.
  }

  /** Writes frames (or any octets). */
  public send(...chunks: Buffer[]): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(Buffer.concat(chunks));
  }

  /** A header block from the client's HPACK encoder (a copy: the encoder reuses its buffer). */
  public block(fields: OutgoingFields): Buffer {
    return Buffer.from(this.encoder.encode(fields));
  }

  /** h2spec's `CommonHeaders`: a GET of `/` (fields in `overrides` replace or add to them). */
  public common(overrides: OutgoingFields = {}): OutgoingFields {
    return { ':method': 'GET', ':scheme': 'http', ':path': '/', ':authority': this.authority, ...overrides };
  }

  /** h2spec's `CommonHeaders` as an ordered list, for `literalBlock`. */
  public commonList(): Array<[string, string]> {
    return [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', this.authority]];
  }

  /** h2spec's `Handshake`: preface and SETTINGS; waits for the server's SETTINGS (acknowledged) and its ACK of ours. */
  public async handshake(settings: ReadonlyArray<readonly [number, number]> = [[SETTINGS_INITIAL_WINDOW_SIZE, 65_535]]): Promise<void> {
    this.send(PREFACE, settingsFrame(settings));
    let acked = false;
    let serverSettings = false;
    await this.next('the server SETTINGS and its ACK of ours', (event) => {
      if (event.closed) throw new Error('the connection closed during the handshake');
      const { frame } = event;
      if (frame.type !== TYPE_SETTINGS) return undefined;
      if ((frame.flags & FLAG_ACK) !== 0) {
        acked = true;
      } else {
        serverSettings = true;
        this.send(settingsFrame([], true));
      }
      return acked && serverSettings ? true : undefined;
    });
  }

  /**
   * A connection error with one of `codes`: GOAWAY with such a code, or the connection closing (h2spec's
   * `VerifyConnectionError`). A GOAWAY with another code fails.
   */
  public async expectConnectionError(...codes: number[]): Promise<void> {
    const what = `a connection error: GOAWAY(${codeNames(codes)}) or the connection closing`;
    await this.next(what, (event) => {
      if (event.closed) return true;
      const { frame } = event;
      if (frame.type !== TYPE_GOAWAY) return undefined;
      if (codes.includes(frame.payload.readUInt32BE(4))) return true;
      throw new Error(`expected ${what}, got ${describeFrame(frame)}`);
    });
  }

  /**
   * A stream error on `streamId` with one of `codes`: RST_STREAM with such a code on the stream, or a connection error
   * with one of them (h2spec's `VerifyStreamError`). Another code fails.
   */
  public async expectStreamError(streamId: number, ...codes: number[]): Promise<void> {
    const what = `a stream error on stream ${streamId}: RST_STREAM(${codeNames(codes)}), GOAWAY(${codeNames(codes)}) or the connection closing`;
    await this.next(what, (event) => {
      if (event.closed) return true;
      const { frame } = event;
      if (frame.type === TYPE_GOAWAY) {
        if (codes.includes(frame.payload.readUInt32BE(4))) return true;
        throw new Error(`expected ${what}, got ${describeFrame(frame)}`);
      }
      if (frame.type === TYPE_RST_STREAM && frame.streamId === streamId) {
        if (codes.includes(frame.payload.readUInt32BE(0))) return true;
        throw new Error(`expected ${what}, got ${describeFrame(frame)}`);
      }
      return undefined;
    });
  }

  /** The connection closing, whatever comes first (h2spec's `VerifyConnectionClose`). */
  public async expectConnectionClose(): Promise<void> {
    await this.next('the connection closing', (event) => (event.closed ? true : undefined));
  }

  /** The next frame that `matches`; the connection closing first fails. */
  public async expectFrame(what: string, matches: (frame: RawFrame) => boolean): Promise<RawFrame> {
    return this.next(what, (event) => {
      if (event.closed) throw new Error(`expected ${what}, but the connection closed`);
      return matches(event.frame) ? event.frame : undefined;
    });
  }

  /** The next frame of a type (h2spec's `WaitEventByType`). */
  public async expectFrameOfType(type: number): Promise<RawFrame> {
    return this.expectFrame(`a ${FRAME_NAMES[type]} frame`, (frame) => frame.type === type);
  }

  /** The next HEADERS frame, which must be on `streamId` (h2spec's `VerifyHeadersFrame`): the response. */
  public async expectResponse(streamId: number): Promise<void> {
    const frame = await this.expectFrameOfType(TYPE_HEADERS);
    if (frame.streamId !== streamId) throw new Error(`expected HEADERS on stream ${streamId}, got ${describeFrame(frame)}`);
  }

  /** The next SETTINGS frame, which must be an ACK. */
  public async expectSettingsAck(): Promise<void> {
    const frame = await this.expectFrameOfType(TYPE_SETTINGS);
    if ((frame.flags & FLAG_ACK) === 0) throw new Error(`expected a SETTINGS ACK, got ${describeFrame(frame)}`);
  }

  /** The next DATA frame, which must carry `length` octets. */
  public async expectDataOfLength(streamId: number, length: number): Promise<void> {
    const frame = await this.expectFrameOfType(TYPE_DATA);
    if (frame.streamId !== streamId || frame.payload.length !== length) {
      throw new Error(`expected DATA(stream ${streamId}, ${length} octets), got ${describeFrame(frame)}`);
    }
  }

  /** A PING ACK carrying `data` (h2spec's `VerifyPingFrameWithAck`). */
  public async expectPingAck(data: Buffer): Promise<void> {
    await this.expectFrame(`PING(ACK) with payload ${data.toString('hex')}`, (frame) => isPingAck(frame, data));
  }

  /** The end of a stream from the server (h2spec's `VerifyStreamClose`): END_STREAM, or RST_STREAM(NO_ERROR). */
  public async expectStreamClose(streamId: number): Promise<void> {
    await this.expectFrame(`the end of stream ${streamId}`, (frame) => frame.streamId === streamId && (
      ((frame.type === TYPE_DATA || frame.type === TYPE_HEADERS) && (frame.flags & FLAG_END_STREAM) !== 0)
      || (frame.type === TYPE_RST_STREAM && frame.payload.readUInt32BE(0) === NO_ERROR)));
  }

  /** The connection is still usable: a PING sent now is acknowledged. */
  public async expectUsable(): Promise<void> {
    const data = Buffer.from('usable?!');
    this.send(pingFrame(data));
    await this.next('the ACK of a PING sent to check that the connection is still usable', (event) => {
      if (event.closed) throw new Error('the connection closed, expected it to stay usable');
      if (event.frame.type === TYPE_GOAWAY) throw new Error(`the server sent ${describeFrame(event.frame)}, expected the connection to stay usable`);
      return isPingAck(event.frame, data) ? true : undefined;
    });
  }

  /**
   * Waits for the first event from the cursor that `decide` settles (a result, or a thrown error); rejects with
   * what the server sent when none does within `WAIT_MS`, or when the connection closes unsettled.
   */
  private async next<T>(what: string, decide: (event: PeerEvent) => T | undefined): Promise<T> {
    const start = this.cursor;
    return new Promise<T>((resolve, reject) => {
      let check = noop;
      const settle = (error: Error | undefined, result?: T): void => {
        this.waiters.delete(check);
        clearTimeout(timer);
        if (error === undefined) resolve(result as T);
        else reject(new Error(`${error.message}. The server sent: ${this.describeFrom(start)}`));
      };
      const timer = setTimeout(() => settle(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)), WAIT_MS);
      check = (): void => {
        while (this.cursor < this.events.length) {
          const event = this.events[this.cursor++];
          let result: T | undefined;
          try {
            result = decide(event);
          } catch (error) {
            settle(error as Error);
            return;
          }
          if (result !== undefined) {
            settle(undefined, result);
            return;
          }
          if (event.closed) {
            settle(new Error(`the connection closed while waiting for ${what}`));
            return;
          }
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  private push(event: PeerEvent): void {
    this.events.push(event);
    for (const waiter of [...this.waiters]) waiter();
  }

  /** What the server sent since this wait began, then (for context) the last frames before it. */
  private describeFrom(start: number): string {
    const describe = (events: PeerEvent[]): string => events
      .map((event) => (event.closed ? 'connection close' : describeFrame(event.frame))).join(', ');
    const since = this.events.slice(start);
    const before = this.events.slice(Math.max(0, start - CONTEXT_EVENTS), start);
    return `${since.length === 0 ? 'nothing' : describe(since)}${before.length === 0 ? '' : ` (before this wait: ${describe(before)})`}`;
  }
}

function isPingAck(frame: RawFrame, data: Buffer): boolean {
  return frame.type === TYPE_PING && (frame.flags & FLAG_ACK) !== 0 && frame.payload.equals(data);
}

/** A client connected to the server under test, without any HTTP/2 octet sent yet. */
async function connectRaw(): Promise<Peer> {
  const socket = net.connect(server.port, '127.0.0.1');
  const peer = new Peer(socket, `127.0.0.1:${server.port}`);
  peers.push(peer);
  await once(socket, 'connect');
  return peer;
}

/** A client past h2spec's handshake. */
async function connect(): Promise<Peer> {
  const peer = await connectRaw();
  await peer.handshake();
  return peer;
}

// ---- h2spec: Hypertext Transfer Protocol Version 2 (HTTP/2) ----

describe('h2spec http2 3: Starting HTTP/2', () => {
  // RFC 9113 section 3.4 (RFC 7540 section 3.5).
  test('3.5 #1: the server connection preface, a SETTINGS frame, is the first frame the server sends', async () => {
    const peer = await connectRaw();
    peer.send(PREFACE, settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 65_535]]));
    const first = await peer.expectFrame('the first frame', () => true);
    expect(describeFrame(first)).toMatch(/^SETTINGS\(\d+ octets\)$/);
  });

  test('3.5 #2: an invalid connection preface makes the server close the connection', async () => {
    const peer = await connectRaw();
    peer.send(Buffer.from('INVALID CONNECTION PREFACE\r\n\r\n'));
    await peer.expectConnectionClose();
  });
});

describe('h2spec http2 4: HTTP Frames', () => {
  // RFC 9113 section 4.1.
  test('4.1 #1: a frame of an unknown type is ignored', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x08\x16\x00\x00\x00\x00\x00'), Buffer.alloc(8));
    const data = Buffer.alloc(8);
    peer.send(pingFrame(data));
    await peer.expectPingAck(data);
  });

  test('4.1 #2: undefined flags are ignored', async () => {
    const peer = await connect();
    // PING with flags 0x16 (ACK unset).
    peer.send(octets('\x00\x00\x08\x06\x16\x00\x00\x00\x00'), Buffer.alloc(8));
    await peer.expectPingAck(Buffer.alloc(8));
  });

  test('4.1 #3: the reserved bit of the stream identifier is ignored', async () => {
    const peer = await connect();
    // PING with flags 0x16 and the R bit set on stream 0.
    peer.send(octets('\x00\x00\x08\x06\x16\x80\x00\x00\x00'), Buffer.alloc(8));
    await peer.expectPingAck(Buffer.alloc(8));
  });

  // RFC 9113 section 4.2.
  test('4.2 #1: a DATA frame of 2^14 octets is accepted', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common({ ':method': 'POST' }))),
      dataFrame(1, Buffer.alloc(16_384, 'x'), true),
    );
    await peer.expectResponse(1);
  });

  test('4.2 #2: a DATA frame over SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common({ ':method': 'POST' }))),
      dataFrame(1, Buffer.alloc(16_385, 'x'), true),
    );
    await peer.expectStreamError(1, FRAME_SIZE_ERROR);
  });

  test('4.2 #3: a HEADERS frame over SETTINGS_MAX_FRAME_SIZE is a connection error FRAME_SIZE_ERROR', async () => {
    const peer = await connect();
    const block = peer.block({ ...peer.common(), ...dummyHeaders(5) });
    expect(block.length).toBeGreaterThan(16_384);
    peer.send(headersFrame(1, block, { endStream: true }));
    await peer.expectConnectionError(FRAME_SIZE_ERROR);
  });

  // RFC 9113 section 4.3.
  test('4.3 #1: an invalid header block fragment is a connection error COMPRESSION_ERROR', async () => {
    const peer = await connect();
    // Literal field with incremental indexing without its length and string.
    peer.send(octets('\x00\x00\x01\x01\x05\x00\x00\x00\x01\x40'));
    await peer.expectConnectionError(COMPRESSION_ERROR);
  });

  test('4.3 #2: a PRIORITY frame inside a header block is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common()), { endHeaders: false }),
      priorityFrame(1, 0, 255),
      continuationFrame(1, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('4.3 #3: a HEADERS frame to another stream inside a header block is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common()), { endHeaders: false }),
      headersFrame(3, peer.block(peer.common()), { endStream: true }),
      continuationFrame(1, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });
});

describe('h2spec http2 5: Streams and Multiplexing', () => {
  // RFC 9113 section 5.1: idle.
  test('5.1 #1: idle: a DATA frame is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(dataFrame(1, 'test', true));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('5.1 #2: idle: a RST_STREAM frame is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(rstStreamFrame(1, 0x8));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('5.1 #3: idle: a WINDOW_UPDATE frame is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(windowUpdateFrame(1, 100));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('5.1 #4: idle: a CONTINUATION frame is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(continuationFrame(1, peer.block(peer.common()), true));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  // half-closed (remote): `/hold` keeps the stream open on the server's side.
  test('5.1 #5: half-closed (remote): a DATA frame is a stream error STREAM_CLOSED', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':path': HOLD })), { endStream: true }), dataFrame(1, 'test', true));
    await peer.expectStreamError(1, STREAM_CLOSED);
  });

  test('5.1 #6: half-closed (remote): a HEADERS frame is a stream error STREAM_CLOSED', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common({ ':path': HOLD })), { endStream: true }),
      headersFrame(1, peer.block(peer.common({ ':path': HOLD })), { endStream: true }),
    );
    await peer.expectStreamError(1, STREAM_CLOSED);
  });

  test('5.1 #7: half-closed (remote): a CONTINUATION frame is a stream error STREAM_CLOSED or PROTOCOL_ERROR', async () => {
    const peer = await connect();
    const block = peer.block(peer.common({ ':path': HOLD }));
    peer.send(headersFrame(1, block, { endStream: true }), continuationFrame(1, block, true));
    await peer.expectStreamError(1, STREAM_CLOSED, PROTOCOL_ERROR);
  });

  // closed, after the client's RST_STREAM.
  test('5.1 #8: closed: a DATA frame after RST_STREAM is a stream error STREAM_CLOSED', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common())), rstStreamFrame(1, 0x8), dataFrame(1, 'test', true));
    await peer.expectStreamError(1, STREAM_CLOSED);
  });

  test('5.1 #9: closed: a HEADERS frame after RST_STREAM is a stream error STREAM_CLOSED', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common())),
      rstStreamFrame(1, 0x8),
      headersFrame(1, peer.block(peer.common()), { endStream: true }),
    );
    await peer.expectStreamError(1, STREAM_CLOSED);
  });

  test('5.1 #10: closed: a CONTINUATION frame after RST_STREAM is a stream error STREAM_CLOSED or PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common())),
      rstStreamFrame(1, 0x8),
      continuationFrame(1, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectStreamError(1, STREAM_CLOSED, PROTOCOL_ERROR);
  });

  // closed, after END_STREAM both ways.
  test('5.1 #11: closed: a DATA frame is a stream error STREAM_CLOSED', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectStreamClose(1);
    peer.send(dataFrame(1, 'test', true));
    await peer.expectStreamError(1, STREAM_CLOSED);
  });

  test('5.1 #12: closed: a HEADERS frame is a connection error STREAM_CLOSED', async () => {
    const peer = await connect();
    const block = peer.block(peer.common());
    peer.send(headersFrame(1, block, { endStream: true }));
    await peer.expectStreamClose(1);
    peer.send(headersFrame(1, block, { endStream: true }));
    await peer.expectConnectionError(STREAM_CLOSED);
  });

  test('5.1 #13: closed: a CONTINUATION frame is a connection error STREAM_CLOSED or PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectStreamClose(1);
    peer.send(continuationFrame(1, peer.block(dummyHeaders(1)), true));
    await peer.expectConnectionError(STREAM_CLOSED, PROTOCOL_ERROR);
  });

  // RFC 9113 section 5.1.1.
  test('5.1.1 #1: an even-numbered stream identifier is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(2, peer.block(peer.common()), { endStream: true }));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('5.1.1 #2: a stream identifier smaller than a previous one is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(5, peer.block(peer.common()), { endStream: true }),
      headersFrame(3, peer.block(peer.common()), { endStream: true }),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('5.1.1 #3: a HEADERS frame on a half-closed (remote) stream is a stream error STREAM_CLOSED', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(5, peer.block(peer.common({ ':path': HOLD })), { endStream: true }),
      headersFrame(5, peer.block(peer.common({ ':path': HOLD })), { endStream: true }),
    );
    await peer.expectStreamError(5, STREAM_CLOSED);
  });

  // RFC 9113 section 5.1.2.
  test('5.1.2 #1: HEADERS past the advertised SETTINGS_MAX_CONCURRENT_STREAMS is a stream error PROTOCOL_ERROR or REFUSED_STREAM', async () => {
    const peer = await connectRaw();
    let maxStreams: number | undefined;
    peer.send(PREFACE, settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 65_535]]));
    const settings = await peer.expectFrame('the server SETTINGS', (frame) => frame.type === TYPE_SETTINGS && (frame.flags & FLAG_ACK) === 0);
    for (let at = 0; at + 6 <= settings.payload.length; at += 6) {
      if (settings.payload.readUInt16BE(at) === SETTINGS_MAX_CONCURRENT_STREAMS) maxStreams = settings.payload.readUInt32BE(at + 2);
    }
    expect(maxStreams).toBe(100);
    peer.send(settingsFrame([], true));
    // A window of 0 keeps every answer (and so its stream) open: its body cannot be sent.
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 0]]));
    const block = peer.block(peer.common());
    const frames: Buffer[] = [];
    for (let i = 0; i <= (maxStreams as number); i++) frames.push(headersFrame(1 + 2 * i, block, { endStream: true }));
    peer.send(...frames);
    await peer.expectStreamError(1 + 2 * (maxStreams as number), PROTOCOL_ERROR, REFUSED_STREAM);
  });

  // RFC 7540 section 5.3.1 (RFC 9113 section 5.3 deprecates the priority scheme; the server keeps this rule).
  test('5.3.1 #1: a HEADERS frame depending on its own stream is a stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true, priority: { dependency: 1, weight: 255 } }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('5.3.1 #2: a PRIORITY frame depending on its own stream is a stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(priorityFrame(1, 1, 255));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  // RFC 9113 section 5.4.1.
  test('5.4.1 #1: after a connection error (a PING on a stream) the server closes the connection', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x08\x06\x00\x00\x00\x00\x03'), Buffer.alloc(8));
    await peer.expectConnectionClose();
  });

  test('5.4.1 #2: a connection error (a PING on a stream) is first reported with a GOAWAY frame', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x08\x06\x00\x00\x00\x00\x03'), Buffer.alloc(8));
    await peer.expectFrameOfType(TYPE_GOAWAY);
  });

  // RFC 9113 section 5.5.
  test('5.5 #1: an unknown extension frame is ignored', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x08\x16\x00\x00\x00\x00\x00'), Buffer.alloc(8));
    const data = Buffer.alloc(8);
    peer.send(pingFrame(data));
    await peer.expectPingAck(data);
  });

  test('5.5 #2: an unknown extension frame inside a header block is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common()), { endStream: true, endHeaders: false }),
      octets('\x00\x00\x08\x16\x00\x00\x00\x00\x00'),
      Buffer.alloc(8),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });
});

describe('h2spec http2 6: Frame Definitions', () => {
  // RFC 9113 section 6.1.
  test('6.1 #1: a DATA frame on stream 0 is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(dataFrame(0, 'test', true));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.1 #2: a DATA frame on a stream neither "open" nor "half-closed (local)" is a stream error STREAM_CLOSED', async () => {
    const peer = await connect();
    // As h2spec: a request for "/", which the server answers at once, so the stream is closed when DATA arrives.
    peer.send(headersFrame(1, peer.block(peer.common({ ':method': 'POST' })), { endStream: true }), dataFrame(1, 'test', true));
    await peer.expectStreamError(1, STREAM_CLOSED);
  });

  test('6.1 #3: a DATA frame with a pad length past its payload is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':method': 'POST', 'content-length': '4' }))));
    // DATA, PADDED and END_STREAM, length 5, pad length 6.
    peer.send(octets('\x00\x00\x05\x00\x09\x00\x00\x00\x01'), octets('\x06\x54\x65\x73\x74'));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.1 #3 (on a closed stream): a DATA frame with a pad length past its payload is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectStreamClose(1);
    peer.send(octets('\x00\x00\x05\x00\x09\x00\x00\x00\x01'), octets('\x06\x54\x65\x73\x74'));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  // RFC 9113 section 6.2.
  test('6.2 #1: a PRIORITY frame after HEADERS without END_HEADERS is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common()), { endHeaders: false }),
      priorityFrame(1, 0, 255),
      continuationFrame(1, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.2 #2: HEADERS to another stream after HEADERS without END_HEADERS is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common()), { endHeaders: false }),
      headersFrame(3, peer.block(peer.common()), { endStream: true }),
      continuationFrame(1, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.2 #3: a HEADERS frame on stream 0 is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(0, peer.block(peer.common()), { endStream: true }));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.2 #4: a HEADERS frame with a pad length past its payload is a PROTOCOL_ERROR', async () => {
    const peer = await connect();
    const block = peer.block(peer.common());
    // HEADERS, END_STREAM, END_HEADERS and PADDED: the pad length exceeds what follows it.
    const header = octets('\x00\x00\x00\x01\x0d\x00\x00\x00\x01');
    header[2] = block.length + 1;
    peer.send(header, Buffer.from([block.length + 2]), block);
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  // RFC 9113 section 6.3.
  test('6.3 #1: a PRIORITY frame on stream 0 is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(priorityFrame(0, 0, 255));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.3 #2: a PRIORITY frame of a length other than 5 octets is a FRAME_SIZE_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    peer.send(octets('\x00\x00\x04\x02\x00\x00\x00\x00\x01'), octets('\x80\x00\x00\x01'));
    await peer.expectStreamError(1, FRAME_SIZE_ERROR);
  });

  // RFC 9113 section 6.4.
  test('6.4 #1: a RST_STREAM frame on stream 0 is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(rstStreamFrame(0, 0x8));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.4 #2: a RST_STREAM frame on an idle stream is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(rstStreamFrame(1, 0x8));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.4 #3: a RST_STREAM frame of a length other than 4 octets is a FRAME_SIZE_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    peer.send(octets('\x00\x00\x03\x03\x00\x00\x00\x00\x01'), octets('\x00\x00\x00'));
    await peer.expectStreamError(1, FRAME_SIZE_ERROR);
  });

  // RFC 9113 section 6.5.
  test('6.5 #1: a SETTINGS ACK with a payload is a connection error FRAME_SIZE_ERROR', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x01\x04\x01\x00\x00\x00\x00'), octets('\x00'));
    await peer.expectConnectionError(FRAME_SIZE_ERROR);
  });

  test('6.5 #2: a SETTINGS frame on a stream is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x06\x04\x00\x00\x00\x00\x01'), octets('\x00\x03\x00\x00\x00\x64'));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.5 #3: a SETTINGS frame of a length other than a multiple of 6 octets is a FRAME_SIZE_ERROR (or PROTOCOL_ERROR)', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x03\x04\x00\x00\x00\x00\x00'), octets('\x00\x03\x00'));
    await peer.expectStreamError(0, PROTOCOL_ERROR, FRAME_SIZE_ERROR);
  });

  // RFC 9113 section 6.5.2.
  test('6.5.2 #1: SETTINGS_ENABLE_PUSH other than 0 or 1 is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_ENABLE_PUSH, 2]]));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.5.2 #2: SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 is a connection error FLOW_CONTROL_ERROR', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 2_147_483_648]]));
    await peer.expectConnectionError(FLOW_CONTROL_ERROR);
  });

  test('6.5.2 #3: SETTINGS_MAX_FRAME_SIZE below 2^14 is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_MAX_FRAME_SIZE, 16_383]]));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.5.2 #4: SETTINGS_MAX_FRAME_SIZE above 2^24-1 is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_MAX_FRAME_SIZE, 16_777_216]]));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.5.2 #5: a SETTINGS frame with an unknown identifier is accepted, the setting ignored', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[0xff, 1]]));
    const data = Buffer.alloc(8);
    peer.send(pingFrame(data));
    await peer.expectPingAck(data);
  });

  // RFC 9113 section 6.5.3.
  test('6.5.3 #1: the values of a SETTINGS frame are processed in order (SETTINGS_INITIAL_WINDOW_SIZE 100, then 1)', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 100], [SETTINGS_INITIAL_WINDOW_SIZE, 1]]));
    await peer.expectSettingsAck();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectDataOfLength(1, 1);
  });

  test('6.5.3 #2: a SETTINGS frame is acknowledged', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_ENABLE_PUSH, 0]]));
    await peer.expectSettingsAck();
  });

  // RFC 9113 section 6.7.
  test('6.7 #1: a PING frame is answered with a PING ACK with the same payload', async () => {
    const peer = await connect();
    const data = Buffer.from('h2spec\0\0', 'latin1');
    peer.send(pingFrame(data));
    await peer.expectPingAck(data);
  });

  test('6.7 #2: a PING ACK is not answered', async () => {
    const peer = await connect();
    const unexpected = Buffer.from('invalid\0', 'latin1');
    const expected = Buffer.from('h2spec\0\0', 'latin1');
    peer.send(pingFrame(unexpected, true), pingFrame(expected));
    const frame = await peer.expectFrame('a PING frame', (f) => f.type === TYPE_PING);
    expect({ ack: (frame.flags & FLAG_ACK) !== 0, payload: frame.payload.toString('latin1') })
      .toEqual({ ack: true, payload: expected.toString('latin1') });
  });

  test('6.7 #3: a PING frame on a stream is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x08\x06\x00\x00\x00\x00\x01'), Buffer.alloc(8));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.7 #4: a PING frame of a length other than 8 octets is a connection error FRAME_SIZE_ERROR', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x06\x06\x00\x00\x00\x00\x00'), Buffer.alloc(6));
    await peer.expectConnectionError(FRAME_SIZE_ERROR);
  });

  // RFC 9113 section 6.8.
  test('6.8 #1: a GOAWAY frame on a stream is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x08\x07\x00\x00\x00\x00\x01'), Buffer.alloc(8));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  // RFC 9113 section 6.9.
  test('6.9 #1: a WINDOW_UPDATE of 0 on the connection is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(windowUpdateFrame(0, 0));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.9 #2: a WINDOW_UPDATE of 0 on a stream is a stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common())), windowUpdateFrame(1, 0));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('6.9 #2 (on a closed stream): a WINDOW_UPDATE of 0 on a stream is a stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectStreamClose(1);
    peer.send(windowUpdateFrame(1, 0));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('6.9 #3: a WINDOW_UPDATE frame of a length other than 4 octets is a connection error FRAME_SIZE_ERROR', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x03\x08\x00\x00\x00\x00\x00'), octets('\x00\x00\x01'));
    await peer.expectConnectionError(FRAME_SIZE_ERROR);
  });

  // RFC 9113 section 6.9.1.
  test('6.9.1 #1: with SETTINGS_INITIAL_WINDOW_SIZE 1 the server sends DATA of 1 octet', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 1]]));
    await peer.expectSettingsAck();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectDataOfLength(1, 1);
  });

  test('6.9.1 #2: WINDOW_UPDATE frames raising the connection window above 2^31-1 get GOAWAY FLOW_CONTROL_ERROR', async () => {
    const peer = await connect();
    peer.send(windowUpdateFrame(0, 2_147_483_647), windowUpdateFrame(0, 2_147_483_647));
    const goaway = await peer.expectFrameOfType(TYPE_GOAWAY);
    expect(codeName(goaway.payload.readUInt32BE(4))).toBe('FLOW_CONTROL_ERROR');
  });

  test('6.9.1 #3: WINDOW_UPDATE frames raising a stream window above 2^31-1 get RST_STREAM FLOW_CONTROL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common())), windowUpdateFrame(1, 2_147_483_647), windowUpdateFrame(1, 2_147_483_647));
    const rst = await peer.expectFrameOfType(TYPE_RST_STREAM);
    expect(describeFrame(rst)).toBe('RST_STREAM(stream 1, FLOW_CONTROL_ERROR)');
  });

  // RFC 9113 section 6.9.2.
  test('6.9.2 #1: a change of SETTINGS_INITIAL_WINDOW_SIZE applies to open streams', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 0]]));
    await peer.expectSettingsAck();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 1]]));
    await peer.expectSettingsAck();
    await peer.expectDataOfLength(1, 1);
  });

  test('6.9.2 #2: a SETTINGS_INITIAL_WINDOW_SIZE change can make a window negative, and the server tracks it', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 3]]));
    await peer.expectSettingsAck();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectDataOfLength(1, 3);
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 2]])); // The window is now -1.
    await peer.expectSettingsAck();
    peer.send(windowUpdateFrame(1, 2)); // And now 1.
    await peer.expectDataOfLength(1, 1);
  });

  test('6.9.2 #3: SETTINGS_INITIAL_WINDOW_SIZE above the maximum window size is a connection error FLOW_CONTROL_ERROR', async () => {
    const peer = await connect();
    peer.send(octets('\x00\x00\x06\x04\x00\x00\x00\x00\x00'), octets('\x00\x04\x80\x00\x00\x00'));
    await peer.expectConnectionError(FLOW_CONTROL_ERROR);
  });

  // RFC 9113 section 6.10.
  test('6.10 #1: several CONTINUATION frames after HEADERS are accepted', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common()), { endStream: true, endHeaders: false }),
      continuationFrame(1, peer.block(dummyHeaders(1)), false),
      continuationFrame(1, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectResponse(1);
  });

  test('6.10 #2: a frame other than CONTINUATION after CONTINUATION without END_HEADERS is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common({ ':method': 'POST' })), { endHeaders: false }),
      continuationFrame(1, peer.block(dummyHeaders(1)), false),
      dataFrame(1, 'test', true),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.10 #3: a CONTINUATION frame on stream 0 is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common()), { endStream: true, endHeaders: false }),
      continuationFrame(0, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.10 #4: a CONTINUATION frame after HEADERS with END_HEADERS is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common()), { endStream: true }),
      continuationFrame(1, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.10 #5: a CONTINUATION frame after CONTINUATION with END_HEADERS is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common()), { endStream: true, endHeaders: false }),
      continuationFrame(1, peer.block(dummyHeaders(1)), true),
      continuationFrame(1, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });

  test('6.10 #6: a CONTINUATION frame after a DATA frame is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common({ ':method': 'POST' })), { endHeaders: false }),
      dataFrame(1, 'test', true),
      continuationFrame(1, peer.block(dummyHeaders(1)), false),
      continuationFrame(0, peer.block(dummyHeaders(1)), true),
    );
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });
});

describe('h2spec http2 7: Error Codes', () => {
  // RFC 9113 section 7.
  test('7 #1: a GOAWAY frame with an unknown error code triggers nothing special: the server closes the connection', async () => {
    const peer = await connect();
    peer.send(goawayFrame(0, 0xff));
    await peer.expectConnectionClose();
  });

  test('7 #2: a RST_STREAM frame with an unknown error code triggers nothing special', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':method': 'POST' }))), rstStreamFrame(1, 0xff));
    await peer.expectUsable();
  });
});

describe('h2spec http2 8: HTTP Message Exchanges', () => {
  // RFC 9113 section 8.1.
  test('8.1 #1: a second HEADERS frame without END_STREAM (trailers that do not end the stream) is a stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common({ ':method': 'POST' }))),
      dataFrame(1, 'test', false),
      headersFrame(1, peer.block({ 'x-test': 'ok' })),
    );
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  // RFC 9113 section 8.2.1 (RFC 7540 section 8.1.2).
  test('8.1.2 #1: a field name in upper case makes the request malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([...peer.commonList(), ['X-TEST', 'ok']]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  // RFC 9113 section 8.3 (RFC 7540 section 8.1.2.1).
  test('8.1.2.1 #1: an unknown pseudo-header field makes the request malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([...peer.commonList(), [':test', 'ok']]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.1 #2: a response pseudo-header field in a request makes it malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([...peer.commonList(), [':status', '200']]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.1 #3: a pseudo-header field in trailers makes the request malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common({ ':method': 'POST' }))),
      dataFrame(1, 'test', false),
      headersFrame(1, peer.block({ ':method': 'POST' })),
    );
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.1 #4: a pseudo-header field after a regular field makes the request malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([['x-test', 'ok'], ...peer.commonList()]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  // RFC 9113 section 8.2.2 (RFC 7540 section 8.1.2.2).
  test('8.1.2.2 #1: a connection-specific field makes the request malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([...peer.commonList(), ['connection', 'keep-alive']]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.2 #2: a TE field other than "trailers" makes the request malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([...peer.commonList(), ['trailers', 'test'], ['te', 'trailers, deflate']]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  // RFC 9113 section 8.3.1 (RFC 7540 section 8.1.2.3).
  test('8.1.2.3 #1: an empty ":path" makes the request malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([[':method', 'GET'], [':scheme', 'http'], [':path', ''], [':authority', peer.authority]]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.3 #2: a request without ":method" is malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([[':scheme', 'http'], [':path', '/'], [':authority', peer.authority]]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.3 #3: a request without ":scheme" is malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([[':method', 'GET'], [':path', '/'], [':authority', peer.authority]]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.3 #4: a request without ":path" is malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([[':method', 'GET'], [':scheme', 'http'], [':authority', peer.authority]]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.3 #5: a request with two ":method" fields is malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([...peer.commonList(), [':method', 'GET']]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.3 #6: a request with two ":scheme" fields is malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([...peer.commonList(), [':scheme', 'http']]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.3 #7: a request with two ":path" fields is malformed: stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, literalBlock([...peer.commonList(), [':path', '/']]), { endStream: true }));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  // RFC 9113 section 8.1.1 (RFC 7540 section 8.1.2.6).
  test('8.1.2.6 #1: a content-length other than the length of the DATA payload is a stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':method': 'POST', 'content-length': '1' }))), dataFrame(1, 'test', true));
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  test('8.1.2.6 #2: a content-length other than the total length of several DATA payloads is a stream error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common({ ':method': 'POST', 'content-length': '1' }))),
      dataFrame(1, 'test', false),
      dataFrame(1, 'test', true),
    );
    await peer.expectStreamError(1, PROTOCOL_ERROR);
  });

  // RFC 9113 section 8.4 (RFC 7540 section 8.2).
  test('8.2 #1: a PUSH_PROMISE frame from a client is a connection error PROTOCOL_ERROR', async () => {
    const peer = await connect();
    peer.send(pushPromiseFrame(1, 3, peer.block(peer.common())));
    await peer.expectConnectionError(PROTOCOL_ERROR);
  });
});

// ---- h2spec: HPACK: Header Compression for HTTP/2 (RFC 7541); a decoding error is a connection error COMPRESSION_ERROR ----

describe('h2spec hpack', () => {
  /** Sends h2spec's common request with `representation` appended to (or, `first`, put in front of) its block. */
  async function sendWith(representation: Buffer, first = false): Promise<Peer> {
    const peer = await connect();
    const block = peer.block(peer.common());
    peer.send(headersFrame(1, first ? Buffer.concat([representation, block]) : Buffer.concat([block, representation]), { endStream: true }));
    return peer;
  }

  // RFC 7541 section 2.3.3.
  test('hpack 2.3.3 #1: an indexed field representation with an index past both tables is a decoding error', async () => {
    const peer = await sendWith(octets('\xc6')); // Index 70.
    await peer.expectConnectionError(COMPRESSION_ERROR);
  });

  test('hpack 2.3.3 #2: a literal field representation with a name index past both tables is a decoding error', async () => {
    const peer = await sendWith(octets('\x7f\x07\x00')); // Incremental indexing, name index 70, empty value.
    await peer.expectConnectionError(COMPRESSION_ERROR);
  });

  // RFC 7541 section 4.2.
  test('hpack 4.2 #1: a dynamic table size update at the end of a header block is a decoding error', async () => {
    const peer = await sendWith(octets('\x21'));
    await peer.expectConnectionError(COMPRESSION_ERROR);
  });

  // RFC 7541 section 5.2.
  test('hpack 5.2 #1: a Huffman-coded string literal with padding longer than 7 bits is a decoding error', async () => {
    const peer = await sendWith(octets('\x00\x85\xf2\xb2\x4a\x84\xff\x84\x49\x50\x9f\xff'));
    await peer.expectConnectionError(COMPRESSION_ERROR);
  });

  test('hpack 5.2 #2: a Huffman-coded string literal padded with zero bits is a decoding error', async () => {
    const peer = await sendWith(octets('\x00\x85\xf2\xb2\x4a\x84\xff\x83\x49\x50\x90'));
    await peer.expectConnectionError(COMPRESSION_ERROR);
  });

  test('hpack 5.2 #3: a Huffman-coded string literal containing the EOS symbol is a decoding error', async () => {
    const peer = await sendWith(octets('\x00\x85\xf2\xb2\x4a\x87\xff\xff\xff\xfd\x25\x42\x7f'));
    await peer.expectConnectionError(COMPRESSION_ERROR);
  });

  // RFC 7541 section 6.1.
  test('hpack 6.1 #1: an indexed field representation with index 0 is a decoding error', async () => {
    const peer = await sendWith(octets('\x80'));
    await peer.expectConnectionError(COMPRESSION_ERROR);
  });

  // RFC 7541 section 6.3 (the limit: SETTINGS_HEADER_TABLE_SIZE, RFC 9113 section 6.5.2, which the server leaves at 4096).
  test('hpack 6.3 #1: a dynamic table size update above SETTINGS_HEADER_TABLE_SIZE is a decoding error', async () => {
    const peer = await connect();
    const update = hpackInteger(0x20, 5, DEFAULT_HEADER_TABLE_SIZE + 1);
    peer.send(headersFrame(1, Buffer.concat([update, peer.block(peer.common())]), { endStream: true }));
    await peer.expectConnectionError(COMPRESSION_ERROR);
  });
});

// ---- h2spec: Generic tests for HTTP/2 server ----

describe('h2spec generic', () => {
  // RFC 9113 section 3.4.
  test('generic 1 #1: the first frame of the server is its connection preface, a SETTINGS frame', async () => {
    const peer = await connectRaw();
    peer.send(PREFACE, settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 65_535]]));
    const first = await peer.expectFrame('the first frame', () => true);
    expect(describeFrame(first)).toMatch(/^SETTINGS\(\d+ octets\)$/);
  });

  // RFC 9113 section 5.1.
  test('generic 2 #1: a PRIORITY frame on an idle stream is accepted', async () => {
    const peer = await connect();
    peer.send(priorityFrame(1, 0, 255));
    const data = Buffer.alloc(8);
    peer.send(pingFrame(data));
    await peer.expectPingAck(data);
  });

  test('generic 2 #2: a WINDOW_UPDATE frame on a half-closed (remote) stream is accepted', async () => {
    const peer = await connect();
    // A window of 0 keeps the answer, and so the stream, open.
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 0]]));
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }), windowUpdateFrame(1, 1));
    await peer.expectFrameOfType(TYPE_DATA);
  });

  test('generic 2 #3: a PRIORITY frame on a half-closed (remote) stream is accepted', async () => {
    const peer = await connect();
    peer.send(settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 0]]));
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }), priorityFrame(1, 0, 255), windowUpdateFrame(1, 1));
    await peer.expectFrameOfType(TYPE_DATA);
  });

  test('generic 2 #4: a RST_STREAM frame on a half-closed (remote) stream is accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':path': HOLD })), { endStream: true }), rstStreamFrame(1, 0x8));
    await peer.expectUsable();
  });

  test('generic 2 #5: a PRIORITY frame on a closed stream is accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectStreamClose(1);
    peer.send(priorityFrame(1, 0, 255));
    const data = Buffer.alloc(8);
    peer.send(pingFrame(data));
    await peer.expectPingAck(data);
  });

  // RFC 9113 section 6.1.
  test('generic 3.1 #1: a DATA frame is accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':method': 'POST' }))), dataFrame(1, 'test', true));
    await peer.expectResponse(1);
  });

  test('generic 3.1 #2: several DATA frames are accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':method': 'POST' }))), dataFrame(1, 'test', false), dataFrame(1, 'test', true));
    await peer.expectResponse(1);
  });

  test('generic 3.1 #3: a DATA frame with padding is accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':method': 'POST' }))), dataFrame(1, 'test', true, Buffer.from('padded')));
    await peer.expectResponse(1);
  });

  // RFC 9113 section 6.2.
  test('generic 3.2 #1: a HEADERS frame is accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectResponse(1);
  });

  test('generic 3.2 #2: a HEADERS frame with padding is accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true, padLength: 8 }));
    await peer.expectResponse(1);
  });

  test('generic 3.2 #3: a HEADERS frame with priority is accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true, priority: { dependency: 0, weight: 255 } }));
    await peer.expectResponse(1);
  });

  // RFC 9113 section 6.3.
  test('generic 3.3 #1: a PRIORITY frame with weight 1 is accepted', async () => {
    const peer = await connect();
    peer.send(priorityFrame(1, 0, 0), headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectResponse(1);
  });

  test('generic 3.3 #2: a PRIORITY frame with weight 256 is accepted', async () => {
    const peer = await connect();
    peer.send(priorityFrame(1, 0, 255), headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectResponse(1);
  });

  test('generic 3.3 #3: a PRIORITY frame with a stream dependency is accepted', async () => {
    const peer = await connect();
    peer.send(priorityFrame(3, 1, 0), headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectResponse(1);
  });

  test('generic 3.3 #4: an exclusive PRIORITY frame is accepted', async () => {
    const peer = await connect();
    peer.send(priorityFrame(1, 0, 0, true), headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectResponse(1);
  });

  test('generic 3.3 #5: a PRIORITY frame for an idle stream, then HEADERS for a lower stream identifier, is accepted', async () => {
    const peer = await connect();
    peer.send(priorityFrame(3, 0, 255), headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectResponse(1);
  });

  // RFC 9113 section 6.4.
  test('generic 3.4 #1: a RST_STREAM frame is accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common())), rstStreamFrame(1, 0x8));
    await peer.expectUsable();
  });

  // RFC 9113 section 6.5.
  test('generic 3.5 #1: a SETTINGS frame with every defined setting is accepted and acknowledged', async () => {
    const peer = await connect();
    peer.send(settingsFrame([
      [SETTINGS_HEADER_TABLE_SIZE, 4096],
      [SETTINGS_ENABLE_PUSH, 1],
      [SETTINGS_MAX_CONCURRENT_STREAMS, 100],
      [SETTINGS_INITIAL_WINDOW_SIZE, 65_535],
      [SETTINGS_MAX_FRAME_SIZE, 16_384],
      [SETTINGS_MAX_HEADER_LIST_SIZE, 100],
    ]));
    await peer.expectSettingsAck();
  });

  // RFC 9113 section 6.7.
  test('generic 3.7 #1: a PING frame is accepted and answered', async () => {
    const peer = await connect();
    const data = Buffer.from('h2spec\0\0', 'latin1');
    peer.send(pingFrame(data));
    await peer.expectPingAck(data);
  });

  // RFC 9113 section 6.8.
  test('generic 3.8 #1: a GOAWAY frame is accepted: the server closes the idle connection', async () => {
    const peer = await connect();
    peer.send(goawayFrame(0, NO_ERROR, 'h2spec'));
    await peer.expectConnectionClose();
  });

  // RFC 9113 section 6.9.
  test('generic 3.9 #1: a WINDOW_UPDATE frame on the connection is accepted', async () => {
    const peer = await connect();
    peer.send(windowUpdateFrame(0, 1));
    const data = Buffer.alloc(8);
    peer.send(pingFrame(data));
    await peer.expectPingAck(data);
  });

  test('generic 3.9 #2: a WINDOW_UPDATE frame on stream 1 is accepted', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }), windowUpdateFrame(1, 1));
    await peer.expectResponse(1);
  });

  // RFC 9113 section 6.10.
  test('generic 3.10 #1: a CONTINUATION frame is accepted', async () => {
    const peer = await connect();
    const block = peer.block(peer.common());
    peer.send(headersFrame(1, block.subarray(0, 5), { endStream: true, endHeaders: false }), continuationFrame(1, block.subarray(5), true));
    await peer.expectResponse(1);
  });

  test('generic 3.10 #2: several CONTINUATION frames are accepted', async () => {
    const peer = await connect();
    const block = peer.block(peer.common());
    peer.send(
      headersFrame(1, block.subarray(0, 5), { endStream: true, endHeaders: false }),
      continuationFrame(1, block.subarray(5, 10), false),
      continuationFrame(1, block.subarray(10), true),
    );
    await peer.expectResponse(1);
  });

  // RFC 9113 section 8.1.
  test('generic 4 #1: a GET request is answered', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common()), { endStream: true }));
    await peer.expectResponse(1);
  });

  test('generic 4 #2: a HEAD request is answered', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':method': 'HEAD' })), { endStream: true }));
    await peer.expectResponse(1);
  });

  test('generic 4 #3: a POST request is answered', async () => {
    const peer = await connect();
    peer.send(headersFrame(1, peer.block(peer.common({ ':method': 'POST' }))), dataFrame(1, 'test', true));
    await peer.expectResponse(1);
  });

  test('generic 4 #4: a POST request with trailers is answered', async () => {
    const peer = await connect();
    peer.send(
      headersFrame(1, peer.block(peer.common({ ':method': 'POST', 'trailer': 'x-test' }))),
      dataFrame(1, 'test', false),
      headersFrame(1, peer.block({ 'x-test': 'ok' }), { endStream: true }),
    );
    await peer.expectResponse(1);
  });

  // RFC 7541 section 6: each representation, appended to (6.3: put in front of) h2spec's common request. h2spec's
  // descriptions of #2/#3 and #6/#7 name the Huffman coding the wrong way round; the octets are h2spec's.
  const UA = 'user-agent';
  const representations: Array<[string, string, string, string | undefined, string | undefined, boolean]> = [
    ['5 #1', 'an indexed field representation', '\xba', UA, '', false],
    ['5 #2', 'a literal field with incremental indexing, new name, Huffman-coded', '\x40\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4', UA, 'h2spec', false],
    ['5 #3', 'a literal field with incremental indexing, new name', '\x40\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63', UA, 'h2spec', false],
    ['5 #4', 'a literal field with incremental indexing, new name', '\x40\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63', 'x-test', 'h2spec', false],
    ['5 #5', 'a literal field with incremental indexing, new name, Huffman-coded', '\x40\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4', 'x-test', 'h2spec', false],
    ['5 #6', 'a literal field without indexing, new name', '\x00\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63', UA, 'h2spec', false],
    ['5 #7', 'a literal field without indexing, new name, Huffman-coded', '\x00\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4', UA, 'h2spec', false],
    ['5 #8', 'a literal field without indexing, new name', '\x00\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63', 'x-test', 'h2spec', false],
    ['5 #9', 'a literal field without indexing, new name, Huffman-coded', '\x00\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4', 'x-test', 'h2spec', false],
    ['5 #10', 'a literal field never indexed, new name', '\x10\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63', UA, 'h2spec', false],
    ['5 #11', 'a literal field never indexed, new name, Huffman-coded', '\x10\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4', UA, 'h2spec', false],
    ['5 #12', 'a literal field never indexed, new name, Huffman-coded', '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4', 'x-test', 'h2spec', false],
    ['5 #13', 'a literal field never indexed, new name, Huffman-coded (h2spec repeats #12)', '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4', 'x-test', 'h2spec', false],
    ['5 #14', 'a dynamic table size update (to 0)', '\x20', undefined, undefined, true],
    ['5 #15', 'two dynamic table size updates (to 0, then 4096)', '\x20\x3f\xe1\x1f', undefined, undefined, true],
  ];
  test.each(representations)('generic %s: %s is accepted', async (_case, _description, representation, name, value, first) => {
    const peer = await connect();
    const block = peer.block(peer.common());
    const rep = octets(representation);
    peer.send(headersFrame(1, first ? Buffer.concat([rep, block]) : Buffer.concat([block, rep]), { endStream: true }));
    await peer.expectResponse(1);
    // The server decoded the request, and the field, right.
    expect(server.requests[0][':authority']).toBe(peer.authority);
    if (name !== undefined) expect(server.requests[0][name]).toBe(value);
  });
});
