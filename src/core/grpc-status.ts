/**
 * gRPC status codes, with the numbers of the gRPC specification (the same as `status` in `@grpc/grpc-js`).
 * @see https://grpc.github.io/grpc/core/md_doc_statuscodes.html
 */
export enum GrpcStatus {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
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
