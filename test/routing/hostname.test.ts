import {
  hostFromAuthority,
  hostnameMatches,
  hostnamesIntersect,
  isValidHostname,
  listenerScopedHostnames,
  selectListener,
} from '../../src/routing';

describe('isValidHostname', () => {
  test.each(['example.com', 'a', 'foo-bar.example.com', '*.example.com', '*.com', 'x1.y2', `${'a'.repeat(63)}.${'b'.repeat(63)}`])('accepts %s', (h) => {
    expect(isValidHostname(h)).toBe(true);
  });

  test.each([
    ['', 'empty'],
    ['Example.com', 'upper case'],
    ['-foo.com', 'a label starting with a hyphen'],
    ['foo-.com', 'a label ending with a hyphen'],
    ['foo..com', 'an empty label'],
    ['foo.com.', 'a trailing dot'],
    ['*', 'a bare wildcard'],
    ['*.', 'a wildcard without domain'],
    ['foo.*.com', 'a wildcard not leftmost'],
    ['*foo.com', 'a wildcard that is not a whole label'],
    ['*.*.com', 'two wildcard labels'],
    ['foo_bar.com', 'an underscore'],
    ['10.0.0.1', 'an IPv4 address'],
    ['[::1]', 'an IPv6 address'],
    [`${'a'.repeat(250)}.com`, 'more than 253 characters'],
  ])('rejects %s (%s)', (h) => {
    expect(isValidHostname(h)).toBe(false);
  });

  test('rejects a wildcard when told to', () => {
    expect(isValidHostname('*.example.com', { allowWildcard: false })).toBe(false);
    expect(isValidHostname('api.example.com', { allowWildcard: false })).toBe(true);
    expect(isValidHostname('*.example.com', { allowWildcard: true })).toBe(true);
  });
});

describe('hostnameMatches', () => {
  test.each([
    ['example.com', 'example.com', true],
    ['example.com', 'foo.example.com', false],
    ['*.example.com', 'foo.example.com', true],
    ['*.example.com', 'foo.bar.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'fooexample.com', false],
    ['*.example.com', '.example.com', false],
  ])('%s matches host %s: %s', (hostname, host, expected) => {
    expect(hostnameMatches(hostname, host)).toBe(expected);
  });
});

describe('hostnamesIntersect', () => {
  test.each([
    ['test.example.com', 'test.example.com', true],
    ['test.example.com', '*.example.com', true],
    ['*.example.com', 'test.example.com', true],
    ['*.example.com', '*.example.com', true],
    ['*.foo.example.com', '*.example.com', true],
    ['*.example.com', '*.foo.example.com', true],
    ['deep.foo.example.com', '*.example.com', true],
    ['example.com', '*.example.com', false],
    ['*.example.com', 'example.com', false],
    ['test.example.net', '*.example.com', false],
    ['*.example.net', '*.example.com', false],
    ['*.b.com', '*.ab.com', false],
    ['a.example.com', 'b.example.com', false],
    ['anything.example', undefined, true],
  ])('route %s and listener %s: %s', (route, listener, expected) => {
    expect(hostnamesIntersect(route, listener)).toBe(expected);
  });
});

describe('listenerScopedHostnames', () => {
  test('keeps the intersecting route hostnames, narrowed to the more specific side', () => {
    expect(listenerScopedHostnames(['test.example.com', 'test.example.net', '*.example.com', '*.foo.example.com'], '*.example.com'))
      .toEqual(['test.example.com', '*.example.com', '*.foo.example.com']);
    expect(listenerScopedHostnames(['*.example.com', 'api.example.com'], 'api.example.com')).toEqual(['api.example.com']);
  });

  test('gives the listener hostname to a route without hostnames, and any host when neither has one', () => {
    expect(listenerScopedHostnames(undefined, '*.example.com')).toEqual(['*.example.com']);
    expect(listenerScopedHostnames([], 'api.example.com')).toEqual(['api.example.com']);
    expect(listenerScopedHostnames(undefined, undefined)).toBeUndefined();
    expect(listenerScopedHostnames(['a.example.com'], undefined)).toEqual(['a.example.com']);
  });

  test('gives nothing when no route hostname intersects: the route is not attached', () => {
    expect(listenerScopedHostnames(['example.com', 'test.example.net'], '*.example.com')).toEqual([]);
  });
});

describe('hostFromAuthority', () => {
  test.each([
    ['api.example.com', 'api.example.com'],
    ['api.example.com:8443', 'api.example.com'],
    ['API.Example.COM', 'api.example.com'],
    ['api.example.com.', 'api.example.com'],
    ['api.example.com.:443', 'api.example.com'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['10.0.0.1:50051', '10.0.0.1'],
    ['', ''],
  ])('%s gives %s', (authority, host) => {
    expect(hostFromAuthority(authority)).toBe(host);
  });
});

describe('selectListener', () => {
  const listeners = [
    { name: 'any' },
    { name: 'wide', hostname: '*.com' },
    { name: 'wild', hostname: '*.bar.com' },
    { name: 'exact', hostname: 'foo.bar.com' },
  ];

  test.each([
    ['foo.bar.com', 'exact'],
    ['baz.bar.com', 'wild'],
    ['a.b.bar.com', 'wild'],
    ['bar.com', 'wide'],
    ['example.org', 'any'],
  ])('serves %s from listener %s', (host, expected) => {
    expect(selectListener(listeners, host)?.name).toBe(expected);
  });

  test('finds no listener when none matches, and takes the first of equals', () => {
    expect(selectListener([{ hostname: 'a.com' }], 'b.com')).toBeUndefined();
    expect(selectListener([{ name: 'first', hostname: 'a.com' }, { name: 'second', hostname: 'a.com' }], 'a.com')?.name).toBe('first');
  });
});
