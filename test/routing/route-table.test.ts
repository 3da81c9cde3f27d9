import { describeBackend, describeDecision, grpcRoute, seededRandom } from './helpers';
import { RouteTable, RouteTableError, type GrpcCall, type GRPCRouteRule, type RouteInput } from '../../src/routing';

const BACKEND = [{ name: 'users', port: 50051 }];
const OLD = '2024-01-01T00:00:00Z';
const NEW = '2025-01-01T00:00:00Z';

/** A rule matching `matches` (none: every call). */
function rule(...matches: NonNullable<GRPCRouteRule['matches']>): GRPCRouteRule {
  return matches.length ? { matches, backendRefs: BACKEND } : { backendRefs: BACKEND };
}

function call(path: string, authority = 'api.example.com', headers: GrpcCall['headers'] = {}): GrpcCall {
  return { authority, path, headers };
}

interface PrecedenceRow {
  readonly behaviour: string;
  readonly routes: readonly RouteInput[];
  readonly call: GrpcCall;
  readonly listenerHostname?: string;
  readonly expected: string;
}

const PRECEDENCE: readonly PrecedenceRow[] = [
  {
    behaviour: 'an exact hostname beats a wildcard, even against a more specific method match',
    routes: [
      grpcRoute('wild', { hostnames: ['*.example.com'], rules: [rule({ method: { service: 'user.v1.Users', method: 'Get' } })] }, OLD),
      grpcRoute('exact', { hostnames: ['api.example.com'], rules: [rule()] }, NEW),
    ],
    call: call('/user.v1.Users/Get'),
    expected: 'app/exact rules[0]',
  },
  {
    behaviour: 'a longer wildcard beats a shorter one',
    routes: [
      grpcRoute('short', { hostnames: ['*.com'], rules: [rule({ method: { service: 'user.v1.Users', method: 'Get' } })] }, OLD),
      grpcRoute('long', { hostnames: ['*.example.com'], rules: [rule()] }, NEW),
    ],
    call: call('/user.v1.Users/Get'),
    expected: 'app/long rules[0]',
  },
  {
    behaviour: 'a wildcard hostname beats a route without hostnames',
    routes: [
      grpcRoute('any', { rules: [rule({ method: { service: 'user.v1.Users', method: 'Get' } })] }, OLD),
      grpcRoute('wild', { hostnames: ['*.example.com'], rules: [rule()] }, NEW),
    ],
    call: call('/user.v1.Users/Get'),
    expected: 'app/wild rules[0]',
  },
  {
    behaviour: 'a less specific hostname serves the call when the more specific one has no matching rule',
    routes: [
      grpcRoute('exact', { hostnames: ['api.example.com'], rules: [rule({ method: { service: 'user.v1.Users', method: 'Delete' } })] }),
      grpcRoute('wild', { hostnames: ['*.example.com'], rules: [rule()] }),
    ],
    call: call('/user.v1.Users/Get'),
    expected: 'app/wild rules[0]',
  },
  {
    behaviour: 'service and method beat service only, whatever the rule order',
    routes: [grpcRoute('r', { rules: [rule({ method: { service: 'user.v1.Users' } }), rule({ method: { service: 'user.v1.Users', method: 'Get' } })] })],
    call: call('/user.v1.Users/Get'),
    expected: 'app/r rules[1].matches[0]',
  },
  {
    behaviour: 'service only beats method only (service characters are compared before method characters)',
    routes: [grpcRoute('r', { rules: [rule({ method: { method: 'Get' } }), rule({ method: { service: 'user.v1.Users' } })] })],
    call: call('/user.v1.Users/Get'),
    expected: 'app/r rules[1].matches[0]',
  },
  {
    behaviour: 'method only beats a rule without matches',
    routes: [grpcRoute('r', { rules: [rule(), rule({ method: { method: 'Get' } })] })],
    call: call('/user.v1.Users/Get'),
    expected: 'app/r rules[1].matches[0]',
  },
  {
    behaviour: 'a method match beats any number of header matches',
    routes: [grpcRoute('r', {
      rules: [rule({ headers: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] }), rule({ method: { method: 'Get' } })],
    })],
    call: call('/user.v1.Users/Get', undefined, { a: '1', b: '2' }),
    expected: 'app/r rules[1].matches[0]',
  },
  {
    behaviour: 'more header matches beat fewer',
    routes: [grpcRoute('r', {
      rules: [
        rule({ method: { service: 'user.v1.Users' }, headers: [{ name: 'a', value: '1' }] }),
        rule({ method: { service: 'user.v1.Users' }, headers: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] }),
      ],
    })],
    call: call('/user.v1.Users/Get', undefined, { a: '1', b: '2' }),
    expected: 'app/r rules[1].matches[0]',
  },
  {
    behaviour: 'the oldest route wins a tie',
    routes: [grpcRoute('a-new', { rules: [rule()] }, NEW), grpcRoute('z-old', { rules: [rule()] }, OLD)],
    call: call('/user.v1.Users/Get'),
    expected: 'app/z-old rules[0]',
  },
  {
    behaviour: 'a route with a creation time beats one without',
    routes: [grpcRoute('a-unknown', { rules: [rule()] }), grpcRoute('z-dated', { rules: [rule()] }, NEW)],
    call: call('/user.v1.Users/Get'),
    expected: 'app/z-dated rules[0]',
  },
  {
    behaviour: 'then namespace/name alphabetically: the namespace first',
    routes: [grpcRoute('b/a', { rules: [rule()] }, OLD), grpcRoute('a/z', { rules: [rule()] }, OLD)],
    call: call('/user.v1.Users/Get'),
    expected: 'a/z rules[0]',
  },
  {
    behaviour: 'then namespace/name alphabetically: the name within a namespace',
    routes: [grpcRoute('app/b', { rules: [rule()] }, OLD), grpcRoute('app/a', { rules: [rule()] }, OLD)],
    call: call('/user.v1.Users/Get'),
    expected: 'app/a rules[0]',
  },
  {
    behaviour: 'within the winning route the first rule wins a tie',
    routes: [grpcRoute('r', { rules: [rule({ method: { method: 'Get' } }), rule({ method: { method: 'Get' } })] })],
    call: call('/user.v1.Users/Get'),
    expected: 'app/r rules[0].matches[0]',
  },
  {
    behaviour: 'precedence is per match: the more specific match of a rule is the one that counts',
    routes: [grpcRoute('r', {
      rules: [rule({ method: { service: 'user.v1.Users', method: 'Get' } }), rule({ method: { method: 'List' } }, { method: { service: 'user.v1.Users' } })],
    })],
    call: call('/user.v1.Users/List'),
    expected: 'app/r rules[1].matches[1]',
  },
  {
    behaviour: 'a specific rule of a younger route beats an older catch-all route',
    routes: [grpcRoute('catch-all', { rules: [rule()] }, OLD), grpcRoute('specific', { rules: [rule({ method: { method: 'Get' } })] }, NEW)],
    call: call('/user.v1.Users/Get'),
    expected: 'app/specific rules[0].matches[0]',
  },
  {
    behaviour: 'a RegularExpression match ties with an Exact one on characters, so rule order decides',
    routes: [grpcRoute('r', { rules: [rule({ method: { type: 'RegularExpression', service: 'user\\..*' } }), rule({ method: { service: 'user.v1.Users' } })] })],
    call: call('/user.v1.Users/Get'),
    expected: 'app/r rules[0].matches[0]',
  },
  {
    behaviour: 'no matching rule gives UNIMPLEMENTED',
    routes: [grpcRoute('r', { rules: [rule({ method: { service: 'user.v1.Users', method: 'Get' } })] })],
    call: call('/user.v1.Users/Delete'),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'no matching hostname gives UNIMPLEMENTED',
    routes: [grpcRoute('r', { hostnames: ['api.example.com'], rules: [rule()] })],
    call: call('/user.v1.Users/Get', 'other.example.com'),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'no routes at all gives UNIMPLEMENTED',
    routes: [],
    call: call('/user.v1.Users/Get'),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'a service-only match is segment-aware: foo.Bar does not match foo.BarBaz',
    routes: [grpcRoute('r', { rules: [rule({ method: { service: 'foo.Bar' } })] })],
    call: call('/foo.BarBaz/Get'),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'a service-only match matches every method of the service',
    routes: [grpcRoute('r', { rules: [rule({ method: { service: 'foo.Bar' } })] })],
    call: call('/foo.Bar/Anything'),
    expected: 'app/r rules[0].matches[0]',
  },
  {
    behaviour: 'a method-only match matches that method of any service',
    routes: [grpcRoute('r', { rules: [rule({ method: { method: 'Get' } })] })],
    call: call('/other.v2.Thing/Get'),
    expected: 'app/r rules[0].matches[0]',
  },
  {
    behaviour: 'a method-only match does not match a longer method name',
    routes: [grpcRoute('r', { rules: [rule({ method: { method: 'Get' } })] })],
    call: call('/user.v1.Users/ForGet'),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'a service regular expression must match the whole service',
    routes: [grpcRoute('r', { rules: [rule({ method: { type: 'RegularExpression', service: 'v1\\.Users' } })] })],
    call: call('/user.v1.Users/Get'),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'service and method regular expressions both apply',
    routes: [grpcRoute('r', { rules: [rule({ method: { type: 'RegularExpression', service: 'user\\.v[0-9]+\\.Users', method: 'Get|List' } })] })],
    call: call('/user.v12.Users/List'),
    expected: 'app/r rules[0].matches[0]',
  },
  {
    behaviour: 'a method regular expression must match the whole method',
    routes: [grpcRoute('r', { rules: [rule({ method: { type: 'RegularExpression', method: 'Get' } })] })],
    call: call('/user.v1.Users/GetAll'),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'header names compare case-insensitively',
    routes: [grpcRoute('r', { rules: [rule({ headers: [{ name: 'X-Canary', value: 'always' }] })] })],
    call: call('/user.v1.Users/Get', undefined, { 'x-canary': 'always' }),
    expected: 'app/r rules[0].matches[0]',
  },
  {
    behaviour: 'header values compare case-sensitively',
    routes: [grpcRoute('r', { rules: [rule({ headers: [{ name: 'x-canary', value: 'always' }] })] })],
    call: call('/user.v1.Users/Get', undefined, { 'x-canary': 'Always' }),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'a header regular expression must match the whole value',
    routes: [grpcRoute('r', { rules: [rule({ headers: [{ name: 'version', type: 'RegularExpression', value: 'v[0-9]+' }] })] })],
    call: call('/user.v1.Users/Get', undefined, { version: 'v12-beta' }),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'a repeated header matches when any of its values does',
    routes: [grpcRoute('r', { rules: [rule({ headers: [{ name: 'x-canary', value: 'always' }] })] })],
    call: call('/user.v1.Users/Get', undefined, { 'x-canary': ['never', 'always'] }),
    expected: 'app/r rules[0].matches[0]',
  },
  {
    behaviour: 'every header match of a match must hold',
    routes: [grpcRoute('r', { rules: [rule({ headers: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] })] })],
    call: call('/user.v1.Users/Get', undefined, { a: '1' }),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'only the first header match of a name counts; later ones are ignored',
    routes: [grpcRoute('r', { rules: [rule({ headers: [{ name: 'version', value: '1' }, { name: 'Version', value: '2' }] })] })],
    call: call('/user.v1.Users/Get', undefined, { version: '1' }),
    expected: 'app/r rules[0].matches[0]',
  },
  {
    behaviour: 'the port and case of the authority are ignored',
    routes: [grpcRoute('r', { hostnames: ['api.example.com'], rules: [rule()] })],
    call: call('/user.v1.Users/Get', 'API.Example.com:8443'),
    expected: 'app/r rules[0]',
  },
  {
    behaviour: 'a wildcard covers more than one label but not the bare domain',
    routes: [grpcRoute('r', { hostnames: ['*.example.com'], rules: [rule()] })],
    call: call('/user.v1.Users/Get', 'example.com'),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'a malformed path matches only rules without a method match',
    routes: [grpcRoute('r', { rules: [rule({ method: { method: 'Get' } }), rule()] })],
    call: call('/Get'),
    expected: 'app/r rules[1]',
  },
  {
    behaviour: 'a listener hostname narrows a wildcard route hostname',
    routes: [grpcRoute('r', { hostnames: ['*.example.com'], rules: [rule()] })],
    listenerHostname: 'api.example.com',
    call: call('/user.v1.Users/Get', 'web.example.com'),
    expected: 'UNIMPLEMENTED',
  },
  {
    behaviour: 'a route without hostnames serves the listener hostname, ranked as that hostname',
    routes: [
      grpcRoute('exact', { hostnames: ['api.example.com'], rules: [rule()] }, NEW),
      grpcRoute('inherits', { rules: [rule({ method: { service: 'user.v1.Users', method: 'Get' } })] }, OLD),
    ],
    listenerHostname: '*.example.com',
    call: call('/user.v1.Users/Get'),
    expected: 'app/exact rules[0]',
  },
];

