/* eslint-disable no-bitwise -- HPACK is a bit-level wire format */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { encodeFrame, parseFrames, PREFACE } from './raw-frames';
import { copyFields, HpackDecoder, NEVER_INDEXED, type FieldsWithNeverIndexed, type HeaderFields } from '../../../src/proxy/h2/hpack/decoder';
import { HpackEncoder, type OutgoingFields } from '../../../src/proxy/h2/hpack/encoder';
import { HpackError } from '../../../src/proxy/h2/hpack/hpack-error';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS, huffmanDecode, huffmanEncode, huffmanLength } from '../../../src/proxy/h2/hpack/huffman';
import { STATIC_BY_NAME, STATIC_NAMES, STATIC_VALUES } from '../../../src/proxy/h2/hpack/static-table';
import { mulberry32 } from '../../support/random';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const NO_LIMIT = 1 << 20;

/** The fields of a decoded block as `[name, value]` pairs, in block order when names do not repeat. */
function pairs(headers: HeaderFields): Array<[string, string]> {
  const result: Array<[string, string]> = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    for (const v of typeof value === 'string' ? [value] : value) result.push([name, v]);
  }
  return result;
}

/** What a decoder yields for `fields` as `HpackEncoder` sends them: pseudo-header fields first, repeats grouped. */
function expectedFields(fields: OutgoingFields): Record<string, string | string[]> {
  const expected: Record<string, string | string[]> = {};
  const names = Object.keys(fields);
  for (const name of [...names.filter((n) => n.startsWith(':')), ...names.filter((n) => !n.startsWith(':'))]) {
    const value = fields[name];
    if (value === undefined) continue;
    const values = typeof value === 'object' ? [...value] : [String(value)];
    if (values.length === 0) continue;
    expected[name] = values.length === 1 ? values[0] : values;
  }
  return expected;
}

describe('static table', () => {
  test('has the 61 entries of RFC 7541 Appendix A', () => {
    expect(STATIC_NAMES).toHaveLength(62);
    expect([STATIC_NAMES[1], STATIC_VALUES[1]]).toEqual([':authority', '']);
    expect([STATIC_NAMES[8], STATIC_VALUES[8]]).toEqual([':status', '200']);
    expect([STATIC_NAMES[16], STATIC_VALUES[16]]).toEqual(['accept-encoding', 'gzip, deflate']);
    expect([STATIC_NAMES[31], STATIC_NAMES[32], STATIC_NAMES[55]]).toEqual(['content-type', 'cookie', 'set-cookie']);
    expect([STATIC_NAMES[61], STATIC_VALUES[61]]).toEqual(['www-authenticate', '']);
  });

  test('looks up the first index of a name and the index of an exact pair', () => {
    expect(STATIC_BY_NAME.get(':status')?.index).toBe(8);
    expect(STATIC_BY_NAME.get(':status')?.values.get('404')).toBe(13);
    expect(STATIC_BY_NAME.get(':path')?.values.get('/index.html')).toBe(5);
    expect(STATIC_BY_NAME.get('user-agent')?.index).toBe(58);
    expect(STATIC_BY_NAME.get('grpc-status')).toBeUndefined();
  });
});

