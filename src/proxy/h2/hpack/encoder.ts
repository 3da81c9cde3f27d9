/* eslint-disable no-bitwise -- HPACK is a bit-level wire format */
import { NEVER_INDEXED as NEVER_INDEXED_FIELDS, type FieldsWithNeverIndexed } from './decoder';
import type { Latin1Buffer } from './huffman';
import { STATIC_BY_NAME, STATIC_TABLE_LENGTH } from './static-table';

/**
 * Header fields to send: `undefined` values are skipped, numbers are sent in decimal, arrays send one field per
 * element. Names are sent as given (HTTP/2 requires lowercase), values as Latin-1 (one octet per char).
 */
export type OutgoingFields = Record<string, string | number | readonly string[] | undefined>;

/** Per-entry overhead of the table size accounting (RFC 7541 section 4.1). */
const ENTRY_OVERHEAD = 32;
/** Our dynamic table never exceeds the RFC 9113 default, whatever the peer allows. */
const MAX_TABLE_SIZE = 4096;
/** Entries the table can hold: each takes at least 32 octets (a power of two, for the ring buffer mask). */
const CAPACITY = MAX_TABLE_SIZE / ENTRY_OVERHEAD;
/** Longer values are sent without indexing: they would evict many entries for little gain. */
const MAX_INDEXED_VALUE = 512;
/** Strings at least this long are written by the native Latin-1 writer, shorter ones by a loop. */
const NATIVE_WRITE_LENGTH = 48;

const INDEXED = 0;
const NOT_INDEXED = 1;
const NEVER_INDEXED = 2;

/** Fields that change on every call (not worth a table entry) or carry secrets (never indexed, RFC 7541 7.1.3). */
const POLICY: ReadonlyMap<string, number> = new Map([
  ['grpc-timeout', NOT_INDEXED],
  ['traceparent', NOT_INDEXED],
  ['tracestate', NOT_INDEXED],
  ['content-length', NOT_INDEXED],
  ['grpc-message', NOT_INDEXED],
  ['date', NOT_INDEXED],
  ['x-request-id', NOT_INDEXED],
  ['authorization', NEVER_INDEXED],
  ['proxy-authorization', NEVER_INDEXED],
  ['cookie', NEVER_INDEXED],
  ['set-cookie', NEVER_INDEXED],
]);

/**
 * All the encoder knows about one name, so that a field costs one name lookup and at most two value lookups.
 * Dynamic entries are known by insertion sequence number: HPACK index = 61 + inserted - seq.
 */
interface NameState {
  /** The lowest static table index with this name, 0 when none. */
  readonly staticIndex: number;
  /** Static index by value; undefined when the static table has only the empty value (at `staticIndex`). */
  readonly staticValues: ReadonlyMap<string, number> | undefined;
  /** INDEXED, NOT_INDEXED or NEVER_INDEXED. */
  readonly policy: number;
  /** Sequence number of the newest dynamic entry with this name, -1 when none. */
  newest: number;
  /** Sequence number of the newest dynamic entry with each value; undefined until the first one. */
  values: Map<string, number> | undefined;
}

/**
 * One connection's HPACK encoder (RFC 7541): exact matches become indexed fields, other fields literals with
 * incremental indexing, except volatile fields (without indexing) and credentials and cookies (never indexed).
 * Strings are written raw (no Huffman coding): fewer CPU cycles per call on a link that is rarely the bottleneck.
 */
