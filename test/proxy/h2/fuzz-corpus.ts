/* eslint-disable no-bitwise -- HTTP/2 frames and HPACK are bit-level wire formats */
/**
 * Seeded, structure-aware fuzz material for `fuzz.test.ts`: valid HTTP/2 client frame sequences and HPACK blocks
 * (realistic gRPC requests encoded by `HpackEncoder`, CONTINUATION splits, padding, control frames, known attack
 * shapes), and mutations of them at the frame, block and byte level. Everything is a function of a seed, so that
 * a failure can be replayed. Written independently of `src/proxy/h2` except for the HPACK encoder and Huffman coder,
 * which produce the valid material.
 */
import { encodeFrame, hpackInteger, PREFACE } from './raw-frames';
import { HpackEncoder, type OutgoingFields } from '../../../src/proxy/h2/hpack/encoder';
import { huffmanEncode, huffmanLength } from '../../../src/proxy/h2/hpack/huffman';

/** The largest frame payload the server accepts (it keeps the SETTINGS_MAX_FRAME_SIZE default). */
export const MAX_FRAME_BYTES = 16_384;

/** Park-Miller "minimal standard" generator: exact in doubles, the same sequence everywhere. */
export class Rng {
  private state: number;

  /** @param seed any integer; mapped into the generator's range [1, 2^31 - 2] */
  public constructor(seed: number) {
    this.state = (Math.abs(Math.trunc(seed)) % 2147483646) + 1;
    for (let i = 0; i < 4; i++) this.next();
  }

  /** The next state, in [1, 2^31 - 2]. */
  public next(): number {
    this.state = (this.state * 48271) % 2147483647;
    return this.state;
  }

  /** An integer in [0, limit). */
  public int(limit: number): number {
    return limit <= 1 ? 0 : this.next() % limit;
  }

  /** An integer in [low, high]. */
  public range(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** True with probability `p`. */
  public chance(p: number): boolean {
    return this.next() / 2147483647 < p;
  }

  public pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Random octets. */
  public bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }

  /** A random string of `length` chars from `alphabet`. */
  public text(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }

  /** A generator of its own, derived from this one (so that adding draws to one part leaves the others alone). */
  public fork(): Rng {
    return new Rng(this.next());
  }
}

/** The seed of case `index` of a run seeded with `seed`. */
export function caseSeed(seed: number, index: number): number {
  return ((seed % 2147483647) * 16807 + index * 1000003) % 2147483646;
}

// ---- HPACK material ----

/** A raw string literal. */
export function rawString(text: string): Buffer {
  return Buffer.concat([hpackInteger(0, 7, text.length), Buffer.from(text, 'latin1')]);
}

/** A Huffman-coded string literal. */
export function huffmanString(text: string): Buffer {
  const coded = Buffer.alloc(huffmanLength(text));
  huffmanEncode(text, coded, 0);
  return Buffer.concat([hpackInteger(0x80, 7, coded.length), coded]);
}

/** A literal field with a new name: 0x40 with incremental indexing, 0x00 without, 0x10 never indexed. */
export function literalField(kind: 0x40 | 0x00 | 0x10, name: string, value: string, huffman = false): Buffer {
  const str = huffman ? huffmanString : rawString;
  return Buffer.concat([Buffer.from([kind]), str(name), str(value)]);
}

/** An indexed field (static 1..61, dynamic 62..). */
export function indexedField(index: number): Buffer {
  return hpackInteger(0x80, 7, index);
}

/** A dynamic table size update. */
export function tableSizeUpdate(size: number): Buffer {
  return hpackInteger(0x20, 5, size);
}

const SERVICES = [
  '/fuzz.Echo/Unary', '/fuzz.Echo/Unary', '/fuzz.Echo/Stream', '/fuzz.Echo/TrailersOnly', '/fuzz.Echo/Reset',
  '/grpc.health.v1.Health/Check', '/helloworld.Greeter/SayHello',
];

