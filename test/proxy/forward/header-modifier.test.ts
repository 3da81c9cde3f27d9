import { HeaderModifier, type HeaderMap } from '../../../src/proxy/forward/header-modifier';

describe('HeaderModifier', () => {
  test('sets, adds and removes headers case-insensitively, in that order', () => {
    const modifier = new HeaderModifier([{
      set: [{ name: 'X-Set', value: 'new' }],
      add: [{ name: 'X-Add', value: 'b' }, { name: 'x-fresh', value: 'c' }],
      remove: ['X-Gone', 'x-set'],
    }]);
    const headers: HeaderMap = { 'x-set': 'old', 'x-add': 'a', 'x-gone': 'bye', 'x-kept': 'k' };
    modifier.apply(headers);
    expect(headers).toEqual({ 'x-set': undefined, 'x-add': 'a,b', 'x-fresh': 'c', 'x-gone': undefined, 'x-kept': 'k' });
  });

  test('adds to a repeated header by joining its values', () => {
    const headers: HeaderMap = { 'x-add': ['a', 'b'] };
    new HeaderModifier([{ add: [{ name: 'x-add', value: 'c' }] }]).apply(headers);
    expect(headers['x-add']).toBe('a,b,c');
  });

  test('merges the filters of a rule and its backend, of the requested type only', () => {
    const modifier = HeaderModifier.fromFilters([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: 'rule' }] } },
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-response', value: 'r' }] } },
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: 'backend' }] } },
    ], 'RequestHeaderModifier');
    const headers: HeaderMap = {};
    modifier?.apply(headers);
    expect(headers).toEqual({ 'x-a': 'backend' });
    expect(HeaderModifier.fromFilters([{ type: 'RequestMirror' }], 'RequestHeaderModifier')).toBeUndefined();
  });
});