describe('Huffman code', () => {
  test('is a complete prefix code with the codes of RFC 7541 Appendix B', () => {
    let kraft = 0;
    for (let symbol = 0; symbol <= 256; symbol++) kraft += 2 ** -HUFFMAN_LENGTHS[symbol];
    expect(kraft).toBe(1);
    const spot: Array<[number, number, number]> = [
      [0, 0x1ff8, 13], [10, 0x3ffffffc, 30], [32, 0x14, 6], [48, 0x0, 5], [65, 0x21, 6], [116, 0x9, 5],
      [127, 0xffffffc, 28], [128, 0xfffe6, 20], [255, 0x3ffffee, 26], [256, 0x3fffffff, 30],
    ];
    for (const [symbol, code, length] of spot) expect([HUFFMAN_CODES[symbol], HUFFMAN_LENGTHS[symbol]]).toEqual([code, length]);
  });

  test.each([
    ['www.example.com', 'f1e3c2e5f23a6ba0ab90f4ff'],
    ['no-cache', 'a8eb10649cbf'],
    ['custom-key', '25a849e95ba97d7f'],
    ['custom-value', '25a849e95bb8e8b4bf'],
    ['302', '6402'],
    ['307', '640eff'],
    ['private', 'aec3771a4b'],
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07abe941054d444a8200595040b8166e082a62d1bff'],
    ['https://www.example.com', '9d29ad171863c78f0b97c8e9ae82ae43d3'],
    ['gzip', '9bd9ab'],
    ['foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
      '94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007'],
  ])('codes %p as in RFC 7541 Appendix C', (text, coded) => {
    const out = Buffer.alloc(64);
    const end = huffmanEncode(text, out, 3);
    expect(out.subarray(3, end).toString('hex')).toBe(coded);
    expect(huffmanLength(text)).toBe(end - 3);
    expect(huffmanDecode(hex(coded), 0, coded.length / 2)).toBe(text);
  });

  test('round-trips every octet value and random Latin-1 strings', () => {
    const random = mulberry32(7);
    const texts = ['', Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('')];
    for (let i = 0; i < 500; i++) texts.push(randomString(random, 0, 80, 256));
    for (const text of texts) {
      const out = Buffer.alloc(huffmanLength(text) + 2);
      const end = huffmanEncode(text, out, 1);
      expect(end).toBe(huffmanLength(text) + 1);
      expect(huffmanDecode(out, 1, end)).toBe(text);
    }
  });
});