/** Realistic gRPC request headers (grpc-js / grpc-go shapes), with random metadata. */
export function grpcRequest(rng: Rng): OutgoingFields {
  const headers: OutgoingFields = {
    ':method': 'POST',
    ':scheme': rng.chance(0.8) ? 'http' : 'https',
    ':path': rng.pick(SERVICES),
    ':authority': rng.pick(['test', 'echo.default.svc.cluster.local:50051', 'localhost:8080', '10.0.0.7:443']),
    'content-type': rng.pick(['application/grpc', 'application/grpc+proto', 'application/grpc']),
    'te': 'trailers',
  };
  if (rng.chance(0.7)) headers['user-agent'] = rng.pick(['grpc-node-js/1.14.0', 'grpc-go/1.66.0', 'grpc-java-netty/1.68.1']);
  if (rng.chance(0.6)) headers['grpc-accept-encoding'] = 'identity,deflate,gzip';
  if (rng.chance(0.3)) headers['accept-encoding'] = 'identity';
  if (rng.chance(0.5)) headers['grpc-timeout'] = `${rng.range(1, 99_999_999)}${rng.pick(['H', 'M', 'S', 'm', 'u', 'n'])}`;
  if (rng.chance(0.4)) headers.traceparent = `00-${rng.text(32, '0123456789abcdef')}-${rng.text(16, '0123456789abcdef')}-01`;
  if (rng.chance(0.3)) headers.authorization = `Bearer ${rng.text(rng.range(20, 300), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.')}`;
  if (rng.chance(0.3)) headers['x-request-id'] = rng.text(36, '0123456789abcdef-');
  if (rng.chance(0.2)) headers.cookie = [`a=${rng.text(8)}`, `b=${rng.text(12)}`];
  if (rng.chance(0.3)) headers['x-tenant'] = rng.pick(['acme', 'globex', 'initech']);
  if (rng.chance(0.2)) headers['x-trace-bin'] = rng.bytes(rng.range(4, 40)).toString('base64');
  const custom = rng.chance(0.3) ? rng.range(1, 12) : 0;
  for (let i = 0; i < custom; i++) headers[`x-md-${rng.text(rng.range(1, 10))}`] = rng.text(rng.range(0, 40));
  if (rng.chance(0.05)) headers['x-big'] = 'v'.repeat(rng.range(1000, 20_000));
  return headers;
}

/** Trailers a client might send (gRPC clients do not, but HTTP/2 allows them). */
export function requestTrailers(rng: Rng): OutgoingFields {
  return rng.chance(0.5) ? { 'x-checksum': rng.text(8) } : { 'grpc-status': '0', 'x-t': rng.text(4) };
}

/**
 * Hand-built HPACK blocks of the shapes attacks and odd peers use: table size updates, huge integers, Huffman
 * strings (valid and garbage), never-indexed fields, references beyond the table, and a large dynamic entry
 * referenced over and over (an "HPACK bomb"). Some are valid, some are not.
 */
