import { findShadowedMatches, type GRPCRouteRule } from '../../src/routing';

const TO = [{ name: 'b', port: 1 }];

describe('findShadowedMatches', () => {
  test('reports a match identical to one of an earlier rule', () => {
    const rules: GRPCRouteRule[] = [
      { matches: [{ method: { service: 'a.B', method: 'Get' } }], backendRefs: TO },
      { matches: [{ method: { service: 'a.B', method: 'List' } }, { method: { type: 'Exact', service: 'a.B', method: 'Get' } }], backendRefs: TO },
    ];
    expect(findShadowedMatches(rules)).toEqual([{ ruleIndex: 1, matchIndex: 1, shadowedBy: 0, shadowedByMatchIndex: 0 }]);
  });

  test('compares header matches as a set: any order, names case-insensitive, type defaulted', () => {
    const rules: GRPCRouteRule[] = [
      { matches: [{ headers: [{ name: 'a', value: '1' }, { name: 'B', value: '2', type: 'Exact' }] }] },
      { matches: [{ headers: [{ name: 'b', value: '2' }, { name: 'A', value: '1' }] }] },
    ];
    expect(findShadowedMatches(rules)).toEqual([{ ruleIndex: 1, matchIndex: 0, shadowedBy: 0, shadowedByMatchIndex: 0 }]);
  });

  test('ignores a repeated header name, as matching does', () => {
    const rules: GRPCRouteRule[] = [
      { matches: [{ headers: [{ name: 'a', value: '1' }] }] },
      { matches: [{ headers: [{ name: 'a', value: '1' }, { name: 'A', value: '2' }] }] },
    ];
    expect(findShadowedMatches(rules)).toEqual([{ ruleIndex: 1, matchIndex: 0, shadowedBy: 0, shadowedByMatchIndex: 0 }]);
  });

  test('reports the first earlier rule that has the match', () => {
    const get = { method: { method: 'Get' } };
    expect(findShadowedMatches([{ matches: [get] }, { matches: [get] }, { matches: [get] }])).toEqual([
      { ruleIndex: 1, matchIndex: 0, shadowedBy: 0, shadowedByMatchIndex: 0 },
      { ruleIndex: 2, matchIndex: 0, shadowedBy: 0, shadowedByMatchIndex: 0 },
    ]);
  });

  test('treats a rule without matches as one match-everything match, equal to an empty match', () => {
    expect(findShadowedMatches([{ backendRefs: TO }, { matches: [{}] }, { backendRefs: TO }])).toEqual([
      { ruleIndex: 1, matchIndex: 0, shadowedBy: 0, shadowedByMatchIndex: -1 },
      { ruleIndex: 2, matchIndex: -1, shadowedBy: 0, shadowedByMatchIndex: -1 },
    ]);
  });

  test('does not report a more specific rule after a catch-all: precedence ranks it first', () => {
    expect(findShadowedMatches([{ backendRefs: TO }, { matches: [{ method: { method: 'Get' } }] }])).toEqual([]);
  });

  test('does not report a more specific match after a broader one', () => {
    const rules: GRPCRouteRule[] = [
      { matches: [{ method: { service: 'a.B' } }] },
      { matches: [{ method: { service: 'a.B', method: 'Get' } }, { method: { service: 'a.B' }, headers: [{ name: 'x', value: '1' }] }] },
    ];
    expect(findShadowedMatches(rules)).toEqual([]);
  });

  test('tells matches apart by type, value case and service case', () => {
    const rules: GRPCRouteRule[] = [
      { matches: [{ method: { service: 'a.B' } }, { headers: [{ name: 'x', value: 'v' }] }] },
      { matches: [{ method: { type: 'RegularExpression', service: 'a.B' } }, { method: { service: 'a.b' } }, { headers: [{ name: 'x', value: 'V' }] }] },
    ];
    expect(findShadowedMatches(rules)).toEqual([]);
  });

  test('does not report a repeat within one rule: it leads to the same rule', () => {
    expect(findShadowedMatches([{ matches: [{ method: { method: 'Get' } }, { method: { method: 'Get' } }] }])).toEqual([]);
  });
});
