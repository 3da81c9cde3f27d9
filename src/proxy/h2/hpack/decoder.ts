/* eslint-disable no-bitwise -- HPACK is a bit-level wire format */
import { HpackError } from './hpack-error';
import { huffmanDecode, type Latin1Buffer } from './huffman';
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table';

/**
 * Decoded header fields by name, as received (HTTP/2 names are lowercase on the wire): a string, or every value
 * in order when the name repeats. A null-prototype object, so names such as `__proto__` are plain keys.
 */
export type HeaderFields = Record<string, string | string[]>;

/**
 * Decoded headers are instances of this: plain objects in V8's fast mode whose prototype is an empty object with
 * a null prototype, so no name (`__proto__`, `constructor`, `toString`) is inherited or special. (A null-prototype
 * object from `Object.create(null)` would do too, but it is a slow dictionary: twice the cost to build and read.)
 */
const FieldsObject = function fields(): void {
  // Fields are added by the decoder.
} as unknown as new () => HeaderFields;
FieldsObject.prototype = Object.freeze(Object.create(null) as object);

/**
 * Where decoded headers list the names of fields that arrived as never-indexed literals (RFC 7541 section 7.1.3):
 * a `ReadonlySet<string>` under this symbol (absent when there are none). `HpackEncoder` encodes those fields as
 * never-indexed again, as an intermediary must. The property is not enumerable: it shows in no listing or copy.
 */
export const NEVER_INDEXED: unique symbol = Symbol('hpack.never-indexed');

/** Headers that may carry `NEVER_INDEXED`. */
export type FieldsWithNeverIndexed = { [NEVER_INDEXED]?: ReadonlySet<string> };

/** The result of decoding one header block. */
export interface DecodedHeaders {
  /** The fields, keys in order of first appearance. */
  readonly headers: HeaderFields;
  /** Header list size (RFC 9113 SETTINGS_MAX_HEADER_LIST_SIZE): name + value octets + 32 per field. */
  readonly bytes: number;
  /** Number of fields, repeats included (counted up to the budget). */
  readonly fields: number;
  /**
   * Whether the list went over the budget (`maxListBytes` or `maxFields`): the fields from there on were decoded
   * only as far as the dynamic table needs and are missing from `headers`.
   */
  readonly overBudget: boolean;
  /** Whether a pseudo-header field came after a regular field (RFC 9113 section 8.3: the message is malformed). */
  readonly pseudoAfterRegular: boolean;
}

/** Per-entry overhead of the table size accounting (RFC 7541 section 4.1). */
const ENTRY_OVERHEAD = 32;
/** Continuation octets an integer may have beyond its prefix: at most 28 more bits, so values stay below 2^31. */
const MAX_CONTINUATION_BITS = 28;

/** Raw names up to this long go through the intern cache. */
const INTERN_MAX_LENGTH = 32;
const INTERN_SLOTS = 1024;
/**
 * Direct-mapped cache of recent raw literal names, shared by all decoders (strings are immutable): a repeated name
 * costs a hash and a compare instead of a native call and a new string, and stays the same (internalized) key
 * string for the header object. Values are not cached: a shared cache could reveal by timing whether another
 * connection sent a (secret) value.
 */
const INTERNED: string[] = new Array<string>(INTERN_SLOTS).fill('');

/** The Latin-1 string of `buf[start, end)`, from the intern cache when it is there. */
function internedLatin1(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length > INTERN_MAX_LENGTH) return (buf as Latin1Buffer).latin1Slice(start, end);
  let hash = length;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i], 0x01000193);
  const slot = (hash >>> 22) & (INTERN_SLOTS - 1);
  const cached = INTERNED[slot];
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === length) return cached;
  }
  const str = (buf as Latin1Buffer).latin1Slice(start, end);
  INTERNED[slot] = str;
  return str;
}

/**
 * One connection's HPACK decoder (RFC 7541): keeps the peer's dynamic table, whose entries hold the decoded
 * strings so that indexed fields cost no string decoding. Strings are Latin-1, one char per octet.
 */
export class HpackDecoder {
  private readonly maxTableSize: number;
  /** The size limit of the dynamic table, as last set by the peer (within `maxTableSize`). */
  private limit: number;
  private size = 0;
  /** Ring buffer of entries: the newest is at `(inserted - 1) & mask`, the oldest `length - 1` before it. */
  private readonly names: string[];
  private readonly values: string[];
  private readonly mask: number;
  private length = 0;
  private inserted = 0;
  /** Read position in the block being decoded. */
  private pos = 0;

