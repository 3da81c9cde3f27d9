import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
