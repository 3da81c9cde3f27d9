import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { GrpcMeshValidationError } from '../../src/core';
import { formatIssue, formatIssues, GrpcMeshError, ProblemCode, type ValidationIssue } from '../../src/problems';
import { ProxyConfigError } from '../../src/proxy/config';
import { RouteTable, RouteTableError } from '../../src/routing';

const SRC = join(__dirname, '..', '..', 'src');
const PORT: ValidationIssue = { code: 'PORT_OUT_OF_RANGE', path: 'port', value: 70000, message: 'must be a port number between 1 and 65535' };

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the problem code catalogue', () => {
  const catalogue = readFileSync(join(SRC, 'problems', 'problem-code.ts'), 'utf8');

  test('names each code by itself, with one doc line saying what it means and the fix', () => {
    for (const [key, value] of Object.entries(ProblemCode)) {
      expect(value).toBe(key);
      expect(catalogue).toMatch(new RegExp(`\\n {2}/\\*\\* [^\\n]+: [^\\n]+ \\*/\\n {2}${key}: '${key}',\\n`));
    }
  });

  test('holds only codes the code base emits', () => {
    const code = sources(SRC).filter((f) => !f.endsWith('problem-code.ts')).map((f) => readFileSync(f, 'utf8')).join('\n');
    const unused = Object.keys(ProblemCode).filter((key) => !code.includes(`'${key}'`));
    expect(unused).toEqual([]);
  });
});

describe('formatIssue', () => {
  test('writes path, what is wrong, the value, the fix and the code on one line', () => {
    expect(formatIssue({ ...PORT, hint: 'Use the port the server listens on.' }))
      .toBe('port must be a port number between 1 and 65535; got 70000. Use the port the server listens on. [PORT_OUT_OF_RANGE]');
  });

  test('leaves out the path of the whole, and the value of an issue that is not about one', () => {
    expect(formatIssue({ code: 'CONFIG_SYNTAX', path: '', message: 'must be valid JSON (Unexpected end)' })).toBe('must be valid JSON (Unexpected end). [CONFIG_SYNTAX]');
    expect(formatIssue({ code: 'NO_WORKLOAD', path: 'workload', value: undefined, message: 'is required' })).toBe('workload is required; got nothing. [NO_WORKLOAD]');
  });

  test('titles several issues with their count, one line each', () => {
    expect(formatIssues('GrpcMeshService "users"', [PORT, { ...PORT, path: 'targetPort' }])).toBe([
      'GrpcMeshService "users": 2 problems:',
      '  - port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]',
      '  - targetPort must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]',
    ].join('\n'));
  });
});

describe('GrpcMeshError', () => {
  /** The errors of each layer, each made by the layer's own code. */
  function errorsOfEachLayer(): GrpcMeshError[] {
    const caught = (run: () => unknown): GrpcMeshError => {
      try {
        run();
      } catch (error) {
        return error as GrpcMeshError;
      }
      throw new Error('expected a throw');
    };
    return [
      new GrpcMeshValidationError('GrpcMeshService "users"', [PORT]),
      caught(() => new RouteTable([{ metadata: { name: 'r' }, spec: { rules: [{ matches: [{ method: { service: 'not a service!' } }] }] } }])),
      new ProxyConfigError('proxy.yaml', [{ code: 'UNKNOWN_FIELD', path: 'colour', value: 'blue', message: 'is not a known field' }]),
    ];
  }

  test('is the base of the core, routing and proxy errors, which carry their issues with codes', () => {
    const [core, routing, proxy] = errorsOfEachLayer();
    expect(routing).toBeInstanceOf(RouteTableError);
    for (const error of [core, routing, proxy]) {
      expect(error).toBeInstanceOf(GrpcMeshError);
      expect(GrpcMeshError.isGrpcMeshError(error)).toBe(true);
      expect(error.message).toBe(`${error.subject}: ${formatIssue(error.issues[0])}`);
    }
    expect([core, routing, proxy].map((e) => [e.name, e.issues[0].code])).toEqual([
      ['GrpcMeshValidationError', 'PORT_OUT_OF_RANGE'], ['RouteTableError', 'INVALID_GRPC_SERVICE'], ['ProxyConfigError', 'UNKNOWN_FIELD'],
    ]);
    expect(GrpcMeshError.isGrpcMeshError(Object.assign(new Error('x'), { [Symbol.for('grpc-mesh.GrpcMeshError')]: true }))).toBe(true);
    expect(GrpcMeshError.isGrpcMeshError(new Error('x'))).toBe(false);
  });

  test('prints as its stack alone: no field dump, no frame of this library, the caller\'s frames kept', () => {
    for (const error of errorsOfEachLayer()) {
      const shown = inspect(error);
      expect(Object.keys(error)).toEqual([]);
      expect(shown).toBe(error.stack);
      expect(shown.startsWith(`${error.name}: ${error.message}\n`)).toBe(true);
      expect(shown.split(`[${error.issues[0].code}]`)).toHaveLength(2);
      expect(shown).not.toContain(SRC);
      expect(shown).toContain(__filename);
    }
  });
});