export class HpackEncoder {
  private buf: Latin1Buffer = Buffer.allocUnsafe(4096) as Latin1Buffer;
  private pos = 0;
  /** The dynamic table size limit (the peer's SETTINGS_HEADER_TABLE_SIZE, at most 4096). */
  private limit = MAX_TABLE_SIZE;
  /** The smallest limit set since the last block, or -1 when no size update is due. */
  private pendingMin = -1;
  private size = 0;
  /** Ring buffer of entries: the entry with sequence number `seq` is at `seq & (CAPACITY - 1)`. */
  private readonly names: string[] = new Array<string>(CAPACITY).fill('');
  private readonly values: string[] = new Array<string>(CAPACITY).fill('');
  private length = 0;
  private inserted = 0;
  /** Names of the static table or with a policy (a bounded set, kept), and names in the dynamic table. */
  private readonly byName = new Map<string, NameState>();
  /** Scratch list of the regular (non-pseudo) names of the block being encoded. */
  /** Names the headers being encoded received as never-indexed (see `NEVER_INDEXED`). */
  private neverIndexed: ReadonlySet<string> | undefined;

  /**
   * Applies the peer's SETTINGS_HEADER_TABLE_SIZE: the table is capped at `min(size, 4096)` from now on, and the
   * next block starts with the dynamic table size update(s) that tell the peer (RFC 7541 sections 4.2 and 6.3).
   */
  public setMaxTableSize(size: number): void {
    const limit = Math.min(size, MAX_TABLE_SIZE);
    if (limit === this.limit) return;
    this.pendingMin = this.pendingMin < 0 ? limit : Math.min(this.pendingMin, limit);
    this.limit = limit;
    this.evictTo(limit);
  }

  /**
   * Encodes one header block: pseudo-header fields (`:` names) first, then the others, each group in object order.
   * @returns a view of an internal buffer, valid until the next `encode` call (copy it to keep it)
   */
  public encode(headers: OutgoingFields): Buffer {
    this.pos = 0;
    if (this.pendingMin >= 0) {
      if (this.pendingMin < this.limit) this.writeInteger(0x20, 0x1f, this.pendingMin);
      this.writeInteger(0x20, 0x1f, this.limit);
      this.pendingMin = -1;
    }
    this.neverIndexed = (headers as FieldsWithNeverIndexed)[NEVER_INDEXED_FIELDS];
    // Pseudo-header fields first. (Enumerating decoded headers, fast-mode objects, uses V8's enum cache.)
    for (const name in headers) if (name.charCodeAt(0) === 0x3a) this.encodeValue(name, headers[name]);
    for (const name in headers) if (name.charCodeAt(0) !== 0x3a) this.encodeValue(name, headers[name]);
    return this.buf.subarray(0, this.pos);
  }

  /** The dynamic table entries as `[name, value]`, newest (index 62) first; for tests and diagnostics. */
  public dynamicTable(): Array<[string, string]> {
    const entries: Array<[string, string]> = [];
    for (let d = 1; d <= this.length; d++) {
      const slot = (this.inserted - d) & (CAPACITY - 1);
      entries.push([this.names[slot], this.values[slot]]);
    }
    return entries;
  }

  private encodeValue(name: string, value: string | number | readonly string[] | undefined): void {
    if (value === undefined) return;
    if (typeof value === 'string') {
      this.encodeField(name, value);
    } else if (typeof value === 'number') {
      this.encodeField(name, String(value));
    } else {
      for (let i = 0; i < value.length; i++) this.encodeField(name, value[i]);
    }
  }

  private encodeField(name: string, value: string): void {
    // Prefix octet, two integers of up to 5 octets, the strings.
    const room = name.length + value.length + 11;
    if (this.pos + room > this.buf.length) this.grow(room);
    const state = this.byName.get(name) ?? this.newState(name);
    if (this.neverIndexed?.has(name) === true) {
      this.writeInteger(0x10, 0x0f, state.staticIndex);
      if (state.staticIndex === 0) this.writeString(name);
      this.writeString(value);
      return;
    }
    const staticValues = state.staticValues;
    if (staticValues !== undefined) {
      const index = staticValues.get(value);
      if (index !== undefined) {
        this.writeInteger(0x80, 0x7f, index);
        return;
      }
    } else if (value.length === 0 && state.staticIndex !== 0) {
      this.writeInteger(0x80, 0x7f, state.staticIndex);
      return;
    }
    if (state.values !== undefined) {
      const seq = state.values.get(value);
      if (seq !== undefined) {
        this.writeInteger(0x80, 0x7f, STATIC_TABLE_LENGTH + this.inserted - seq);
        return;
      }
    }
    const nameIndex = state.staticIndex !== 0 ? state.staticIndex
      : state.newest >= 0 ? STATIC_TABLE_LENGTH + this.inserted - state.newest
        : 0;
    let policy = state.policy;
    if (policy === INDEXED && (value.length > MAX_INDEXED_VALUE || name.length + value.length + ENTRY_OVERHEAD > this.limit)) {
      policy = NOT_INDEXED;
    }
    if (policy === INDEXED) this.writeInteger(0x40, 0x3f, nameIndex);
    else this.writeInteger(policy === NEVER_INDEXED ? 0x10 : 0x00, 0x0f, nameIndex);
    if (nameIndex === 0) this.writeString(name);
    this.writeString(value);
    if (policy === INDEXED) this.insert(name, value, state);
  }

