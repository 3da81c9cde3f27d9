import { USERS_PROPS } from './fixtures';
import { renderGrpcMeshService, resolveGrpcMeshService, type GrpcMeshServiceManifests, type GrpcMeshServiceProps } from '../../src/core';

/** Resolves and renders a GrpcMeshService named `users` through the core, as both adapters do. */
export function render(overrides: Partial<GrpcMeshServiceProps> = {}): GrpcMeshServiceManifests {
  return renderGrpcMeshService(resolveGrpcMeshService({ ...USERS_PROPS, ...overrides }, { defaultName: 'users' }));
}

/** Reads a nested field of a plain object by path segments. */
export function at(object: unknown, ...path: Array<string | number>): any {
  return path.reduce<any>((o, key) => (o == null ? undefined : o[key]), object);
}
