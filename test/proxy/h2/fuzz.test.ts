import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { OPTIONS } from './connection-options';
import {
  caseSeed, completeFraming, fuzzedConnectionBytes, grpcRequest, literalField, mutateBlock, referenceRead, requestTrailers, Rng, specialBlock,
  splitPoints, type ReadFrame,
} from './fuzz-corpus';
import { encodeFrame, parseFrames, PREFACE, type RawFrame } from './raw-frames';
import { ConnectionError } from '../../../src/proxy/h2/connection-error';
import { FrameReader, type FrameSink } from '../../../src/proxy/h2/frame-reader';
import { H2Connection } from '../../../src/proxy/h2/h2-connection';
import type { H2Stream, H2StreamHandler } from '../../../src/proxy/h2/h2-stream';
import { HpackDecoder, type DecodedHeaders, type HeaderFields } from '../../../src/proxy/h2/hpack/decoder';
import { HpackEncoder, type OutgoingFields } from '../../../src/proxy/h2/hpack/encoder';
import { HpackError } from '../../../src/proxy/h2/hpack/hpack-error';

/**
 * Seeded, structure-aware fuzzing of the HTTP/2 frame reader, the HPACK decoder and `H2Connection` as a server.
 * The budget is fixed iteration counts (no wall clock), so a run is the same everywhere. To replay a failure, set
 * H2_FUZZ_SEED to the seed in the test name and H2_FUZZ_CASE to the failing case's index.
 */

const SEED = Number(process.env.H2_FUZZ_SEED ?? 20260611);
const ONLY = process.env.H2_FUZZ_CASE === undefined ? undefined : Number(process.env.H2_FUZZ_CASE);
const READER_CASES = 4000;
const HPACK_CASES = 30_000;
const CONNECTIONS = 600;
const PARALLEL = 4;
/** A connection that has neither closed nor answered the final PING by then hangs (a failure). */
const HANG_MS = 8000;

/** The limit the connection applies to one encoded name or value. */
const MAX_FIELD_BYTES = 64 * 1024;
/** The decoder's default (and the connection's) dynamic table size. */
const TABLE_SIZE = 4096;


const ERROR_NAMES = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];
const INTERNAL_ERROR = 2;

function cases(count: number): number[] {
  return ONLY === undefined ? Array.from({ length: count }, (_, i) => i) : [ONLY];
}

/** The first frames of `bytes` (after the preface), in short, for failure messages. */
function describeSent(bytes: Buffer): string {
  const frames = parseFrames(bytes.subarray(PREFACE.length));
  const shown = frames.slice(0, 30).map((f) => `${f.type}/${f.flags.toString(16)}/${f.streamId}/${f.payload.length}`);
  return `${bytes.length} bytes, frames (type/flags/stream/length): ${shown.join(' ')}${frames.length > 30 ? ' ...' : ''}`;
}

function hex(bytes: Buffer, limit = 120): string {
  return bytes.subarray(0, limit).toString('hex') + (bytes.length > limit ? `... (${bytes.length} bytes)` : '');
}