  /**
   * @param maxTableSize the SETTINGS_HEADER_TABLE_SIZE we advertise: the largest dynamic table size update the
   * peer may send
   */
  public constructor(maxTableSize = 4096) {
    this.maxTableSize = maxTableSize;
    this.limit = maxTableSize;
    let capacity = 1;
    while (capacity < maxTableSize / ENTRY_OVERHEAD) capacity *= 2;
    this.names = new Array<string>(capacity).fill('');
    this.values = new Array<string>(capacity).fill('');
    this.mask = capacity - 1;
  }

  /** Current size of the dynamic table (RFC 7541 section 4.1). */
  public get dynamicTableSize(): number {
    return this.size;
  }

  /** The dynamic table entries as `[name, value]`, newest (index 62) first; for tests and diagnostics. */
  public dynamicTable(): Array<[string, string]> {
    const entries: Array<[string, string]> = [];
    for (let d = 1; d <= this.length; d++) {
      const slot = (this.inserted - d) & this.mask;
      entries.push([this.names[slot], this.values[slot]]);
    }
    return entries;
  }

  /**
   * Decodes a complete header block (HEADERS plus CONTINUATION fragments), always to its end so that the dynamic
   * table stays in sync. The header list is built only up to its budget: past `maxListBytes` or `maxFields`, fields
   * are no longer collected, and literals that do not enter the dynamic table are skipped without being decoded,
   * so that a block referring to a large table entry over and over (an "HPACK bomb") costs work in proportion to
   * its own size, not to the list it describes.
   * @param maxFieldBytes the longest encoded name or value accepted
   * @param maxListBytes the header list size (RFC 9113) past which fields are no longer collected
   * @param maxFields the number of fields past which fields are no longer collected
   * @throws HpackError when the block is malformed or a name or value is longer than `maxFieldBytes`
   */
  public decode(block: Buffer, maxFieldBytes: number, maxListBytes = Infinity, maxFields = Infinity): DecodedHeaders {
    const headers = new FieldsObject();
    const end = block.length;
    let bytes = 0;
    let fields = 0;
    let overBudget = false;
    let sawRegular = false;
    let pseudoAfterRegular = false;
    this.pos = 0;
    while (this.pos < end) {
      const first = block[this.pos];
      let name: string;
      let value: string;
      if (first >= 0x80) {
        // Indexed field (6.1).
        const index = this.readInteger(block, 0x7f);
        if (index <= STATIC_TABLE_LENGTH) {
          if (index === 0) throw new HpackError('index 0 in an indexed header field');
          name = STATIC_NAMES[index];
          value = STATIC_VALUES[index];
        } else {
          const slot = this.slotOf(index);
          name = this.names[slot];
          value = this.values[slot];
        }
      } else if (first >= 0x40) {
        // Literal with incremental indexing (6.2.1).
        const index = this.readInteger(block, 0x3f);
        name = index === 0 ? this.readString(block, maxFieldBytes, true) : this.nameAt(index);
        value = this.readString(block, maxFieldBytes, false);
        this.insert(name, value);
      } else if (first >= 0x20) {
        // Dynamic table size update (6.3), only before the first field (4.2).
        if (fields !== 0 || overBudget) throw new HpackError('dynamic table size update after the first header field');
        const limit = this.readInteger(block, 0x1f);
        if (limit > this.maxTableSize) {
          throw new HpackError(`dynamic table size update to ${limit} exceeds the maximum ${this.maxTableSize}`);
        }
        this.limit = limit;
        this.evictTo(limit);
        continue;
      } else {
        // Literal without indexing (6.2.2) or never indexed (6.2.3).
        const index = this.readInteger(block, 0x0f);
        if (overBudget) {
          if (index === 0) this.skipString(block, maxFieldBytes);
          else this.nameAt(index);
          this.skipString(block, maxFieldBytes);
          continue;
        }
        name = index === 0 ? this.readString(block, maxFieldBytes, true) : this.nameAt(index);
        value = this.readString(block, maxFieldBytes, false);
        if (first >= 0x10) markNeverIndexed(headers, name);
      }
      if (overBudget) continue;
      bytes += name.length + value.length + ENTRY_OVERHEAD;
      if (bytes > maxListBytes || fields >= maxFields) {
        overBudget = true;
        continue;
      }
      fields++;
      if (name.charCodeAt(0) === 0x3a) {
        if (sawRegular) pseudoAfterRegular = true;
      } else {
        sawRegular = true;
      }
      const previous = headers[name];
      if (previous === undefined) headers[name] = value;
      else if (typeof previous === 'string') headers[name] = [previous, value];
      else previous.push(value);
    }
    return { headers, bytes, fields, overBudget, pseudoAfterRegular };
  }

