import { isValidTraceparent, newTraceparent } from '../../../src/proxy/forward/trace-context';

describe('isValidTraceparent', () => {
  test.each([
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
    '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future-field',
  ])('accepts %p', (value) => {
    expect(isValidTraceparent(value)).toBe(true);
  });

  test.each([
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    '',
  ])('refuses %p', (value) => {
    expect(isValidTraceparent(value)).toBe(false);
  });
});

describe('newTraceparent', () => {
  test('creates distinct, valid, sampled trace contexts', () => {
    const values = Array.from({ length: 500 }, newTraceparent);
    expect(new Set(values).size).toBe(500);
    for (const value of values) {
      expect(isValidTraceparent(value)).toBe(true);
      expect(value).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  });
});
