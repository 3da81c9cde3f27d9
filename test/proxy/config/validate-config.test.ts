import { edited, problemsOf, validConfig } from './fixtures';
import { validateConfig } from '../../../src/proxy/config';

describe('validateConfig', () => {
  test('accepts a valid config and returns it unchanged', () => {
    expect(validateConfig(validConfig())).toEqual(validConfig());
  });

  test('accepts listener limits, 0 turning the idle timeout off', () => {
    const limits = {
      maxConnections: 5000,
      maxConcurrentStreams: 250,
      maxHeaderListBytes: 16_384,
      idleTimeoutMs: 0,
      handshakeTimeoutMs: 5000,
      headerBlockTimeoutMs: 2000,
      sendTimeoutMs: 60_000,
    };
    const config = edited((c) => (c.listeners[0].limits = limits));
    expect(validateConfig(config).listeners[0].limits).toEqual(limits);
  });

  test('accepts a minimal config: one listener, no clusters, no routes', () => {
    const minimal = { version: 1, listeners: [{ name: 'grpc', address: '::', port: 0 }], admin: { address: '::1', port: 0 }, clusters: [], routes: [] };
    expect(validateConfig(minimal)).toEqual(minimal);
  });

  test.each([
    ['a port out of range', (c: any) => (c.clusters[0].discovery.port = 70000),
      'clusters[0].discovery.port must be an integer between 1 and 65535; got 70000. [SCHEMA_VIOLATION]'],
    ['a fractional port', (c: any) => (c.listeners[0].port = 80.5), 'listeners[0].port must be an integer between 0 and 65535; got 80.5. [SCHEMA_VIOLATION]'],
    ['a string where a number belongs', (c: any) => (c.admin.port = '9901'), 'admin.port must be an integer between 0 and 65535; got "9901". [SCHEMA_VIOLATION]'],
    ['a missing required field', (c: any) => delete c.listeners[0].name, 'listeners[0].name must be a non-empty string; got nothing. [SCHEMA_VIOLATION]'],
    ['an empty name', (c: any) => (c.listeners[0].name = ''), 'listeners[0].name must be a non-empty string; got "". [SCHEMA_VIOLATION]'],
    ['an unknown enum value', (c: any) => (c.clusters[0].loadBalancer = 'RANDOM'),
      'clusters[0].loadBalancer must be one of "ROUND_ROBIN", "LEAST_REQUEST"; got "RANDOM". [SCHEMA_VIOLATION]'],
    ['an unknown discovery type', (c: any) => (c.clusters[1].discovery = { type: 'eds' }), 'clusters[1].discovery.type must be "dns" or "static"; got "eds". [SCHEMA_VIOLATION]'],
    ['a schema version this proxy does not read', (c: any) => (c.version = 3), 'version must be 1 or 2 (the schema versions this proxy reads); got 3. [SCHEMA_VIOLATION]'],
    ['a bad address', (c: any) => (c.listeners[0].address = 'not an address'),
      'listeners[0].address must be an IP address or a DNS name; got "not an address". [SCHEMA_VIOLATION]'],
    ['a timer that cannot wait that long', (c: any) => (c.clusters[0].timeouts.requestMs = 3_000_000_000),
      'clusters[0].timeouts.requestMs must be an integer number of milliseconds between 1 and 2147483647; got 3000000000. [SCHEMA_VIOLATION]'],
    ['a status code that does not exist', (c: any) => (c.clusters[0].retry.on = [14, 17]),
      'clusters[0].retry.on[1] must be an integer between 1 and 16; got 17. [SCHEMA_VIOLATION]'],
    ['a weight out of range', (c: any) => (c.routes[0].rules[1].backendRefs[0].weight = -1),
      'routes[0].rules[1].backendRefs[0].weight must be an integer between 0 and 1000000; got -1. [SCHEMA_VIOLATION]'],
    ['a list where an object belongs', (c: any) => (c.admin = []), 'admin must be an object; got []. [SCHEMA_VIOLATION]'],
    ['an object where a list belongs', (c: any) => (c.routes = {}), 'routes must be a list; got {}. [SCHEMA_VIOLATION]'],
    ['no listener', (c: any) => (c.listeners = []), 'listeners must have at least 1 entry; got []. [SCHEMA_VIOLATION]'],
    ['too many rules', (c: any) => (c.routes[0].rules = Array.from({ length: 17 }, () => ({}))), 'routes[0].rules must have at most 16 entries; got [{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]. [SCHEMA_VIOLATION]'],
    ['a boolean given as a string', (c: any) => (c.accessLog = 'yes'), 'accessLog must be true or false; got "yes". [SCHEMA_VIOLATION]'],
    ['a stream limit of zero', (c: any) => (c.listeners[0].limits = { maxConcurrentStreams: 0 }),
      'listeners[0].limits.maxConcurrentStreams must be an integer between 1 and 10000; got 0. [SCHEMA_VIOLATION]'],
    ['a header list limit too small for any request', (c: any) => (c.listeners[0].limits = { maxHeaderListBytes: 100 }),
      'listeners[0].limits.maxHeaderListBytes must be an integer between 1024 and 1048576; got 100. [SCHEMA_VIOLATION]'],
    ['a negative idle timeout', (c: any) => (c.listeners[0].limits = { idleTimeoutMs: -1 }),
      'listeners[0].limits.idleTimeoutMs must be an integer number of milliseconds between 0 and 2147483647; got -1. [SCHEMA_VIOLATION]'],
  ])('names the field, the value and what was expected for %s', (_behaviour, edit, expected) => {
    expect(problemsOf(edited(edit))).toEqual([expected]);
  });

  test('refuses an unknown key, listing the fields known there', () => {
    expect(problemsOf(edited((c) => (c.clusters[0].discovery.refreshInterval = 5)))).toEqual([
      'clusters[0].discovery.refreshInterval is not a known field (known fields here: type, hostname, port, refreshIntervalMs); got 5. [UNKNOWN_FIELD]',
    ]);
    expect(problemsOf(edited((c) => (c.listener = [])))).toEqual([
      'listener is not a known field (known fields here: version, listeners, admin, probes, clusters, routes, drainTimeoutMs, accessLog); got []. [UNKNOWN_FIELD]',
    ]);
    expect(problemsOf(edited((c) => (c.routes[0].rules[0].backendRefs[0].wieght = 1)))).toEqual([
      'routes[0].rules[0].backendRefs[0].wieght is not a known field '
      + '(known fields here: group, kind, name, namespace, port, weight, filters); got 1. [UNKNOWN_FIELD]',
    ]);
  });

  test('reports every problem of the file at once, cross-field ones included', () => {
    const data = edited((c) => {
      c.listeners[0].port = -1;
      c.clusters[0].retry.attempts = 'two';
      c.routes[0].extra = true;
      c.routes[0].rules[1].backendRefs[0].name = 'orders';
      c.routes[0].rules[1].backendRefs[1].weight = 1.5;
    });
    expect(problemsOf(data)).toEqual([
      'listeners[0].port must be an integer between 0 and 65535; got -1. [SCHEMA_VIOLATION]',
      'clusters[0].retry.attempts must be an integer between 0 and 10; got "two". [SCHEMA_VIOLATION]',
      'routes[0].rules[1].backendRefs[1].weight must be an integer between 0 and 1000000; got 1.5. [SCHEMA_VIOLATION]',
      'routes[0].extra is not a known field (known fields here: name, namespace, creationTimestamp, hostnames, rules); got true. [UNKNOWN_FIELD]',
      'routes[0].rules[1].backendRefs[0].name must name a cluster (known clusters: users, users-canary); got "orders". [CLUSTER_NOT_FOUND]',
    ]);
  });

  test('skips the cross-field checks that cannot read a malformed part', () => {
    expect(problemsOf({ version: 1, listeners: 'none', admin: { address: '::', port: 0 }, clusters: [{ name: 'a' }, { name: 'a' }], routes: 5 })).toEqual([
      'listeners must be a list; got "none". [SCHEMA_VIOLATION]',
      'clusters[0].discovery must be "dns" or "static"; got nothing. [SCHEMA_VIOLATION]',
      'clusters[1].discovery must be "dns" or "static"; got nothing. [SCHEMA_VIOLATION]',
      'routes must be a list; got 5. [SCHEMA_VIOLATION]',
      'clusters[1].name must be unique (name already used by clusters[0]); got "a". [DUPLICATE_NAME]',
    ]);
    expect(problemsOf(null)).toEqual(['must be an object; got null. [SCHEMA_VIOLATION]']);
  });

  test('titles the error with the source and the number of problems', () => {
    expect(() => validateConfig(edited((c) => (c.version = 0)), '/etc/grpc-mesh-proxy/proxy.yaml')).toThrow(
      'Invalid proxy config /etc/grpc-mesh-proxy/proxy.yaml: version must be 1 or 2 (the schema versions this proxy reads); got 0. [SCHEMA_VIOLATION]');
  });

  test('refuses a backendRef that names no cluster, listing the known ones', () => {
    expect(problemsOf(edited((c) => (c.routes[0].rules[1].backendRefs[1].name = 'orders')))).toEqual([
      'routes[0].rules[1].backendRefs[1].name must name a cluster (known clusters: users, users-canary); got "orders". [CLUSTER_NOT_FOUND]',
    ]);
  });

  test('refuses a mirror to an unknown cluster and a filter without its settings', () => {
    const data = edited((c) => (c.routes[0].rules[0].filters = [
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow' } } },
      { type: 'ResponseHeaderModifier' },
      { type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Lua', name: 'x' } },
      { type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['bad header'] }, responseHeaderModifier: {} },
    ]));
    expect(problemsOf(data)).toEqual([
      'routes[0].rules[0].filters[0].requestMirror.backendRef.name must name a cluster (known clusters: users, users-canary); got "shadow". [CLUSTER_NOT_FOUND]',
      'routes[0].rules[0].filters[1].responseHeaderModifier must be set when type is ResponseHeaderModifier. [FILTER_MISMATCH]',
      'routes[0].rules[0].filters[2].type must be RequestHeaderModifier, ResponseHeaderModifier or RequestMirror '
      + '(grpc-mesh-proxy runs no extensions); got "ExtensionRef". [UNSUPPORTED_FILTER]',
      'routes[0].rules[0].filters[3].responseHeaderModifier must not be set when type is RequestHeaderModifier; got {}. [FILTER_MISMATCH]',
      'routes[0].rules[0].filters[3].requestHeaderModifier.remove[0] must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~); got "bad header". [INVALID_HEADER_NAME]',
    ]);
  });

  test('refuses duplicate listener, cluster and route names', () => {
    const data = edited((c) => {
      c.listeners.push({ ...c.listeners[0], port: 8081 });
      c.clusters.push({ ...c.clusters[1] });
      c.routes.push({ ...c.routes[0], rules: [] });
      c.routes.push({ ...c.routes[0], namespace: 'other', rules: [] });
    });
    expect(problemsOf(data)).toEqual([
      'listeners[1].name must be unique (name already used by listeners[0]); got "grpc". [DUPLICATE_NAME]',
      'clusters[2].name must be unique (name already used by clusters[1]); got "users-canary". [DUPLICATE_NAME]',
      'routes[1].name must be unique (namespace/name already used by routes[0]); got "app/users". [DUPLICATE_NAME]',
    ]);
  });

  test('refuses two sockets on one port, a wildcard address overlapping the others', () => {
    const data = edited((c) => {
      c.listeners.push({ name: 'second', address: '127.0.0.1', port: 8080 });
      c.admin = { address: '127.0.0.1', port: 8080 };
      c.listeners.push({ name: 'free', address: '127.0.0.1', port: 0 });
      c.listeners.push({ name: 'free-too', address: '127.0.0.1', port: 0 });
    });
    expect(problemsOf(data)).toEqual([
      'listeners[1].port must differ from listeners[0]\'s (0.0.0.0:8080): both cannot bind it; got 8080. [PORT_CONFLICT]',
      'admin.port must differ from listeners[0]\'s (0.0.0.0:8080): both cannot bind it; got 8080. [PORT_CONFLICT]',
    ]);
  });

  test('accepts a probe listener beside an admin interface on loopback, and refuses one on the admin\'s or a listener\'s port', () => {
    const rendered = edited((c) => {
      c.admin = { address: '127.0.0.1', port: 9901 };
      c.probes = { address: '0.0.0.0', port: 19001 };
    });
    expect(validateConfig(rendered).probes).toEqual({ address: '0.0.0.0', port: 19001 });
    // The wildcard address overlaps the admin's loopback one; a listener's port is taken on every address.
    expect(problemsOf(edited((c) => {
      c.admin = { address: '127.0.0.1', port: 9901 };
      c.probes = { address: '0.0.0.0', port: 9901 };
    }))).toEqual(['probes.port must differ from admin\'s (127.0.0.1:9901): both cannot bind it; got 9901. [PORT_CONFLICT]']);
    expect(problemsOf(edited((c) => (c.probes = { address: '127.0.0.1', port: 8080 })))).toEqual([
      'probes.port must differ from listeners[0]\'s (0.0.0.0:8080): both cannot bind it; got 8080. [PORT_CONFLICT]',
    ]);
    expect(problemsOf(edited((c) => (c.probes = { address: 'not an address!', port: 70000 })))).toEqual([
      'probes.address must be an IP address or a DNS name; got "not an address!". [SCHEMA_VIOLATION]',
      'probes.port must be an integer between 0 and 65535; got 70000. [SCHEMA_VIOLATION]',
    ]);
  });

  test('checks routes with the routing engine: service names, regular expressions, hostnames', () => {
    const data = edited((c) => {
      c.routes[0].hostnames = ['users.example.com', '*bad'];
      c.routes[0].rules[0].matches = [
        { method: { service: 'user v1' } },
        { method: { type: 'RegularExpression', method: 'Get(' } },
        { headers: [{ name: 'x-a', value: '' }] },
        { method: {} },
      ];
    });
    expect(problemsOf(data)).toEqual([
      'routes[0].hostnames[1] must be a valid Gateway API hostname; got "*bad". [INVALID_HOSTNAME]',
      'routes[0].rules[0].matches[0].method.service must be a fully qualified gRPC service name '
      + '(letters, digits and "_" in dot-separated parts, e.g. user.v1.UserService); got "user v1". [INVALID_GRPC_SERVICE]',
      'routes[0].rules[0].matches[1].method.method must be a valid regular expression '
      + '(Invalid regular expression: /Get(/: Unterminated group); got "Get(". [INVALID_REGEX]',
      'routes[0].rules[0].matches[2].headers[0].value must not be empty; got "". [EMPTY_HEADER_VALUE]',
      'routes[0].rules[0].matches[3].method.service must be set when method is not (a method match needs a service, a method or both); got nothing. [EMPTY_METHOD_MATCH]',
    ]);
  });

  test('refuses retry backoff and health check timings that contradict each other', () => {
    const data = edited((c) => {
      c.clusters[0].retry.backoffMaxMs = 10;
      c.clusters[0].healthCheck.timeoutMs = 6000;
    });
    expect(problemsOf(data)).toEqual([
      'clusters[0].retry.backoffMaxMs must be at least backoffBaseMs (25); got 10. [BACKOFF_INVERTED]',
      'clusters[0].healthCheck.timeoutMs must be at most intervalMs (5000); got 6000. [HEALTH_CHECK_TIMEOUT_TOO_LONG]',
    ]);
  });

  test('freezes the lists of the config it returns', () => {
    const config = validateConfig(validConfig());
    expect(Object.isFrozen(config.listeners)).toBe(true);
    expect(Object.isFrozen(config.routes[0].rules)).toBe(true);
  });
});