describe('HpackDecoder, RFC 7541 Appendix C', () => {
  test.each([
    ['C.2.1 literal with indexing', '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
      [['custom-key', 'custom-header']], [['custom-key', 'custom-header']], 55],
    ['C.2.2 literal without indexing', '040c 2f73 616d 706c 652f 7061 7468', [[':path', '/sample/path']], [], 0],
    ['C.2.3 literal never indexed', '1008 7061 7373 776f 7264 0673 6563 7265 74', [['password', 'secret']], [], 0],
    ['C.2.4 indexed', '82', [[':method', 'GET']], [], 0],
  ])('%s', (_example, block, fields, table, size) => {
    const decoder = new HpackDecoder();
    expect(pairs(decoder.decode(hex(block), NO_LIMIT).headers)).toEqual(fields);
    expect(decoder.dynamicTable()).toEqual(table);
    expect(decoder.dynamicTableSize).toBe(size);
  });

  const requests: Array<[Array<[string, string]>, Array<[string, string]>, number]> = [
    [
      [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
      [[':authority', 'www.example.com']], 57,
    ],
    [
      [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
      [['cache-control', 'no-cache'], [':authority', 'www.example.com']], 110,
    ],
    [
      [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
      [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']], 164,
    ],
  ];

  test.each([
    ['C.3 requests without Huffman coding', [
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ]],
    ['C.4 requests with Huffman coding', [
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ]],
  ])('%s', (_example, blocks) => {
    const decoder = new HpackDecoder();
    blocks.forEach((block, i) => {
      const [fields, table, size] = requests[i];
      const decoded = decoder.decode(hex(block), NO_LIMIT);
      expect(pairs(decoded.headers)).toEqual(fields);
      expect(decoded.fields).toBe(fields.length);
      expect(decoded.bytes).toBe(fields.reduce((sum, [n, v]) => sum + n.length + v.length + 32, 0));
      expect(decoder.dynamicTable()).toEqual(table);
      expect(decoder.dynamicTableSize).toBe(size);
    });
  });

  const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
  const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
  const location = 'https://www.example.com';
  const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
  const responses: Array<[Array<[string, string]>, Array<[string, string]>, number]> = [
    [
      [[':status', '302'], ['cache-control', 'private'], ['date', date1], ['location', location]],
      [['location', location], ['date', date1], ['cache-control', 'private'], [':status', '302']], 222,
    ],
    [
      [[':status', '307'], ['cache-control', 'private'], ['date', date1], ['location', location]],
      [[':status', '307'], ['location', location], ['date', date1], ['cache-control', 'private']], 222,
    ],
    [
      [[':status', '200'], ['cache-control', 'private'], ['date', date2], ['location', location],
        ['content-encoding', 'gzip'], ['set-cookie', cookie]],
      [['set-cookie', cookie], ['content-encoding', 'gzip'], ['date', date2]], 215,
    ],
  ];

  test.each([
    ['C.5 responses without Huffman coding', [
      '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d '
        + '546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '4803 3330 37c1 c0bf',
      '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f '
        + '6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b '
        + '2076 6572 7369 6f6e 3d31',
    ]],
    ['C.6 responses with Huffman coding', [
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 '
        + '8f0b 97c8 e9ae 82ae 43d3',
      '4883 640e ffc1 c0bf',
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 '
        + 'dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ]],
  ])('%s, evicting from a 256-octet table', (_example, blocks) => {
    const decoder = new HpackDecoder(256);
    blocks.forEach((block, i) => {
      const [fields, table, size] = responses[i];
      expect(pairs(decoder.decode(hex(block), NO_LIMIT).headers)).toEqual(fields);
      expect(decoder.dynamicTable()).toEqual(table);
      expect(decoder.dynamicTableSize).toBe(size);
    });
  });
});

describe('HpackDecoder', () => {
  test('collects repeated names into an array in order, keys in order of first appearance', () => {
    const encoder = new HpackEncoder();
    const block = Buffer.from(encoder.encode({ 'x-a': ['1', '2'], 'x-b': '3', 'cookie': ['c=1', 'd=2', 'e=3'] }));
    const decoded = new HpackDecoder().decode(block, NO_LIMIT);
    expect(Object.keys(decoded.headers)).toEqual(['x-a', 'x-b', 'cookie']);
    expect(decoded.headers['x-a']).toEqual(['1', '2']);
    expect(decoded.headers.cookie).toEqual(['c=1', 'd=2', 'e=3']);
    expect(decoded.fields).toBe(6);
    expect(decoded.bytes).toBe(6 * 32 + 2 * (3 + 1) + (3 + 1) + 3 * (6 + 3));
  });

  test('returns an object that inherits nothing, in which __proto__ and constructor are plain names', () => {
    const block = Buffer.from(new HpackEncoder().encode({ ['__proto__']: 'x', constructor: 'y' }));
    const { headers } = new HpackDecoder().decode(block, NO_LIMIT);
    const prototype = Object.getPrototypeOf(headers) as object;
    expect(Object.getPrototypeOf(prototype)).toBeNull();
    expect(Reflect.ownKeys(prototype)).toEqual([]);
    for (const name of ['toString', 'hasOwnProperty', 'valueOf']) expect(name in new HpackDecoder().decode(Buffer.alloc(0), NO_LIMIT).headers).toBe(false);
    expect(Object.keys(headers)).toEqual(['__proto__', 'constructor']);
    expect(headers.__proto__).toBe('x');
  });

  test('applies dynamic table size updates at the start of a block, also several', () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572'), NO_LIMIT);
    expect(decoder.dynamicTableSize).toBe(55);
    const decoded = decoder.decode(hex('20 3f e1 1f 82'), NO_LIMIT);
    expect(pairs(decoded.headers)).toEqual([[':method', 'GET']]);
    expect(decoder.dynamicTableSize).toBe(0);
    expect(() => decoder.decode(hex('be'), NO_LIMIT)).toThrow(HpackError);
  });

  test('empties the table for an entry larger than the table, without adding it', () => {
    const decoder = new HpackDecoder(100);
    decoder.decode(hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572'), NO_LIMIT);
    expect(decoder.dynamicTableSize).toBe(55);
    const block = Buffer.concat([hex('40 01 78 46'), Buffer.from('y'.repeat(70))]);
    expect(decoder.decode(block, NO_LIMIT).headers).toEqual({ x: 'y'.repeat(70) });
    expect(decoder.dynamicTable()).toEqual([]);
    expect(decoder.dynamicTableSize).toBe(0);
  });

  test('decodes a whole large block and counts every field', () => {
    const encoder = new HpackEncoder();
    const fields: OutgoingFields = {};
    for (let i = 0; i < 2000; i++) fields[`x-field-${i}`] = 'v'.repeat(i % 100);
    const decoded = new HpackDecoder().decode(Buffer.from(encoder.encode(fields)), 200);
    expect(decoded.fields).toBe(2000);
    expect(decoded.headers).toEqual(fields);
  });

  test.each([
    ['a truncated integer', 'ff'],
    ['an integer truncated in its continuation', 'ff 80'],
    ['an integer with more than 4 continuation octets', 'ff 80 80 80 80 01'],
    ['index 0', '80'],
    ['an index beyond the static table on an empty dynamic table', 'be'],
    ['an index far beyond the table', 'ff 80 01'],
    ['a name index beyond the table', '7f 00 01 61'],
    ['a truncated string', '04 05 61 62'],
    ['a literal without its value', '04'],
    ['Huffman padding that is not all ones', '04 81 18'],
    ['Huffman padding longer than 7 bits', '04 82 1f ff'],
    ['EOS in a Huffman-coded string', '04 84 ff ff ff ff'],
    ['EOS in a Huffman-coded string (h2spec)', '00 85 f2 b2 4a 84 ff 87 49 51 ff ff ff fa 7f'],
    ['a dynamic table size update above the maximum', '3f e2 1f'],
    ['a dynamic table size update after a field', '82 20'],
  ])('rejects %s', (_case, block) => {
    expect(() => new HpackDecoder().decode(hex(block), NO_LIMIT)).toThrow(HpackError);
  });

  test('rejects a name or value longer than maxFieldBytes', () => {
    const block = hex('00 03 616263 01 78');
    expect(new HpackDecoder().decode(block, 3).headers).toEqual({ abc: 'x' });
    expect(() => new HpackDecoder().decode(block, 2)).toThrow(HpackError);
    expect(() => new HpackDecoder().decode(hex('04 03 616263'), 2)).toThrow(HpackError);
  });

  test('accepts a size update up to its own maximum', () => {
    const decoder = new HpackDecoder(256);
    expect(() => decoder.decode(hex('3f e1 01'), NO_LIMIT)).not.toThrow();
    expect(() => decoder.decode(hex('3f e2 01'), NO_LIMIT)).toThrow(HpackError);
  });
});

describe('HpackEncoder', () => {
  test('encodes the RFC 7541 C.3 requests byte for byte', () => {
    const encoder = new HpackEncoder();
    const blocks = requests3().map((fields) => encoder.encode(fields).toString('hex'));
    expect(blocks).toEqual([
      '828684410f7777772e6578616d706c652e636f6d',
      '828684be58086e6f2d6361636865',
      '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565',
    ]);
  });

  test('sends pseudo-header fields first, skips undefined, sends numbers in decimal and arrays as repeats', () => {
    const encoder = new HpackEncoder();
    const block = Buffer.from(encoder.encode({ 'x-a': 1, ':status': 200, 'x-b': undefined, 'x-c': ['p', 'q'], ':x': '' }));
    const { headers } = new HpackDecoder().decode(block, NO_LIMIT);
    expect(Object.keys(headers)).toEqual([':status', ':x', 'x-a', 'x-c']);
    expect(headers).toEqual({ ':status': '200', ':x': '', 'x-a': '1', 'x-c': ['p', 'q'] });
    expect(block[0]).toBe(0x88);
  });

  test('indexes repeated fields, but not volatile ones, and never indexes credentials', () => {
    const encoder = new HpackEncoder();
    const fields = {
      ':method': 'POST',
      'content-type': 'application/grpc',
      'grpc-timeout': '99S',
      'authorization': 'Bearer t',
      'cookie': 'k=v',
      'x-big': 'b'.repeat(513),
    };
    const first = Buffer.from(encoder.encode(fields));
    expect(encoder.dynamicTable()).toEqual([['content-type', 'application/grpc']]);
    const second = encoder.encode(fields);
    const grpcTimeout = Buffer.from([0x00, 12, ...Buffer.from('grpc-timeout'), 3, ...Buffer.from('99S')]);
    const authorization = Buffer.from([0x1f, 23 - 15, 8, ...Buffer.from('Bearer t')]);
    const cookie = Buffer.from([0x1f, 32 - 15, 3, ...Buffer.from('k=v')]);
    const big = Buffer.from([0x00, 5, ...Buffer.from('x-big'), 0x7f, 0x82, 0x03, ...Buffer.from('b'.repeat(513))]);
    expect(second).toEqual(Buffer.concat([Buffer.from([0x83, 0xbe]), grpcTimeout, authorization, cookie, big]));
    expect(first.length).toBeGreaterThan(second.length);
    expect(first.subarray(0, 2)).toEqual(Buffer.from([0x83, 0x5f]));
  });

  test('uses a dynamic table name for a literal when the static table does not have it', () => {
    const encoder = new HpackEncoder();
    encoder.encode({ 'x-tenant': 'a' });
    expect(encoder.encode({ 'x-tenant': 'b' }).toString('hex')).toBe('7e0162');
    expect(encoder.encode({ 'x-tenant': 'a' }).toString('hex')).toBe('bf');
  });

  test('announces a smaller table at the start of the next block and evicts', () => {
    const encoder = new HpackEncoder();
    encoder.encode({ 'x-one': '1', 'x-two': '2' });
    expect(encoder.dynamicTable()).toHaveLength(2);
    encoder.setMaxTableSize(40);
    expect(encoder.dynamicTable()).toEqual([['x-two', '2']]);
    encoder.setMaxTableSize(30);
    expect(encoder.dynamicTable()).toEqual([]);
    expect(encoder.encode({ ':status': '200' }).toString('hex')).toBe('3e88');
    expect(encoder.encode({ ':status': '200' }).toString('hex')).toBe('88');
  });

  test('announces the minimum, then the final size, after a shrink and a growth', () => {
    const encoder = new HpackEncoder();
    encoder.encode({ 'x-one': '1' });
    encoder.setMaxTableSize(0);
    encoder.setMaxTableSize(65536);
    expect(encoder.dynamicTable()).toEqual([]);
    expect(encoder.encode({}).toString('hex')).toBe('203fe11f');
    encoder.setMaxTableSize(4096);
    expect(encoder.encode({}).toString('hex')).toBe('');
  });

  test('announces nothing when the capped size does not change', () => {
    const encoder = new HpackEncoder();
    encoder.setMaxTableSize(1 << 20);
    expect(encoder.encode({ ':method': 'GET' }).toString('hex')).toBe('82');
  });

  test('grows its buffer for large blocks and reuses it', () => {
    const encoder = new HpackEncoder();
    const fields = { 'x-large': 'z'.repeat(100_000) };
    const block = encoder.encode(fields);
    expect(block.length).toBeGreaterThan(100_000);
    expect(new HpackDecoder().decode(Buffer.from(block), NO_LIMIT).headers).toEqual(fields);
    const a = encoder.encode({ ':method': 'GET' });
    const b = encoder.encode({ ':method': 'POST' });
    expect(a.buffer).toBe(b.buffer);
  });

  test('round-trips 2,000 random header lists through one encoder and one decoder', () => {
    const random = mulberry32(42);
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const names = [
      ':method', ':path', ':authority', ':status', 'content-type', 'grpc-timeout', 'authorization', 'cookie',
      'user-agent', 'te', 'x-custom', 'x-other', 'grpc-status', 'date', 'set-cookie', 'accept-encoding',
    ];
    const values = ['GET', 'POST', '/', '200', 'application/grpc', 'trailers', 'gzip, deflate', '', '0'];
    for (let i = 0; i < 2000; i++) {
      if (random() < 0.05) encoder.setMaxTableSize(Math.floor(random() * 5000));
      const fields: OutgoingFields = {};
      const count = Math.floor(random() * 12);
      for (let f = 0; f < count; f++) {
        const name = random() < 0.7 ? names[Math.floor(random() * names.length)] : `x-${randomString(random, 1, 8, 26, 97)}`;
        const pick = (): string => random() < 0.5 ? values[Math.floor(random() * values.length)]
          : random() < 0.02 ? randomString(random, 500, 700, 256) : randomString(random, 0, 40, 256);
        const kind = random();
        fields[name] = kind < 0.1 ? Array.from({ length: Math.floor(random() * 3) }, pick)
          : kind < 0.15 ? Math.floor(random() * 1000) : kind < 0.18 ? undefined : pick();
      }
      const decoded = decoder.decode(Buffer.from(encoder.encode(fields)), NO_LIMIT);
      const expected = expectedFields(fields);
      expect(decoded.headers).toEqual(expected);
      expect(Object.keys(decoded.headers)).toEqual(Object.keys(expected));
      expect(decoded.fields).toBe(pairs(decoded.headers).length);
      expect(decoder.dynamicTable()).toEqual(encoder.dynamicTable());
    }
  });
});

describe('interoperability with nghttp2 (node:http2)', () => {
  test('decodes the header blocks of a node:http2 client', async () => {
    const chunks: Buffer[] = [];
    let received = 0;
    let onBlocks: (() => void) | undefined;
    const server = net.createServer((socket) => {
      socket.write(hex('000000 04 00 00000000'));
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received = headerBlocks(Buffer.concat(chunks).subarray(PREFACE.length)).length;
        onBlocks?.();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', () => undefined);
    const grpc = {
      ':method': 'POST',
      ':path': '/pkg.Svc/Method',
      'content-type': 'application/grpc',
      'te': 'trailers',
      'grpc-timeout': '99S',
      'user-agent': 'grpc-node-js/1.14.0',
    };
    const sent: http2.OutgoingHttpHeaders[] = [
      grpc,
      grpc,
      { ...grpc, 'grpc-timeout': '98S', 'x-dup': ['one', 'two'], 'cookie': 'session=abc; theme=dark' },
      { ':path': '/long', 'x-text': 'The quick brown fox jumps over the lazy dog. '.repeat(40), 'x-dup': 'three' },
      { ':path': '/bytes', 'x-latin1': Array.from({ length: 128 }, (_, i) => String.fromCharCode(128 + i)).join('') },
      grpc,
    ];
    // Every octet value but 0 (node:http2 uses it as a separator) once inside a Huffman-coded value: nghttp2 codes
    // a value when that is shorter.
    for (let start = 0; start < 256; start += 64) {
      const fields: http2.OutgoingHttpHeaders = { ':path': `/octets/${start}` };
      for (let b = Math.max(start, 1); b < start + 64; b++) fields[`x-octet-${b}`] = 'e'.repeat(20) + String.fromCharCode(b);
      sent.push(fields);
    }
    for (const fields of sent) client.request(fields, { endStream: true }).on('error', () => undefined);
    await new Promise<void>((resolve) => {
      onBlocks = () => received >= sent.length && resolve();
      onBlocks();
    });
    client.destroy();
    server.close();

    const decoder = new HpackDecoder();
    const blocks = headerBlocks(Buffer.concat(chunks).subarray(PREFACE.length));
    expect(blocks).toHaveLength(sent.length);
    let indexed = 0;
    blocks.forEach((block, i) => {
      const expected: HeaderFields = { ':method': 'GET', ':scheme': 'http', ':authority': `127.0.0.1:${port}` };
      for (const [name, value] of Object.entries(sent[i])) expected[name] = value as string | string[];
      expect(decoder.decode(block, NO_LIMIT).headers).toEqual(expected);
      for (const octet of block) if (octet >= 0xbe) indexed++;
    });
    expect(indexed).toBeGreaterThan(0);
  });

  test('a node:http2 server decodes the header blocks of HpackEncoder', async () => {
    const server = http2.createServer();
    const received: http2.IncomingHttpHeaders[] = [];
    let onStream: (() => void) | undefined;
    server.on('stream', (stream, headers) => {
      received.push(headers);
      stream.respond({ ':status': 200 }, { endStream: true });
      onStream?.();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    socket.write(Buffer.concat([PREFACE, hex('000000 04 00 00000000')]));

    const grpc: OutgoingFields = {
      ':method': 'POST',
      ':scheme': 'http',
      ':path': '/pkg.Svc/Method',
      ':authority': `127.0.0.1:${port}`,
      'content-type': 'application/grpc',
      'te': 'trailers',
      'user-agent': 'grpc-mesh-test/1.0',
      'grpc-accept-encoding': 'identity,deflate,gzip',
      'grpc-timeout': '99S',
      'traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    // Numbers are the peer's SETTINGS_HEADER_TABLE_SIZE changing between blocks.
    const steps: Array<OutgoingFields | number> = [
      grpc,
      grpc,
      { ...grpc, 'authorization': 'Bearer secret', 'cookie': ['a=1', 'b=2'], 'x-dup': ['one', 'two'], 'x-n': 7 },
      { ...grpc, ':path': '/pkg.Svc/Other', 'x-long': 'L'.repeat(600), 'x-tenant': 'blue' },
      128,
      grpc,
      { ...grpc, 'x-tenant': 'blue' },
      0,
      4096,
      { ...grpc, 'x-tenant': 'green' },
      grpc,
    ];
    const encoder = new HpackEncoder();
    const sent: OutgoingFields[] = [];
    const frames: Buffer[] = [];
    for (const step of steps) {
      if (typeof step === 'number') {
        encoder.setMaxTableSize(step);
        continue;
      }
      // HEADERS with END_STREAM | END_HEADERS.
      frames.push(encodeFrame(0x1, 0x5, 2 * sent.length + 1, Buffer.from(encoder.encode(step))));
      sent.push(step);
    }
    socket.write(Buffer.concat(frames));
    await new Promise<void>((resolve) => {
      onStream = () => received.length >= sent.length && resolve();
    });
    socket.destroy();
    server.close();

    expect(received).toHaveLength(sent.length);
    received.forEach((headers, i) => {
      const expected: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(sent[i])) {
        if (value === undefined) continue;
        expected[name] = typeof value === 'object' ? value.join(name === 'cookie' ? '; ' : ', ') : String(value);
      }
      expect(Object.fromEntries(Object.entries(headers))).toEqual(expected);
      const sensitive = (headers as Record<symbol, string[]>)[http2.sensitiveHeaders] ?? [];
      expect([...new Set(sensitive)].sort()).toEqual(['authorization', 'cookie'].filter((n) => n in sent[i]));
    });
  });
});

/** The complete header blocks (HEADERS and CONTINUATION fragments joined) among the frames in `data`. */
function headerBlocks(data: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let fragments: Buffer[] = [];
  for (const { type, flags, payload } of parseFrames(data)) {
    if (type === 0x1) {
      let start = 0;
      let end = payload.length;
      if (flags & 0x8) {
        start = 1;
        end -= payload[0];
      }
      if (flags & 0x20) start += 5;
      fragments = [payload.subarray(start, end)];
    } else if (type === 0x9) {
      fragments.push(payload);
    } else {
      continue;
    }
    if (flags & 0x4) blocks.push(Buffer.concat(fragments));
  }
  return blocks;
}

/** The RFC 7541 C.3 requests. */
function requests3(): OutgoingFields[] {
  const base = { ':method': 'GET', ':scheme': 'http', ':path': '/', ':authority': 'www.example.com' };
  return [
    base,
    { ...base, 'cache-control': 'no-cache' },
    { ':method': 'GET', ':scheme': 'https', ':path': '/index.html', ':authority': 'www.example.com', 'custom-key': 'custom-value' },
  ];
}

/** A random string of `min` to `max` chars drawn from `alphabet` consecutive char codes starting at `first`. */
function randomString(random: () => number, min: number, max: number, alphabet: number, first = 0): string {
  const length = min + Math.floor(random() * (max - min + 1));
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(first + Math.floor(random() * alphabet));
  return text;
}

describe('never-indexed fields through a proxy (RFC 7541 section 7.1.3)', () => {
  test('a field received as never-indexed is sent on as never-indexed, others as usual', () => {
    // x-secret: s3cr3t as a never-indexed literal with a new name, then x-plain: v with incremental indexing.
    const literal = (prefix: number, name: string, value: string): Buffer =>
      Buffer.concat([Buffer.from([prefix, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);
    const block = Buffer.concat([literal(0x10, 'x-secret', 's3cr3t'), literal(0x40, 'x-plain', 'v')]);
    const { headers } = new HpackDecoder().decode(block, NO_LIMIT);
    expect(Object.keys(headers)).toEqual(['x-secret', 'x-plain']);
    expect([...(headers as FieldsWithNeverIndexed)[NEVER_INDEXED] ?? []]).toEqual(['x-secret']);
    const copy = copyFields(headers);
    expect(copy).not.toBe(headers);
    expect([...(copy as FieldsWithNeverIndexed)[NEVER_INDEXED] ?? []]).toEqual(['x-secret']);

    const encoder = new HpackEncoder();
    const encoded = Buffer.from(encoder.encode(headers));
    expect(encoded.subarray(0, 17).equals(literal(0x10, 'x-secret', 's3cr3t'))).toBe(true);
    expect(encoder.dynamicTable()).toEqual([['x-plain', 'v']]);
    const again = new HpackDecoder().decode(encoded, NO_LIMIT).headers;
    expect([...(again as FieldsWithNeverIndexed)[NEVER_INDEXED] ?? []]).toEqual(['x-secret']);
  });
});
