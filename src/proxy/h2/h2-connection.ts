/* eslint-disable no-bitwise -- HTTP/2 frames are a bit-level wire format */
import type { Socket } from 'node:net';
import { ConnectionError } from './connection-error';
import {
  CLIENT_PREFACE, COMPRESSION_ERROR, INTERNAL_ERROR, DEFAULT_MAX_FRAME_BYTES, DEFAULT_WINDOW_BYTES, ENHANCE_YOUR_CALM, FLAG_ACK,
  FLAG_END_HEADERS, FLAG_END_STREAM, FLAG_PADDED, FLAG_PRIORITY, FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR,
  MAX_STREAM_ID, MAX_WINDOW_BYTES, NO_ERROR, PROTOCOL_ERROR, REFUSED_STREAM, SETTINGS_ENABLE_PUSH, SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE,
  STREAM_CLOSED, TYPE_CONTINUATION, TYPE_DATA, TYPE_GOAWAY, TYPE_HEADERS, TYPE_PING, TYPE_PRIORITY, TYPE_PUSH_PROMISE,
  TYPE_RST_STREAM, TYPE_SETTINGS, TYPE_WINDOW_UPDATE,
} from './constants';
import { FrameReader } from './frame-reader';
import { FrameWriter } from './frame-writer';
import { H2Stream, SIDE_CLOSED, SIDE_ENDING, SIDE_OPEN, type H2StreamHandler } from './h2-stream';
import { isValidRequest, isValidResponse, isValidTrailers } from './header-rules';
import { HpackDecoder, type HeaderFields } from './hpack/decoder';
import { HpackEncoder, type OutgoingFields } from './hpack/encoder';
import { HpackError } from './hpack/hpack-error';

/** Limits and windows of an `H2Connection`. */
export interface H2ConnectionOptions {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we advertise: streams the peer may open at once (more are refused). */
  readonly maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE we advertise; a larger header list gets its stream reset (ENHANCE_YOUR_CALM). */
  readonly maxHeaderListBytes: number;
  /** Most fields in a header list; more get the stream reset (ENHANCE_YOUR_CALM). */
  readonly maxHeaderFields: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE we advertise: what the peer may send on a stream before we credit it. */
  readonly streamWindowBytes: number;
  /** Connection-level receive window. */
  readonly connectionWindowBytes: number;
  /** Streams assumed the peer accepts at once until its SETTINGS arrive (client connections). */
  readonly assumedPeerMaxStreams: number;
  /**
   * Time a peer has to send its preface and SETTINGS; a connection that stays silent is closed (idle sockets
   * that never speak HTTP/2 would otherwise be held forever).
   * @default 10000
   */
  readonly handshakeTimeoutMs?: number;
}

/** Default of `H2ConnectionOptions.handshakeTimeoutMs`. */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** A single name or value longer than this (encoded) is a compression error that closes the connection. */
const MAX_FIELD_BYTES = 64 * 1024;
/** A header block (HEADERS + CONTINUATION) longer than this closes the connection (CONTINUATION floods). */
const MAX_HEADER_BLOCK_BYTES = 256 * 1024;
/** Streams reset by a client before their answer, at least, before it may be cut off for it (Envoy's default). */
const PREMATURE_RESET_MIN = 500;
/** Bytes queued in the socket past which a peer that does not read is cut off. */
const MAX_SOCKET_BACKLOG_BYTES = 64 * 1024 * 1024;

/** A stream handler that ignores everything: streams not (or no longer) owned by anyone. */
export const IGNORING_HANDLER: H2StreamHandler = Object.freeze({
  onHeaders: noop, onData: noop, onTrailers: noop, onEnd: noop, onDrain: noop, onClose: noop,
});

/**
 * An HTTP/2 connection (RFC 9113) over a socket, either side: a small, allocation-light implementation for the
 * proxy's data path in place of `node:http2`, whose per-stream `Duplex` and async bookkeeping cost several times
 * the proxy's own work per call. HPACK is `./hpack`.
 *
 * Frames produced while handling one socket read (or one timer) are written in one batch at the end of the tick.
 * Flow control is enforced both ways (see `H2Stream`); received data is credited to the connection window at once
 * and to a stream's window as the consumer takes it. SETTINGS, PING and WINDOW_UPDATE are answered; PRIORITY is
 * ignored; push is disabled. Peer errors become a stream reset where RFC 9113 allows and a GOAWAY otherwise.
 *
 * Server: `onStream` receives each new stream with its request headers; the owner sets `stream.handler`. Client:
 * `request()` opens streams, queued while the peer's concurrent-stream limit is reached.
 */