  /** The state of a name not in `byName`; kept there when it is static or has a policy (a bounded set). */
  private newState(name: string): NameState {
    const known = STATIC_BY_NAME.get(name);
    const policy = POLICY.get(name) ?? INDEXED;
    let staticValues: ReadonlyMap<string, number> | undefined;
    if (known !== undefined && (known.values.size > 1 || !known.values.has(''))) staticValues = known.values;
    const state: NameState = { staticIndex: known?.index ?? 0, staticValues, policy, newest: -1, values: undefined };
    if (known !== undefined || policy !== INDEXED) this.byName.set(name, state);
    return state;
  }

  /** Writes an integer with an N-bit prefix (`max` = 2^N - 1) after the flag bits `flags` (section 5.1). */
  private writeInteger(flags: number, max: number, value: number): void {
    const buf = this.buf;
    let pos = this.pos;
    if (value < max) {
      buf[pos++] = flags | value;
    } else {
      buf[pos++] = flags | max;
      let rest = value - max;
      while (rest >= 0x80) {
        buf[pos++] = (rest & 0x7f) | 0x80;
        rest >>>= 7;
      }
      buf[pos++] = rest;
    }
    this.pos = pos;
  }

  /** Writes a raw (not Huffman-coded) string literal (section 5.2). */
  private writeString(str: string): void {
    const length = str.length;
    this.writeInteger(0x00, 0x7f, length);
    const buf = this.buf;
    let pos = this.pos;
    if (length >= NATIVE_WRITE_LENGTH) {
      buf.latin1Write(str, pos, length);
      pos += length;
    } else {
      for (let i = 0; i < length; i++) buf[pos++] = str.charCodeAt(i);
    }
    this.pos = pos;
  }

  private grow(room: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + room)) as Latin1Buffer;
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private insert(name: string, value: string, state: NameState): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    this.evictTo(this.limit - size);
    const seq = this.inserted++;
    const slot = seq & (CAPACITY - 1);
    this.names[slot] = name;
    this.values[slot] = value;
    this.length++;
    this.size += size;
    if (state.newest < 0) this.byName.set(name, state);
    state.newest = seq;
    if (state.values === undefined) state.values = new Map([[value, seq]]);
    else state.values.set(value, seq);
  }

  /** Evicts the oldest entries until the table size is at most `target`. */
  private evictTo(target: number): void {
    while (this.size > target) {
      const seq = this.inserted - this.length;
      const slot = seq & (CAPACITY - 1);
      const name = this.names[slot];
      const value = this.values[slot];
      this.size -= name.length + value.length + ENTRY_OVERHEAD;
      this.names[slot] = '';
      this.values[slot] = '';
      this.length--;
      const state = this.byName.get(name)!;
      if (state.newest === seq) {
        // Every other entry with this name is older, so already gone.
        state.newest = -1;
        state.values = undefined;
        if (state.staticIndex === 0 && state.policy === INDEXED) this.byName.delete(name);
      } else if (state.values!.get(value) === seq) {
        state.values!.delete(value);
      }
    }
  }
}
