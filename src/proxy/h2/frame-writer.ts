/* eslint-disable no-bitwise -- HTTP/2 frames are a bit-level wire format */
import type { Socket } from 'node:net';
import {
  FLAG_ACK, FLAG_END_HEADERS, FLAG_END_STREAM, FRAME_HEADER_BYTES, TYPE_CONTINUATION, TYPE_DATA, TYPE_GOAWAY, TYPE_HEADERS,
  TYPE_PING, TYPE_RST_STREAM, TYPE_SETTINGS, TYPE_WINDOW_UPDATE,
} from './constants';

/** Payloads at least this large are written to the socket as they are instead of being copied. */
const COPY_LIMIT_BYTES = 4096;
const INITIAL_BYTES = 16 * 1024;

/**
 * Collects the frames a connection sends during one turn of the event loop and writes them to its socket in one
 * go: small frames are copied into one growing buffer, large payloads are passed through without a copy. The
 * owner calls `flush()` (scheduled once per turn by the connection), so a burst of calls costs one syscall.
 */
export class FrameWriter {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private length = 0;
  /** Buffers ready to go before `buffer`'s bytes (large payloads and what preceded them). */
  private chunks: Buffer[] | undefined;
  /** Bytes in `chunks`. */
  private chunkBytes = 0;

  /** Bytes collected and not yet written to the socket. */
  public get pendingBytes(): number {
    return this.length + this.chunkBytes;
  }

  /** Appends a frame header. */
  public header(length: number, type: number, flags: number, streamId: number): void {
    const buffer = this.reserve(FRAME_HEADER_BYTES);
    let at = this.length;
    buffer[at++] = length >>> 16;
    buffer[at++] = (length >>> 8) & 0xff;
    buffer[at++] = length & 0xff;
    buffer[at++] = type;
    buffer[at++] = flags;
    buffer.writeUInt32BE(streamId, at);
    this.length = at + 4;
  }

  /**
   * Appends a header block as HEADERS (and CONTINUATION frames past `maxFrame` bytes). The block is copied.
   * @param endStream whether the HEADERS frame ends the stream
   */
  public headers(streamId: number, block: Buffer, endStream: boolean, maxFrame: number): void {
    const flags = endStream ? FLAG_END_STREAM : 0;
    const length = block.length;
    if (length <= maxFrame) {
      this.header(length, TYPE_HEADERS, flags | FLAG_END_HEADERS, streamId);
      this.copy(block, 0, length);
      return;
    }
    this.header(maxFrame, TYPE_HEADERS, flags, streamId);
    this.copy(block, 0, maxFrame);
    for (let at = maxFrame; at < length; at += maxFrame) {
      const end = Math.min(length, at + maxFrame);
      this.header(end - at, TYPE_CONTINUATION, end === length ? FLAG_END_HEADERS : 0, streamId);
      this.copy(block, at, end);
    }
  }

  /** Appends `chunk[start, end)` as DATA frames of at most `maxFrame` bytes; the last one may end the stream. */
  public data(streamId: number, chunk: Buffer, start: number, end: number, endStream: boolean, maxFrame: number): void {
    if (start === end) {
      this.header(0, TYPE_DATA, endStream ? FLAG_END_STREAM : 0, streamId);
      return;
    }
    for (let at = start; at < end; at += maxFrame) {
      const stop = at + maxFrame < end ? at + maxFrame : end;
      this.header(stop - at, TYPE_DATA, endStream && stop === end ? FLAG_END_STREAM : 0, streamId);
      this.bytes(chunk, at, stop);
    }
  }

  /** Appends a SETTINGS frame with `[id, value, id, value, ...]`, or an empty SETTINGS ACK when `ack`. */
  public settings(pairs: readonly number[], ack: boolean): void {
    this.header(pairs.length * 3, TYPE_SETTINGS, ack ? FLAG_ACK : 0, 0);
    for (let i = 0; i < pairs.length; i += 2) {
      this.uint16(pairs[i]);
      this.uint32(pairs[i + 1]);
    }
  }

  /** Appends a PING with the 8 bytes at `payload[start]`, or zeros. */
  public ping(ack: boolean, payload?: Buffer, start = 0): void {
    this.header(8, TYPE_PING, ack ? FLAG_ACK : 0, 0);
    if (payload === undefined) {
      this.uint32(0);
      this.uint32(0);
    } else {
      this.copy(payload, start, start + 8);
    }
  }

  /** Appends a WINDOW_UPDATE. */
  public windowUpdate(streamId: number, increment: number): void {
    this.header(4, TYPE_WINDOW_UPDATE, 0, streamId);
    this.uint32(increment);
  }

  /** Appends a RST_STREAM. */
  public rstStream(streamId: number, code: number): void {
    this.header(4, TYPE_RST_STREAM, 0, streamId);
    this.uint32(code);
  }

  /** Appends a GOAWAY. */
  public goaway(lastStreamId: number, code: number): void {
    this.header(8, TYPE_GOAWAY, 0, 0);
    this.uint32(lastStreamId);
    this.uint32(code);
  }

  /** Appends a 32-bit unsigned integer. */
  public uint32(value: number): void {
    this.reserve(4).writeUInt32BE(value, this.length);
    this.length += 4;
  }

  /** Appends a 16-bit unsigned integer. */
  public uint16(value: number): void {
    this.reserve(2).writeUInt16BE(value, this.length);
    this.length += 2;
  }

  /** Appends bytes `start` to `end` of `source`; large ones are queued without a copy (do not modify them). */
  public bytes(source: Buffer, start = 0, end = source.length): void {
    const size = end - start;
    if (size >= COPY_LIMIT_BYTES) {
      this.cut();
      (this.chunks as Buffer[]).push(start === 0 && end === source.length ? source : source.subarray(start, end));
      this.chunkBytes += size;
      return;
    }
    source.copy(this.reserve(size), this.length, start, end);
    this.length += size;
  }

  /** Appends a copy of bytes `start` to `end` of `source` (for buffers the caller reuses). */
  public copy(source: Buffer, start: number, end: number): void {
    const size = end - start;
    source.copy(this.reserve(size), this.length, start, end);
    this.length += size;
  }

  /** Writes everything collected to `socket`. */
  public flush(socket: Socket): void {
    if (this.chunks === undefined) {
      if (this.length === 0) return;
      socket.write(this.take());
      return;
    }
    this.cut();
    const chunks = this.chunks;
    this.chunks = undefined;
    this.chunkBytes = 0;
    if (chunks.length === 1) {
      socket.write(chunks[0]);
      return;
    }
    socket.cork();
    for (let i = 0; i < chunks.length; i++) socket.write(chunks[i]);
    socket.uncork();
  }

  /** Drops everything collected. */
  public clear(): void {
    this.length = 0;
    this.chunks = undefined;
    this.chunkBytes = 0;
  }

  private cut(): void {
    this.chunks ??= [];
    if (this.length > 0) {
      this.chunkBytes += this.length;
      this.chunks.push(this.take());
    }
  }

  /** A copy of the collected bytes (the socket keeps it while the buffer is reused). */
  private take(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.buffer.copy(out, 0, 0, this.length);
    this.length = 0;
    return out;
  }

  private reserve(size: number): Buffer {
    const needed = this.length + size;
    if (needed > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = Buffer.allocUnsafe(capacity);
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    return this.buffer;
  }
}
