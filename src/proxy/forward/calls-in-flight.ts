import type { ProxyCall } from './proxy-call';

/**
 * The calls a proxy has in flight: a dense array with swap removal, each call knowing its slot.
 *
 * Not a `Set` because of garbage collection (see `StreamTable`): a `Set` with members coming and going rehashes into
 * new backing stores and leaves the old ones holding every call they had, so that under load most calls reached the
 * old generation through stores promoted before them. Here a call's slot is cleared when it ends, and the array
 * only ever grows, to the most calls once in flight.
 */
export class CallsInFlight {
  private readonly calls: Array<ProxyCall | undefined> = [];
  private count = 0;

  /** Calls in flight. */
  public get size(): number {
    return this.count;
  }

  /** Adds a call that has just started. */
  public add(call: ProxyCall): void {
    call.inFlightSlot = this.count;
    this.calls[this.count++] = call;
  }

  /** Removes a call that has ended (a call not in the list is ignored). */
  public delete(call: ProxyCall): void {
    const slot = call.inFlightSlot;
    if (slot < 0 || this.calls[slot] !== call) return;
    const last = this.calls[--this.count] as ProxyCall;
    this.calls[slot] = last;
    last.inFlightSlot = slot;
    this.calls[this.count] = undefined;
    call.inFlightSlot = -1;
  }

  /** The calls in flight now, as a new array (safe to end calls while going through it). */
  public values(): ProxyCall[] {
    return this.calls.slice(0, this.count) as ProxyCall[];
  }
}
