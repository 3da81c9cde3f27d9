import { randomFillSync } from 'node:crypto';

/** `version-traceid-parentid-flags`, lower-case hex (W3C Trace Context, level 1 shape). */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ZERO_TRACE_ID = '00000000000000000000000000000000';
const ZERO_PARENT_ID = '0000000000000000';
/** Random bytes drawn in bulk: one `randomFillSync` per 170 generated trace contexts. */
const POOL_BYTES = 24 * 170;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/**
 * Whether a `traceparent` value is valid: the W3C shape, a version other than `ff`, and trace and parent ids that
 * are not all zeros. A future version may append fields after the flags (`-...`); those are accepted too.
 */
export function isValidTraceparent(value: string): boolean {
  const head = value.length > 55 && value.charCodeAt(55) === 0x2d && !value.startsWith('00') ? value.slice(0, 55) : value;
  return TRACEPARENT.test(head)
    && !head.startsWith('ff')
    && head.slice(3, 35) !== ZERO_TRACE_ID
    && head.slice(36, 52) !== ZERO_PARENT_ID;
}

/**
 * A new `traceparent`: version 00, a random trace id and parent (span) id, and the sampled flag (the proxy's
 * access log records the call under this trace id).
 */
export function newTraceparent(): string {
  if (poolOffset + 24 > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += 24;
  const traceId = pool.toString('hex', start, start + 16);
  const parentId = pool.toString('hex', start + 16, start + 24);
  // All-zero ids are invalid; the odds are 2^-128 and 2^-64, but stay correct.
  return `00-${traceId === ZERO_TRACE_ID ? '00000000000000000000000000000001' : traceId}-${parentId === ZERO_PARENT_ID ? '0000000000000001' : parentId}-01`;
}
