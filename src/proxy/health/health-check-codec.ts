/**
 * The two messages of `grpc.health.v1.Health/Check`, coded by hand (the proxy has no protobuf runtime).
 * `HealthCheckRequest { string service = 1; }` and `HealthCheckResponse { ServingStatus status = 1; }`.
 */

/** `HealthCheckResponse.ServingStatus` values. */
export const ServingStatus = {
  UNKNOWN: 0,
  SERVING: 1,
  NOT_SERVING: 2,
  SERVICE_UNKNOWN: 3,
} as const;

/** Path of the Check method. */
export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

/**
 * A gRPC-framed `HealthCheckRequest`: the 5-byte message prefix (not compressed, length), then field 1 with wire
 * type 2 (tag 0x0a), the varint length and the UTF-8 service name; an empty name encodes as an empty message.
 */
export function encodeHealthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const body = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), encodeVarint(name.length), name]);
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

/**
 * The serving status in a gRPC-framed `HealthCheckResponse` (the first message of `body`). Fields other than 1
 * are skipped, as protobuf requires.
 * @returns the status (0 when absent, the proto3 default), or undefined when the bytes are not a valid message
 */
export function decodeServingStatus(body: Buffer): number | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const length = body.readUInt32BE(1);
  if (body.length < 5 + length) return undefined;
  let status = ServingStatus.UNKNOWN as number;
  let offset = 5;
  const end = 5 + length;
  while (offset < end) {
    const tag = readVarint(body, offset, end);
    if (tag === undefined) return undefined;
    offset = tag.next;
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (wireType === 0) {
      const value = readVarint(body, offset, end);
      if (value === undefined) return undefined;
      offset = value.next;
      if (field === 1) status = value.value;
    } else if (wireType === 2) {
      const size = readVarint(body, offset, end);
      if (size === undefined || size.next + size.value > end) return undefined;
      offset = size.next + size.value;
    } else if (wireType === 1) {
      offset += 8;
    } else if (wireType === 5) {
      offset += 4;
    } else {
      return undefined;
    }
  }
  return offset === end ? status : undefined;
}

function encodeVarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) + 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function readVarint(buffer: Buffer, start: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let offset = start; offset < end && offset < start + 10; offset++) {
    const byte = buffer[offset];
    value += (byte % 0x80) * scale;
    if (byte < 0x80) return { value, next: offset + 1 };
    scale *= 0x80;
  }
  return undefined;
}
