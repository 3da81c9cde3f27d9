import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CDK8S_EXAMPLES } from '../projenrc/examples';
import type { KubeObject } from '../src/core';
import { envoyBootstrapCount, problemsOf } from './support/validate-all';

const ROOT = join(__dirname, '..');

/** Runs the real `cdk8s synth` in an example folder and returns every object it wrote. */
function cdk8sSynth(example: string): KubeObject[] {
  const dir = join(ROOT, 'examples', example);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  execFileSync('npx', ['cdk8s', 'synth'], { cwd: dir, stdio: 'pipe', timeout: 120_000 });
  const files = readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.k8s.yaml'));
  return files.flatMap((f) => parseAllDocuments(readFileSync(join(dir, 'dist', f), 'utf8')).map((doc) => doc.toJS() as KubeObject));
}

/** A cdk8s app with every kind of bad prop the foundation issue names, in one construct. */
const BAD_APP = `
import { App, Chart } from 'cdk8s';
import { DataPlane, GrpcMeshService } from 'grpc-mesh/cdk8s';
const chart = new Chart(new App(), 'bad');
new GrpcMeshService(chart, 'users', {
  name: 'Users_svc',
  port: 70000,
  workload: { image: 'img:1', replicas: -1 },
  dataPlane: DataPlane.none(),
  trafficPolicy: { retry: { attempts: 2, on: [] } },
});
`;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'lib', 'cdk8s', 'index.js'))) {
    throw new Error('examples import grpc-mesh/cdk8s from lib/: run `npx projen compile` first (`npm test` does)');
  }
});

describe.each(CDK8S_EXAMPLES)('example %s', (example) => {
  let objects: KubeObject[];
  beforeAll(() => {
    objects = cdk8sSynth(example);
  });

  test('synthesizes with the cdk8s CLI into valid, restricted manifests and valid Envoy bootstraps', () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(problemsOf(objects)).toEqual([]);
  });

  if (example === 'classic-recipe') {
    test('reproduces the classic recipe: a gRPC service on 3001, a headless Service, 2 Envoys behind a LoadBalancer', () => {
      const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
      expect(find('Service', 'user-service-headless').spec).toMatchObject({ clusterIP: 'None', ports: [{ port: 3001, targetPort: 3001 }] });
      expect(find('Deployment', 'user-service').spec.replicas).toBe(3);
      expect(find('Deployment', 'user-service-envoy').spec.replicas).toBe(2);
      expect(find('Service', 'user-service-envoy').spec).toMatchObject({ type: 'LoadBalancer', ports: [{ port: 3001 }] });
      expect(envoyBootstrapCount(objects)).toBe(1);
    });
  }
});

test('cdk8s synth of bad props fails with one error that lists every problem with its path and value', () => {
  const dir = mkdtempSync(join(ROOT, 'test', '.bad-app-'));
  try {
    writeFileSync(join(dir, 'main.ts'), BAD_APP);
    writeFileSync(join(dir, 'cdk8s.yaml'), 'language: typescript\napp: npx ts-node --project ../../examples/tsconfig.json main.ts\n');
    let stderr = '';
    try {
      execFileSync('npx', ['cdk8s', 'synth'], { cwd: dir, stdio: 'pipe', timeout: 120_000 });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain([
      'GrpcMeshService "bad/users": 5 problems:',
      '  - name must be a DNS-1035 label of at most 54 characters (lower-case letters, digits and \'-\', starting with a letter'
        + ' and ending with a letter or digit); got "Users_svc". It names Services, and "-headless" is appended to one of them. [INVALID_NAME]',
      '  - port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]',
      '  - workload.replicas must be between 0 and 2147483647; got -1. [OUT_OF_RANGE]',
      '  - trafficPolicy.retry.on must list at least one gRPC status code when attempts is above zero; got [].'
        + ' Retry only codes that mean the call was not processed, e.g. [GrpcStatus.UNAVAILABLE]. [RETRY_WITHOUT_CODES]',
      '  - trafficPolicy cannot be honoured by DataPlane.none(): nothing between clients and pods enforces it; got ["retry"].'
        + ' Choose a data plane such as DataPlane.envoy(), or remove trafficPolicy. [POLICY_WITHOUT_DATA_PLANE]',
    ].join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
