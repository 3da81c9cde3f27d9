import type { H2ConnectionOptions } from '../../../src/proxy/h2/h2-connection';

/** The `H2Connection` options of the HTTP/2 layer's own tests: the listener's limits, a 1 MiB connection window. */
export const OPTIONS: H2ConnectionOptions = {
  maxConcurrentStreams: 100,
  maxHeaderListBytes: 64 * 1024,
  maxHeaderFields: 256,
  streamWindowBytes: 65_535,
  connectionWindowBytes: 1024 * 1024,
  assumedPeerMaxStreams: 100,
};
