/* eslint-disable no-bitwise -- HTTP/2 frames are a bit-level wire format */
import type { Socket } from 'node:net';
import { ConnectionError, type ConnectionCloseReason } from './connection-error';
import { HANDSHAKE_TIMEOUT_MS, HEADER_BLOCK_TIMEOUT_MS, MAX_OUTPUT_BYTES, SEND_TIMEOUT_MS } from '../defaults';
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
import { HpackDecoder, type DecodedHeaders, type HeaderFields } from './hpack/decoder';
import { HpackEncoder, type OutgoingFields } from './hpack/encoder';
import { HpackError } from './hpack/hpack-error';
import { PeerRecord } from './peer-accounting';
import { StreamTable } from './stream-table';

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
  /**
   * Time a connection may have no open stream before it is closed with GOAWAY NO_ERROR.
   * @default - never
   */
  readonly idleTimeoutMs?: number;
  /**
   * Time a header block may take from its HEADERS frame to its last CONTINUATION; then the connection is closed.
   * @default 10000
   */
  readonly headerBlockTimeoutMs?: number;
  /**
   * Unsent bytes past which the connection stops reading from the peer and holds back DATA until the socket has
   * drained (the peer is not reading what it asked for).
   * @default 1048576
   */
  readonly maxOutputBytes?: number;
  /**
   * Time the peer may take nothing of what is waiting to be sent (while over `maxOutputBytes`) before the
   * connection is closed.
   * @default 30000
   */
  readonly sendTimeoutMs?: number;
  /**
   * Where the abuse counts of the peer's address are kept, so that they survive reconnecting.
   * @default - a record of this connection's own
   */
  readonly peer?: PeerRecord;
}


/** A single name or value longer than this (encoded) is a compression error that closes the connection. */
const MAX_FIELD_BYTES = 64 * 1024;
/**
 * CONTINUATION frames one header block may have (nghttp2's limit since CVE-2024-28182): more close the connection.
 * A header block within the size limit fits in far fewer frames of the default size.
 */
const MAX_CONTINUATION_FRAMES = 8;
/**
 * Answers the peer makes us owe (PING and SETTINGS acknowledgements, stream resets) that may wait unsent at once,
 * as in nghttp2: a peer that asks for more while not reading them is flooding us.
 */
const MAX_OWED_ANSWERS = 1000;
/** Empty DATA frames (without END_STREAM) in a row past which a peer is flooding us (CVE-2019-9518). */
const MAX_EMPTY_FRAMES = 100;
/**
 * How long a closed connection's socket may take to deliver its last frames (GOAWAY) and see the peer close,
 * reading and dropping what the peer still sends, before it is destroyed.
 */
