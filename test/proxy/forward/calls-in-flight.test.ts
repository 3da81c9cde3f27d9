import { CallsInFlight } from '../../../src/proxy/forward/calls-in-flight';
import { ProxyCall } from '../../../src/proxy/forward/proxy-call';
import { mulberry32 } from '../../support/random';

/** A stand-in call: the list reads and writes only `inFlightSlot`. */
function call(): ProxyCall {
  const c = Object.create(ProxyCall.prototype) as ProxyCall;
  c.inFlightSlot = -1;
  return c;
}

describe('CallsInFlight', () => {
  it('agrees with a Set over 10,000 seeded starts and ends, and clears the slot of every call that ended', () => {
    const random = mulberry32(17);
    const calls = new CallsInFlight();
    const model = new Set<ProxyCall>();
    const ended: ProxyCall[] = [];
    for (let op = 0; op < 10_000; op++) {
      if (random() < 0.5 || model.size === 0) {
        const c = call();
        calls.add(c);
        model.add(c);
      } else {
        const members = [...model];
        const c = members[Math.floor(random() * members.length)];
        calls.delete(c);
        model.delete(c);
        ended.push(c);
        expect(c.inFlightSlot).toBe(-1);
      }
      expect(calls.size).toBe(model.size);
    }
    expect(new Set(calls.values())).toEqual(model);
    const held = new Set((calls as unknown as { calls: Array<ProxyCall | undefined> }).calls);
    expect(ended.some((c) => held.has(c))).toBe(false);
  });

  it('ignores a call that is not in flight, or ends twice', () => {
    const calls = new CallsInFlight();
    const a = call();
    const b = call();
    calls.add(a);
    calls.add(b);
    calls.delete(a);
    calls.delete(a);
    calls.delete(call());
    expect(calls.values()).toEqual([b]);
    expect(b.inFlightSlot).toBe(0);
  });

  it('lets calls end while the caller goes through values()', () => {
    const calls = new CallsInFlight();
    const all = [call(), call(), call()];
    for (const c of all) calls.add(c);
    for (const c of calls.values()) calls.delete(c);
    expect(calls.size).toBe(0);
  });
});
