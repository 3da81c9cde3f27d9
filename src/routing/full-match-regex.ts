/**
 * Compiles a Gateway API `RegularExpression` value so that it must match the whole input (`^(?:re)$`). The
 * pattern is checked on its own first, so `a)|(b` is rejected rather than balanced by the anchoring group.
 * Patterns are JavaScript regular expressions (no flags); the Gateway API leaves the dialect to the
 * implementation (most use RE2, whose common syntax JavaScript shares).
 * @throws SyntaxError when the pattern does not compile
 */
export function compileFullMatch(pattern: string): RegExp {
  new RegExp(pattern);
  return new RegExp(`^(?:${pattern})$`);
}

/**
 * Why a regular expression does not compile.
 * @returns the engine's message, or undefined when it compiles
 */
export function regexSyntaxError(pattern: string): string | undefined {
  try {
    compileFullMatch(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
