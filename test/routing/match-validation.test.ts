import { validateHeaderMatch, validateMethodMatch, validateRouteMatch, type GRPCMethodMatch } from '../../src/routing';

describe('validateMethodMatch', () => {
  test.each<[string, GRPCMethodMatch]>([
    ['service and method', { service: 'user.v1.UserService', method: 'GetUser' }],
    ['a service alone', { type: 'Exact', service: 'UserService' }],
    ['a method alone', { method: 'Get_User2' }],
    ['a service with a leading dot, as the CRD allows', { service: '.user.v1.Users' }],
    ['underscores and upper case anywhere in a service', { service: '_Pkg.V1._Svc' }],
    ['regular expressions that compile', { type: 'RegularExpression', service: 'user\\.v[0-9]+\\..*', method: 'Get|List' }],
    ['a service of 1024 characters', { service: 'a'.repeat(1024) }],
  ])('accepts %s', (_, match) => {
    expect(validateMethodMatch(match)).toEqual([]);
  });

  test('requires a service or a method', () => {
    expect(validateMethodMatch({ type: 'Exact' }, 'rules[0].matches[1].method')).toEqual([{
      code: 'EMPTY_METHOD_MATCH',
      field: 'service',
      path: 'rules[0].matches[1].method.service',
      value: undefined,
      message: 'must be set when method is not (a method match needs a service, a method or both)',
    }]);
  });

  test('treats empty strings as unset, and an empty Exact service as invalid like the CRD', () => {
    expect(validateMethodMatch({ type: 'RegularExpression', service: '', method: '' }).map((p) => p.code)).toEqual(['EMPTY_METHOD_MATCH']);
    expect(validateMethodMatch({ service: '', method: 'Get' }).map((p) => p.code)).toEqual(['INVALID_GRPC_SERVICE']);
  });

  test('requires an Exact service to be a fully qualified proto service name', () => {
    expect(validateMethodMatch({ service: 'user-v1.Users' })).toEqual([{
      code: 'INVALID_GRPC_SERVICE',
      field: 'service',
      path: 'service',
      value: 'user-v1.Users',
      message: 'must be a fully qualified gRPC service name (letters, digits and "_" in dot-separated parts, e.g. user.v1.UserService)',
    }]);
    for (const service of ['1user.Users', 'user..Users', 'user.Users.', 'user/Users', 'user.v1.Users ']) {
      expect(validateMethodMatch({ service }).map((p) => p.code)).toEqual(['INVALID_GRPC_SERVICE']);
    }
  });

  test('requires an Exact method to be an identifier', () => {
    expect(validateMethodMatch({ service: 'a.B', method: 'Get.User' })).toEqual([{
      code: 'INVALID_GRPC_METHOD',
      field: 'method',
      path: 'method',
      value: 'Get.User',
      message: 'must be a gRPC method name (letters, digits and "_", not starting with a digit, e.g. GetUser)',
    }]);
    expect(validateMethodMatch({ method: '2Get' }).map((p) => p.code)).toEqual(['INVALID_GRPC_METHOD']);
  });

  test('does not apply the name patterns to regular expressions', () => {
    expect(validateMethodMatch({ type: 'RegularExpression', service: 'user-.*', method: 'Get.*' })).toEqual([]);
  });

  test('rejects a regular expression that does not compile, and one that only compiles once anchored', () => {
    const [problem] = validateMethodMatch({ type: 'RegularExpression', method: 'Get(' });
    expect(problem).toMatchObject({ code: 'INVALID_REGEX', field: 'method', value: 'Get(' });
    expect(problem.message).toMatch(/^must be a valid regular expression \(.*Unterminated group.*\)$/);
    expect(validateMethodMatch({ type: 'RegularExpression', service: 'a)|(b' }).map((p) => p.code)).toEqual(['INVALID_REGEX']);
  });

  test('limits service and method to 1024 characters', () => {
    expect(validateMethodMatch({ service: 'a'.repeat(1025), method: 'b'.repeat(1025) })).toEqual([
      { code: 'TOO_LONG', field: 'service', path: 'service', value: 'a'.repeat(1025), message: 'must be at most 1024 characters long' },
      { code: 'TOO_LONG', field: 'method', path: 'method', value: 'b'.repeat(1025), message: 'must be at most 1024 characters long' },
    ]);
  });

  test('rejects an unknown type', () => {
    expect(validateMethodMatch({ type: 'Prefix' as 'Exact', service: 'a.B' })).toEqual([
      { code: 'INVALID_MATCH_TYPE', field: 'type', path: 'type', value: 'Prefix', message: 'must be Exact or RegularExpression' },
    ]);
  });
});

