import { mirrorShare } from '../../../src/proxy/forward/request-mirror';

const backendRef = { name: 'shadow' };

describe('mirrorShare', () => {
  test.each([
    ['no percent or fraction: every call', {}, 1],
    ['percent 30', { percent: 30 }, 0.3],
    ['percent 0', { percent: 0 }, 0],
    ['fraction 1/4', { fraction: { numerator: 1, denominator: 4 } }, 0.25],
    ['fraction 5 (denominator 100 by default)', { fraction: { numerator: 5 } }, 0.05],
    ['fraction 3/2 (at most every call)', { fraction: { numerator: 3, denominator: 2 } }, 1],
  ])('%s', (_what, share, expected) => {
    expect(mirrorShare({ backendRef, ...share })).toBe(expected);
  });
});