export function specialBlock(rng: Rng): Buffer {
  switch (rng.int(10)) {
    case 0: {
      // A big entry, then many one-octet references to it.
      const size = rng.pick([100, 1000, 4000, 4064]);
      const refs = rng.pick([10, 500, 4000, 12_000]);
      return Buffer.concat([literalField(0x40, 'x-bomb', 'b'.repeat(size)), Buffer.alloc(refs, 0xbe)]);
    }
    case 1: {
      // Size updates (valid ones, zero, over the limit), then fields.
      const updates = [tableSizeUpdate(rng.pick([0, 100, 4096, 4097, 65_536, 0x7fffffff]))];
      if (rng.chance(0.5)) updates.push(tableSizeUpdate(rng.pick([0, 4096])));
      return Buffer.concat([...updates, literalField(0x40, 'x-a', rng.text(10)), indexedField(62)]);
    }
    case 2:
      // An integer with too many continuation octets, in some prefix.
      return Buffer.concat([Buffer.from([rng.pick([0xff, 0x7f, 0x3f, 0x1f, 0x0f])]), Buffer.alloc(rng.range(4, 12), 0xff), Buffer.from([0x01])]);
    case 3:
      // Huffman-coded literals, valid.
      return Buffer.concat([
        literalField(0x40, 'x-huff', rng.text(rng.range(0, 200), 'abcdefghijklmnopqrstuvwxyz \x00\xff\x7f/:'), true),
        literalField(0x00, rng.text(rng.range(1, 20)), rng.text(rng.range(0, 50)), true),
      ]);
    case 4: {
      // Huffman garbage: random octets (EOS, bad padding, or odd symbols).
      const garbage = rng.bytes(rng.range(0, 64));
      return Buffer.concat([Buffer.from([0x00]), rawString('x-g'), hpackInteger(0x80, 7, garbage.length), garbage]);
    }
    case 5:
      // Never-indexed fields, with new and static names.
      return Buffer.concat([
        literalField(0x10, 'authorization', `Bearer ${rng.text(20)}`),
        Buffer.from([0x10 | 0x0f, 23 - 15]), rawString(rng.text(10)),
      ]);
    case 6:
      // References beyond the table, or to index 0.
      return Buffer.concat([indexedField(rng.pick([0, 62, 63, 200, 4096, 0x7ffffff])), indexedField(2)]);
    case 7:
      // A string whose length runs past the block, or is huge.
      return Buffer.concat([Buffer.from([0x00]), hpackInteger(0, 7, rng.pick([5, 100, 70_000, 0x0fffffff])), Buffer.from('abc')]);
    case 8:
      // Many static references (cheap fields).
      return Buffer.alloc(rng.range(1, 3000), rng.pick([0x82, 0x84, 0x86, 0x87, 0xbd]));
    default:
      // Pseudo-header fields after regular ones, and repeats.
      return Buffer.concat([literalField(0x00, 'x-a', 'b'), indexedField(3), indexedField(4), indexedField(4), indexedField(6)]);
  }
}

/** Seeded mutations of one header block: bit flips, byte changes, truncation, insertion, splicing. */
export function mutateBlock(rng: Rng, block: Buffer, donor: Buffer): Buffer {
  let out: Buffer = Buffer.from(block);
  const rounds = rng.chance(0.6) ? 1 : rng.range(2, 4);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(9)) {
      case 0:
        if (out.length > 0) out[Math.min(at, out.length - 1)] ^= 1 << rng.int(8);
        break;
      case 1:
        if (out.length > 0) out[Math.min(at, out.length - 1)] = rng.pick([0x00, 0x7f, 0x80, 0xff, 0x3f, 0x1f, 0x0f, 0x20, 0x40, 0x10]);
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), rng.bytes(rng.range(1, 16)), out.subarray(at)]);
        break;
      case 4: {
        // Splice: a piece of another block.
        const from = rng.int(donor.length + 1);
        out = Buffer.concat([out.subarray(0, at), donor.subarray(from, from + rng.range(1, 200)), out.subarray(at)]);
        break;
      }
      case 5:
        // A huge integer where a field starts.
        out = Buffer.concat([
          out.subarray(0, at), Buffer.from([rng.pick([0xff, 0x7f, 0x3f, 0x1f, 0x0f])]), Buffer.alloc(rng.range(3, 6), 0xff), Buffer.from([0x07]),
          out.subarray(at),
        ]);
        break;
      case 6:
        // A dynamic table size update somewhere (valid only at the start).
        out = Buffer.concat([out.subarray(0, at), tableSizeUpdate(rng.pick([0, 1, 4096, 5000])), out.subarray(at)]);
        break;
      case 7: {
        // Duplicate a range.
        const end = Math.min(out.length, at + rng.range(1, 64));
        out = Buffer.concat([out.subarray(0, end), out.subarray(at, end), out.subarray(end)]);
        break;
      }
      default:
        out = Buffer.concat([out.subarray(0, at), specialBlock(rng), out.subarray(at)]);
    }
  }
  return out;
}

// ---- Frames ----

