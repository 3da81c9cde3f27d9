/**
 * The HPACK Huffman code (RFC 7541 Appendix B). The code is canonical, so the code lengths define it; decoding
 * walks a 4-bit (nibble) state machine built once at load, strings are treated as Latin-1 (one octet per char).
 */
/* eslint-disable no-bitwise -- HPACK is a bit-level wire format */
import { HpackError } from './hpack-error';

/** Code length in bits of symbols 0 to 255 and EOS (256), RFC 7541 Appendix B. */
const LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28,
  28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6,
  12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5,
  6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22,
  22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22,
  21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23,
  22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21,
  21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27,
  27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];

const EOS = 256;
const MAX_LENGTH = 30;

/** Code length in bits of each symbol (0 to 255, EOS = 256). */
export const HUFFMAN_LENGTHS: Uint8Array = Uint8Array.from(LENGTHS);

/** Code of each symbol (0 to 255, EOS = 256), right-aligned in `HUFFMAN_LENGTHS[symbol]` bits. */
export const HUFFMAN_CODES: Uint32Array = (() => {
  const codes = new Uint32Array(EOS + 1);
  let code = 0;
  for (let length = 1; length <= MAX_LENGTH; length++) {
    for (let symbol = 0; symbol <= EOS; symbol++) {
      if (LENGTHS[symbol] === length) codes[symbol] = code++;
    }
    code *= 2;
  }
  return codes;
})();

// Decoder transitions, entry (state << 4 | nibble) = next state << 4 (bits 0-11) | emitted symbol (bits 12-19) |
// EMIT (a symbol was emitted) | ACCEPT (the bits so far are whole symbols plus at most 7 bits of 1-padding) |
// FAIL (EOS decoded). At most one symbol per nibble: the shortest code has 5 bits.
const STATE_MASK = 0xff0;
const SYMBOL_SHIFT = 12;
const EMIT_SHIFT = 20;
const ACCEPT = 1 << 21;
const FAIL = 1 << 22;

const TRANSITIONS: Int32Array = (() => {
  // The code tree: internal nodes 0..255 (0 is the root); a child < 0 is the leaf of symbol -child - 1.
  const children = new Int32Array(512);
  const depth = new Uint8Array(256);
  const allOnes = new Uint8Array(256);
  allOnes[0] = 1;
  let nodes = 1;
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const length = LENGTHS[symbol];
    const code = HUFFMAN_CODES[symbol];
    let node = 0;
    for (let bit = length - 1; bit > 0; bit--) {
      const slot = node * 2 + ((code >>> bit) & 1);
      if (children[slot] === 0) {
        children[slot] = nodes;
        depth[nodes] = depth[node] + 1;
        allOnes[nodes] = allOnes[node] & ((code >>> bit) & 1);
        nodes++;
      }
      node = children[slot];
    }
    children[node * 2 + (code & 1)] = -symbol - 1;
  }
  const table = new Int32Array(256 * 16);
  for (let state = 0; state < nodes; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let emitted = 0;
      let flags = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const child = children[node * 2 + ((nibble >>> bit) & 1)];
        if (child >= 0) {
          node = child;
        } else {
          if (-child - 1 === EOS) {
            flags |= FAIL;
          } else {
            emitted = -child - 1;
            flags |= 1 << EMIT_SHIFT;
          }
          node = 0;
        }
      }
      if (node === 0 || (allOnes[node] === 1 && depth[node] <= 7)) flags |= ACCEPT;
      table[(state << 4) | nibble] = (node << 4) | (emitted << SYMBOL_SHIFT) | flags;
    }
  }
  return table;
})();

let scratch = Buffer.allocUnsafe(1024) as Latin1Buffer;

/** A Buffer with Node's native Latin-1 methods, which exist on every Buffer but are not in the typings. */
export interface Latin1Buffer extends Buffer {
  /** The octets from `start` to `end` as a Latin-1 string (what `toString('latin1', start, end)` calls). */
  latin1Slice(start: number, end: number): string;
  /** Writes the low octet of each char of `str` at `offset`; returns the number of octets written. */
  latin1Write(str: string, offset: number, length: number): number;
}

/**
 * Decodes the Huffman-coded string in `buf[start, end)` to a Latin-1 string.
 * @throws HpackError when the string contains EOS or its padding is longer than 7 bits or not all ones
 */
export function huffmanDecode(buf: Buffer, start: number, end: number): string {
  // At most 8/5 symbols per octet, plus the slot the branch-free loop writes past the last symbol.
  const most = Math.ceil(((end - start) * 8) / 5) + 1;
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2)) as Latin1Buffer;
  const out = scratch;
  const table = TRANSITIONS;
  let n = 0;
  let t = ACCEPT;
  let seen = 0;
  for (let i = start; i < end; i++) {
    const octet = buf[i];
    const high = table[(t & STATE_MASK) | (octet >>> 4)];
    out[n] = high >>> SYMBOL_SHIFT; // the Uint8 store keeps the symbol bits
    n += (high >>> EMIT_SHIFT) & 1;
    t = table[(high & STATE_MASK) | (octet & 0xf)];
    out[n] = t >>> SYMBOL_SHIFT;
    n += (t >>> EMIT_SHIFT) & 1;
    seen |= high | t;
  }
  if ((seen & FAIL) !== 0) throw new HpackError('Huffman-coded string contains EOS');
  if ((t & ACCEPT) === 0) throw new HpackError('Huffman-coded string has invalid padding');
  return out.latin1Slice(0, n);
}

/** Length in octets of the Huffman coding of `str` (each char taken as one Latin-1 octet). */
export function huffmanLength(str: string): number {
  const lengths = HUFFMAN_LENGTHS;
  let bits = 0;
  for (let i = 0; i < str.length; i++) bits += lengths[str.charCodeAt(i) & 0xff];
  return (bits + 7) >>> 3;
}

/**
 * Writes the Huffman coding of `str` (each char taken as one Latin-1 octet) into `out` at `offset`, padded with
 * 1-bits to an octet boundary.
 * @returns the offset after the last octet written (`offset + huffmanLength(str)`)
 */
export function huffmanEncode(str: string, out: Buffer, offset: number): number {
  const codes = HUFFMAN_CODES;
  const lengths = HUFFMAN_LENGTHS;
  let pos = offset;
  let acc = 0; // fewer than 8 pending bits between symbols
  let bits = 0;
  for (let i = 0; i < str.length; i++) {
    const symbol = str.charCodeAt(i) & 0xff;
    let code = codes[symbol];
    let length = lengths[symbol];
    if (length > 24) {
      // Keep the accumulator within 32 bits: push the high part first.
      const high = length - 16;
      acc = (acc << high) | (code >>> 16);
      bits += high;
      while (bits >= 8) {
        bits -= 8;
        out[pos++] = acc >>> bits;
      }
      acc &= (1 << bits) - 1;
      code &= 0xffff;
      length = 16;
    }
    acc = (acc << length) | code;
    bits += length;
    while (bits >= 8) {
      bits -= 8;
      out[pos++] = acc >>> bits;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out[pos++] = (acc << (8 - bits)) | (0xff >>> bits);
  return pos;
}
