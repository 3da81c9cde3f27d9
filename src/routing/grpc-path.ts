const SLASH = 0x2f;

/** The service and method of a gRPC call. */
export interface GrpcMethodName {
  /** Fully qualified service, e.g. `user.v1.UserService`. */
  readonly service: string;
  /** Method, e.g. `GetUser`. */
  readonly method: string;
}

/**
 * Splits a gRPC `:path` (`/pkg.Service/Method`) into service and method.
 * @returns undefined for a malformed path: no leading slash, not exactly two segments, or an empty segment
 */
export function parseGrpcPath(path: string): GrpcMethodName | undefined {
  const slash = serviceMethodSeparator(path);
  return slash === -1 ? undefined : { service: path.slice(1, slash), method: path.slice(slash + 1) };
}

/**
 * Index of the slash between service and method in a gRPC `:path`, without allocating.
 * @returns -1 for a malformed path (see `parseGrpcPath`)
 */
export function serviceMethodSeparator(path: string): number {
  if (path.charCodeAt(0) !== SLASH) return -1;
  const slash = path.indexOf('/', 1);
  if (slash <= 1 || slash === path.length - 1) return -1;
  return path.indexOf('/', slash + 1) === -1 ? slash : -1;
}