const LINGER_MS = 5000;
/** Closed streams remembered, to tell frames that crossed our reset from frames on a closed stream. */
const CLOSED_STREAMS_REMEMBERED = 256;
/** Frames on a stream we reset are ignored (RFC 9113 section 5.1, "closed"). */
const CLOSED_BY_US = 1;
/** Frames on a stream the peer reset get a stream error STREAM_CLOSED. */
const RESET_BY_PEER = 2;
/** Frames on a stream that ended both ways (the peer sent END_STREAM) get a connection error STREAM_CLOSED. */
const ENDED = 3;
/** Internal flag of a header block whose HEADERS frame made its stream depend on itself (RFC 9113 section 5.3.1). */
const SELF_DEPENDENT = 0x100;

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
  /** Whether the peer sent GOAWAY (it closed the connection on purpose). */
  public goawayReceived = false;
  /** Whether the connection is closed. */
  public destroyed = false;
  /** Why it was closed, when by an error. */
  public error: Error | undefined;
  /** Why it was closed (set when it is). */
  public closeReason: ConnectionCloseReason | undefined;

  private readonly options: H2ConnectionOptions;
  private readonly streams = new StreamTable();
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

  /** Ids of streams closed lately (a ring), and how (`CLOSED_BY_US`, `RESET_BY_PEER`, `ENDED`). */
  private readonly closedIds = new Int32Array(CLOSED_STREAMS_REMEMBERED);
  private readonly closedKinds = new Uint8Array(CLOSED_STREAMS_REMEMBERED);
  private closedNext = 0;

  // Header block in progress (HEADERS without END_HEADERS, then CONTINUATION): fragments copied into one buffer.
  private blockStreamId = 0;
  private blockFlags = 0;
  private block: Buffer | undefined = undefined;
  private blockLength = 0;
  private blockFrames = 0;
  private readonly maxBlockBytes: number;

  // Abuse guards.
  private readonly peer: PeerRecord;
  private owedAnswers = 0;
  private emptyFrames = 0;

  // Output backpressure: reading stops while the socket holds more than `maxOutputBytes`.
  private readonly maxOutputBytes: number;
  private outputBlocked = false;
  private heldThisTurn = false;
  private blockedBacklog = 0;
  private readonly onSocketDrain: () => void;

  private pingCallback: ((error: Error | null) => void) | undefined;
  /** The handshake's, then a header block's deadline. */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private sendTimer: NodeJS.Timeout | undefined;

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
    this.peer = options.peer ?? new PeerRecord();
    this.maxBlockBytes = 2 * options.maxHeaderListBytes;
    this.maxOutputBytes = options.maxOutputBytes ?? MAX_OUTPUT_BYTES;
    this.onSocketDrain = () => this.unblockOutput();
    this.deadlineTimer = setTimeout(onHandshakeTimeout, options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS, this);
    this.deadlineTimer.unref();
    const idleTimeoutMs = options.idleTimeoutMs ?? 0;
    if (idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(onIdleTimeout, idleTimeoutMs, this);
      this.idleTimer.unref();
    }
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

  /**
   * Graceful close: GOAWAY, no new streams; the socket closes when the last stream ends.
   * @param reason why, for metrics
   */
  public close(reason: ConnectionCloseReason = 'draining'): void {
    if (this.destroyed) return;
    this.closeReason ??= reason;
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
    this.closeReason ??= error === undefined ? 'closed' : 'socket_error';
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.sendTimer);
    this.socket.off('drain', this.onSocketDrain);
    this.writer.clear();
    this.block = undefined;
    if (lingering) {
      // Our last frames (GOAWAY) go out before the FIN; what the peer still sends meanwhile is read and dropped
      // rather than left unread, which would make the kernel reset the connection and lose those frames.
      this.socket.end();
      this.socket.resume();
      setTimeout(destroySocket, LINGER_MS, this.socket).unref();
    } else if (!this.socket.destroyed) {
      this.socket.destroy();
    }
    const ping = this.pingCallback;
    this.pingCallback = undefined;
    for (const stream of this.waiting.splice(0)) {
      stream.connectionLost = true;
      this.closeStream(stream);
    }
    for (const stream of this.streams.values()) {
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
    if (!stream.opened || stream.queuedBytes > 0 || this.holdsOutput()) {
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
    this.closeStream(stream, CLOSED_BY_US);
  }

  /** @internal Credits back what a resumed stream received. */
  public credit(stream: H2Stream): void {
    if (stream.unacked > 0 && stream.remote === SIDE_OPEN && !stream.closed && stream.opened) this.creditStream(stream);
  }

  /**
   * @internal Closes a stream: bookkeeping now, `onClose` at the end of the tick.
   * @param how what later frames on it get: ignored (`CLOSED_BY_US`), a stream error (`RESET_BY_PEER`) or a
   * connection error (`ENDED`) STREAM_CLOSED
   */
  public closeStream(stream: H2Stream, how = ENDED): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.local = SIDE_CLOSED;
    stream.remote = SIDE_CLOSED;
    stream.queue = undefined;
    stream.queuedBytes = 0;
    stream.queuedTrailers = undefined;
    if (stream.id !== 0) {
      this.streams.delete(stream.id);
      this.rememberClosed(stream.id, how);
    }
    this.blocked.delete(stream);
    this.closedStreams.push(stream);
    this.scheduleFlush();
    if (this.destroyed) return;
    this.openWaiting();
    if (this.goingAway) this.endIfIdle();
    else if (this.idleTimer !== undefined && this.activeStreams === 0) this.idleTimer.refresh();
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
    if (this.block !== undefined && type !== TYPE_CONTINUATION) {
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
        this.priorityFrame(streamId, buffer, start, end);
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
    let dataStart = start;
    let dataEnd = end;
    if ((flags & FLAG_PADDED) !== 0) {
      // Padding is checked in any stream state: its errors are connection errors (RFC 9113 section 6.1).
      if (frameLength < 1) throw new ConnectionError(PROTOCOL_ERROR, 'padded DATA without a pad length');
      dataStart++;
      dataEnd -= buffer[start];
      if (dataEnd < dataStart) throw new ConnectionError(PROTOCOL_ERROR, 'DATA padding longer than the frame');
    }
    const endStream = (flags & FLAG_END_STREAM) !== 0;
    if (dataEnd === dataStart && !endStream) {
      if (++this.emptyFrames > MAX_EMPTY_FRAMES) throw new ConnectionError(ENHANCE_YOUR_CALM, 'a flood of empty DATA frames', 'flood');
    } else {
      this.emptyFrames = 0;
    }
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      this.frameOnClosedStream(streamId, 'DATA');
      return;
    }
    if (stream.remote !== SIDE_OPEN) {
      this.streamError(stream, STREAM_CLOSED);
      return;
    }
    if (this.isClient && !stream.headersDone) {
      this.streamError(stream, PROTOCOL_ERROR); // Data before the response headers.
      return;
    }
    stream.receiveWindow -= frameLength;
    if (stream.receiveWindow < 0) {
      this.streamError(stream, FLOW_CONTROL_ERROR);
      return;
    }
    if (stream.contentLeft >= 0) {
      // A body that disagrees with its content-length is malformed and must not be passed on (RFC 9113 8.1.1).
      stream.contentLeft -= dataEnd - dataStart;
      if (stream.contentLeft < 0 || (endStream && stream.contentLeft !== 0)) {
        this.streamError(stream, PROTOCOL_ERROR);
        return;
      }
    }
    stream.unacked += frameLength;
    if (dataEnd > dataStart) stream.handler.onData(stream, buffer.subarray(dataStart, dataEnd));
    if (endStream) {
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
    let blockFlags = flags;
    if ((flags & FLAG_PRIORITY) !== 0) {
      if (blockStart + 5 <= blockEnd && (buffer.readUInt32BE(blockStart) & MAX_STREAM_ID) === streamId) blockFlags |= SELF_DEPENDENT;
      blockStart += 5;
    }
    if (blockEnd < blockStart) throw new ConnectionError(PROTOCOL_ERROR, 'HEADERS padding longer than the frame');
    if ((flags & FLAG_END_HEADERS) !== 0) {
      this.headerBlock(blockFlags, streamId, buffer.subarray(blockStart, blockEnd));
      return;
    }
    // A block in several frames is copied into one buffer, bounded in bytes, frames and time.
    const length = blockEnd - blockStart;
    if (length > this.maxBlockBytes) throw blockTooLarge();
    this.blockStreamId = streamId;
    this.blockFlags = blockFlags;
    this.block = Buffer.allocUnsafe(Math.min(this.maxBlockBytes, Math.max(2 * length, DEFAULT_MAX_FRAME_BYTES)));
    buffer.copy(this.block, 0, blockStart, blockEnd);
    this.blockLength = length;
    this.blockFrames = 0;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(onHeaderBlockTimeout, this.options.headerBlockTimeoutMs ?? HEADER_BLOCK_TIMEOUT_MS, this);
    this.deadlineTimer.unref();
  }

  private continuationFrame(flags: number, streamId: number, buffer: Buffer, start: number, end: number): void {
    let block = this.block;
    if (block === undefined || streamId !== this.blockStreamId) {
      throw new ConnectionError(PROTOCOL_ERROR, 'CONTINUATION without a header block in progress');
    }
    const endHeaders = (flags & FLAG_END_HEADERS) !== 0;
    if (++this.blockFrames > MAX_CONTINUATION_FRAMES) {
      throw new ConnectionError(ENHANCE_YOUR_CALM, `a header block of more than ${MAX_CONTINUATION_FRAMES} CONTINUATION frames`, 'header_limit');
    }
    if (end === start && !endHeaders) throw new ConnectionError(ENHANCE_YOUR_CALM, 'an empty CONTINUATION frame', 'flood');
    const length = this.blockLength + end - start;
    if (length > this.maxBlockBytes) throw blockTooLarge();
    if (length > block.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxBlockBytes, Math.max(length, 2 * block.length)));
      block.copy(grown, 0, 0, this.blockLength);
      block = grown;
      this.block = grown;
    }
    buffer.copy(block, this.blockLength, start, end);
    this.blockLength = length;
    if (!endHeaders) return;
    this.block = undefined;
    clearTimeout(this.deadlineTimer);
    this.headerBlock(this.blockFlags, streamId, block.subarray(0, length));
  }

  private headerBlock(flags: number, streamId: number, block: Buffer): void {
    let decoded;
    try {
      decoded = this.decoder.decode(block, MAX_FIELD_BYTES, this.options.maxHeaderListBytes, this.options.maxHeaderFields);
    } catch (error) {
      if (error instanceof HpackError) throw new ConnectionError(COMPRESSION_ERROR, error.message);
      throw error;
    }
    const endStream = (flags & FLAG_END_STREAM) !== 0;
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      if (!this.isIdle(streamId)) {
        this.frameOnClosedStream(streamId, 'HEADERS');
      } else {
        if (this.isClient) throw new ConnectionError(PROTOCOL_ERROR, `HEADERS on idle stream ${streamId}`);
        this.newPeerStream(streamId, decoded, flags);
      }
      return;
    }
    if (stream.remote !== SIDE_OPEN) {
      this.streamError(stream, STREAM_CLOSED);
      return;
    }
    if (decoded.overBudget) {
      this.oversizedHeaderList(stream.id);
      this.resetStream(stream, ENHANCE_YOUR_CALM);
      return;
    }
    if ((flags & SELF_DEPENDENT) !== 0 || decoded.pseudoAfterRegular) {
      this.streamError(stream, PROTOCOL_ERROR);
      return;
    }
    const headers = decoded.headers;
    if (this.isClient && !stream.headersDone) {
      if (!isValidResponse(headers)) {
        this.streamError(stream, PROTOCOL_ERROR);
        return;
      }
      const status = headers[':status'] as string;
      if (status.charCodeAt(0) === 0x31 && !endStream) return; // 1xx: informational, skipped.
      stream.headersDone = true;
      stream.handler.onHeaders(stream, headers, endStream);
    } else {
      // Trailers: they end the stream, and the body must have been as long as its content-length said.
      if (!endStream || !isValidTrailers(headers) || stream.contentLeft > 0) {
        this.streamError(stream, PROTOCOL_ERROR);
        return;
      }
      stream.handler.onTrailers(stream, headers);
    }
    if (endStream && !stream.closed) this.remoteEnded(stream);
  }

  private newPeerStream(streamId: number, decoded: DecodedHeaders, flags: number): void {
    if ((streamId & 1) === 0 || streamId <= this.lastPeerStreamId) {
      throw new ConnectionError(PROTOCOL_ERROR, `stream ${streamId} opened out of order`);
    }
    this.lastPeerStreamId = streamId;
    this.peer.streamOpened();
    if (this.goingAway && streamId > this.goawayLastStreamId) {
      this.rememberClosed(streamId, CLOSED_BY_US); // Ignored, as GOAWAY said it would be.
      return;
    }
    if (this.goingAway || this.activeStreams >= this.options.maxConcurrentStreams) {
      this.refuseNew(streamId, REFUSED_STREAM);
      return;
    }
    if (decoded.overBudget) {
      this.oversizedHeaderList(streamId);
      this.refuseNew(streamId, ENHANCE_YOUR_CALM);
      return;
    }
    const headers = decoded.headers;
    const endStream = (flags & FLAG_END_STREAM) !== 0;
    const contentLength = contentLengthOf(headers);
    if ((flags & SELF_DEPENDENT) !== 0 || decoded.pseudoAfterRegular || !isValidRequest(headers)
      || contentLength === MALFORMED || (endStream && contentLength > 0)) {
      this.refuseNew(streamId, PROTOCOL_ERROR);
      return;
    }
    const stream = new H2Stream(this, IGNORING_HANDLER, this.options.streamWindowBytes, this.peerStreamWindow);
    stream.id = streamId;
    stream.contentLeft = contentLength;
    this.streams.add(stream);
    if (endStream) stream.remote = SIDE_CLOSED;
    this.onStream(stream, headers, endStream);
    if (endStream && !stream.closed) {
      stream.handler.onEnd(stream);
      if (stream.local === SIDE_CLOSED) this.closeStream(stream);
    }
  }

  /** Resets a stream the peer opened without creating it (refused or malformed): a stream error we owe it. */
  private refuseNew(streamId: number, code: number): void {
    this.owe();
    this.writeRst(streamId, code);
    this.rememberClosed(streamId, CLOSED_BY_US);
  }

  /**
   * A header list over the limit: its stream is reset (ENHANCE_YOUR_CALM); a repeat from the same client address,
   * on this connection or another, closes the connection.
   */
  private oversizedHeaderList(streamId: number): void {
    if (this.peer.oversizedHeaderList()) {
      throw new ConnectionError(ENHANCE_YOUR_CALM, `header list of stream ${streamId} over the limit, again`, 'header_limit');
    }
  }

  /** A stream error in answer to a peer's frame: counted among the answers owed, then the stream is reset. */
  private streamError(stream: H2Stream, code: number): void {
    this.owe();
    this.resetStream(stream, code);
  }

  /**
   * DATA or HEADERS for a stream that is not open (RFC 9113 section 5.1): never opened (idle) is a connection
   * error; after our reset, ignored; after the peer's reset, a stream error STREAM_CLOSED; after the peer's
   * END_STREAM, a connection error STREAM_CLOSED; a peer's stream forgotten already, lower than the newest one,
   * was never opened or is reused: a connection error.
   */
  private frameOnClosedStream(streamId: number, frame: string): void {
    if (this.isIdle(streamId)) throw new ConnectionError(PROTOCOL_ERROR, `${frame} on idle stream ${streamId}`);
    const how = this.closedHow(streamId);
    if (how === CLOSED_BY_US) return;
    if (how === ENDED) throw new ConnectionError(STREAM_CLOSED, `${frame} on stream ${streamId} after its END_STREAM`);
    if (how === 0 && frame === 'HEADERS' && !this.isClient) {
      throw new ConnectionError(PROTOCOL_ERROR, `HEADERS on stream ${streamId}, lower than the newest stream ${this.lastPeerStreamId}`);
    }
    this.owe();
    this.writeRst(streamId, STREAM_CLOSED);
  }

  private rememberClosed(streamId: number, how: number): void {
    const at = this.closedNext;
    this.closedIds[at] = streamId;
    this.closedKinds[at] = how;
    this.closedNext = at + 1 === CLOSED_STREAMS_REMEMBERED ? 0 : at + 1;
  }

  /** How a stream closed lately (`CLOSED_BY_US`, `RESET_BY_PEER`, `ENDED`), or 0 when it is not remembered. */
  private closedHow(streamId: number): number {
    const ids = this.closedIds;
    for (let i = 0; i < CLOSED_STREAMS_REMEMBERED; i++) if (ids[i] === streamId) return this.closedKinds[i];
    return 0;
  }

  /** Counts an answer the peer's frame makes us owe; too many unsent ones at once are a flood. */
  private owe(): void {
    if (++this.owedAnswers > MAX_OWED_ANSWERS) {
      throw new ConnectionError(ENHANCE_YOUR_CALM, `more than ${MAX_OWED_ANSWERS} answers owed to a peer that does not read them`, 'flood');
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
    this.closeStream(stream, RESET_BY_PEER);
    // Streams the client opens and resets before the answer cost the proxy an upstream call each: a client
    // address that does it for most of its streams (HTTP/2 "rapid reset", CVE-2023-44487) is cut off, as in Envoy.
    if (!this.isClient && !stream.endSent && this.peer.prematureReset()) {
      throw new ConnectionError(ENHANCE_YOUR_CALM, 'most streams reset by the client before their answer', 'rapid_reset');
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
    // The ACK goes out before any DATA a larger window now lets through (RFC 9113 section 6.5.3: "immediately").
    this.owe();
    this.writer.settings(NO_SETTINGS, true);
    this.scheduleFlush();
    this.flushBlocked();
    if (this.block === undefined) clearTimeout(this.deadlineTimer);
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
    this.owe();
    this.writer.ping(true, buffer, start);
    this.scheduleFlush();
  }

  private priorityFrame(streamId: number, buffer: Buffer, start: number, end: number): void {
    if (streamId === 0) throw new ConnectionError(PROTOCOL_ERROR, 'PRIORITY on stream 0');
    if (end - start !== 5) throw new ConnectionError(FRAME_SIZE_ERROR, 'PRIORITY frame of the wrong size');
    // Priorities are ignored (RFC 9113 section 5.3.2), but a stream cannot depend on itself (section 5.3.1).
    if ((buffer.readUInt32BE(start) & MAX_STREAM_ID) !== streamId) return;
    const stream = this.streams.get(streamId);
    if (stream !== undefined) {
      this.streamError(stream, PROTOCOL_ERROR);
    } else {
      this.owe();
      this.writeRst(streamId, PROTOCOL_ERROR);
    }
  }

  private goawayFrame(streamId: number, buffer: Buffer, start: number, end: number): void {
    if (streamId !== 0) throw new ConnectionError(PROTOCOL_ERROR, 'GOAWAY on a stream');
    if (end - start < 8) throw new ConnectionError(FRAME_SIZE_ERROR, 'GOAWAY too short');
    const lastStreamId = buffer.readUInt32BE(start) & MAX_STREAM_ID;
    this.goawayReceived = true;
    // Our own GOAWAY tells the peer which of its streams we will still process (RFC 9113 section 6.8).
    if (!this.goingAway) this.writeGoaway(NO_ERROR);
    this.goingAway = true;
    // Streams we opened above the last one the peer processed were not processed: they can be retried.
    for (const stream of this.streams.values()) {
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
      // An increment of 0 is an error in any state (RFC 9113 section 6.9); on a closed stream, of the connection.
      if (increment === 0) throw new ConnectionError(PROTOCOL_ERROR, `WINDOW_UPDATE of 0 on closed stream ${streamId}`);
      return;
    }
    if (increment === 0) {
      this.streamError(stream, PROTOCOL_ERROR);
      return;
    }
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW_BYTES) {
      this.streamError(stream, FLOW_CONTROL_ERROR);
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
    this.closeStream(stream, CLOSED_BY_US);
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
    this.streams.add(stream);
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
      if (this.sendWindow <= 0 || this.holdsOutput()) return;
      this.flushStream(stream);
    }
  }

  /** Sends what the windows allow of a stream's queue, then its end, then `onDrain`. */
  private flushStream(stream: H2Stream): void {
    const queue = stream.queue;
    if (queue !== undefined) {
      while (queue.length > 0) {
        const allowed = Math.min(stream.sendWindow, this.sendWindow);
        if (allowed <= 0 || this.holdsOutput()) return;
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
      this.closeStream(stream, CLOSED_BY_US);
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

  /**
   * Writes the frames collected so far. A socket left holding more than `maxOutputBytes` (the peer does not read)
   * blocks output: reading from the peer stops and DATA is held back until the socket has drained.
   */
  private flush(): void {
    if (this.destroyed) return;
    this.writer.flush(this.socket);
    const backlog = this.socket.writableLength;
    if (backlog === 0) this.owedAnswers = 0;
    if (backlog <= this.maxOutputBytes) {
      // DATA held back because this turn had written enough goes on in the next turn.
      if (this.heldThisTurn) {
        this.heldThisTurn = false;
        this.flushBlocked();
      }
    } else if (!this.outputBlocked) {
      this.outputBlocked = true;
      this.blockedBacklog = backlog;
      this.socket.pause();
      this.socket.once('drain', this.onSocketDrain);
      this.sendTimer = setTimeout(onSendTimeout, this.options.sendTimeoutMs ?? SEND_TIMEOUT_MS, this);
      this.sendTimer.unref();
    }
  }

  /**
   * Whether DATA must wait: the socket is over `maxOutputBytes` (until it drains), or this turn has collected that
   * much already (until the next turn).
   */
  private holdsOutput(): boolean {
    if (this.outputBlocked) return true;
    if (this.writer.pendingBytes < this.maxOutputBytes) return false;
    this.heldThisTurn = true;
    return true;
  }

  private unblockOutput(): void {
    if (this.destroyed || !this.outputBlocked) return;
    this.outputBlocked = false;
    this.owedAnswers = 0;
    clearTimeout(this.sendTimer);
    this.socket.resume();
    this.flushBlocked();
  }

  /** @internal The send timeout: the peer took nothing of the backlog since the last look, or took some. */
  public checkSendProgress(): void {
    if (this.destroyed || !this.outputBlocked) return;
    const backlog = this.socket.writableLength;
    if (backlog < this.blockedBacklog) {
      this.blockedBacklog = backlog;
      this.sendTimer?.refresh();
      return;
    }
    this.fail(new ConnectionError(ENHANCE_YOUR_CALM, `the peer took none of ${backlog} bytes in time`, 'slow_reader'));
  }

  /** @internal The idle timer: closes the connection (GOAWAY NO_ERROR) unless a stream is open. */
  public idleCheck(): void {
    if (this.destroyed) return;
    if (this.activeStreams > 0) this.idleTimer?.refresh();
    else this.close('idle');
  }

  private endIfIdle(): void {
    if (this.destroyed || this.activeStreams > 0) return;
    this.flush();
    this.destroy(undefined, true);
  }

  /** @internal Closes after an error: GOAWAY with the code of a `ConnectionError`, INTERNAL_ERROR for anything else. */
  public fail(error: Error): void {
    if (this.destroyed) return;
    // Anything else is a bug of ours (or of a stream handler) while handling a frame: INTERNAL_ERROR.
    const isPeerError = error instanceof ConnectionError;
    const code = isPeerError ? error.code : INTERNAL_ERROR;
    this.closeReason = isPeerError ? error.reason : 'internal_error';
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
  if (connection.destroyed) return;
  connection.closeReason = 'handshake_timeout';
  connection.destroy(new Error('the peer sent no HTTP/2 SETTINGS in time'));
}

function onHeaderBlockTimeout(connection: H2Connection): void {
  connection.fail(new ConnectionError(ENHANCE_YOUR_CALM, 'a header block was not finished in time', 'header_timeout'));
}

function onIdleTimeout(connection: H2Connection): void {
  connection.idleCheck();
}

function onSendTimeout(connection: H2Connection): void {
  connection.checkSendProgress();
}

function destroySocket(socket: Socket): void {
  if (!socket.destroyed) socket.destroy();
}

function blockTooLarge(): ConnectionError {
  return new ConnectionError(ENHANCE_YOUR_CALM, 'header block too large', 'header_limit');
}

/** `contentLengthOf` of a malformed content-length. */
const MALFORMED = -2;

/** A request's content-length: -1 when absent, `MALFORMED` when not one decimal number (RFC 9110 section 8.6). */
function contentLengthOf(headers: HeaderFields): number {
  const value = headers['content-length'];
  if (value === undefined) return -1;
  if (typeof value !== 'string' || value.length === 0 || value.length > 15) return MALFORMED;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return MALFORMED;
  }
  return Number(value);
}

function noop(): void {
  // Nothing to do.
}