export class H2Connection {
  /** New stream (server): validated request headers; set `stream.handler` to take it. */
  public onStream: (stream: H2Stream, headers: HeaderFields, endStream: boolean) => void = noop;
  /** The connection is closed, whatever the reason. Called once. */
  public onClose: (connection: H2Connection) => void = noop;

  /** The socket. */
  public readonly socket: Socket;
  /** Whether this side opens streams (odd identifiers). */
  public readonly isClient: boolean;
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS. */
  public peerMaxStreams: number;
  /** Whether GOAWAY was sent or received: no new streams. */
  public goingAway = false;
  /** Whether the connection is closed. */
  public destroyed = false;
  /** Why it was closed, when by an error. */
  public error: Error | undefined;

  private readonly options: H2ConnectionOptions;
  private readonly streams = new Map<number, H2Stream>();
  private readonly writer = new FrameWriter();
  private readonly decoder = new HpackDecoder();
  private readonly encoder = new HpackEncoder();
  private flushScheduled = false;
  /** Streams closed this tick, whose `onClose` is called at the end of the tick. */
  private closedStreams: H2Stream[] = [];
  private readonly reader: FrameReader;

  // Flow control.
  private sendWindow = DEFAULT_WINDOW_BYTES;
  private receiveWindow = DEFAULT_WINDOW_BYTES;
  private unackedBytes = 0;
  private peerStreamWindow = DEFAULT_WINDOW_BYTES;
  private peerMaxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  private readonly blocked = new Set<H2Stream>();

  // Streams.
  private nextStreamId: number;
  private lastPeerStreamId = 0;
  private goawayLastStreamId = MAX_STREAM_ID;
  private readonly waiting: H2Stream[] = [];

  // Header block in progress (HEADERS without END_HEADERS, then CONTINUATION).
  private blockStreamId = 0;
  private blockFlags = 0;
  private blockParts: Buffer[] | undefined;
  private blockBytes = 0;

  private pingCallback: ((error: Error | null) => void) | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private prematureResets = 0;

