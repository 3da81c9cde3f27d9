import { connect as connectTcp, type Socket } from 'node:net';
import { parseFrames, type RawFrame } from './raw-frames';
import type { Cleanup } from '../harness';

/** Where and how a {@link RawPeer} connects. */
export interface RawPeerOptions {
  /** The server's port on 127.0.0.1. */
  readonly port: number;
  /** The client's own loopback address (127.0.0.x), for servers that count per client address. */
  readonly localAddress?: string;
  /** Whether it reads at once; false leaves the socket paused until `read()`. @default true */
  readonly read?: boolean;
  /** Whether it keeps every frame it receives (false: only the last GOAWAY, so that megabytes cost nothing). @default false */
  readonly keepFrames?: boolean;
}

/**
 * A raw HTTP/2 client for tests that must send what no client library would: it writes bytes as they are given and
 * parses what comes back as it comes.
 */
export class RawPeer {
  /** Connects; the socket is destroyed by `cleanup`. */
  public static async connect(options: RawPeerOptions, cleanup: Cleanup): Promise<RawPeer> {
    const socket = connectTcp({ host: '127.0.0.1', port: options.port, localAddress: options.localAddress });
    const peer = new RawPeer(socket, options);
    cleanup.add(() => void socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    return peer;
  }

  /** The last GOAWAY received: its error code and last stream id. */
  public goaway: { code: number; lastStreamId: number } | undefined;
  /** Every frame received (with `keepFrames`). */
  public readonly frames: RawFrame[] = [];
  /** Resolves when the connection is closed. */
  public readonly closed: Promise<void>;
  private pending = Buffer.alloc(0);
  private readonly waiters = new Set<(frame: RawFrame) => void>();

  private constructor(public readonly socket: Socket, private readonly options: RawPeerOptions) {
    socket.on('error', () => undefined); // EPIPE, ECONNRESET: the server closed while frames were still being sent.
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    if (options.read === false) socket.pause();
    this.closed = new Promise((resolve) => socket.once('close', resolve));
  }

  /** Sends bytes (ignoring that the server may already have closed). */
  public send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Starts reading (a peer created with `read: false`). */
  public read(): void {
    this.socket.resume();
  }

  /** The first frame received (kept, or from now on) that `matches`; rejects when the connection closes first. */
  public frame(matches: (frame: RawFrame) => boolean): Promise<RawFrame> {
    const kept = this.frames.find(matches);
    if (kept !== undefined) return Promise.resolve(kept);
    return new Promise((resolve, reject) => {
      const waiter = (frame: RawFrame): void => {
        if (!matches(frame)) return;
        this.waiters.delete(waiter);
        resolve(frame);
      };
      this.waiters.add(waiter);
      void this.closed.then(() => {
        if (this.waiters.delete(waiter)) reject(new Error('the connection closed before the frame came'));
      });
    });
  }

  private receive(chunk: Buffer): void {
    const bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let used = 0;
    for (const frame of parseFrames(bytes)) {
      used += 9 + frame.payload.length;
      if (frame.type === 0x7) this.goaway = { lastStreamId: frame.payload.readUInt32BE(0), code: frame.payload.readUInt32BE(4) };
      if (this.options.keepFrames === true) this.frames.push({ ...frame, payload: Buffer.from(frame.payload) });
      for (const waiter of [...this.waiters]) waiter(frame);
    }
    this.pending = Buffer.from(bytes.subarray(used));
  }
}