/** A frame to send: `lengthDelta` makes its length field lie (the payload is sent as it is). */
export interface FuzzFrame {
  type: number;
  flags: number;
  /** Written as a 32-bit word: values of 2^31 and over set the reserved bit. */
  streamId: number;
  payload: Buffer;
  lengthDelta?: number;
}

/** The bytes of frames. */
export function serialize(frames: readonly FuzzFrame[]): Buffer {
  return Buffer.concat(frames.map((f) => {
    const bytes = encodeFrame(f.type, f.flags, f.streamId, f.payload);
    if (f.lengthDelta !== undefined) bytes.writeUIntBE(Math.max(0, Math.min(0xffffff, f.payload.length + f.lengthDelta)), 0, 3);
    return bytes;
  }));
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

function settingsPayload(pairs: Array<[number, number]>): Buffer {
  const out = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([id, value], i) => {
    out.writeUInt16BE(id, i * 6);
    out.writeUInt32BE(value >>> 0, i * 6 + 2);
  });
  return out;
}

/** Random client SETTINGS: valid values, or now and then one out of range. */
function clientSettings(rng: Rng): FuzzFrame {
  const odd = rng.chance(0.1);
  const pairs: Array<[number, number]> = [];
  if (rng.chance(0.5)) pairs.push([2, odd && rng.chance(0.3) ? rng.range(2, 9) : 0]); // ENABLE_PUSH
  if (rng.chance(0.5)) pairs.push([4, odd ? rng.pick([0, 0x7fffffff, 0x80000000]) : rng.pick([65_535, 4 * 1024 * 1024, 1, 1000])]); // INITIAL_WINDOW_SIZE
  if (rng.chance(0.3)) pairs.push([1, rng.pick([0, 4096, 65_536, 100])]); // HEADER_TABLE_SIZE
  if (rng.chance(0.3)) pairs.push([5, odd ? rng.pick([16_383, 0x1000000]) : rng.pick([16_384, 1 << 20, 0xffffff])]); // MAX_FRAME_SIZE
  if (rng.chance(0.2)) pairs.push([6, rng.pick([8192, 0])]); // MAX_HEADER_LIST_SIZE
  if (rng.chance(0.2)) pairs.push([3, rng.pick([0, 100])]); // MAX_CONCURRENT_STREAMS
  if (rng.chance(0.1)) pairs.push([rng.range(7, 0xffff), rng.next()]); // unknown: ignored
  return { type: 4, flags: 0, streamId: 0, payload: settingsPayload(pairs) };
}

/** A header block as HEADERS (padded and with priority sometimes) and CONTINUATION frames. */
function headerFrames(rng: Rng, streamId: number, block: Buffer, endStream: boolean): FuzzFrame[] {
  const pieces: Buffer[] = [];
  let at = 0;
  const split = block.length > MAX_FRAME_BYTES - 300 || rng.chance(0.2);
  while (at < block.length || pieces.length === 0) {
    const size = split ? rng.range(1, Math.min(MAX_FRAME_BYTES - 300, Math.max(1, block.length))) : block.length;
    pieces.push(block.subarray(at, at + size));
    at += size;
  }
  let flags = endStream ? 0x1 : 0;
  let first = pieces[0];
  if (rng.chance(0.15)) {
    flags |= 0x20; // PRIORITY: dependency + weight
    first = Buffer.concat([u32(rng.chance(0.8) ? 0 : rng.int(streamId + 2)), Buffer.from([rng.int(256)]), first]);
  }
  if (rng.chance(0.15)) {
    const pad = rng.range(0, 40);
    flags |= 0x8;
    first = Buffer.concat([Buffer.from([pad]), first, Buffer.alloc(pad)]);
  }
  const frames: FuzzFrame[] = [{ type: 1, flags: flags | (pieces.length === 1 ? 0x4 : 0), streamId, payload: first }];
  for (let i = 1; i < pieces.length; i++) {
    frames.push({ type: 9, flags: i === pieces.length - 1 ? 0x4 : 0, streamId, payload: pieces[i] });
  }
  return frames;
}

