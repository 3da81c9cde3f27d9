/* eslint-disable no-bitwise -- HTTP/2 frames are a bit-level wire format */
import type { Socket } from 'node:net';
import { FRAME_HEADER_BYTES } from './constants';

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

  /** Whether anything waits to be flushed. */
  public get pending(): boolean {
    return this.length > 0 || this.chunks !== undefined;
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
  }

  private cut(): void {
    this.chunks ??= [];
    if (this.length > 0) this.chunks.push(this.take());
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
