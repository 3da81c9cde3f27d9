/** The HPACK static table (RFC 7541 Appendix A) and the lookups an encoder needs. */

/** Number of entries of the static table; dynamic table indices start right after it. */
export const STATIC_TABLE_LENGTH = 61;

/** Static table names by HPACK index (1 to 61; slot 0 is unused). */
export const STATIC_NAMES: readonly string[] = [
  '',
  ':authority', ':method', ':method', ':path', ':path', ':scheme', ':scheme', ':status', ':status', ':status',
  ':status', ':status', ':status', ':status', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'accept', 'access-control-allow-origin', 'age', 'allow', 'authorization', 'cache-control',
  'content-disposition', 'content-encoding', 'content-language', 'content-length', 'content-location',
  'content-range', 'content-type', 'cookie', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
  'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'link', 'location',
  'max-forwards', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'refresh', 'retry-after',
  'server', 'set-cookie', 'strict-transport-security', 'transfer-encoding', 'user-agent', 'vary', 'via',
  'www-authenticate',
];

/** Static table values by HPACK index (1 to 61; slot 0 is unused); most are empty. */
export const STATIC_VALUES: readonly string[] = (() => {
  const values = new Array<string>(STATIC_TABLE_LENGTH + 1).fill('');
  const set: ReadonlyArray<readonly [number, string]> = [
    [2, 'GET'], [3, 'POST'], [4, '/'], [5, '/index.html'], [6, 'http'], [7, 'https'], [8, '200'], [9, '204'],
    [10, '206'], [11, '304'], [12, '400'], [13, '404'], [14, '500'], [16, 'gzip, deflate'],
  ];
  for (const [index, value] of set) values[index] = value;
  return values;
})();

/** What the static table knows about one name. */
export interface StaticName {
  /** The lowest index with this name (for a literal with an indexed name). */
  readonly index: number;
  /** Index of each exact name and value pair with this name (for an indexed field). */
  readonly values: ReadonlyMap<string, number>;
}

/** Static table lookup by name: one map read answers both "exact pair?" and "name index?". */
export const STATIC_BY_NAME: ReadonlyMap<string, StaticName> = (() => {
  const byName = new Map<string, { index: number; values: Map<string, number> }>();
  for (let index = 1; index <= STATIC_TABLE_LENGTH; index++) {
    const name = STATIC_NAMES[index];
    let entry = byName.get(name);
    if (entry === undefined) {
      entry = { index, values: new Map() };
      byName.set(name, entry);
    }
    entry.values.set(STATIC_VALUES[index], index);
  }
  return byName;
})();