describe(`HTTP/2 fuzz (seed ${SEED})`, () => {
  test(`frame reader: ${READER_CASES} fuzzed byte streams split at random points read like a reference reader`, () => {
    const failures: string[] = [];
    for (const c of cases(READER_CASES)) {
      const rng = new Rng(caseSeed(SEED, c));
      const bytes = fuzzedConnectionBytes(rng);
      const expected = referenceRead(bytes);
      const got: ReadFrame[] = [];
      const sink: FrameSink = {
        destroyed: false,
        frame(type, flags, streamId, buffer, start, end) {
          got.push({ type, flags, streamId, payload: Buffer.from(buffer.subarray(start, end)) });
        },
      };
      const reader = new FrameReader(true);
      const cuts = [0, ...splitPoints(rng, bytes.length, rng.range(1, 10)), bytes.length];
      let error: number | undefined;
      try {
        for (let i = 0; i + 1 < cuts.length; i++) {
          reader.read(bytes.subarray(cuts[i], cuts[i + 1]), sink);
          // What the reader holds between reads: at most one frame header and one payload.
          const held = (reader as unknown as { partial?: Buffer }).partial?.length ?? 0;
          if (held >= 9 + 16_384) failures.push(`case ${c}: the reader holds ${held} bytes`);
        }
      } catch (e) {
        if (e instanceof ConnectionError) error = e.code;
        else failures.push(`case ${c}: ${String(e)} (${describeSent(bytes)})`);
      }
      const same = got.length === expected.frames.length && got.every((f, i) => {
        const r = expected.frames[i];
        return f.type === r.type && f.flags === r.flags && f.streamId === r.streamId && f.payload.equals(r.payload);
      });
      if (!same || error !== expected.error) {
        failures.push(`case ${c}: got ${got.length} frames and error ${error}, want ${expected.frames.length} and ${expected.error} (cuts ${cuts.join(',')})`);
      }
    }
    expect(failures).toEqual([]);
  });

  test(`HPACK decoder: ${HPACK_CASES} mutated blocks throw only HpackError, and the output and the table stay bounded`, () => {
    const failures: string[] = [];
    const rng = new Rng(caseSeed(SEED, -1));

    // Valid material first, and a check that it decodes exactly (the fuzz starts from what real clients send):
    // blocks of short encoder sessions, each kept with the blocks before it in its session (which a decoder must
    // have seen for the block's references to the dynamic table to hold).
    const corpus: Array<{ block: Buffer; history: Buffer[] }> = [];
    for (let session = 0; session < 60; session++) {
      const encoder = new HpackEncoder();
      const decoder = new HpackDecoder();
      const history: Buffer[] = [];
      for (let i = 0; i < 8; i++) {
        const fields = rng.chance(0.85) ? grpcRequest(rng) : requestTrailers(rng);
        const block = Buffer.from(encoder.encode(fields));
        if (!sameFields(decode(decoder, block, MAX_FIELD_BYTES).headers, fields)) failures.push(`valid block ${session}/${i} decoded wrong: ${hex(block)}`);
        corpus.push({ block, history: [...history] });
        history.push(block);
      }
    }
    // Hand-made shapes, on an empty table or on one holding a large entry at index 62 (what an HPACK bomb refers to).
    const priming = literalField(0x40, 'x-bomb', 'b'.repeat(TABLE_SIZE - 32 - 6));
    for (let i = 0; i < 200; i++) corpus.push({ block: specialBlock(rng), history: i % 2 === 0 ? [] : [priming] });

    // Each block goes through a fresh decoder that has seen the block's history, and through one decoder that sees
    // every block, valid or not (its table drifts as a desynchronised peer's would).
    const shared = new HpackDecoder();
    let accepted = 0;
    let rejected = 0;
    let overBudget = 0;
    for (const c of cases(HPACK_CASES)) {
      const r = new Rng(caseSeed(SEED + 7, c));
      const base = r.pick(corpus);
      const block = r.chance(0.05) ? base.block : mutateBlock(r, base.block, r.pick(corpus).block);
      const maxField = r.chance(0.1) ? r.pick([1, 16, 100]) : MAX_FIELD_BYTES;
      const listBudget = r.pick([1024, 8 * 1024, 64 * 1024]);
      const fieldBudget = r.pick([16, 256, 10_000]);
      const fresh = new HpackDecoder();
      for (const earlier of base.history) decode(fresh, earlier, MAX_FIELD_BYTES);
      for (const [name, decoder] of [['fresh', fresh], ['shared', shared]] as const) {
        try {
          const result = decode(decoder, block, maxField, listBudget, fieldBudget);
          accepted++;
          if ((result as { overBudget?: boolean }).overBudget === true) overBudget++;
          const problem = checkDecoded(result, block, listBudget, fieldBudget, maxField);
          if (problem !== undefined) failures.push(`case ${c} (${name}): ${problem}: ${hex(block)}`);
        } catch (e) {
          if (e instanceof HpackError) rejected++;
          else failures.push(`case ${c} (${name}): threw ${String(e)}: ${hex(block)}`);
        }
        const table = checkTable(decoder);
        if (table !== undefined) failures.push(`case ${c} (${name}): ${table}: ${hex(block)}`);
      }
    }
    console.log(`HPACK fuzz (seed ${SEED}): ${accepted} blocks decoded (${overBudget} over the list budget), ${rejected} rejected with HpackError, ${failures.length} failures`);
    expect(failures).toEqual([]);
  });

  test(`H2Connection server: ${CONNECTIONS} fuzzed connections end with a GOAWAY or stay healthy`, async () => {
    const harness = await startServer();
    const realProcess = vm.runInThisContext('process') as NodeJS.Process;
    const inFlight = new Set<number>();
    const uncaught: string[] = [];
    const onUncaught = (error: unknown): void => {
      uncaught.push(`uncaught exception while connections ${[...inFlight].join(',')} ran: ${String(error)}`);
    };
    realProcess.on('uncaughtException', onUncaught);
    const gc = forcedGc();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const outcomes = new Map<string, number>();
    let streams = 0;
    const failures: string[] = [];
    try {
      const queue = cases(CONNECTIONS);
      const worker = async (): Promise<void> => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          inFlight.add(index);
          const result = await fuzzConnection(harness, index);
          inFlight.delete(index);
          outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
          streams += result.streams;
          failures.push(...result.failures.map((f) => `seed ${SEED} connection ${index}: ${f}`));
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
    } finally {
      await harness.close();
      realProcess.off('uncaughtException', onUncaught);
    }

    // Memory: after a forced GC, the heap holds little of what the run allocated. (Closed connections may linger
    // for a few seconds, so this is a coarse check; the exact ones are on each connection's own state, in
    // `fuzzConnection`.)
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const summary = [...outcomes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}=${n}`).join(' ');
    console.log(`H2 connection fuzz (seed ${SEED}): ${summary}; ${streams} streams served; ${failures.length} failures; heap ${(heapGrowth / 1048576).toFixed(1)} MiB over the start`);
    expect([...uncaught, ...failures]).toEqual([]);
    expect(heapGrowth).toBeLessThan(256 * 1048576);
  });
});

// ---- HPACK ----

type Decode = (block: Buffer, maxFieldBytes: number, maxListBytes?: number, maxFields?: number) => DecodedHeaders;

/** `decoder.decode`, with the header list budget when the decoder takes one (an extra argument is ignored otherwise). */
function decode(decoder: HpackDecoder, block: Buffer, maxFieldBytes: number, maxListBytes?: number, maxFields?: number): DecodedHeaders {
  const method = decoder.decode as Decode;
  if (maxListBytes === undefined) return method.call(decoder, block, maxFieldBytes);
  return method.call(decoder, block, maxFieldBytes, maxListBytes, maxFields);
}

/** Whether decoded headers are exactly `fields` as `HpackEncoder` sends them. */
function sameFields(headers: HeaderFields, fields: OutgoingFields): boolean {
  const want: Record<string, string | string[]> = {};
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (value === undefined) continue;
    want[name] = typeof value === 'object' ? (value.length === 1 ? value[0] : [...value]) : String(value);
  }
  const got = { ...headers };
  return JSON.stringify(Object.keys(got).sort().map((k) => [k, got[k]])) === JSON.stringify(Object.keys(want).sort().map((k) => [k, want[k]]));
}

/**
 * What is wrong with a decoded block, if anything: the fields listed must be the fields counted; each field costs
 * at least one octet of the block; a field's size is at most a table entry or what its literal octets decode to;
 * and, when the decoder takes a budget, the list stops at it (at most one field beyond it).
 */
function checkDecoded(result: DecodedHeaders, block: Buffer, listBudget: number, fieldBudget: number, maxField: number): string | undefined {
  let values = 0;
  let size = 0;
  for (const name of Object.keys(result.headers)) {
    const value = result.headers[name];
    for (const v of typeof value === 'string' ? [value] : value) {
      values++;
      size += name.length + v.length + 32;
    }
  }
  if (values !== result.fields) return `${values} values listed but ${result.fields} fields counted`;
  if (result.fields > block.length) return `${result.fields} fields from a block of ${block.length} octets`;
  // Huffman decodes to at most 8/5 chars an octet; a name or value from the table is at most the table size.
  const oneField = 32 + 2 * Math.max(TABLE_SIZE, Math.ceil((Math.min(maxField, block.length) * 8) / 5));
  if (result.bytes > result.fields * (TABLE_SIZE + 32) + 2 * block.length + oneField) return `${result.bytes} bytes of fields from ${block.length} octets`;
  const budgeted = (result as { overBudget?: boolean }).overBudget;
  if (budgeted === undefined) {
    if (size !== result.bytes) return `fields of ${size} bytes reported as ${result.bytes}`;
    return undefined;
  }
  if (result.fields > fieldBudget) return `${result.fields} fields over a budget of ${fieldBudget}`;
  if (size > listBudget) return `a header list of ${size} bytes over a budget of ${listBudget}`;
  if (result.bytes > listBudget + oneField) return `${result.bytes} bytes reported over a budget of ${listBudget}`;
  if (!budgeted && size !== result.bytes) return `fields of ${size} bytes reported as ${result.bytes}`;
  return undefined;
}

/** What is wrong with a decoder's dynamic table, if anything: it must stay within its size, and add up. */
function checkTable(decoder: HpackDecoder): string | undefined {
  const entries = decoder.dynamicTable();
  const size = entries.reduce((sum, [name, value]) => sum + name.length + value.length + 32, 0);
  if (decoder.dynamicTableSize > TABLE_SIZE) return `dynamic table of ${decoder.dynamicTableSize} bytes`;
  if (size !== decoder.dynamicTableSize) return `dynamic table entries of ${size} bytes counted as ${decoder.dynamicTableSize}`;
  return undefined;
}

// ---- Connections ----

/** What the server saw of one connection. */
interface ServerSide {
  readonly connection: H2Connection;
  /** Handler events per stream handed to `onStream`, and breaches of the handler contract. */
  readonly streams: Map<H2Stream, StreamLog>;
  readonly violations: string[];
  readonly closed: Promise<void>;
}

interface StreamLog {
  path: string;
  ended: boolean;
  closes: number;
  bodyBytes: number;
  body: Buffer[];
}

interface Harness {
  port: number;
  /** The server side of a client socket, by the client's local port, once the server has accepted it. */
  side(localPort: number): Promise<ServerSide>;
  close(): Promise<void>;
}

/** Our server on a loopback port: each stream is answered as its path says. */
async function startServer(): Promise<Harness> {
  const sides = new Map<number, ServerSide>();
  const waiting = new Map<number, (side: ServerSide) => void>();
  const server = net.createServer((socket) => {
    const connection = new H2Connection(socket, false, OPTIONS);
    let resolveClosed!: () => void;
    const side: ServerSide = {
      connection,
      streams: new Map(),
      violations: [],
      closed: new Promise((resolve) => {
        resolveClosed = resolve;
      }),
    };
    const handler = new EchoHandler(side);
    connection.onStream = (stream, headers) => handler.start(stream, headers);
    connection.onClose = () => resolveClosed();
    const port = socket.remotePort as number;
    sides.set(port, side);
    waiting.get(port)?.(side);
    waiting.delete(port);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const harness: Harness = {
    port: (server.address() as net.AddressInfo).port,
    side: (localPort) => {
      const side = sides.get(localPort);
      if (side !== undefined) {
        sides.delete(localPort);
        return Promise.resolve(side);
      }
      return new Promise((resolve) => waiting.set(localPort, (s) => {
        sides.delete(localPort);
        resolve(s);
      }));
    },
    close: async () => {
      for (const side of sides.values()) side.connection.destroy();
      sides.clear();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return harness;
}

/** Answers gRPC-like requests by path, and checks the order of the events the connection reports. */
class EchoHandler implements H2StreamHandler {
  public constructor(private readonly side: ServerSide) {}

  public start(stream: H2Stream, headers: HeaderFields): void {
    const path = typeof headers[':path'] === 'string' ? headers[':path'] : '';
    this.side.streams.set(stream, { path, ended: false, closes: 0, bodyBytes: 0, body: [] });
    stream.handler = this;
    switch (path) {
      case '/fuzz.Echo/Unary':
        return; // Answered at the end of the request.
      case '/fuzz.Echo/Stream':
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, false);
        return;
      case '/fuzz.Echo/Reset':
        stream.reset(8);
        return;
      default:
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': `no ${path}` }, true);
    }
  }

  public onHeaders(stream: H2Stream): void {
    this.violate(stream, 'onHeaders on a server stream');
  }

  public onData(stream: H2Stream, chunk: Buffer): void {
    const log = this.check(stream, 'onData');
    if (log === undefined) return;
    if (chunk.length === 0) this.violate(stream, 'onData with an empty chunk');
    log.bodyBytes += chunk.length;
    if (log.bodyBytes > 64 * 1024) return;
    if (log.path === '/fuzz.Echo/Stream') stream.write(Buffer.from(chunk));
    else log.body.push(Buffer.from(chunk));
  }

  public onTrailers(stream: H2Stream): void {
    this.check(stream, 'onTrailers');
  }

  public onEnd(stream: H2Stream): void {
    const log = this.check(stream, 'onEnd');
    if (log === undefined) return;
    log.ended = true;
    if (log.path === '/fuzz.Echo/Unary') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, false);
      stream.write(Buffer.concat(log.body));
      stream.sendTrailers({ 'grpc-status': '0' });
    } else if (log.path === '/fuzz.Echo/Stream') {
      stream.sendTrailers({ 'grpc-status': '0' });
    }
  }

  public onDrain(stream: H2Stream): void {
    if (this.side.streams.get(stream)?.closes !== 0) this.violate(stream, 'onDrain after onClose');
  }

  public onClose(stream: H2Stream): void {
    const log = this.side.streams.get(stream);
    if (log === undefined) this.violate(stream, 'onClose of an unknown stream');
    else if (++log.closes > 1) this.violate(stream, 'onClose twice');
  }

  /** The stream's log, after checking that `event` may come now (not after the end or the close). */
  private check(stream: H2Stream, event: string): StreamLog | undefined {
    const log = this.side.streams.get(stream);
    if (log === undefined) {
      this.violate(stream, `${event} on an unknown stream`);
    } else if (log.closes > 0) {
      this.violate(stream, `${event} after onClose`);
    } else if (log.ended) {
      this.violate(stream, `${event} after onEnd`);
    } else {
      return log;
    }
    return undefined;
  }

  private violate(stream: H2Stream, what: string): void {
    this.side.violations.push(`stream ${stream.id}: ${what}`);
  }
}

/** Private state of an `H2Connection` that the checks read (each may be absent in another version). */
interface Internals {
  closeReason?: string;
  decoder?: HpackDecoder;
  reader?: { partial?: Buffer };
  block?: Buffer;
  closedStreams?: unknown[];
}

/** The private fields the checks read: a renamed one must fail the test, not silently end its check. */
const INTERNAL_FIELDS = ['closeReason', 'decoder', 'reader', 'block', 'closedStreams'] as const;

function expectInternals(connection: object): void {
  for (const field of INTERNAL_FIELDS) {
    if (!(field in connection)) throw new Error(`H2Connection has no field ${field} any more: update the fuzz test's checks`);
  }
  if (!('partial' in (connection as Internals).reader!)) throw new Error('FrameReader has no field partial any more: update the fuzz test');
}

interface ConnectionResult {
  outcome: string;
  /** Streams the server handed to `onStream`. */
  streams: number;
  failures: string[];
}

/**
 * One fuzzed connection: the fuzzed bytes (completed to a frame boundary) and a final PING, written in pieces; then
 * the connection must have answered the PING or closed after a GOAWAY with a known code other than INTERNAL_ERROR.
 */
async function fuzzConnection(harness: Harness, index: number): Promise<ConnectionResult> {
  const rng = new Rng(caseSeed(SEED + 1, index));
  const fuzzed = completeFraming(fuzzedConnectionBytes(rng));
  const opaque = Buffer.from(`FZ${String(index).padStart(6, '0')}`, 'latin1');
  const bytes = Buffer.concat([fuzzed, encodeFrame(6, 0, 0, opaque)]);
  const cuts = [0, ...splitPoints(rng, bytes.length, rng.range(1, 6)), bytes.length];
  const failures: string[] = [];

  const socket = net.connect(harness.port, '127.0.0.1');
  const received: Buffer[] = [];
  let goawaySeen = false;
  let closed = false;
  let settle!: (how: 'acked' | 'closed' | 'hang') => void;
  const settled = new Promise<'acked' | 'closed' | 'hang'>((resolve) => {
    settle = resolve;
  });
  socket.on('error', () => undefined); // EPIPE or ECONNRESET after the server closed: the close tells.
  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    for (const frame of parseFrames(Buffer.concat(received))) {
      // A graceful GOAWAY (NO_ERROR, the answer to the client's own) leaves the connection working.
      if (frame.type === 7 && frame.streamId === 0 && frame.payload.length >= 8 && frame.payload.readUInt32BE(4) !== 0) goawaySeen = true;
      if (frame.type === 6 && frame.flags === 1 && frame.payload.equals(opaque)) settle('acked');
    }
  });
  socket.on('close', () => {
    closed = true;
    settle('closed');
  });
  const timer = setTimeout(() => settle('hang'), HANG_MS);
  await new Promise((resolve) => socket.once('connect', resolve));
  const side = await harness.side(socket.localPort as number);

  for (let i = 0; i + 1 < cuts.length && !closed && !goawaySeen; i++) {
    socket.write(bytes.subarray(cuts[i], cuts[i + 1]));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const how = await settled;
  clearTimeout(timer);

  // The server's state when the outcome is known, before the client goes.
  const connection = side.connection;
  const internals = connection as unknown as Internals;
  expectInternals(connection);
  const error = connection.error;
  const closeReason = internals.closeReason;
  const activeStreams = connection.activeStreams;
  const tableSize = internals.decoder?.dynamicTableSize ?? 0;
  const held = internals.reader?.partial?.length ?? 0;
  const blockHeld = internals.block !== undefined;
  socket.destroy();
  let closeTimer: NodeJS.Timeout | undefined;
  const serverClosed = await Promise.race([
    side.closed.then(() => true),
    new Promise<boolean>((resolve) => {
      closeTimer = setTimeout(() => resolve(false), HANG_MS);
    }),
  ]);
  clearTimeout(closeTimer);
  if (!serverClosed) failures.push(`the server connection was not closed ${HANG_MS} ms after the client left`);
  await new Promise((resolve) => setImmediate(resolve)); // Stream closes are reported at the end of the tick.

  const all = Buffer.concat(received);
  const frames = parseFrames(all);
  const goaways = frames.filter((f) => f.type === 7 && f.streamId === 0 && f.payload.length >= 8).map((f) => f.payload.readUInt32BE(4));
  const codeName = (code: number): string => ERROR_NAMES[code] ?? `0x${code.toString(16)}`;
  let outcome: string;
  if (how === 'hang') {
    outcome = 'hang';
    failures.push(`neither closed nor answered the final PING in ${HANG_MS} ms`);
  } else if (how === 'acked') {
    outcome = 'healthy';
    // Bounded state of a live connection: its streams, its reader's partial frame, no header block in progress
    // (the final PING was read as a frame).
    if (activeStreams > OPTIONS.maxConcurrentStreams) failures.push(`${activeStreams} streams active`);
    if (held >= 9 + 16_384) failures.push(`the reader holds ${held} bytes`);
    if (blockHeld) failures.push('a header block is held after a PING was read');
  } else if (goaways.length > 0) {
    outcome = `goaway:${codeName(goaways[goaways.length - 1])}`;
    if (framedLength(frames) !== all.length) failures.push(`the server's last ${all.length - framedLength(frames)} bytes are not a complete frame`);
  } else {
    outcome = 'closed-without-goaway';
    failures.push(`closed without a GOAWAY (error: ${String(error)})`);
  }
  for (const code of goaways) {
    if (code === INTERNAL_ERROR) failures.push(`GOAWAY INTERNAL_ERROR (error: ${error?.stack ?? String(error)})`);
    else if (code >= ERROR_NAMES.length) failures.push(`GOAWAY with the unknown code ${code}`);
  }
  if (error !== undefined && !(error instanceof ConnectionError)) failures.push(`closed by its own exception: ${error.stack ?? String(error)}`);
  if (closeReason === 'internal_error' || internals.closeReason === 'internal_error') failures.push('closed for an internal error');
  // Once closed, the connection holds nothing of the peer's.
  if (connection.activeStreams !== 0) failures.push(`${connection.activeStreams} streams active after the close`);
  if ((internals.closedStreams?.length ?? 0) !== 0) failures.push(`${internals.closedStreams?.length} stream closes never reported`);
  if (internals.block !== undefined) failures.push('a header block is held after the close');
  if (tableSize > TABLE_SIZE) failures.push(`HPACK dynamic table of ${tableSize} bytes`);
  failures.push(...side.violations);
  for (const [stream, log] of side.streams) if (log.closes !== 1) failures.push(`stream ${stream.id} (${log.path}) closed ${log.closes} times`);
  if (failures.length > 0) failures.push(`sent ${describeSent(fuzzed)}; received ${describeReceived(frames)}`);
  return { outcome, streams: side.streams.size, failures };
}

/** Bytes of `frames` on the wire. */
function framedLength(frames: RawFrame[]): number {
  return frames.reduce((sum, f) => sum + 9 + f.payload.length, 0);
}

function describeReceived(frames: RawFrame[]): string {
  return frames.slice(-20).map((f) => `${f.type}/${f.flags.toString(16)}/${f.streamId}/${f.payload.length}`).join(' ');
}

/** V8's `gc()`, without --expose-gc on the command line. */
function forcedGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
