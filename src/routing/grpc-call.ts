import { hostFromAuthority } from './authority';

/**
 * Request headers as HTTP/2 servers hand them over (`node:http2`, the proxy's own HTTP/2 layer): lower-case names,
 * a repeated header as an array. A lookup function (called with a lower-case name) works too, e.g.
 * `(name) => metadata.get(name)`.
 */
export type RequestHeaders =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | ((lowerCaseName: string) => string | readonly string[] | undefined);

/** The parts of a gRPC call that routing looks at. */
export interface GrpcCall {
  /**
   * The `:authority` of the call; a port is allowed and ignored.
   * @default - the `:authority` header, else the `host` header, else no host (only routes without hostnames match)
   */
  readonly authority?: string;
  /** The `:path` of the call: `/<service>/<method>`. */
  readonly path: string;
  /** The request headers. */
  readonly headers: RequestHeaders;
}

/**
 * The values of one header of a call, as given (a string, an array for a repeated header, or undefined).
 * @param headers the call's headers
 * @param lowerCaseName the header name, lower case
 */
export function headerValue(headers: RequestHeaders, lowerCaseName: string): string | readonly string[] | undefined {
  return typeof headers === 'function' ? headers(lowerCaseName) : headers[lowerCaseName];
}

/**
 * The normalized host of a call (see `hostFromAuthority`): its `authority`, else its `:authority` header, else its
 * `host` header; undefined when it has none.
 */
export function callHost(call: GrpcCall): string | undefined {
  const authority = call.authority ?? firstValue(headerValue(call.headers, ':authority')) ?? firstValue(headerValue(call.headers, 'host'));
  return authority === undefined ? undefined : hostFromAuthority(authority);
}

function firstValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'object' ? value[0] : value;
}