/** A gRPC message (5-octet prefix) as DATA frames, padded sometimes. */
function dataFrames(rng: Rng, streamId: number, endStream: boolean): FuzzFrame[] {
  const size = rng.pick([0, 1, 5, 100, 1000, 20_000]);
  const message = Buffer.concat([Buffer.from([0]), u32(size), rng.bytes(Math.min(size, 2000)), Buffer.alloc(Math.max(0, size - 2000), 0x61)]);
  const frames: FuzzFrame[] = [];
  let at = 0;
  while (at < message.length) {
    const take = Math.min(message.length - at, rng.chance(0.5) ? MAX_FRAME_BYTES - 256 : rng.range(1, 3000));
    let payload = message.subarray(at, at + take);
    let flags = 0;
    if (rng.chance(0.15)) {
      const pad = rng.range(0, 255);
      flags |= 0x8;
      payload = Buffer.concat([Buffer.from([pad]), payload, Buffer.alloc(pad)]);
    }
    at += take;
    frames.push({ type: 0, flags, streamId, payload });
  }
  if (endStream) {
    if (frames.length > 0 && rng.chance(0.7)) frames[frames.length - 1].flags |= 0x1;
    else frames.push({ type: 0, flags: 0x1, streamId, payload: Buffer.alloc(0) });
  }
  return frames;
}

/**
 * A valid (or nearly valid, where noted) sequence of client frames after the preface: SETTINGS, requests on new
 * streams with their bodies, control frames, and now and then one of the known abusive shapes. The client's
 * HPACK encoder is fresh, matching the decoder of a new connection.
 */
