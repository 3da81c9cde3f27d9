import { formatGrpcTimeout, parseGrpcTimeout } from '../../../src/proxy/forward/grpc-timeout';

describe('parseGrpcTimeout', () => {
  test.each([
    ['1H', 3_600_000], ['2M', 120_000], ['3S', 3000], ['250m', 250], ['1500u', 1.5], ['2000000n', 2], ['0m', 0], ['99999999S', 99_999_999_000],
  ])('reads %p as %p ms', (value, ms) => {
    expect(parseGrpcTimeout(value)).toBe(ms);
  });

  test.each(['', 'S', '10', '123456789S', '-1S', '1.5S', '10s', '10 S', ' 10S', '10SS', 'abc', '１S'])('refuses %p', (value) => {
    expect(parseGrpcTimeout(value)).toBe(-1);
  });
});

describe('formatGrpcTimeout', () => {
  test.each([
    [1, '1m'], [250.9, '250m'], [99_999_999, '99999999m'], [100_000_000, '100000S'], [0.5, '500u'], [0.0001, '1u'],
    [99_999_999_000 * 60, '99999999M'], [Number.MAX_SAFE_INTEGER, '99999999H'],
  ])('writes %p ms as %p, never more than the budget', (ms, value) => {
    expect(formatGrpcTimeout(ms)).toBe(value);
    expect(parseGrpcTimeout(value)).toBeLessThanOrEqual(Math.max(ms, 0.001));
  });
});
