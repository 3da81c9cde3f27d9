/**
 * Whether a request host matches a hostname: equal, or `*.suffix` with one or more labels before the suffix
 * (`*.example.com` matches `foo.example.com` and `foo.bar.example.com`, not `example.com`).
 * @param hostname a route or listener hostname
 * @param host the request host, normalized by `hostFromAuthority` (lower case, no port)
 */
export function hostnameMatches(hostname: string, host: string): boolean {
  if (!isWildcard(hostname)) return host === hostname;
  return hostEndsWithSuffix(host, hostname.slice(1));
}

/**
 * Whether `host` is `<one or more labels>` + `suffix`, where `suffix` is a wildcard hostname without its `*`
 * (`.example.com`).
 */
export function hostEndsWithSuffix(host: string, suffix: string): boolean {
  return host.length > suffix.length && host.endsWith(suffix);
}

/** Whether a hostname starts with the `*.` wildcard label. */
export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}
