/**
 * CRD `pattern`s are Go (RE2) regular expressions, which JavaScript's RegExp mostly reads alike. One difference
 * occurs in a vendored CRD: RE2's inline flag group `(?i)` (prometheus-operator's
 * `partial_response_strategy: ^(?i)(abort|warn)?$`), which RegExp refuses. A `(?i)` preceded by nothing that can
 * match a letter (at most `^`) makes the whole expression case-insensitive, so it becomes RegExp's `i` flag; any
 * other inline flag group is an error that names the pattern, so nothing is silently read differently.
 */
export function goRegExp(pattern: string, flags = ''): RegExp {
  const inline = /\(\?[a-zA-Z]+\)/.exec(pattern);
  if (inline === null) return new RegExp(pattern, flags);
  const before = pattern.slice(0, inline.index);
  if (inline[0] !== '(?i)' || !/^\^?$/.test(before) || /\(\?[a-zA-Z]+\)/.test(pattern.slice(inline.index + inline[0].length))) {
    throw new Error(`unsupported Go regular expression flag ${inline[0]} in pattern ${JSON.stringify(pattern)}`);
  }
  const withoutFlag = before + pattern.slice(inline.index + inline[0].length);
  return new RegExp(withoutFlag, flags.includes('i') ? flags : `${flags}i`);
}

/** {@link goRegExp} as an ajv `code.regExp` engine (`code` tells ajv's standalone mode how to call it). */
export const goRegExpEngine = Object.assign((pattern: string, flags: string) => goRegExp(pattern, flags), {
  code: 'require("./go-regexp").goRegExp',
});