describe('validateHeaderMatch', () => {
  test('accepts a token name and a value', () => {
    expect(validateHeaderMatch({ name: "x-canary_!#$%&'*+.^`|~", value: 'always' })).toEqual([]);
    expect(validateHeaderMatch({ name: 'version', type: 'RegularExpression', value: 'v[0-9]+' })).toEqual([]);
  });

  test('requires the name to be an HTTP token', () => {
    expect(validateHeaderMatch({ name: 'x canary', value: 'v' }, 'headers[0]')).toEqual([{
      code: 'INVALID_HEADER_NAME',
      field: 'name',
      path: 'headers[0].name',
      value: 'x canary',
      message: 'must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~)',
    }]);
    expect(validateHeaderMatch({ name: ':authority', value: 'v' }).map((p) => p.code)).toEqual(['INVALID_HEADER_NAME']);
    expect(validateHeaderMatch({ name: '', value: 'v' }).map((p) => p.code)).toEqual(['INVALID_HEADER_NAME']);
  });

  test('limits the name to 256 and the value to 4096 characters', () => {
    expect(validateHeaderMatch({ name: 'n'.repeat(257), value: 'v'.repeat(4097) })).toEqual([
      { code: 'TOO_LONG', field: 'name', path: 'name', value: 'n'.repeat(257), message: 'must be at most 256 characters long' },
      { code: 'TOO_LONG', field: 'value', path: 'value', value: 'v'.repeat(4097), message: 'must be at most 4096 characters long' },
    ]);
    expect(validateHeaderMatch({ name: 'n'.repeat(256), value: 'v'.repeat(4096) })).toEqual([]);
  });

  test('requires a value', () => {
    expect(validateHeaderMatch({ name: 'x', value: '' })).toEqual([
      { code: 'EMPTY_HEADER_VALUE', field: 'value', path: 'value', value: '', message: 'must not be empty' },
    ]);
  });

  test('rejects a value regular expression that does not compile', () => {
    expect(validateHeaderMatch({ name: 'x', type: 'RegularExpression', value: '[a-' })).toEqual([{
      code: 'INVALID_REGEX', field: 'value', path: 'value', value: '[a-', message: expect.stringMatching(/^must be a valid regular expression \(/),
    }]);
    expect(validateHeaderMatch({ name: 'x', value: '[a-' })).toEqual([]);
  });
});

describe('validateRouteMatch', () => {
  test('checks the method and every header, with paths inside the match', () => {
    expect(validateRouteMatch({ method: { method: '1' }, headers: [{ name: 'ok', value: 'v' }, { name: 'bad name', value: '' }] }, 'matches[0]')).toEqual([
      expect.objectContaining({ code: 'INVALID_GRPC_METHOD', field: 'method.method', path: 'matches[0].method.method' }),
      expect.objectContaining({ code: 'INVALID_HEADER_NAME', field: 'headers[1].name', path: 'matches[0].headers[1].name' }),
      expect.objectContaining({ code: 'EMPTY_HEADER_VALUE', field: 'headers[1].value', path: 'matches[0].headers[1].value' }),
    ]);
  });

  test('flags a header name repeated in another case, which the spec says is ignored', () => {
    expect(validateRouteMatch({ headers: [{ name: 'version', value: '1' }, { name: 'Version', value: '2' }] })).toEqual([{
      code: 'DUPLICATE_HEADER_MATCH',
      field: 'headers[1].name',
      path: 'headers[1].name',
      value: 'Version',
      message: 'repeats an earlier header name of this match (names compare case-insensitively; only the first counts)',
    }]);
  });

  test('allows at most 16 header matches', () => {
    const headers = Array.from({ length: 17 }, (_, i) => ({ name: `h${i}`, value: 'v' }));
    expect(validateRouteMatch({ headers })).toEqual([
      { code: 'TOO_MANY_HEADER_MATCHES', field: 'headers', path: 'headers', value: 17, message: 'must have at most 16 entries' },
    ]);
    expect(validateRouteMatch({ headers: headers.slice(0, 16) })).toEqual([]);
  });

  test('accepts an empty match, which matches every call', () => {
    expect(validateRouteMatch({})).toEqual([]);
  });
});
