const OPEN_BRACKET = 0x5b;
const DOT = 0x2e;

/**
 * The host of an `:authority` (or `Host`) value, ready to compare with route hostnames: the port is stripped,
 * so is a trailing dot, and the result is lower case. `[::1]:8080` gives `[::1]`.
 */
export function hostFromAuthority(authority: string): string {
  let end = authority.length;
  if (authority.charCodeAt(0) === OPEN_BRACKET) {
    const close = authority.indexOf(']');
    if (close !== -1) end = close + 1;
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon !== -1) end = colon;
  }
  if (end > 0 && authority.charCodeAt(end - 1) === DOT) end--;
  return (end === authority.length ? authority : authority.slice(0, end)).toLowerCase();
}