export function clientFrames(rng: Rng): FuzzFrame[] {
  const encoder = new HpackEncoder();
  const frames: FuzzFrame[] = [];
  if (rng.chance(0.97)) frames.push(clientSettings(rng));
  let nextStream = 1;
  const open: number[] = [];
  const steps = rng.range(1, 14);
  for (let step = 0; step < steps; step++) {
    const what = rng.int(100);
    if (what < 30) {
      // A request, ended at once or later.
      const id = nextStream;
      nextStream += 2;
      const endStream = rng.chance(0.3);
      frames.push(...headerFrames(rng, id, Buffer.from(encoder.encode(grpcRequest(rng))), endStream));
      if (!endStream) open.push(id);
    } else if (what < 50 && open.length > 0) {
      // A body for an open stream, sometimes ending it, sometimes with trailers.
      const index = rng.int(open.length);
      const id = open[index];
      const ending = rng.chance(0.6);
      const trailers = ending && rng.chance(0.15);
      frames.push(...dataFrames(rng, id, ending && !trailers));
      if (trailers) frames.push(...headerFrames(rng, id, Buffer.from(encoder.encode(requestTrailers(rng))), true));
      if (ending) open.splice(index, 1);
    } else if (what < 55) {
      frames.push({ type: 6, flags: rng.chance(0.1) ? 0x1 : 0, streamId: 0, payload: rng.bytes(8) });
    } else if (what < 60) {
      frames.push(clientSettings(rng));
    } else if (what < 63) {
      frames.push({ type: 4, flags: 0x1, streamId: 0, payload: Buffer.alloc(0) }); // SETTINGS ACK
    } else if (what < 70) {
      const id = rng.chance(0.5) || open.length === 0 ? 0 : rng.pick(open);
      const increment = rng.chance(0.85) ? rng.pick([1, 100, 65_535, 1 << 20]) : rng.pick([0x7fffffff, 0]);
      frames.push({ type: 8, flags: 0, streamId: id, payload: u32(increment) });
    } else if (what < 75 && open.length > 0) {
      const index = rng.int(open.length);
      frames.push({ type: 3, flags: 0, streamId: open[index], payload: u32(rng.pick([8, 0, 2, 0xff])) });
      open.splice(index, 1);
    } else if (what < 80) {
      // PRIORITY, on an open stream, an idle one, or itself.
      const id = open.length > 0 && rng.chance(0.5) ? rng.pick(open) : nextStream + 2 * rng.int(3);
      frames.push({ type: 2, flags: 0, streamId: id, payload: Buffer.concat([u32(rng.chance(0.9) ? 0 : id), Buffer.from([rng.int(256)])]) });
    } else if (what < 84) {
      // A frame of an unknown type: ignored.
      frames.push({ type: rng.range(10, 255), flags: rng.int(256), streamId: rng.pick([0, 1, nextStream]), payload: rng.bytes(rng.int(100)) });
    } else if (what < 86) {
      const payload = Buffer.concat([u32(rng.int(nextStream)), u32(rng.pick([0, 0, 1, 2, 11])), rng.bytes(rng.int(20))]);
      frames.push({ type: 7, flags: 0, streamId: 0, payload });
    } else if (what < 88) {
      // A header block made by hand (special shapes), on a new stream.
      const id = nextStream;
      nextStream += 2;
      frames.push(...headerFrames(rng, id, Buffer.concat([Buffer.from(encoder.encode(grpcRequest(rng))), specialBlock(rng)]), true));
    } else if (what < 89) {
      // PUSH_PROMISE from a client (a connection error).
      frames.push({ type: 5, flags: 0x4, streamId: 1, payload: Buffer.concat([u32(2), indexedField(2)]) });
    } else if (what < 90) {
      // Rapid reset: many requests, each reset at once.
      const count = rng.pick([20, 300, 700]);
      const fields = { ...grpcRequest(rng), 'x-big': undefined };
      for (let i = 0; i < count; i++) {
        frames.push({ type: 1, flags: 0x4, streamId: nextStream, payload: Buffer.from(encoder.encode(fields)) });
        frames.push({ type: 3, flags: 0, streamId: nextStream, payload: u32(8) });
        nextStream += 2;
      }
    } else if (what < 91) {
      // More concurrent streams than allowed.
      const fields = { ...grpcRequest(rng), ':path': '/fuzz.Echo/Unary', 'x-big': undefined };
      for (let i = 0; i < 110; i++) {
        frames.push({ type: 1, flags: 0x4, streamId: nextStream, payload: Buffer.from(encoder.encode(fields)) });
        open.push(nextStream);
        nextStream += 2;
      }
    } else if (what < 92 && open.length > 0) {
      // More data than the stream window.
      const id = rng.pick(open);
      for (let i = 0; i < 5; i++) frames.push({ type: 0, flags: 0, streamId: id, payload: Buffer.alloc(MAX_FRAME_BYTES, 0x62) });
    } else if (what < 93) {
      // A CONTINUATION flood: a header block that never ends, or ends after a lot.
      const id = nextStream;
      nextStream += 2;
      frames.push({ type: 1, flags: 0, streamId: id, payload: Buffer.from(encoder.encode(grpcRequest(rng))) });
      const count = rng.pick([3, 20]);
      for (let i = 0; i < count; i++) {
        frames.push({ type: 9, flags: i === count - 1 ? 0x4 : 0, streamId: id, payload: Buffer.alloc(MAX_FRAME_BYTES, 0xbe) });
      }
    } else if (what < 95) {
      // Empty frames: DATA without payload, CONTINUATION with empty fragments.
      const id = open.length > 0 ? rng.pick(open) : 1;
      for (let i = 0; i < rng.range(1, 50); i++) frames.push({ type: 0, flags: 0, streamId: id, payload: Buffer.alloc(0) });
    } else if (what < 97) {
      // Many PINGs (the answers are owed).
      for (let i = 0; i < rng.range(10, 500); i++) frames.push({ type: 6, flags: 0, streamId: 0, payload: rng.bytes(8) });
    } else {
      // Many SETTINGS (each owed an ACK).
      for (let i = 0; i < rng.range(10, 200); i++) frames.push(clientSettings(rng));
    }
  }
  // Usually end what is open, so that most streams get answered.
  for (const id of open) if (rng.chance(0.6)) frames.push({ type: 0, flags: 0x1, streamId: id, payload: Buffer.alloc(0) });
  return frames;
}

