import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Every test file under `dir`, relative to the repository. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(ROOT, path)] : [];
  });
}

describe('npm run test:image', () => {
  test('runs every suite that starts grpc-mesh-proxy as it ships against the container', () => {
    const tasks = JSON.parse(readFileSync(join(ROOT, '.projen', 'tasks.json'), 'utf8')) as {
      tasks: Record<string, { steps: Array<{ exec: string; env?: Record<string, string> }> }>;
    };
    const jest = tasks.tasks['test:image'].steps.find((step) => step.exec.startsWith('jest '))!;
    expect(jest.env).toEqual({ GRPC_MESH_PROXY_IMAGE: 'grpc-mesh-proxy:ci' });
    const paths = jest.exec.split(' ').slice(1).filter((arg) => !arg.startsWith('--'));
    // A suite starts the proxy as it ships when it imports the switch (directly or through child-proxy).
    const suites = testFiles(join(ROOT, 'test')).filter((file) => /from '[./]*(?:proxy\/)?(?:proxy-process|child-proxy)'/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(suites.length).toBeGreaterThanOrEqual(8);
    expect(suites.filter((suite) => !paths.some((path) => suite.startsWith(path)))).toEqual([]);
  });
});
