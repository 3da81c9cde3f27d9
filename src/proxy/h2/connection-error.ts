/** A peer error that ends the whole connection: GOAWAY with `code` (RFC 9113 section 5.4.1). */
export class ConnectionError extends Error {
  /**
   * @param code the HTTP/2 error code of the GOAWAY
   * @param message what the peer did
   */
  public constructor(public readonly code: number, message: string) {
    super(message);
  }
}
