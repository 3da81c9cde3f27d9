/* eslint-disable no-bitwise -- HTTP/2 frames are a bit-level wire format */
import { ConnectionError } from './connection-error';
import { CLIENT_PREFACE, DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, FRAME_SIZE_ERROR, MAX_STREAM_ID, PROTOCOL_ERROR } from './constants';

/** Who receives the frames a `FrameReader` cuts. */
export interface FrameSink {
  /** Whether the sink is gone (reading stops). */
  readonly destroyed: boolean;
  /** One frame: its payload is `buffer[start, end)`, valid as long as the sink keeps a reference. */
  frame(type: number, flags: number, streamId: number, buffer: Buffer, start: number, end: number): void;
}

/**
 * Cuts a byte stream into HTTP/2 frames (RFC 9113 section 4.1), after the client connection preface on the server
 * side. A frame split over socket reads is joined; payloads are views of the socket's buffers, not copies.
 * Frames over SETTINGS_MAX_FRAME_SIZE (we keep the 16 KiB default) and a wrong preface are connection errors.
 */
export class FrameReader {
  private partial: Buffer | undefined = undefined;
  private prefaceLeft: number;

  /** @param expectPreface whether the bytes start with the client preface (server side) */
  public constructor(expectPreface: boolean) {
    this.prefaceLeft = expectPreface ? CLIENT_PREFACE.length : 0;
  }

  /**
   * Hands every complete frame in `chunk` (and what was left of earlier chunks) to `sink`.
   * @throws ConnectionError on a wrong preface or an oversized frame
   */
  public read(chunk: Buffer, sink: FrameSink): void {
    let buffer = chunk;
    if (this.partial !== undefined) {
      buffer = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let at = 0;
    const length = buffer.length;
    if (this.prefaceLeft > 0) {
      at = this.checkPreface(buffer);
      if (this.prefaceLeft > 0) return;
    }
    while (length - at >= FRAME_HEADER_BYTES) {
      const frameLength = (buffer[at] << 16) | (buffer[at + 1] << 8) | buffer[at + 2];
      if (frameLength > DEFAULT_MAX_FRAME_BYTES) throw new ConnectionError(FRAME_SIZE_ERROR, `frame of ${frameLength} bytes`);
      const start = at + FRAME_HEADER_BYTES;
      const end = start + frameLength;
      if (end > length) break;
      const streamId = buffer.readUInt32BE(at + 5) & MAX_STREAM_ID;
      sink.frame(buffer[at + 3], buffer[at + 4], streamId, buffer, start, end);
      at = end;
      if (sink.destroyed) return;
    }
    if (at < length) this.partial = buffer.subarray(at);
  }

  private checkPreface(buffer: Buffer): number {
    const offset = CLIENT_PREFACE.length - this.prefaceLeft;
    const take = Math.min(this.prefaceLeft, buffer.length);
    if (CLIENT_PREFACE.compare(buffer, 0, take, offset, offset + take) !== 0) {
      throw new ConnectionError(PROTOCOL_ERROR, 'the client did not send the HTTP/2 connection preface');
    }
    this.prefaceLeft -= take;
    return take;
  }
}
