import { H2Stream } from '../../../src/proxy/h2/h2-stream';
import { StreamTable } from '../../../src/proxy/h2/stream-table';
import { mulberry32 } from '../../support/random';

/** A stand-in stream: the table reads only `id`. */
function stream(id: number): H2Stream {
  const s = Object.create(H2Stream.prototype) as H2Stream;
  s.id = id;
  return s;
}

/** The table's backing arrays, to check what it still references. */
function internals(table: StreamTable): { ids: Int32Array; streams: Array<H2Stream | undefined> } {
  return table as unknown as { ids: Int32Array; streams: Array<H2Stream | undefined> };
}

describe('StreamTable', () => {
  it('agrees with a Map over 20,000 seeded adds, deletes and lookups, ids skipping as a peer may', () => {
    const random = mulberry32(16);
    const table = new StreamTable();
    const model = new Map<number, H2Stream>();
    let nextId = 1;
    for (let op = 0; op < 20_000; op++) {
      const r = random();
      if (r < 0.45 && model.size < 300) {
        nextId += 2 * (random() < 0.1 ? 1 + Math.floor(random() * 1000) : 1); // clients may skip ids
        const s = stream(nextId);
        table.add(s);
        model.set(nextId, s);
      } else if (r < 0.85 && model.size > 0) {
        const ids = [...model.keys()];
        const id = ids[Math.floor(random() * ids.length)];
        expect(table.delete(id)).toBe(true);
        model.delete(id);
        expect(table.get(id)).toBeUndefined();
      } else {
        expect(table.delete(nextId + 2)).toBe(false);
      }
      expect(table.size).toBe(model.size);
      if (op % 97 === 0) {
        for (const [id, s] of model) expect(table.get(id)).toBe(s);
        expect(new Set(table.values())).toEqual(new Set(model.values()));
      }
    }
  });

  it('keeps ids a peer picks to collide under a plain mask apart, and finds each after deletes around it', () => {
    const table = new StreamTable();
    const ids = Array.from({ length: 64 }, (_, i) => 1 + i * 2 * 1024); // all equal modulo 2 x 1024
    for (const id of ids) table.add(stream(id));
    for (let i = 0; i < ids.length; i += 3) expect(table.delete(ids[i])).toBe(true);
    ids.forEach((id, i) => expect(table.get(id)?.id).toBe(i % 3 === 0 ? undefined : id));
    expect(table.size).toBe(ids.length - Math.ceil(ids.length / 3));
  });

  it('holds no reference to a stream once it is deleted, and keeps its arrays while the number of streams is steady', () => {
    const table = new StreamTable();
    const live: H2Stream[] = [];
    let nextId = 1;
    for (let i = 0; i < 32; i++) {
      live.push(stream(nextId));
      table.add(live[live.length - 1]);
      nextId += 2;
    }
    const arrays = internals(table).streams;
    const deleted: H2Stream[] = [];
    for (let i = 0; i < 5_000; i++) {
      const gone = live.shift() as H2Stream;
      table.delete(gone.id);
      deleted.push(gone);
      live.push(stream(nextId));
      table.add(live[live.length - 1]);
      nextId += 2;
    }
    // A Map would have rehashed into a new backing store every few dozen streams, each old one keeping its streams.
    expect(internals(table).streams).toBe(arrays);
    const referenced = new Set(internals(table).streams.filter((s) => s !== undefined));
    expect(referenced).toEqual(new Set(live));
    expect(deleted.some((s) => referenced.has(s))).toBe(false);
  });
});
