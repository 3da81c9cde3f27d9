import { compact } from '../../../src/core/dialects/compact';

describe('compact', () => {
  test('drops undefined fields, then the objects and arrays they leave empty', () => {
    expect(compact({ a: undefined, b: { c: undefined, d: [] }, e: [{ f: undefined }], g: 0, h: false, i: '' }))
      .toEqual({ g: 0, h: false, i: '' });
  });

  test('gives undefined when nothing is left', () => {
    expect(compact({ a: { b: undefined } })).toBeUndefined();
    expect(compact([])).toBeUndefined();
    expect(compact(undefined)).toBeUndefined();
  });

  test('keeps the order of the fields it keeps', () => {
    expect(Object.keys(compact({ z: 1, a: undefined, m: 2 })!)).toEqual(['z', 'm']);
  });
});