  /** Reads an integer whose prefix is the low bits of the octet at `pos` (`max` = 2^N - 1), section 5.1. */
  private readInteger(block: Buffer, max: number): number {
    const end = block.length;
    let pos = this.pos;
    if (pos >= end) throw new HpackError('header block truncated');
    let value = block[pos++] & max;
    if (value === max) {
      let shift = 0;
      let octet: number;
      do {
        if (pos >= end) throw new HpackError('header block truncated in an integer');
        if (shift === MAX_CONTINUATION_BITS) throw new HpackError('integer too large');
        octet = block[pos++];
        value += (octet & 0x7f) << shift;
        shift += 7;
      } while (octet >= 0x80);
    }
    this.pos = pos;
    return value;
  }

  /** Reads a string literal (section 5.2), Huffman-coded or raw Latin-1; raw names via the intern cache. */
  private readString(block: Buffer, maxFieldBytes: number, name: boolean): string {
    if (this.pos >= block.length) throw new HpackError('header block truncated');
    const huffman = block[this.pos] >= 0x80;
    const length = this.readInteger(block, 0x7f);
    if (length > maxFieldBytes) throw new HpackError(`header field of ${length} octets exceeds ${maxFieldBytes}`);
    const start = this.pos;
    const stop = start + length;
    if (stop > block.length) throw new HpackError('header block truncated in a string');
    this.pos = stop;
    if (huffman) return huffmanDecode(block, start, stop);
    return name ? internedLatin1(block, start, stop) : (block as Latin1Buffer).latin1Slice(start, stop);
  }

  /** Moves past a string literal without decoding it (its length is still checked). */
  private skipString(block: Buffer, maxFieldBytes: number): void {
    const length = this.readInteger(block, 0x7f);
    if (length > maxFieldBytes) throw new HpackError(`header field of ${length} octets exceeds ${maxFieldBytes}`);
    if (this.pos + length > block.length) throw new HpackError('header block truncated in a string');
    this.pos += length;
  }

  /** The name at a (non-zero) static or dynamic index. */
  private nameAt(index: number): string {
    return index <= STATIC_TABLE_LENGTH ? STATIC_NAMES[index] : this.names[this.slotOf(index)];
  }

  /** The ring slot of a dynamic table index (62 and above). */
  private slotOf(index: number): number {
    const d = index - STATIC_TABLE_LENGTH;
    if (d > this.length) throw new HpackError(`index ${index} is beyond the header table`);
    return (this.inserted - d) & this.mask;
  }

  private insert(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (size > this.limit) {
      // An entry larger than the table empties it and is not added (section 4.4).
      this.evictTo(0);
      return;
    }
    this.evictTo(this.limit - size);
    const slot = this.inserted & this.mask;
    this.names[slot] = name;
    this.values[slot] = value;
    this.inserted++;
    this.length++;
    this.size += size;
  }

  /** Evicts the oldest entries until the table size is at most `target`. */
  private evictTo(target: number): void {
    while (this.size > target) {
      const slot = (this.inserted - this.length) & this.mask;
      this.size -= this.names[slot].length + this.values[slot].length + ENTRY_OVERHEAD;
      this.names[slot] = '';
      this.values[slot] = '';
      this.length--;
    }
  }
}

function markNeverIndexed(headers: HeaderFields, name: string): void {
  const carrier = headers as FieldsWithNeverIndexed;
  const names = carrier[NEVER_INDEXED] as Set<string> | undefined;
  if (names === undefined) Object.defineProperty(carrier, NEVER_INDEXED, { value: new Set([name]), writable: true });
  else names.add(name);
}

/** A shallow copy of headers that keeps which fields must stay never-indexed (see `NEVER_INDEXED`). */
export function copyFields(headers: HeaderFields): HeaderFields {
  const copy: HeaderFields = { ...headers };
  const neverIndexed = (headers as FieldsWithNeverIndexed)[NEVER_INDEXED];
  if (neverIndexed !== undefined) Object.defineProperty(copy, NEVER_INDEXED, { value: neverIndexed });
  return copy;
}
