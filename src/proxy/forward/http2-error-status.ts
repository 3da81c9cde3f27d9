import { GrpcStatus } from '../../routing/grpc-status';
import { CANCEL, ENHANCE_YOUR_CALM, INADEQUATE_SECURITY, REFUSED_STREAM } from '../h2/constants';

/**
 * The gRPC status a client gets when the server resets its stream with an HTTP/2 error code (gRPC over HTTP/2,
 * "Errors"): REFUSED_STREAM is UNAVAILABLE (nothing was processed, retry elsewhere), CANCEL is CANCELLED,
 * ENHANCE_YOUR_CALM is RESOURCE_EXHAUSTED, INADEQUATE_SECURITY is PERMISSION_DENIED, every other code INTERNAL.
 */
export function statusOfHttp2Error(code: number): number {
  switch (code) {
    case REFUSED_STREAM:
      return GrpcStatus.UNAVAILABLE;
    case CANCEL:
      return GrpcStatus.CANCELLED;
    case ENHANCE_YOUR_CALM:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case INADEQUATE_SECURITY:
      return GrpcStatus.PERMISSION_DENIED;
    default:
      return GrpcStatus.INTERNAL;
  }
}

/** The name of an HTTP/2 error code (`CANCEL`), for messages. */
export function http2ErrorName(code: number): string {
  return HTTP2_ERROR_NAMES[code] ?? `0x${code.toString(16)}`;
}

const HTTP2_ERROR_NAMES: readonly string[] = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];
