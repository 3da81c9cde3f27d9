import * as protobuf from 'protobufjs';
import { decodeServingStatus, encodeHealthCheckRequest, ServingStatus } from '../../../src/proxy/health/health-check-codec';

const root = protobuf.parse(`
  syntax = "proto3";
  message HealthCheckRequest { string service = 1; }
  message HealthCheckResponse { int32 status = 1; string extra = 7; fixed64 f64 = 8; fixed32 f32 = 9; }
`).root;
const Request = root.lookupType('HealthCheckRequest');
const Response = root.lookupType('HealthCheckResponse');

function frame(body: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

describe('health check codec', () => {
  test.each(['test.echo.Echo', 'ü'.repeat(100)])('encodes HealthCheckRequest{service: %p} as protobuf does, framed', (service) => {
    const encoded = encodeHealthCheckRequest(service);
    expect(encoded).toEqual(frame(Request.encode({ service }).finish()));
    expect(Request.decode(encoded.subarray(5)).toJSON()).toEqual({ service });
  });

  test('encodes an empty service name as an empty message (the proto3 default is not written)', () => {
    expect(encodeHealthCheckRequest('')).toEqual(Buffer.from([0, 0, 0, 0, 0]));
  });

  test.each([
    [{ status: 1 }, ServingStatus.SERVING],
    [{ status: 2 }, ServingStatus.NOT_SERVING],
    [{}, ServingStatus.UNKNOWN],
    [{ extra: 'skipped', status: 1, f64: 7, f32: 3 }, ServingStatus.SERVING],
  ])('decodes %p', (message, status) => {
    expect(decodeServingStatus(frame(Response.encode(message).finish()))).toBe(status);
  });

  test.each([
    ['a compressed message', Buffer.from([1, 0, 0, 0, 2, 8, 1])],
    ['a truncated frame', Buffer.from([0, 0, 0, 0, 9, 8, 1])],
    ['a truncated varint', Buffer.from([0, 0, 0, 0, 2, 8, 0x81])],
    ['a bad wire type', Buffer.from([0, 0, 0, 0, 2, 0x0b, 1])],
    ['too few bytes', Buffer.from([0, 0])],
  ])('refuses %s', (_what, bytes) => {
    expect(decodeServingStatus(bytes)).toBeUndefined();
  });
});
