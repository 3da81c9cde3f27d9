/** Thrown by `EndpointPool.request()` while the endpoint is unreachable: the call should try another endpoint. */
export class EndpointUnreachableError extends Error {
  /**
   * @param endpoint `address:port`
   * @param retryInMs time until the next connection attempt
   * @param lastError why the last connection attempt failed, when known
   */
  public constructor(endpoint: string, retryInMs: number, lastError?: string) {
    const why = lastError === undefined ? '' : ` (${lastError})`;
    super(`cannot connect to ${endpoint}${why}; next attempt in ${Math.ceil(retryInMs)} ms`);
    this.name = 'EndpointUnreachableError';
  }
}
