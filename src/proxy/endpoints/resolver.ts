/** One endpoint of a cluster as discovery gives it. */
export interface EndpointAddress {
  /** IPv4 or IPv6 address (or a host name for static endpoints). */
  readonly address: string;
  /** TCP port. */
  readonly port: number;
}

/** Receives what a resolver finds. */
export interface ResolverListener {
  /** The complete, current endpoint set (replaces the previous one). */
  onEndpoints(endpoints: readonly EndpointAddress[]): void;
  /** A resolution failed; the last published set stays in force. */
  onResolutionError(error: Error): void;
}

/**
 * Publishes the endpoint lists of one cluster (docs/design/proxy.md: resolver, balancer, picker). A resolver
 * never throws at its listener and never keeps the process alive.
 */
export interface Resolver {
  /** Starts resolving; results go to `listener` until `stop()`. */
  start(listener: ResolverListener): void;
  /** Stops resolving; no callback follows. */
  stop(): void;
}

/** `address:port`, with brackets around an IPv6 address: the key of an endpoint. */
export function endpointKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
