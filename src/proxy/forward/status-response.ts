import { constants, type ServerHttp2Stream } from 'node:http2';
import { encodeGrpcMessage } from './grpc-status';

const STATUS_STRINGS: readonly string[] = Array.from({ length: 17 }, (_, code) => String(code));
const END_STREAM = Object.freeze({ endStream: true });

/** `grpc-status` and `grpc-message` trailers for a status. */
export function statusTrailers(code: number, message: string): Record<string, string> {
  return { 'grpc-status': STATUS_STRINGS[code] ?? String(code), 'grpc-message': encodeGrpcMessage(message) };
}

/**
 * Answers a call with a trailers-only response: HTTP 200, `content-type: application/grpc`, `grpc-status` and a
 * percent-encoded `grpc-message`, all in one HEADERS frame with END_STREAM. Incoming request data is drained.
 * Never throws (a stream the client already reset is left alone).
 * @returns whether the response went out
 */
export function respondWithStatus(stream: ServerHttp2Stream, code: number, message: string): boolean {
  if (stream.destroyed || stream.closed || stream.headersSent) return false;
  try {
    stream.respond({
      [constants.HTTP2_HEADER_STATUS]: 200,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      'grpc-status': STATUS_STRINGS[code] ?? String(code),
      'grpc-message': encodeGrpcMessage(message),
    }, END_STREAM);
  } catch {
    return false;
  }
  if (stream.readableFlowing !== true) stream.resume();
  return true;
}
