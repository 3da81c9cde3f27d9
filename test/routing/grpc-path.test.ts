import { parseGrpcPath, serviceMethodSeparator } from '../../src/routing';

describe('parseGrpcPath', () => {
  test('splits a path into service and method', () => {
    expect(parseGrpcPath('/user.v1.UserService/GetUser')).toEqual({ service: 'user.v1.UserService', method: 'GetUser' });
    expect(parseGrpcPath('/Svc/M')).toEqual({ service: 'Svc', method: 'M' });
  });

  test.each([
    ['', 'empty'],
    ['user.v1.Users/Get', 'no leading slash'],
    ['/user.v1.Users', 'one segment'],
    ['/user.v1.Users/Get/More', 'three segments'],
    ['//Get', 'an empty service'],
    ['/user.v1.Users/', 'an empty method'],
    ['/', 'only a slash'],
  ])('gives undefined for %j (%s)', (path) => {
    expect(parseGrpcPath(path)).toBeUndefined();
    expect(serviceMethodSeparator(path)).toBe(-1);
  });

  test('finds the separator without allocating', () => {
    expect(serviceMethodSeparator('/a.B/C')).toBe(4);
  });
});
