/**
 * What one client address did lately, for the abuse rules that must survive reconnecting: a client that resets
 * its streams before the answer ("rapid reset", CVE-2023-44487), or that sends header lists over the limit, would
 * otherwise start from zero on every new connection. Counts cover the current window and the one before it
 * (a two-bucket sliding window): an event is remembered for at least one window and at most two.
 */
export class PeerRecord {
  /** Streams opened. */
  private streams = 0;
  /** Streams reset by the client before their answer. */
  private resets = 0;
  /** Header lists over the limit. */
  private oversized = 0;
  private previousStreams = 0;
  private previousResets = 0;
  private previousOversized = 0;

  /** Counts a new stream. */
  public streamOpened(): void {
    this.streams++;
  }

  /**
   * Counts a stream reset by the client before its answer.
   * @returns whether the client now resets at least `PREMATURE_RESET_MIN` streams, and at least half of them
   */
  public prematureReset(): boolean {
    this.resets++;
    const resets = this.resets + this.previousResets;
    return resets >= PREMATURE_RESET_MIN && resets * 2 >= this.streams + this.previousStreams;
  }

  /**
   * Counts a header list over the limit.
   * @returns whether this is a repeat (the first one only resets its stream; a repeat ends the connection)
   */
  public oversizedHeaderList(): boolean {
    this.oversized++;
    return this.oversized + this.previousOversized > 1;
  }

  /** Starts a new window; returns whether the record is empty (nothing in either window). */
  public rotate(): boolean {
    this.previousStreams = this.streams;
    this.previousResets = this.resets;
    this.previousOversized = this.oversized;
    this.streams = 0;
    this.resets = 0;
    this.oversized = 0;
    return this.previousStreams === 0 && this.previousResets === 0 && this.previousOversized === 0;
  }
}

/**
 * Streams reset by a client before their answer, at least, before it may be cut off for it (Envoy's default for
 * its per-connection rule; here per client address).
 */
export const PREMATURE_RESET_MIN = 500;
/** The window of {@link PeerAccounting}: events are remembered for one to two windows. */
export const PEER_WINDOW_MS = 30_000;
/**
 * Client addresses tracked at most. A connection from a further address gets a record of its own (its counts
 * then last as long as the connection), so memory stays bounded when many addresses connect.
 */
export const MAX_TRACKED_PEERS = 65_536;

/** The {@link PeerRecord}s of one listener's client addresses, rotated every window; `close()` stops the timer. */
export class PeerAccounting {
  private readonly records = new Map<string, PeerRecord>();
  private readonly timer: NodeJS.Timeout;

  /** @param windowMs the window length */
  public constructor(windowMs = PEER_WINDOW_MS) {
    this.timer = setInterval(() => this.rotate(), windowMs);
    this.timer.unref();
  }

  /** Addresses tracked now. */
  public get size(): number {
    return this.records.size;
  }

  /** The record of a client address (a fresh untracked one when the address is unknown or the map is full). */
  public recordOf(address: string | undefined): PeerRecord {
    if (address === undefined) return new PeerRecord();
    let record = this.records.get(address);
    if (record === undefined) {
      record = new PeerRecord();
      if (this.records.size < MAX_TRACKED_PEERS) this.records.set(address, record);
    }
    return record;
  }

  /** Stops rotating. */
  public close(): void {
    clearInterval(this.timer);
  }

  private rotate(): void {
    for (const [address, record] of this.records) if (record.rotate()) this.records.delete(address);
  }
}