/** Seeded frame-level mutations: fields changed, frames dropped, duplicated, reordered, spliced from `donor`. */
export function mutateFrames(rng: Rng, input: readonly FuzzFrame[], donor: readonly FuzzFrame[]): FuzzFrame[] {
  const frames = input.map((f) => ({ ...f }));
  const rounds = rng.chance(0.6) ? 1 : rng.range(2, 4);
  for (let r = 0; r < rounds; r++) {
    if (frames.length === 0) {
      frames.push({ type: rng.int(11), flags: rng.int(256), streamId: rng.int(4), payload: rng.bytes(rng.int(30)) });
      continue;
    }
    const i = rng.int(frames.length);
    const f = frames[i];
    switch (rng.int(16)) {
      case 0:
        f.type = rng.chance(0.8) ? rng.int(11) : rng.int(256);
        break;
      case 1:
        f.flags = rng.chance(0.5) ? f.flags ^ rng.pick([0x1, 0x4, 0x8, 0x20]) : rng.int(256);
        break;
      case 2:
        f.streamId = rng.pick([0, 1, 2, f.streamId + 2, f.streamId - 2, f.streamId + 1, 0x7fffffff, 0x80000000 + f.streamId, rng.next()]) >>> 0;
        break;
      case 3:
        f.payload = f.payload.subarray(0, rng.int(f.payload.length + 1));
        break;
      case 4:
        f.payload = Buffer.concat([f.payload, rng.bytes(rng.range(1, 40))]);
        break;
      case 5:
        if (f.payload.length > 0) {
          f.payload = Buffer.from(f.payload);
          f.payload[rng.int(f.payload.length)] ^= 1 << rng.int(8);
        }
        break;
      case 6:
        f.lengthDelta = rng.pick([-9, -1, 1, 8, 16_385, 0xffffff]);
        break;
      case 7:
        frames.splice(i, 1);
        break;
      case 8:
        frames.splice(i, 0, { ...f });
        break;
      case 9:
        if (i + 1 < frames.length) [frames[i], frames[i + 1]] = [frames[i + 1], frames[i]];
        break;
      case 10: {
        // Move a frame elsewhere.
        const [moved] = frames.splice(i, 1);
        frames.splice(rng.int(frames.length + 1), 0, moved);
        break;
      }
      case 11:
        if (donor.length > 0) {
          const from = rng.int(donor.length);
          frames.splice(i, 0, ...donor.slice(from, from + rng.range(1, 5)).map((d) => ({ ...d })));
        }
        break;
      case 12:
        // The header block of a HEADERS or CONTINUATION frame mutated as HPACK.
        if (f.type === 1 || f.type === 9) f.payload = mutateBlock(rng, f.payload, rng.pick(donor.length > 0 ? donor : frames).payload);
        else f.payload = rng.bytes(f.payload.length);
        break;
      case 13:
        // A special HPACK block on a stream of its own or this one.
        frames.splice(i, 0, {
          type: 1, flags: rng.chance(0.8) ? 0x5 : 0x4, streamId: rng.chance(0.5) ? f.streamId : 101 + 2 * rng.int(50), payload: specialBlock(rng),
        });
        break;
      case 14:
        // A padding length that runs past the frame.
        f.flags |= 0x8;
        f.payload = Buffer.concat([Buffer.from([rng.pick([0, 1, 255, f.payload.length, f.payload.length + 1])]), f.payload]);
        break;
      default:
        frames.splice(i, 0, {
          type: rng.int(11), flags: rng.int(256), streamId: rng.pick([0, f.streamId, rng.int(64)]), payload: rng.bytes(rng.int(30)),
        });
    }
  }
  return frames;
}

