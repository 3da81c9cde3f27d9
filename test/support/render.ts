import { USERS_PROPS } from './fixtures';
import {
  GrpcMeshValidationError, renderGrpcMeshService, resolveGrpcMeshService, type GrpcMeshServiceManifests, type GrpcMeshServiceProps,
} from '../../src/core';

/** Resolves and renders a GrpcMeshService named `users` through the core, as both adapters do. */
export function render(overrides: Partial<GrpcMeshServiceProps> = {}): GrpcMeshServiceManifests {
  return renderGrpcMeshService(resolveGrpcMeshService({ ...USERS_PROPS, ...overrides }, { defaultName: 'users' }));
}

/** Reads a nested field of a plain object by path segments. */
export function at(object: unknown, ...path: Array<string | number>): any {
  return path.reduce<any>((o, key) => (o == null ? undefined : o[key]), object);
}

/** The (code, path) of every issue `resolve` throws, or [] when it throws none. */
export function issueCodes(resolve: () => unknown): Array<[string, string]> {
  try {
    resolve();
    return [];
  } catch (error) {
    if (!GrpcMeshValidationError.isValidationError(error)) throw error;
    return error.issues.map((i) => [i.code, i.path]);
  }
}

/** The (code, path) of every issue resolving a `users` service with these props throws. */
export function serviceIssueCodes(overrides: Partial<GrpcMeshServiceProps>): Array<[string, string]> {
  return issueCodes(() => resolveGrpcMeshService({ ...USERS_PROPS, ...overrides }, { defaultName: 'users' }));
}
