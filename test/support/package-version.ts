import * as version from '../../src/core/package-version';

/**
 * Makes the library's version `v`, as its package.json would say, until the test's mocks are restored: the default
 * grpc-mesh-proxy image follows it. Tests set it rather than read it, since a release runs them with the bumped version.
 */
export function givenPackageVersion(v: string): void {
  jest.spyOn(version, 'packageVersion').mockReturnValue(v);
}
