/** Thrown by `EndpointPool.request()` while the endpoint is unreachable: the call should try another endpoint. */
export class EndpointUnreachableError extends Error {
  /**
   * @param endpoint `address:port`
   * @param retryInMs time until the next connection attempt
   */
  public constructor(endpoint: string, retryInMs: number) {
    super(`cannot connect to ${endpoint}; next attempt in ${Math.ceil(retryInMs)} ms`);
    this.name = 'EndpointUnreachableError';
  }
}
