import { inspect } from 'node:util';
import { formatValue, GrpcMeshValidationError } from '../../src/core';

describe('GrpcMeshValidationError', () => {
  const issue = { code: 'PORT_OUT_OF_RANGE', path: 'port', value: 70000, message: 'must be a port number between 1 and 65535' } as const;

  test('says a single problem on one line', () => {
    expect(new GrpcMeshValidationError('GrpcMeshService "users"', [issue]).message)
      .toBe('GrpcMeshService "users": port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]');
  });

  test('prints each problem once when Node shows it uncaught: its subject and issues are not enumerable', () => {
    const error = new GrpcMeshValidationError('GrpcMeshService "users"', [issue, { ...issue, path: 'targetPort' }]);
    const shown = inspect(error);
    expect(shown.split('[PORT_OUT_OF_RANGE]')).toHaveLength(3);
    expect(shown).not.toContain('issues:');
    expect(error.issues).toHaveLength(2);
    expect(error.subject).toBe('GrpcMeshService "users"');
  });

  test('is recognised by its brand, also when thrown by another copy of the library', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('grpc-mesh.GrpcMeshValidationError')]: true });
    expect(GrpcMeshValidationError.isValidationError(new GrpcMeshValidationError('s', [issue]))).toBe(true);
    expect(GrpcMeshValidationError.isValidationError(foreign)).toBe(true);
    expect(GrpcMeshValidationError.isValidationError(new Error('x'))).toBe(false);
  });

  test('shows values readably: strings quoted, long JSON shortened, nothing for undefined', () => {
    expect(formatValue('a')).toBe('"a"');
    expect(formatValue(undefined)).toBe('nothing');
    expect(formatValue({ a: 'x'.repeat(100) })).toMatch(/^\{"a":"x+\.\.\.$/);
    expect(formatValue({ a: 'x'.repeat(100) })).toHaveLength(80);
  });
});