/** Seeded byte-level mutations of `bytes` from offset `from` on (before it, the bytes are left alone). */
export function mutateBytes(rng: Rng, bytes: Buffer, from: number): Buffer {
  let out: Buffer = Buffer.from(bytes);
  const rounds = rng.range(1, 3);
  for (let r = 0; r < rounds; r++) {
    if (out.length <= from) break;
    const at = from + rng.int(out.length - from);
    switch (rng.int(6)) {
      case 0:
        out[at] ^= 1 << rng.int(8);
        break;
      case 1:
        out[at] = rng.int(256);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), rng.bytes(rng.range(1, 12)), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + rng.range(1, 30)))]);
        break;
      case 4: {
        const end = Math.min(out.length, at + rng.range(1, 200));
        out = Buffer.concat([out.subarray(0, end), out.subarray(at, end), out.subarray(end)]);
        break;
      }
      default:
        out = out.subarray(0, at);
    }
  }
  return out;
}

/** One fuzzed connection's bytes: a preface, then frames, mutated at one or more levels. */
export function fuzzedConnectionBytes(rng: Rng): Buffer {
  let frames = clientFrames(rng);
  const level = rng.int(10);
  if (level >= 2) frames = mutateFrames(rng, frames, clientFrames(rng.fork()));
  let bytes: Buffer = Buffer.concat([PREFACE, serialize(frames)]);
  if (level >= 7) bytes = mutateBytes(rng, bytes, rng.chance(0.03) ? 0 : PREFACE.length);
  return bytes;
}

/**
 * `bytes` with zeros appended so that they end on a frame boundary as the server reads them (the rest of a matching
 * preface, a partial frame header, a partial payload), unless the server will have rejected them by then (a wrong
 * preface, a frame over the size limit). A frame sent after them is then read as a frame, not as the payload of a
 * truncated one.
 */
export function completeFraming(bytes: Buffer): Buffer {
  const head = Math.min(bytes.length, PREFACE.length);
  if (!bytes.subarray(0, head).equals(PREFACE.subarray(0, head))) return bytes;
  let out: Buffer = head < PREFACE.length ? Buffer.concat([bytes, PREFACE.subarray(head)]) : bytes;
  let at = PREFACE.length;
  for (;;) {
    const left = out.length - at;
    if (left === 0) return out;
    if (left < 9) out = Buffer.concat([out, Buffer.alloc(9 - left)]);
    const length = out.readUIntBE(at, 3);
    if (length > MAX_FRAME_BYTES) return out;
    if (out.length - at - 9 < length) return Buffer.concat([out, Buffer.alloc(length - (out.length - at - 9))]);
    at += 9 + length;
  }
}

/** `length` split into `parts` chunks at seeded points (some of them one octet long). */
export function splitPoints(rng: Rng, length: number, parts: number): number[] {
  const points = new Set<number>();
  for (let i = 1; i < parts; i++) {
    const p = rng.chance(0.3) ? Math.min(length, rng.int(40)) : rng.int(length + 1);
    points.add(p);
    if (rng.chance(0.2)) points.add(Math.min(length, p + 1));
  }
  return [...points].filter((p) => p > 0 && p < length).sort((a, b) => a - b);
}

/** A frame as a reference reader sees it: the stream id without the reserved bit. */
export interface ReadFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/**
 * What a server-side frame reader must deliver for `bytes`: the frames after the preface, in order, up to the end
 * or the first error (`PROTOCOL_ERROR` 0x1 for a wrong preface, `FRAME_SIZE_ERROR` 0x6 for a frame over 16 KiB).
 */
export function referenceRead(bytes: Buffer): { frames: ReadFrame[]; error?: number } {
  const head = Math.min(bytes.length, PREFACE.length);
  if (!bytes.subarray(0, head).equals(PREFACE.subarray(0, head))) return { frames: [], error: 0x1 };
  const frames: ReadFrame[] = [];
  let at = PREFACE.length;
  while (bytes.length - at >= 9) {
    const length = bytes.readUIntBE(at, 3);
    if (length > MAX_FRAME_BYTES) return { frames, error: 0x6 };
    if (bytes.length - at - 9 < length) break;
    const streamId = bytes.readUInt32BE(at + 5) & 0x7fffffff;
    frames.push({ type: bytes[at + 3], flags: bytes[at + 4], streamId, payload: bytes.subarray(at + 9, at + 9 + length) });
    at += 9 + length;
  }
  return { frames };
}