describe('RouteTable precedence', () => {
  test.each(PRECEDENCE)('$behaviour', ({ routes, call: c, listenerHostname, expected }) => {
    expect(describeDecision(new RouteTable(routes, { listenerHostname }).match(c))).toBe(expected);
  });
});

describe('RouteTable', () => {
  test('says why a call is UNIMPLEMENTED: no hostname, or no rule', () => {
    const table = new RouteTable([grpcRoute('r', { hostnames: ['api.example.com'], rules: [rule({ method: { method: 'Get' } })] })]);
    expect(table.match(call('/a.B/Get', 'web.example.com'))).toEqual({
      kind: 'status', code: 12, name: 'UNIMPLEMENTED', reason: 'NO_MATCHING_HOSTNAME', message: 'no route serves the host of the call',
    });
    expect(table.match(call('/a.B/List'))).toEqual({
      kind: 'status', code: 12, name: 'UNIMPLEMENTED', reason: 'NO_MATCHING_RULE', message: 'no route rule matches the call',
    });
  });

  test('returns the route, rule, match and hostname that won', () => {
    const users = grpcRoute('users', { hostnames: ['*.example.com'], rules: [rule({ method: { method: 'List' } }, { method: { method: 'Get' } })] });
    const decision = new RouteTable([users]).match(call('/a.B/Get'));
    expect(decision).toEqual({
      kind: 'route', route: users, routeKey: 'app/users', ruleIndex: 0, rule: users.spec.rules![0], matchIndex: 1, hostname: '*.example.com',
    });
  });

  test('returns the same frozen result for every call it matches, allocating nothing per call', () => {
    const table = new RouteTable([grpcRoute('r', { rules: [rule()] })]);
    const first = table.match(call('/a.B/C'));
    expect(table.match(call('/x.Y/Z'))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  test('reads the host from the :authority header, then from host, when the call has no authority', () => {
    const table = new RouteTable([grpcRoute('r', { hostnames: ['api.example.com'], rules: [rule()] })]);
    expect(describeDecision(table.match({ path: '/a.B/C', headers: { ':authority': 'api.example.com:443' } }))).toBe('app/r rules[0]');
    expect(describeDecision(table.match({ path: '/a.B/C', headers: { host: 'api.example.com' } }))).toBe('app/r rules[0]');
    expect(describeDecision(table.match({ path: '/a.B/C', headers: {} }))).toBe('UNIMPLEMENTED');
  });

  test('accepts a header lookup function instead of a header object', () => {
    const table = new RouteTable([grpcRoute('r', { rules: [rule({ headers: [{ name: 'X-Canary', value: 'always' }] })] })]);
    const asked: string[] = [];
    const headers = (name: string): string | undefined => {
      asked.push(name);
      return name === 'x-canary' ? 'always' : undefined;
    };
    expect(describeDecision(table.match({ path: '/a.B/C', headers }))).toBe('app/r rules[0].matches[0]');
    expect(asked).toEqual(['x-canary']);
  });

  test('leaves out routes whose hostnames do not intersect the listener hostname', () => {
    const table = new RouteTable([
      grpcRoute('elsewhere', { hostnames: ['api.example.net'], rules: [rule()] }),
      grpcRoute('here', { hostnames: ['api.example.net', '*.example.com'], rules: [rule()] }),
    ], { listenerHostname: 'api.example.com' });
    expect(table.unattachedRoutes).toEqual(['app/elsewhere']);
    const decision = table.match(call('/a.B/C'));
    expect(decision.kind === 'route' && [decision.routeKey, decision.hostname]).toEqual(['app/here', 'api.example.com']);
  });

  test('routes to the picked backend, with its namespace defaulting to the route\'s', () => {
    const table = new RouteTable([grpcRoute('r', {
      rules: [{ backendRefs: [{ name: 'stable', port: 1, weight: 1 }, { name: 'canary', namespace: 'canary', port: 1, weight: 1 }] }],
    })]);
    expect(describeBackend(table.route(call('/a.B/C'), () => 0.25))).toBe('app/stable');
    expect(describeBackend(table.route(call('/a.B/C'), () => 0.75))).toBe('canary/canary');
    expect(table.route(call('/a.B/C'), () => 0.75)).toMatchObject({ kind: 'backend', backendIndex: 1, backendRef: { name: 'canary' } });
  });

  test('answers UNAVAILABLE when the matched rule has no backends or only weight 0', () => {
    const table = new RouteTable([grpcRoute('r', {
      rules: [{ matches: [{ method: { method: 'A' } }] }, { matches: [{ method: { method: 'B' } }], backendRefs: [{ name: 'x', port: 1, weight: 0 }] }],
    })]);
    for (const path of ['/s.S/A', '/s.S/B']) {
      expect(table.route(call(path), Math.random)).toMatchObject({ kind: 'status', code: 14, name: 'UNAVAILABLE', reason: 'NO_BACKENDS' });
    }
    expect(table.route(call('/s.S/C'), Math.random)).toMatchObject({ code: 12, reason: 'NO_MATCHING_RULE' });
  });

  test('gives an invalid backend\'s share UNAVAILABLE and keeps the valid backends\' share', () => {
    const routes = [grpcRoute('r', { rules: [{ backendRefs: [{ name: 'ok', port: 1, weight: 3 }, { name: 'missing', port: 1, weight: 1 }] }] })];
    const table = new RouteTable(routes, { isBackendValid: (ref, route) => ref.name !== 'missing' && route === routes[0] });
    const random = seededRandom(7);
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const outcome = describeBackend(table.route(call('/a.B/C'), random));
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    }
    expect(counts.get('app/ok')! / 10_000).toBeCloseTo(0.75, 1);
    expect(counts.get('UNAVAILABLE')! / 10_000).toBeCloseTo(0.25, 1);
    expect(table.route(call('/a.B/C'), () => 0.9)).toEqual({
      kind: 'status', code: 14, name: 'UNAVAILABLE', reason: 'INVALID_BACKEND', message: 'backend app/missing of rule 0 of route app/r is invalid',
    });
  });

  test('rejects what the CRD rejects, listing every problem with its path', () => {
    const build = (): RouteTable => new RouteTable([
      grpcRoute('r', {
        hostnames: ['*.example.com', 'bad_host'],
        rules: [{
          matches: [{ method: { service: 'user-v1.Users' } }, { headers: [{ name: 'x', type: 'RegularExpression', value: '(' }] }],
          backendRefs: [{ name: 'b', port: 1, weight: -1 }],
        }],
      }, 'yesterday'),
    ], { listenerHostname: '*.*.example.com' });
    expect(build).toThrow(RouteTableError);
    let problems: unknown;
    try {
      build();
    } catch (error) {
      problems = (error as RouteTableError).issues.map((p) => [p.code, p.path, p.value]);
    }
    expect(problems).toEqual([
      ['INVALID_HOSTNAME', 'listenerHostname', '*.*.example.com'],
      ['INVALID_TIMESTAMP', 'routes[0].metadata.creationTimestamp', 'yesterday'],
      ['INVALID_HOSTNAME', 'routes[0].spec.hostnames[1]', 'bad_host'],
      ['INVALID_GRPC_SERVICE', 'routes[0].spec.rules[0].matches[0].method.service', 'user-v1.Users'],
      ['INVALID_REGEX', 'routes[0].spec.rules[0].matches[1].headers[0].value', '('],
      ['INVALID_WEIGHT', 'routes[0].spec.rules[0].backendRefs[0].weight', -1],
    ]);
  });

  test('says in the error message what is wrong and where', () => {
    expect(() => new RouteTable([grpcRoute('r', { rules: [{ matches: [{ method: {} }] }] })])).toThrow(
      'Invalid routes: routes[0].spec.rules[0].matches[0].method.service must be set when method is not '
      + '(a method match needs a service, a method or both); got nothing. [EMPTY_METHOD_MATCH]',
    );
  });
});
