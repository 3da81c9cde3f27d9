import type { H2Connection } from './h2-connection';
import type { HeaderFields } from './hpack/decoder';
import type { OutgoingFields } from './hpack/encoder';

/**
 * What a stream reports to its owner. One handler object usually serves many streams (the stream is passed in),
 * so a call allocates no closures.
 */
export interface H2StreamHandler {
  /** Response headers (client streams; informational 1xx responses are skipped). `endStream`: trailers-only. */
  onHeaders(stream: H2Stream, headers: HeaderFields, endStream: boolean): void;
  /** A DATA payload (never empty). Flow-control credit is returned unless the stream is paused. */
  onData(stream: H2Stream, chunk: Buffer): void;
  /** Trailers (END_STREAM follows at once). */
  onTrailers(stream: H2Stream, trailers: HeaderFields): void;
  /** The peer ended its side of the stream. */
  onEnd(stream: H2Stream): void;
  /** Everything the stream held back for want of flow-control window has been sent. */
  onDrain(stream: H2Stream): void;
  /** The stream is closed: ended both ways, reset either way, or its connection is gone. Called once. */
  onClose(stream: H2Stream): void;
}

/** A side of a stream is open. (Stream states of RFC 9113 section 5.1, folded per side.) */
export const SIDE_OPEN = 0;
/** Our side has END_STREAM queued behind data. */
export const SIDE_ENDING = 1;
/** A side of a stream has ended (END_STREAM sent or received). */
export const SIDE_CLOSED = 2;

/**
 * One HTTP/2 stream of an `H2Connection`, without the `Duplex` machinery of `node:http2`: the peer's frames go
 * to an `H2StreamHandler`, and the owner sends with `respond`, `write`, `end`, `sendTrailers` and `reset`.
 *
 * Flow control: `write` sends what the peer's stream and connection windows allow and queues the rest, returning
 * false when something is queued (`onDrain` follows when it is sent). Received data is credited back to the peer
 * as it is delivered unless the stream is paused, so a consumer that cannot pass data on pauses the stream and
 * the peer stops after one window.
 */
export class H2Stream {
  /** Stream identifier (0 until a client stream is opened on the wire). */
  public id = 0;
  /** Who receives the stream's events. */
  public handler: H2StreamHandler;
  /** The connection carrying the stream. */
  public readonly connection: H2Connection;
  /** The error code of a reset (sent or received), -1 when the stream was not reset. */
  public rstCode = -1;
  /** Whether the stream closed because its connection did (failed, or GOAWAY refused it). */
  public connectionLost = false;
  /** Whether the response headers were sent (server) or received (client). */
  public headersDone = false;
  /** Whether our side ended on the wire (END_STREAM sent: the response or request is complete). */
  public endSent = false;
  /** Whether the stream is closed. */
  public closed = false;

  /** @internal Our side of the stream. */
  public local = SIDE_OPEN;
  /** @internal The peer's side of the stream. */
  public remote = SIDE_OPEN;
  /** @internal Bytes the peer may still send us on this stream. */
  public receiveWindow: number;
  /** @internal Bytes received and delivered but not yet credited back. */
  public unacked = 0;
  /** @internal Bytes we may still send on this stream. */
  public sendWindow: number;
  /** @internal Data waiting for window. */
  public queue: Buffer[] | undefined;
  /** @internal Offset into `queue[0]` of what was sent already. */
  public queueOffset = 0;
  /** @internal Bytes in `queue`. */
  public queuedBytes = 0;
  /** @internal Trailers to send once the queue is sent. */
  public queuedTrailers: OutgoingFields | undefined;
  /** @internal Whether a `write` returned false and `onDrain` is owed. */
  public needDrain = false;
  /** @internal Whether the consumer paused the stream (no credit goes back to the peer). */
  public paused = false;
  /** @internal Body bytes the peer's content-length still announces, or -1 when it sent none. */
  public contentLeft = -1;
  /** @internal Request headers of a client stream not yet opened. */
  public requestHeaders: OutgoingFields | undefined;

  /** @internal Created by the connection. */
  public constructor(connection: H2Connection, handler: H2StreamHandler, receiveWindow: number, sendWindow: number) {
    this.connection = connection;
    this.handler = handler;
    this.receiveWindow = receiveWindow;
    this.sendWindow = sendWindow;
  }

  /** Whether the stream's HEADERS went out on the wire (client streams can wait for a free slot). */
  public get opened(): boolean {
    return this.id !== 0;
  }

  /** Bytes waiting for flow-control window. */
  public get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /**
   * Sends response headers (server streams).
   * @param endStream whether they end the stream (a trailers-only response)
   */
  public respond(headers: OutgoingFields, endStream: boolean): void {
    if (this.closed || this.headersDone || this.local !== SIDE_OPEN) return;
    this.headersDone = true;
    this.connection.sendHeaders(this, headers, endStream);
    if (endStream) this.connection.localEnded(this);
  }

  /**
   * Sends data, or queues it while the flow-control windows are exhausted.
   * @returns false when data is queued: stop writing until `onDrain`
   */
  public write(chunk: Buffer): boolean {
    if (this.local !== SIDE_OPEN || this.closed) return true;
    return this.connection.sendData(this, chunk);
  }

  /** Ends our side once queued data is sent (an empty DATA frame with END_STREAM). */
  public end(): void {
    if (this.local !== SIDE_OPEN || this.closed) return;
    this.local = SIDE_ENDING;
    this.connection.sendEnd(this);
  }

  /** Sends trailers (ending our side) once queued data is sent. */
  public sendTrailers(trailers: OutgoingFields): void {
    if (this.local !== SIDE_OPEN || this.closed) return;
    this.local = SIDE_ENDING;
    this.queuedTrailers = trailers;
    this.connection.sendEnd(this);
  }

  /** Resets the stream (RST_STREAM with `code`) and closes it; queued data is dropped. */
  public reset(code: number): void {
    if (this.closed) return;
    this.connection.resetStream(this, code);
  }

  /** Stops crediting received data back to the peer. */
  public pause(): void {
    this.paused = true;
  }

  /** Credits back what was received while paused. */
  public resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.connection.credit(this);
  }
}
