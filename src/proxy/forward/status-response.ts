import { encodeGrpcMessage } from './grpc-status';
import type { H2Stream } from '../h2/h2-stream';

const STATUS_STRINGS: readonly string[] = Array.from({ length: 17 }, (_, code) => String(code));

/** `grpc-status` and `grpc-message` trailers for a status. */
export function statusTrailers(code: number, message: string): Record<string, string> {
  return { 'grpc-status': STATUS_STRINGS[code] ?? String(code), 'grpc-message': encodeGrpcMessage(message) };
}

/**
 * Answers a call with a trailers-only response: HTTP 200, `content-type: application/grpc`, `grpc-status` and a
 * percent-encoded `grpc-message`, all in one HEADERS frame with END_STREAM (the client is then told to stop
 * sending). Does nothing to a stream that is closed or already answered.
 * @returns whether the response went out
 */
export function respondWithStatus(stream: H2Stream, code: number, message: string): boolean {
  if (stream.closed || stream.headersDone) return false;
  stream.respond({
    ':status': 200,
    'content-type': 'application/grpc',
    'grpc-status': STATUS_STRINGS[code] ?? String(code),
    'grpc-message': encodeGrpcMessage(message),
  }, true);
  return true;
}
