import { formatDuration, formatDurationInOneUnit, MAX_GATEWAY_API_DURATION_MS } from '../../../src/core/dialects';

/** The pattern of `Duration` in the Gateway API CRDs, which Envoy Gateway's CRDs reuse. */
const GATEWAY_API_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

describe('formatDuration', () => {
  test.each([
    [0, '0s'],
    [1, '1ms'],
    [250, '250ms'],
    [1_000, '1s'],
    [1_500, '1s500ms'],
    [90_000, '1m30s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [3_723_004, '1h2m3s4ms'],
    [MAX_GATEWAY_API_DURATION_MS, '99999h59m59s999ms'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(formatDuration(ms)).toMatch(GATEWAY_API_DURATION);
  });

  test('passes undefined through', () => {
    expect(formatDuration(undefined)).toBeUndefined();
  });

  test('cannot write one millisecond more than the Gateway API maximum in the Gateway API format', () => {
    expect(formatDuration(MAX_GATEWAY_API_DURATION_MS + 1)).not.toMatch(GATEWAY_API_DURATION);
  });
});

describe('formatDurationInOneUnit', () => {
  test.each([
    [0, '0ms'],
    [250, '250ms'],
    [1_500, '1500ms'],
    [5_000, '5s'],
    [90_000, '90s'],
    [120_000, '2m'],
    [7_200_000, '2h'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDurationInOneUnit(ms)).toBe(text);
  });
});
