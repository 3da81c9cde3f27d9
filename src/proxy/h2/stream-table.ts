/* eslint-disable no-bitwise -- a hash table of stream ids */
import type { H2Stream } from './h2-stream';

const INITIAL_CAPACITY = 16;
const EMPTY = 0;

/**
 * A connection's open streams by id: an open-addressing hash table (linear probing, backward-shift deletion) whose
 * slots are cleared when a stream leaves.
 *
 * Not a `Map` because of garbage collection: a `Map` with streams coming and going rehashes into a new backing
 * store every few dozen streams and leaves the old one holding every stream it had. Once such a store has been
 * promoted to the old generation, each scavenge treats it as live until the next mark-compact, so the streams it
 * holds, and the next store it points to, are promoted too: under load most streams of a `Map` reached the old
 * generation although they lived for milliseconds. Here the arrays are replaced only when the table grows.
 */
export class StreamTable {
  private ids = new Int32Array(INITIAL_CAPACITY);
  private streams: Array<H2Stream | undefined> = new Array<H2Stream | undefined>(INITIAL_CAPACITY).fill(undefined);
  private mask = INITIAL_CAPACITY - 1;
  private count = 0;

  /** Streams in the table. */
  public get size(): number {
    return this.count;
  }

  /** The stream with `id` (above 0), if it is in the table. */
  public get(id: number): H2Stream | undefined {
    const ids = this.ids;
    const mask = this.mask;
    for (let slot = hash(id) & mask; ; slot = (slot + 1) & mask) {
      const at = ids[slot];
      if (at === id) return this.streams[slot];
      if (at === EMPTY) return undefined;
    }
  }

  /** Adds `stream` under its id (above 0), which must not be in the table. */
  public add(stream: H2Stream): void {
    if ((this.count + 1) * 2 > this.ids.length) this.grow();
    this.place(stream.id, stream);
    this.count++;
  }

  /** Removes the stream with `id`; returns whether it was there. */
  public delete(id: number): boolean {
    const ids = this.ids;
    const streams = this.streams;
    const mask = this.mask;
    let slot = hash(id) & mask;
    while (ids[slot] !== id) {
      if (ids[slot] === EMPTY) return false;
      slot = (slot + 1) & mask;
    }
    // Backward-shift deletion: entries after the hole that probed past it move back, so no tombstone is left.
    let hole = slot;
    for (let next = (hole + 1) & mask; ids[next] !== EMPTY; next = (next + 1) & mask) {
      const home = hash(ids[next]) & mask;
      // Move the entry unless its home lies cyclically in (hole, next].
      if (hole <= next ? home <= hole || home > next : home <= hole && home > next) {
        ids[hole] = ids[next];
        streams[hole] = streams[next];
        hole = next;
      }
    }
    ids[hole] = EMPTY;
    streams[hole] = undefined;
    this.count--;
    return true;
  }

  /** The streams in the table now, as a new array (safe to change the table while going through it). */
  public values(): H2Stream[] {
    const out: H2Stream[] = [];
    const streams = this.streams;
    for (let slot = 0; slot < streams.length; slot++) {
      const stream = streams[slot];
      if (stream !== undefined) out.push(stream);
    }
    return out;
  }

  private place(id: number, stream: H2Stream): void {
    const ids = this.ids;
    const mask = this.mask;
    let slot = hash(id) & mask;
    while (ids[slot] !== EMPTY) slot = (slot + 1) & mask;
    ids[slot] = id;
    this.streams[slot] = stream;
  }

  private grow(): void {
    const oldIds = this.ids;
    const oldStreams = this.streams;
    const capacity = oldIds.length * 2;
    this.ids = new Int32Array(capacity);
    this.streams = new Array<H2Stream | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    for (let slot = 0; slot < oldIds.length; slot++) {
      if (oldIds[slot] !== EMPTY) this.place(oldIds[slot], oldStreams[slot] as H2Stream);
    }
    oldStreams.fill(undefined);
  }
}

/**
 * Stream ids of one side are all odd or all even and mostly consecutive: the parity bit is dropped, and the product
 * with an odd constant maps consecutive ids to distinct slots (it is a bijection modulo any power of two) while
 * ids a peer picks to collide under a plain mask do not.
 */
function hash(id: number): number {
  return Math.imul(id >>> 1, 0x9e3779b1);
}
