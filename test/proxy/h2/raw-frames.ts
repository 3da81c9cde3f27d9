/* eslint-disable no-bitwise -- raw HTTP/2 frames are a bit-level wire format */
/**
 * Raw HTTP/2 frames for tests, written independently of `src/proxy/h2` so that tests can send what the code
 * under test (or `node:http2`) would never produce, and read what a peer sent.
 */

/** The client connection preface. */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** One frame. */
export interface RawFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** A frame's bytes: the 9-byte header, then the payload. */
export function encodeFrame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** The complete frames in `bytes` (a trailing partial frame is left out). */
export function parseFrames(bytes: Buffer): RawFrame[] {
  const frames: RawFrame[] = [];
  let at = 0;
  while (bytes.length - at >= 9) {
    const length = bytes.readUIntBE(at, 3);
    if (bytes.length - at - 9 < length) break;
    const streamId = bytes.readUInt32BE(at + 5) & 0x7fffffff;
    frames.push({ type: bytes[at + 3], flags: bytes[at + 4], streamId, payload: bytes.subarray(at + 9, at + 9 + length) });
    at += 9 + length;
  }
  return frames;
}

/** Options of {@link headersFrame}. */
export interface HeadersOptions {
  /** END_STREAM. */
  endStream?: boolean;
  /** END_HEADERS (default true). */
  endHeaders?: boolean;
  /** PADDED with this many octets of padding. */
  padLength?: number;
  /** PRIORITY fields. */
  priority?: { dependency: number; weight: number; exclusive?: boolean };
}

/** The five octets of a priority: exclusive bit and dependency, then weight. */
export function priorityFields(dependency: number, weight: number, exclusive = false): Buffer {
  const payload = Buffer.alloc(5);
  payload.writeUInt32BE((exclusive ? 0x8000_0000 : 0) + dependency);
  payload[4] = weight;
  return payload;
}

/** SETTINGS with `[id, value]` pairs, or a SETTINGS ACK. */
export function settingsFrame(values: ReadonlyArray<readonly [number, number]>, ack = false): Buffer {
  const payload = Buffer.alloc(6 * values.length);
  values.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return encodeFrame(0x4, ack ? 0x1 : 0, 0, payload);
}

/** HEADERS carrying `block`. */
export function headersFrame(streamId: number, block: Buffer, options: HeadersOptions = {}): Buffer {
  let flags = 0;
  if (options.endStream === true) flags |= 0x1;
  if (options.endHeaders !== false) flags |= 0x4;
  const parts: Buffer[] = [];
  if (options.padLength !== undefined) {
    flags |= 0x8;
    parts.push(Buffer.from([options.padLength]));
  }
  if (options.priority !== undefined) {
    flags |= 0x20;
    parts.push(priorityFields(options.priority.dependency, options.priority.weight, options.priority.exclusive));
  }
  parts.push(block);
  if (options.padLength !== undefined) parts.push(Buffer.alloc(options.padLength));
  return encodeFrame(0x1, flags, streamId, Buffer.concat(parts));
}

/** CONTINUATION carrying `block`. */
export function continuationFrame(streamId: number, block: Buffer, endHeaders: boolean): Buffer {
  return encodeFrame(0x9, endHeaders ? 0x4 : 0, streamId, block);
}

/** DATA, optionally padded with `padding`. */
export function dataFrame(streamId: number, data: string | Buffer, endStream: boolean, padding?: Buffer): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  if (padding === undefined) return encodeFrame(0x0, endStream ? 0x1 : 0, streamId, body);
  const payload = Buffer.concat([Buffer.from([padding.length]), body, padding]);
  return encodeFrame(0x0, (endStream ? 0x1 : 0) | 0x8, streamId, payload);
}

/** PRIORITY. */
export function priorityFrame(streamId: number, dependency: number, weight: number, exclusive = false): Buffer {
  return encodeFrame(0x2, 0, streamId, priorityFields(dependency, weight, exclusive));
}

/** RST_STREAM with `code`. */
export function rstStreamFrame(streamId: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return encodeFrame(0x3, 0, streamId, payload);
}

/** PING with 8 octets of `data`, or its ACK. */
export function pingFrame(data: Buffer, ack = false): Buffer {
  return encodeFrame(0x6, ack ? 0x1 : 0, 0, data);
}

/** GOAWAY. */
export function goawayFrame(lastStreamId: number, code: number, debug = ''): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId);
  payload.writeUInt32BE(code, 4);
  return encodeFrame(0x7, 0, 0, Buffer.concat([payload, Buffer.from(debug)]));
}

/** WINDOW_UPDATE. */
export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment);
  return encodeFrame(0x8, 0, streamId, payload);
}

/** The last GOAWAY among `frames`: its last stream id and error code. */
export function lastGoaway(frames: readonly RawFrame[]): { lastStreamId: number; code: number } | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i];
    if (frame.type === 0x7) return { lastStreamId: frame.payload.readUInt32BE(0) & 0x7fffffff, code: frame.payload.readUInt32BE(4) };
  }
  return undefined;
}

/** An HPACK integer (RFC 7541 section 5.1): a `prefixBits`-bit prefix in the first octet after the bits `flags`. */
export function hpackInteger(flags: number, prefixBits: number, value: number): Buffer {
  const max = 2 ** prefixBits - 1;
  if (value < max) return Buffer.from([flags | value]);
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Buffer.from(out);
}