  /**
   * Takes over a connected (or connecting) socket.
   * @param socket the transport; the connection owns it from now on
   * @param isClient whether this side is the client
   * @param options limits and windows
   */
  public constructor(socket: Socket, isClient: boolean, options: H2ConnectionOptions) {
    this.socket = socket;
    this.isClient = isClient;
    this.options = options;
    this.peerMaxStreams = isClient ? options.assumedPeerMaxStreams : Number.MAX_SAFE_INTEGER;
    this.nextStreamId = isClient ? 1 : 2;
    this.reader = new FrameReader(!isClient);
    this.handshakeTimer = setTimeout(onHandshakeTimeout, options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, this);
    this.handshakeTimer.unref();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error: Error) => this.destroy(error));
    socket.on('close', () => this.destroy());
    socket.on('end', () => this.destroy());
    this.sendPreface();
  }

  /** Streams open now, or (client) waiting for a slot under the peer's limit. */
  public get activeStreams(): number {
    return this.streams.size + this.waiting.length;
  }

  /** Whether a new stream may be opened now without waiting for a slot. */
  public get hasCapacity(): boolean {
    return this.activeStreams < this.peerMaxStreams;
  }

  /**
   * Opens a stream (client). It goes out at once, or when a stream slot frees while the peer's limit is reached.
   * @throws when the connection is closed or going away
   */
  public request(headers: OutgoingFields, handler: H2StreamHandler): H2Stream {
    if (this.destroyed || this.goingAway) throw new Error('the HTTP/2 connection is closed or going away');
    const stream = new H2Stream(this, handler, this.options.streamWindowBytes, this.peerStreamWindow);
    stream.requestHeaders = headers;
    if (this.waiting.length > 0 || this.streams.size >= this.peerMaxStreams) this.waiting.push(stream);
    else this.open(stream);
    return stream;
  }

  /**
   * Sends a PING; `callback` gets null on the answer, an error when the connection closes first.
   * @returns false when a PING is already outstanding or the connection is closed
   */
  public ping(callback: (error: Error | null) => void): boolean {
    if (this.destroyed || this.pingCallback !== undefined) return false;
    this.pingCallback = callback;
    this.writer.ping(false);
    this.scheduleFlush();
    return true;
  }

  /** Graceful close: GOAWAY, no new streams; the socket closes when the last stream ends. */
  public close(): void {
    if (this.destroyed) return;
    if (!this.goingAway) {
      this.goingAway = true;
      this.writeGoaway(NO_ERROR);
      for (const stream of this.waiting.splice(0)) this.refuse(stream);
    }
    this.endIfIdle();
  }

  /**
   * Closes now: every stream is closed (`connectionLost`) and the socket destroyed.
   * @param error why, when it is a failure
   * @param lingering whether frames already written (a GOAWAY) should still reach the peer before the socket closes
   */
  public destroy(error?: Error, lingering = false): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.goingAway = true;
    if (error !== undefined) this.error = error;
    clearTimeout(this.handshakeTimer);
    this.writer.clear();
    if (lingering) this.socket.destroySoon();
    else if (!this.socket.destroyed) this.socket.destroy();
    const ping = this.pingCallback;
    this.pingCallback = undefined;
    for (const stream of this.waiting.splice(0)) {
      stream.connectionLost = true;
      this.closeStream(stream);
    }
    for (const stream of [...this.streams.values()]) {
      stream.connectionLost = true;
      this.closeStream(stream);
    }
    ping?.(error ?? new Error('the HTTP/2 connection closed'));
    this.onClose(this);
  }

  // ---- Sending (called by H2Stream) ----

  /** @internal */
  public sendHeaders(stream: H2Stream, headers: OutgoingFields, endStream: boolean): void {
    if (this.destroyed) return;
    this.writer.headers(stream.id, this.encoder.encode(headers), endStream, this.peerMaxFrameBytes);
    this.scheduleFlush();
  }

  /** @internal */
  public sendData(stream: H2Stream, chunk: Buffer): boolean {
    if (this.destroyed) return true;
    const length = chunk.length;
    if (!stream.opened || stream.queuedBytes > 0) {
      this.enqueue(stream, chunk);
      return false;
    }
    const allowed = Math.min(stream.sendWindow, this.sendWindow);
    if (length <= allowed) {
      this.writeData(stream, chunk, 0, length);
      return true;
    }
    if (allowed > 0) this.writeData(stream, chunk, 0, allowed);
    this.enqueue(stream, allowed > 0 ? chunk.subarray(allowed) : chunk);
    return false;
  }

  /** @internal Our side ends (END_STREAM or trailers) once the queue is empty. */
  public sendEnd(stream: H2Stream): void {
    if (this.destroyed || !stream.opened || stream.queuedBytes > 0) return;
    this.finishLocal(stream);
  }

  /** @internal */
  public resetStream(stream: H2Stream, code: number): void {
    stream.rstCode = code;
    if (stream.opened && !this.destroyed) {
      this.writeRst(stream.id, code);
    } else if (!stream.opened) {
      const index = this.waiting.indexOf(stream);
      if (index !== -1) this.waiting.splice(index, 1);
    }
    this.closeStream(stream);
  }

  /** @internal Credits back what a resumed stream received. */
  public credit(stream: H2Stream): void {
    if (stream.unacked > 0 && stream.remote === SIDE_OPEN && !stream.closed && stream.opened) this.creditStream(stream);
  }

  /** @internal Closes a stream: bookkeeping now, `onClose` at the end of the tick. */
  public closeStream(stream: H2Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.local = SIDE_CLOSED;
    stream.remote = SIDE_CLOSED;
    stream.queue = undefined;
    stream.queuedBytes = 0;
    stream.queuedTrailers = undefined;
    if (stream.id !== 0) this.streams.delete(stream.id);
    this.blocked.delete(stream);
    this.closedStreams.push(stream);
    this.scheduleFlush();
    if (this.destroyed) return;
    this.openWaiting();
    if (this.goingAway) this.endIfIdle();
  }

  // ---- Receiving ----

  private receive(chunk: Buffer): void {
    if (this.destroyed) return;
    try {
      this.reader.read(chunk, this);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** @internal One frame from the reader. */
  public frame(type: number, flags: number, streamId: number, buffer: Buffer, start: number, end: number): void {
    if (this.blockParts !== undefined && type !== TYPE_CONTINUATION) {
      throw new ConnectionError(PROTOCOL_ERROR, 'a header block was interrupted by another frame');
    }
    switch (type) {
      case TYPE_DATA:
        this.dataFrame(flags, streamId, buffer, start, end);
        return;
      case TYPE_HEADERS:
        this.headersFrame(flags, streamId, buffer, start, end);
        return;
      case TYPE_CONTINUATION:
        this.continuationFrame(flags, streamId, buffer, start, end);
        return;
      case TYPE_RST_STREAM:
        this.rstStreamFrame(streamId, buffer, start, end);
        return;
      case TYPE_SETTINGS:
        this.settingsFrame(flags, streamId, buffer, start, end);
        return;
      case TYPE_PING:
        this.pingFrame(flags, streamId, buffer, start, end);
        return;
      case TYPE_GOAWAY:
        this.goawayFrame(streamId, buffer, start, end);
        return;
      case TYPE_WINDOW_UPDATE:
        this.windowUpdateFrame(streamId, buffer, start, end);
        return;
      case TYPE_PRIORITY:
        if (streamId === 0) throw new ConnectionError(PROTOCOL_ERROR, 'PRIORITY on stream 0');
        if (end - start !== 5) throw new ConnectionError(FRAME_SIZE_ERROR, 'PRIORITY frame of the wrong size');
        return;
      case TYPE_PUSH_PROMISE:
        throw new ConnectionError(PROTOCOL_ERROR, 'PUSH_PROMISE although push is disabled');
      default:
        // Unknown frame types are ignored (RFC 9113 section 4.1).
    }
  }

  private dataFrame(flags: number, streamId: number, buffer: Buffer, start: number, end: number): void {
    if (streamId === 0) throw new ConnectionError(PROTOCOL_ERROR, 'DATA on stream 0');
    const frameLength = end - start;
    this.receiveWindow -= frameLength;
    if (this.receiveWindow < 0) throw new ConnectionError(FLOW_CONTROL_ERROR, 'the peer overran the connection window');
    this.unackedBytes += frameLength;
    if (this.unackedBytes >= this.options.connectionWindowBytes >>> 1) {
      this.writeWindowUpdate(0, this.unackedBytes);
      this.receiveWindow += this.unackedBytes;
      this.unackedBytes = 0;
    }
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      if (this.isIdle(streamId)) throw new ConnectionError(PROTOCOL_ERROR, `DATA on idle stream ${streamId}`);
      return; // A stream closed recently (we reset it): its data is dropped.
    }
    if (stream.remote !== SIDE_OPEN) {
      this.resetStream(stream, STREAM_CLOSED);
      return;
    }
    if (this.isClient && !stream.headersDone) {
      this.resetStream(stream, PROTOCOL_ERROR); // Data before the response headers.
      return;
    }
    stream.receiveWindow -= frameLength;
    if (stream.receiveWindow < 0) {
      this.resetStream(stream, FLOW_CONTROL_ERROR);
      return;
    }
    let dataStart = start;
    let dataEnd = end;
    if ((flags & FLAG_PADDED) !== 0) {
      if (frameLength < 1) throw new ConnectionError(PROTOCOL_ERROR, 'padded DATA without a pad length');
      const padding = buffer[start];
      dataStart++;
      dataEnd -= padding;
      if (dataEnd < dataStart) throw new ConnectionError(PROTOCOL_ERROR, 'DATA padding longer than the frame');
    }
    stream.unacked += frameLength;
    if (dataEnd > dataStart) stream.handler.onData(stream, buffer.subarray(dataStart, dataEnd));
    if ((flags & FLAG_END_STREAM) !== 0) {
      this.remoteEnded(stream);
    } else if (!stream.paused && !stream.closed && stream.unacked >= this.options.streamWindowBytes >>> 1) {
      this.creditStream(stream);
    }
  }

  private headersFrame(flags: number, streamId: number, buffer: Buffer, start: number, end: number): void {
    if (streamId === 0) throw new ConnectionError(PROTOCOL_ERROR, 'HEADERS on stream 0');
    let blockStart = start;
    let blockEnd = end;
    if ((flags & FLAG_PADDED) !== 0) {
      if (end - start < 1) throw new ConnectionError(PROTOCOL_ERROR, 'padded HEADERS without a pad length');
      blockStart++;
      blockEnd -= buffer[start];
    }
    if ((flags & FLAG_PRIORITY) !== 0) blockStart += 5;
    if (blockEnd < blockStart) throw new ConnectionError(PROTOCOL_ERROR, 'HEADERS padding longer than the frame');
    if ((flags & FLAG_END_HEADERS) !== 0) {
      this.headerBlock(flags, streamId, buffer.subarray(blockStart, blockEnd));
      return;
    }
    this.blockStreamId = streamId;
    this.blockFlags = flags;
    this.blockParts = [buffer.subarray(blockStart, blockEnd)];
    this.blockBytes = blockEnd - blockStart;
  }

  private continuationFrame(flags: number, streamId: number, buffer: Buffer, start: number, end: number): void {
    const parts = this.blockParts;
    if (parts === undefined || streamId !== this.blockStreamId) {
      throw new ConnectionError(PROTOCOL_ERROR, 'CONTINUATION without a header block in progress');
    }
    parts.push(buffer.subarray(start, end));
    this.blockBytes += end - start;
    if (this.blockBytes > MAX_HEADER_BLOCK_BYTES) throw new ConnectionError(ENHANCE_YOUR_CALM, 'header block too large');
    if ((flags & FLAG_END_HEADERS) === 0) return;
    this.blockParts = undefined;
    this.headerBlock(this.blockFlags, streamId, Buffer.concat(parts));
  }

  private headerBlock(flags: number, streamId: number, block: Buffer): void {
    let decoded;
    try {
      decoded = this.decoder.decode(block, MAX_FIELD_BYTES);
    } catch (error) {
      if (error instanceof HpackError) throw new ConnectionError(COMPRESSION_ERROR, error.message);
      throw error;
    }
    const endStream = (flags & FLAG_END_STREAM) !== 0;
    const headers = decoded.headers;
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      if (!this.isIdle(streamId)) return; // A stream closed already (say, trailers crossing our reset): ignored.
      if (this.isClient) throw new ConnectionError(PROTOCOL_ERROR, `HEADERS on idle stream ${streamId}`);
      this.newPeerStream(streamId, headers, endStream, decoded.bytes, decoded.fields);
      return;
    }
    if (stream.remote !== SIDE_OPEN) {
      this.resetStream(stream, STREAM_CLOSED);
      return;
    }
    if (decoded.bytes > this.options.maxHeaderListBytes || decoded.fields > this.options.maxHeaderFields) {
      this.resetStream(stream, ENHANCE_YOUR_CALM);
      return;
    }
    if (this.isClient && !stream.headersDone) {
      if (!isValidResponse(headers)) {
        this.resetStream(stream, PROTOCOL_ERROR);
        return;
      }
      const status = headers[':status'] as string;
      if (status.charCodeAt(0) === 0x31 && !endStream) return; // 1xx: informational, skipped.
      stream.headersDone = true;
      stream.handler.onHeaders(stream, headers, endStream);
    } else {
      // Trailers: they end the stream.
      if (!endStream || !isValidTrailers(headers)) {
        this.resetStream(stream, PROTOCOL_ERROR);
        return;
      }
      stream.handler.onTrailers(stream, headers);
    }
    if (endStream && !stream.closed) this.remoteEnded(stream);
  }

  private newPeerStream(streamId: number, headers: HeaderFields, endStream: boolean, bytes: number, fields: number): void {
    if ((streamId & 1) === 0 || streamId <= this.lastPeerStreamId) {
      throw new ConnectionError(PROTOCOL_ERROR, `stream ${streamId} opened out of order`);
    }
    this.lastPeerStreamId = streamId;
    if (this.goingAway && streamId > this.goawayLastStreamId) return;
    if (this.goingAway || this.activeStreams >= this.options.maxConcurrentStreams) {
      this.writeRst(streamId, REFUSED_STREAM);
      return;
    }
    if (bytes > this.options.maxHeaderListBytes || fields > this.options.maxHeaderFields) {
      this.writeRst(streamId, ENHANCE_YOUR_CALM);
      return;
    }
    if (!isValidRequest(headers)) {
      this.writeRst(streamId, PROTOCOL_ERROR);
      return;
    }
    const stream = new H2Stream(this, IGNORING_HANDLER, this.options.streamWindowBytes, this.peerStreamWindow);
    stream.id = streamId;
    this.streams.set(streamId, stream);
    if (endStream) stream.remote = SIDE_CLOSED;
    this.onStream(stream, headers, endStream);
    if (endStream && !stream.closed) {
      stream.handler.onEnd(stream);
      if (stream.local === SIDE_CLOSED) this.closeStream(stream);
    }
  }

  private rstStreamFrame(streamId: number, buffer: Buffer, start: number, end: number): void {
    if (streamId === 0) throw new ConnectionError(PROTOCOL_ERROR, 'RST_STREAM on stream 0');
    if (end - start !== 4) throw new ConnectionError(FRAME_SIZE_ERROR, 'RST_STREAM of the wrong size');
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      if (this.isIdle(streamId)) throw new ConnectionError(PROTOCOL_ERROR, `RST_STREAM on idle stream ${streamId}`);
      return;
    }
    stream.rstCode = buffer.readUInt32BE(start);
    if (!this.isClient && !stream.endSent) this.countPrematureReset();
    this.closeStream(stream);
  }

  /**
   * Streams the client opens and resets before the answer cost the proxy an upstream call each: a client that
   * does it for most of its streams (HTTP/2 "rapid reset", CVE-2023-44487) is disconnected, as Envoy does.
   */
  private countPrematureReset(): void {
    this.prematureResets++;
    if (this.prematureResets >= PREMATURE_RESET_MIN && this.prematureResets * 2 >= this.lastPeerStreamId >>> 1) {
      throw new ConnectionError(ENHANCE_YOUR_CALM, `${this.prematureResets} streams reset by the client before their answer`);
    }
  }

  private settingsFrame(flags: number, streamId: number, buffer: Buffer, start: number, end: number): void {
    if (streamId !== 0) throw new ConnectionError(PROTOCOL_ERROR, 'SETTINGS on a stream');
    if ((flags & FLAG_ACK) !== 0) {
      if (end !== start) throw new ConnectionError(FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      return;
    }
    if ((end - start) % 6 !== 0) throw new ConnectionError(FRAME_SIZE_ERROR, 'SETTINGS of the wrong size');
    for (let at = start; at < end; at += 6) {
      const id = buffer.readUInt16BE(at);
      const value = buffer.readUInt32BE(at + 2);
      this.setting(id, value);
    }
    this.writer.settings(NO_SETTINGS, true);
    this.scheduleFlush();
    clearTimeout(this.handshakeTimer);
    this.openWaiting();
  }

  private setting(id: number, value: number): void {
    switch (id) {
      case SETTINGS_HEADER_TABLE_SIZE:
        this.encoder.setMaxTableSize(value);
        return;
      case SETTINGS_ENABLE_PUSH:
        if (value > 1) throw new ConnectionError(PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH ${value}`);
        return;
      case SETTINGS_MAX_CONCURRENT_STREAMS:
        if (this.isClient) this.peerMaxStreams = value;
        return;
      case SETTINGS_INITIAL_WINDOW_SIZE: {
        if (value > MAX_WINDOW_BYTES) throw new ConnectionError(FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value}`);
        const delta = value - this.peerStreamWindow;
        this.peerStreamWindow = value;
        if (delta === 0) return;
        for (const stream of this.streams.values()) {
          stream.sendWindow += delta;
          if (stream.sendWindow > MAX_WINDOW_BYTES) throw new ConnectionError(FLOW_CONTROL_ERROR, 'stream window overflow');
        }
        for (const stream of this.waiting) stream.sendWindow += delta;
        if (delta > 0) this.flushBlocked();
        return;
      }
      case SETTINGS_MAX_FRAME_SIZE:
        if (value < DEFAULT_MAX_FRAME_BYTES || value > 0xffffff) {
          throw new ConnectionError(PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value}`);
        }
        this.peerMaxFrameBytes = value;
        return;
      case SETTINGS_MAX_HEADER_LIST_SIZE:
      default:
        // Advisory, or unknown (ignored, RFC 9113 section 6.5.2).
    }
  }

  private pingFrame(flags: number, streamId: number, buffer: Buffer, start: number, end: number): void {
    if (streamId !== 0) throw new ConnectionError(PROTOCOL_ERROR, 'PING on a stream');
    if (end - start !== 8) throw new ConnectionError(FRAME_SIZE_ERROR, 'PING of the wrong size');
    if ((flags & FLAG_ACK) !== 0) {
      const callback = this.pingCallback;
      this.pingCallback = undefined;
      callback?.(null);
      return;
    }
    this.writer.ping(true, buffer, start);
    this.scheduleFlush();
  }

  private goawayFrame(streamId: number, buffer: Buffer, start: number, end: number): void {
    if (streamId !== 0) throw new ConnectionError(PROTOCOL_ERROR, 'GOAWAY on a stream');
    if (end - start < 8) throw new ConnectionError(FRAME_SIZE_ERROR, 'GOAWAY too short');
    const lastStreamId = buffer.readUInt32BE(start) & MAX_STREAM_ID;
    this.goingAway = true;
    // Streams we opened above the last one the peer processed were not processed: they can be retried.
    for (const stream of [...this.streams.values()]) {
      if (stream.id > lastStreamId && (stream.id & 1) === (this.isClient ? 1 : 0)) this.refuse(stream);
    }
    for (const stream of this.waiting.splice(0)) this.refuse(stream);
    this.endIfIdle();
  }

  private windowUpdateFrame(streamId: number, buffer: Buffer, start: number, end: number): void {
    if (end - start !== 4) throw new ConnectionError(FRAME_SIZE_ERROR, 'WINDOW_UPDATE of the wrong size');
    const increment = buffer.readUInt32BE(start) & MAX_WINDOW_BYTES;
    if (streamId === 0) {
      if (increment === 0) throw new ConnectionError(PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW_BYTES) throw new ConnectionError(FLOW_CONTROL_ERROR, 'connection window overflow');
      this.flushBlocked();
      return;
    }
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      if (this.isIdle(streamId)) throw new ConnectionError(PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${streamId}`);
      return;
    }
    if (increment === 0) {
      this.resetStream(stream, PROTOCOL_ERROR);
      return;
    }
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW_BYTES) {
      this.resetStream(stream, FLOW_CONTROL_ERROR);
      return;
    }
    if (stream.queuedBytes > 0 || stream.local === SIDE_ENDING) this.flushStream(stream);
  }

  /** Whether a stream identifier was never used (frames on it are a protocol error). */
  private isIdle(streamId: number): boolean {
    const ours = (streamId & 1) === (this.isClient ? 1 : 0);
    return ours ? streamId >= this.nextStreamId : streamId > this.lastPeerStreamId;
  }

  private remoteEnded(stream: H2Stream): void {
    stream.remote = SIDE_CLOSED;
    stream.handler.onEnd(stream);
    if (stream.closed) return;
    if (stream.local === SIDE_CLOSED) this.closeStream(stream);
  }

  private refuse(stream: H2Stream): void {
    stream.rstCode = REFUSED_STREAM;
    this.closeStream(stream);
  }

  // ---- Flow control and writing ----

  private open(stream: H2Stream): void {
    if (this.nextStreamId > MAX_STREAM_ID) {
      this.goingAway = true;
      this.refuse(stream);
      return;
    }
    stream.id = this.nextStreamId;
    this.nextStreamId += 2;
    this.streams.set(stream.id, stream);
    const headers = stream.requestHeaders as OutgoingFields;
    stream.requestHeaders = undefined;
    this.sendHeaders(stream, headers, false);
    if (stream.queuedBytes > 0 || stream.local === SIDE_ENDING) this.flushStream(stream);
  }

  private openWaiting(): void {
    const waiting = this.waiting;
    while (waiting.length > 0 && this.streams.size < this.peerMaxStreams) {
      this.open(waiting.shift() as H2Stream);
    }
  }

  private enqueue(stream: H2Stream, chunk: Buffer): void {
    if (stream.queue === undefined) stream.queue = [chunk];
    else stream.queue.push(chunk);
    stream.queuedBytes += chunk.length;
    stream.needDrain = true;
    if (stream.opened) this.blocked.add(stream);
  }

  private flushBlocked(): void {
    for (const stream of this.blocked) {
      if (this.sendWindow <= 0) return;
      this.flushStream(stream);
    }
  }

  /** Sends what the windows allow of a stream's queue, then its end, then `onDrain`. */
  private flushStream(stream: H2Stream): void {
    const queue = stream.queue;
    if (queue !== undefined) {
      while (queue.length > 0) {
        const allowed = Math.min(stream.sendWindow, this.sendWindow);
        if (allowed <= 0) return;
        const head = queue[0];
        const offset = stream.queueOffset;
        const left = head.length - offset;
        if (left <= allowed) {
          this.writeData(stream, head, offset, head.length);
          queue.shift();
          stream.queueOffset = 0;
          stream.queuedBytes -= left;
        } else {
          this.writeData(stream, head, offset, offset + allowed);
          stream.queueOffset += allowed;
          stream.queuedBytes -= allowed;
          return;
        }
      }
      stream.queue = undefined;
    }
    this.blocked.delete(stream);
    if (stream.local === SIDE_ENDING) {
      this.finishLocal(stream);
      return;
    }
    if (stream.needDrain) {
      stream.needDrain = false;
      stream.handler.onDrain(stream);
    }
  }

  private finishLocal(stream: H2Stream): void {
    const trailers = stream.queuedTrailers;
    if (trailers !== undefined) {
      stream.queuedTrailers = undefined;
      this.sendHeaders(stream, trailers, true);
    } else {
      this.writer.data(stream.id, EMPTY, 0, 0, true, this.peerMaxFrameBytes);
      this.scheduleFlush();
    }
    this.localEnded(stream);
  }

  /** @internal Our side of a stream has ended on the wire. */
  public localEnded(stream: H2Stream): void {
    stream.local = SIDE_CLOSED;
    stream.endSent = true;
    if (stream.remote === SIDE_CLOSED) {
      this.closeStream(stream);
    } else if (!this.isClient) {
      // A complete response ends the exchange: tell the client to stop sending (RFC 9113 section 8.1).
      stream.rstCode = NO_ERROR;
      this.writeRst(stream.id, NO_ERROR);
      this.closeStream(stream);
    }
  }

  private writeData(stream: H2Stream, chunk: Buffer, start: number, end: number): void {
    const total = end - start;
    stream.sendWindow -= total;
    this.sendWindow -= total;
    this.writer.data(stream.id, chunk, start, end, false, this.peerMaxFrameBytes);
    this.scheduleFlush();
  }

  private creditStream(stream: H2Stream): void {
    this.writeWindowUpdate(stream.id, stream.unacked);
    stream.receiveWindow += stream.unacked;
    stream.unacked = 0;
  }

  private writeWindowUpdate(streamId: number, increment: number): void {
    this.writer.windowUpdate(streamId, increment);
    this.scheduleFlush();
  }

  private writeRst(streamId: number, code: number): void {
    this.writer.rstStream(streamId, code);
    this.scheduleFlush();
  }

  private writeGoaway(code: number): void {
    this.goawayLastStreamId = this.lastPeerStreamId;
    this.writer.goaway(this.lastPeerStreamId, code);
    this.scheduleFlush();
  }

  private sendPreface(): void {
    const options = this.options;
    if (this.isClient) this.writer.bytes(CLIENT_PREFACE);
    const settings: number[] = [
      SETTINGS_ENABLE_PUSH, 0,
      SETTINGS_INITIAL_WINDOW_SIZE, options.streamWindowBytes,
      SETTINGS_MAX_HEADER_LIST_SIZE, options.maxHeaderListBytes,
    ];
    if (!this.isClient) settings.push(SETTINGS_MAX_CONCURRENT_STREAMS, options.maxConcurrentStreams);
    this.writer.settings(settings, false);
    const extra = options.connectionWindowBytes - DEFAULT_WINDOW_BYTES;
    if (extra > 0) {
      this.writeWindowUpdate(0, extra);
      this.receiveWindow += extra;
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(flushConnection, this);
  }

  /** @internal The end of a tick: reports the streams closed during it, then writes the frames collected. */
  public endTick(): void {
    this.flushScheduled = false;
    const closed = this.closedStreams;
    if (closed.length > 0) {
      this.closedStreams = [];
      for (let i = 0; i < closed.length; i++) closed[i].handler.onClose(closed[i]);
    }
    this.flush();
  }

  /** Writes the frames collected so far. */
  private flush(): void {
    if (this.destroyed) return;
    this.writer.flush(this.socket);
    if (this.socket.writableLength > MAX_SOCKET_BACKLOG_BYTES) {
      this.destroy(new Error('the peer does not read what it asked for'));
    }
  }

  private endIfIdle(): void {
    if (this.destroyed || this.activeStreams > 0) return;
    this.flush();
    this.destroy(undefined, true);
  }

  private fail(error: Error): void {
    if (this.destroyed) return;
    // Anything else is a bug of ours (or of a stream handler) while handling a frame: INTERNAL_ERROR.
    const code = error instanceof ConnectionError ? error.code : INTERNAL_ERROR;
    if (!this.goingAway || code !== NO_ERROR) this.writer.goaway(this.lastPeerStreamId, code);
    this.writer.flush(this.socket);
    this.destroy(error, true);
  }
}

function flushConnection(connection: H2Connection): void {
  connection.endTick();
}

const NO_SETTINGS: readonly number[] = [];
const EMPTY = Buffer.alloc(0);

function onHandshakeTimeout(connection: H2Connection): void {
  if (!connection.destroyed) connection.destroy(new Error('the peer sent no HTTP/2 SETTINGS in time'));
}

function noop(): void {
  // Nothing to do.
}
