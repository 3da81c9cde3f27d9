import { GrpcStatus } from '../../routing/grpc-status';

const PERCENT = 0x25;

/**
 * A `grpc-message` value: percent-encoded UTF-8, where every byte outside printable ASCII (0x20-0x7E) and `%`
 * itself is written `%XX` (gRPC over HTTP/2, "Responses"). Printable ASCII without `%` is returned as is.
 */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === PERCENT) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte < 0x20 || byte > 0x7e || byte === PERCENT ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

/**
 * The status code in a `grpc-status` header value.
 * @returns the code, or -1 when absent or not a number
 */
export function parseGrpcStatus(value: string | string[] | undefined): number {
  if (value === undefined) return -1;
  const text = typeof value === 'string' ? value : value[0];
  if (text === '0') return 0;
  const code = Number(text);
  return Number.isInteger(code) && code >= 0 ? code : -1;
}

/**
 * The gRPC status a client derives from an HTTP status when a response has no `grpc-status` (gRPC's
 * "HTTP to gRPC Status Code Mapping"): 400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNIMPLEMENTED,
 * 429/502/503/504 UNAVAILABLE, anything else UNKNOWN; a 200 without status is treated as INTERNAL (no status).
 */
export function statusOfHttpStatus(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
    case 200:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}
