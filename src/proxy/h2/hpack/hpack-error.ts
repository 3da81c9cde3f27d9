/**
 * A header block that cannot be decoded (RFC 7541 section 2.1 "decoding error"): the dynamic table is out of
 * sync from here on, so the connection must end with GOAWAY COMPRESSION_ERROR (RFC 9113 section 4.3).
 */
export class HpackError extends Error {
  /** @param message what is wrong with the header block */
  public constructor(message: string) {
    super(message);
    this.name = 'HpackError';
  }
}
