import type { HeaderFields } from './hpack/decoder';

/**
 * The field rules of RFC 9113 section 8.2 and 8.3 that a receiver must enforce (a violation makes the message
 * malformed: the stream is reset with PROTOCOL_ERROR): lower-case names without separators or controls, no
 * connection-specific fields, `te` only as `trailers`, values without NUL, CR or LF, and the right pseudo-header
 * fields for a request, a response or trailers.
 */

const REQUEST_PSEUDO = new Set([':method', ':scheme', ':authority', ':path']);
/** RFC 9113 section 8.2.2, plus `http2-settings` (connection-specific by RFC 7540 section 3.2.1). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

/** Whether request headers are well formed: `:method`, `:scheme` and a non-empty `:path`, once each. */
export function isValidRequest(headers: HeaderFields): boolean {
  for (const name in headers) {
    const value = headers[name];
    if (name.charCodeAt(0) === 0x3a) {
      if (!REQUEST_PSEUDO.has(name) || typeof value !== 'string') return false;
    } else if (!isValidField(name, value)) {
      return false;
    }
  }
  const path = headers[':path'];
  return typeof headers[':method'] === 'string' && typeof headers[':scheme'] === 'string'
    && typeof path === 'string' && path.length > 0 && isValidValue(path);
}

/** Whether response headers are well formed: one three-digit `:status`, no other pseudo-header. */
export function isValidResponse(headers: HeaderFields): boolean {
  for (const name in headers) {
    const value = headers[name];
    if (name.charCodeAt(0) === 0x3a) {
      if (name !== ':status' || typeof value !== 'string' || !isStatusCode(value)) return false;
    } else if (!isValidField(name, value)) {
      return false;
    }
  }
  return headers[':status'] !== undefined;
}

/** Whether trailers are well formed: no pseudo-header at all. */
export function isValidTrailers(headers: HeaderFields): boolean {
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a || !isValidField(name, headers[name])) return false;
  }
  return true;
}

/** Three digits, the first from 1 to 5. */
function isStatusCode(value: string): boolean {
  if (value.length !== 3) return false;
  const first = value.charCodeAt(0);
  return first >= 0x31 && first <= 0x35 && isDigit(value.charCodeAt(1)) && isDigit(value.charCodeAt(2));
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isValidField(name: string, value: string | string[]): boolean {
  if (!isValidName(name) || CONNECTION_SPECIFIC.has(name)) return false;
  if (typeof value === 'string') {
    if (name === 'te' && value !== 'trailers') return false;
    return isValidValue(value);
  }
  if (name === 'te') return false;
  for (let i = 0; i < value.length; i++) if (!isValidValue(value[i])) return false;
  return true;
}

/** A token of lower-case letters, digits and `!#$%&'*+-.^_`|~` (RFC 9110 section 5.1, lower-cased). */
function isValidName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 127 || TOKEN_CHARS[c] === 0) return false;
  }
  return true;
}

function isValidValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 10 || c === 13) return false;
  }
  return true;
}

const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") TOKEN_CHARS[c.charCodeAt(0)] = 1;
