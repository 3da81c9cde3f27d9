/**
 * HTTP/2 wire constants (RFC 9113): frame types, flags, error codes and settings. Plain numbers rather than
 * enums, so that transpile-only builds inline nothing wrongly and hot paths compare small integers.
 */

/** Frame type DATA. */
export const TYPE_DATA = 0x0;
/** Frame type HEADERS. */
export const TYPE_HEADERS = 0x1;
/** Frame type PRIORITY. */
export const TYPE_PRIORITY = 0x2;
/** Frame type RST_STREAM. */
export const TYPE_RST_STREAM = 0x3;
/** Frame type SETTINGS. */
export const TYPE_SETTINGS = 0x4;
/** Frame type PUSH_PROMISE. */
export const TYPE_PUSH_PROMISE = 0x5;
/** Frame type PING. */
export const TYPE_PING = 0x6;
/** Frame type GOAWAY. */
export const TYPE_GOAWAY = 0x7;
/** Frame type WINDOW_UPDATE. */
export const TYPE_WINDOW_UPDATE = 0x8;
/** Frame type CONTINUATION. */
export const TYPE_CONTINUATION = 0x9;

/** Flag END_STREAM (DATA, HEADERS). */
export const FLAG_END_STREAM = 0x1;
/** Flag ACK (SETTINGS, PING). */
export const FLAG_ACK = 0x1;
/** Flag END_HEADERS (HEADERS, CONTINUATION). */
export const FLAG_END_HEADERS = 0x4;
/** Flag PADDED (DATA, HEADERS). */
export const FLAG_PADDED = 0x8;
/** Flag PRIORITY (HEADERS). */
export const FLAG_PRIORITY = 0x20;

/** Error code NO_ERROR. */
export const NO_ERROR = 0x0;
/** Error code PROTOCOL_ERROR. */
export const PROTOCOL_ERROR = 0x1;
/** Error code INTERNAL_ERROR. */
export const INTERNAL_ERROR = 0x2;
/** Error code FLOW_CONTROL_ERROR. */
export const FLOW_CONTROL_ERROR = 0x3;
/** Error code STREAM_CLOSED. */
export const STREAM_CLOSED = 0x5;
/** Error code FRAME_SIZE_ERROR. */
export const FRAME_SIZE_ERROR = 0x6;
/** Error code REFUSED_STREAM. */
export const REFUSED_STREAM = 0x7;
/** Error code CANCEL. */
export const CANCEL = 0x8;
/** Error code COMPRESSION_ERROR. */
export const COMPRESSION_ERROR = 0x9;
/** Error code ENHANCE_YOUR_CALM. */
export const ENHANCE_YOUR_CALM = 0xb;
/** Error code INADEQUATE_SECURITY. */
export const INADEQUATE_SECURITY = 0xc;

/** Setting SETTINGS_HEADER_TABLE_SIZE. */
export const SETTINGS_HEADER_TABLE_SIZE = 0x1;
/** Setting SETTINGS_ENABLE_PUSH. */
export const SETTINGS_ENABLE_PUSH = 0x2;
/** Setting SETTINGS_MAX_CONCURRENT_STREAMS. */
export const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
/** Setting SETTINGS_INITIAL_WINDOW_SIZE. */
export const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
/** Setting SETTINGS_MAX_FRAME_SIZE. */
export const SETTINGS_MAX_FRAME_SIZE = 0x5;
/** Setting SETTINGS_MAX_HEADER_LIST_SIZE. */
export const SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

/** The client connection preface. */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** Size of a frame header. */
export const FRAME_HEADER_BYTES = 9;
/** Initial flow-control window of connections and streams until SETTINGS say otherwise. */
export const DEFAULT_WINDOW_BYTES = 65_535;
/** Largest flow-control window. */
export const MAX_WINDOW_BYTES = 0x7fff_ffff;
/** Frame payload size every peer accepts. */
export const DEFAULT_MAX_FRAME_BYTES = 16_384;
/** Largest stream identifier. */
export const MAX_STREAM_ID = 0x7fff_ffff;
