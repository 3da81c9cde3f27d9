/**
 * The default grpc-mesh-proxy image (issue 17, item 4): a released library deploys the image its release built,
 * `<PROXY_IMAGE_REPOSITORY>:<its version>`, with DataPlane.proxy() and GatewayImplementation.proxy() alike; an
 * unreleased build (0.0.0) has none, and synthesis says how to get one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DataPlane, formatIssue, GatewayImplementation, GrpcMeshValidationError, resolveGrpcGateway, type GatewayImplementation as Implementation,
  type ValidationIssue,
} from '../../src/core';
import { releasedProxyImage } from '../../src/core/data-planes/proxy-tier';
import * as d from '../../src/core/defaults';
import { packageVersion } from '../../src/core/package-version';
import { givenPackageVersion } from '../support/package-version';
import { at, render } from '../support/render';

const ROOT = join(__dirname, '..', '..');
const MIRROR = 'registry.example.com/grpc-mesh-proxy:1.4.2';

/** The image of the proxy tier of a `users` service balanced by `dataPlane`. */
const serviceImage = (dataPlane: DataPlane) => at(render({ dataPlane }).balancer!.deployment, 'spec', 'template', 'spec', 'containers', 0, 'image');
/** The image of the tier of a Gateway served by `implementation`. */
const gatewayImage = (implementation: Implementation) => resolveGrpcGateway({
  namespace: 'infra', implementation, listeners: [{ name: 'grpc', port: 8080 }],
}, { defaultName: 'edge' }).tier!.image;

/** Each issue `resolve` throws, as the error message shows it. */
function messages(resolve: () => unknown): string[] {
  try {
    resolve();
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) return error.issues.map((i: ValidationIssue) => formatIssue(i));
    throw error;
  }
  return [];
}

afterEach(() => jest.restoreAllMocks());

describe('the version of the library', () => {
  test('is read from the package.json of the installed package, from src/ and from the compiled lib/ alike', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(packageVersion()).toBe(version);
    const compiled = execFileSync(process.execPath, ['-p', 'require("./lib/core/package-version").packageVersion()'], { cwd: ROOT, encoding: 'utf8' });
    expect(compiled.trim()).toBe(version);
  });

  test('names the image of its release, and none for an unreleased build', () => {
    expect(releasedProxyImage('1.4.2')).toBe('ghcr.io/grpc-mesh/grpc-mesh-proxy:1.4.2');
    expect(releasedProxyImage('0.2.0-beta.1')).toBe(`${d.PROXY_IMAGE_REPOSITORY}:0.2.0-beta.1`);
    expect(releasedProxyImage('0.0.0')).toBeUndefined();
  });
});

describe('a released library', () => {
  beforeEach(() => givenPackageVersion('1.4.2'));

  test('deploys the proxy image of its release when given none, for a service and for a self-hosted Gateway', () => {
    expect(serviceImage(DataPlane.proxy())).toBe('ghcr.io/grpc-mesh/grpc-mesh-proxy:1.4.2');
    expect(serviceImage(DataPlane.proxy({ replicas: 3 }))).toBe('ghcr.io/grpc-mesh/grpc-mesh-proxy:1.4.2');
    expect(gatewayImage(GatewayImplementation.proxy())).toBe('ghcr.io/grpc-mesh/grpc-mesh-proxy:1.4.2');
  });

  test('deploys the image it is given, and refuses an invalid one with the default as the way out', () => {
    expect(serviceImage(DataPlane.proxy({ image: MIRROR }))).toBe(MIRROR);
    expect(gatewayImage(GatewayImplementation.proxy({ image: MIRROR }))).toBe(MIRROR);
    expect(messages(() => render({ dataPlane: DataPlane.proxy({ image: 'grpc mesh' }) }))).toEqual([
      'dataPlane.image must be an image reference without spaces; got "grpc mesh". Leave image unset for '
      + 'ghcr.io/grpc-mesh/grpc-mesh-proxy:1.4.2, the image of this release, or give your registry\'s copy of it. [INVALID_IMAGE]',
    ]);
  });

  test('leaves the Envoy tiers on their pinned image', () => {
    expect(serviceImage(DataPlane.envoy())).toBe(d.DEFAULT_ENVOY_IMAGE);
    expect(gatewayImage(GatewayImplementation.envoy())).toBe(d.DEFAULT_ENVOY_IMAGE);
  });
});

describe('an unreleased build (0.0.0)', () => {
  beforeEach(() => givenPackageVersion('0.0.0'));

  const required = (path: string) => `${path}.image is required: this grpc-mesh is an unreleased build (version 0.0.0), for which no `
    + 'grpc-mesh-proxy image is published; got nothing. Build the image from this repository\'s Dockerfile (bash '
    + 'scripts/image/build.sh <registry>/grpc-mesh-proxy:<tag>), push it and pass its reference as image, or install a released '
    + 'grpc-mesh, whose default is ghcr.io/grpc-mesh/grpc-mesh-proxy:<its version>. [INVALID_IMAGE]';

  test('fails synthesis without an image, naming the field and both ways to get one', () => {
    expect(messages(() => render({ dataPlane: DataPlane.proxy() }))).toEqual([required('dataPlane')]);
    expect(messages(() => gatewayImage(GatewayImplementation.proxy()))).toEqual([required('implementation')]);
  });

  test('deploys the image it is given', () => {
    expect(serviceImage(DataPlane.proxy({ image: MIRROR }))).toBe(MIRROR);
    expect(gatewayImage(GatewayImplementation.proxy({ image: MIRROR }))).toBe(MIRROR);
  });
});
