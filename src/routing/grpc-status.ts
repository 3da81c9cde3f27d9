/**
 * gRPC status codes, with the numbers of the gRPC specification (the same as `status` in `@grpc/grpc-js`): the one
 * status table of grpc-mesh, used by traffic policies, the routing engine, the dialects and the proxy.
 * @see https://grpc.github.io/grpc/core/md_doc_statuscodes.html
 */
export enum GrpcStatus {
  /** Not an error. */
  OK = 0,
  /** The call was cancelled, typically by the caller. */
  CANCELLED = 1,
  /** Unknown error. */
  UNKNOWN = 2,
  /** The client gave an invalid argument. */
  INVALID_ARGUMENT = 3,
  /** The deadline expired before the call completed. */
  DEADLINE_EXCEEDED = 4,
  /** A requested entity was not found. */
  NOT_FOUND = 5,
  /** The entity the client tried to create already exists. */
  ALREADY_EXISTS = 6,
  /** The caller may not run this call. */
  PERMISSION_DENIED = 7,
  /** A resource, such as a quota or the server's capacity, is exhausted. */
  RESOURCE_EXHAUSTED = 8,
  /** The system is not in a state the call requires. */
  FAILED_PRECONDITION = 9,
  /** The call was aborted, typically by a concurrency conflict. */
  ABORTED = 10,
  /** The call went past the valid range. */
  OUT_OF_RANGE = 11,
  /** The method is not implemented or not routed. */
  UNIMPLEMENTED = 12,
  /** Internal error. */
  INTERNAL = 13,
  /** The service is unavailable; usually transient and safe to retry. */
  UNAVAILABLE = 14,
  /** Unrecoverable data loss. */
  DATA_LOSS = 15,
  /** The call lacks valid credentials. */
  UNAUTHENTICATED = 16,
}

/** The name of a status code (`UNAVAILABLE`), or the number as a string when it is not a known code. */
export function grpcStatusName(code: GrpcStatus): string {
  return GrpcStatus[code] ?? String(code);
}

/** The kebab-case spelling Envoy and Linkerd use for a status code in retry conditions (`resource-exhausted`). */
export function grpcStatusKebabName(code: GrpcStatus): string {
  return grpcStatusName(code).toLowerCase().replace(/_/g, '-');
}
