import { encodeGrpcMessage, parseGrpcStatus, statusOfHttpStatus } from '../../../src/proxy/forward/grpc-status';
import { statusOfHttp2Error } from '../../../src/proxy/forward/http2-error-status';

describe('encodeGrpcMessage', () => {
  test.each([
    ['plain ASCII stays as is', 'no route matches', 'no route matches'],
    ['percent is encoded', '100 %', '100 %25'],
    ['non-ASCII is percent-encoded UTF-8', 'ünï', '%C3%BCn%C3%AF'],
    ['control characters are encoded', 'a\nb', 'a%0Ab'],
  ])('%s', (_behaviour, message, encoded) => {
    expect(encodeGrpcMessage(message)).toBe(encoded);
    expect(decodeURIComponent(encoded)).toBe(message);
  });
});

describe('parseGrpcStatus', () => {
  test.each([['0', 0], ['14', 14], [['5'], 5], [undefined, -1], ['x', -1], ['-1', -1]] as const)('reads %p as %p', (value, code) => {
    expect(parseGrpcStatus(value as string | string[] | undefined)).toBe(code);
  });
});

describe('status mappings', () => {
  test.each([[400, 13], [401, 16], [403, 7], [404, 12], [429, 14], [502, 14], [503, 14], [504, 14], [500, 2], [200, 13]])(
    'maps HTTP %p without grpc-status to %p', (http, code) => {
      expect(statusOfHttpStatus(http)).toBe(code);
    });

  test.each([[0, 13], [1, 13], [2, 13], [7, 14], [8, 1], [11, 8], [12, 7], [13, 13]])('maps RST_STREAM code %p to %p', (rst, code) => {
    expect(statusOfHttp2Error(rst)).toBe(code);
  });
});
