#!/usr/bin/env node
// Follows the README as a new user would, in empty folders, with this repository's package as `npm pack` makes it:
//   - cdk8s: the install block and the first TypeScript block under "## Usage", then `cdk8s synth`; the manifests
//     must hold the objects the README's table lists;
//   - Pulumi: the install block and the first TypeScript block under "### Pulumi", type-checked with `tsc`
//     (there is no Pulumi CLI here; the parity suite runs the components under Pulumi's mocks).
// Needs the npm registry. Run after `npx projen compile` (CI runs it after `npm test`). Exit 1 on any failure.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'readme-quickstart-'));

/** The first block of `language` after `heading` (a whole heading line) in the README. */
function blockAfter(heading, language) {
  const start = readme.split('\n').findIndex((line) => line === heading);
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const rest = readme.split('\n').slice(start + 1).join('\n');
  const match = rest.match(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'm'));
  if (!match) throw new Error(`README.md has no \`${language}\` block after "${heading}"`);
  return match[1];
}

/** Runs the README's install block in `dir`, installing grpc-mesh from `tarball` instead of the registry. */
function install(dir, block, tarball) {
  const script = block.replace(/^(npm install\b.*?)(?<=\s)grpc-mesh(?=\s|$)/m, `$1${tarball}`);
  if (script === block) throw new Error('the install block does not install grpc-mesh');
  console.log(`$ ${script.trim().split('\n').join('\n$ ')}`);
  execSync(script, { cwd: dir, stdio: 'inherit', shell: '/bin/bash', env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' } });
}

function folder(name) {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  return dir;
}

try {
  execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')));

  console.log('== cdk8s, as the README says');
  const cdk8s = folder('cdk8s-app');
  install(cdk8s, blockAfter('## Usage', 'sh'), tarball);
  // The proxy ships as its image: a construct user installs none of its code or dependencies.
  const installed = JSON.parse(readFileSync(join(cdk8s, 'node_modules', '.package-lock.json'), 'utf8')).packages;
  const proxyOnly = Object.keys(installed).filter((p) => /node_modules\/(pino|prom-client|esbuild)$/.test(p));
  if (proxyOnly.length > 0) throw new Error(`a cdk8s install pulls the proxy's dependencies: ${proxyOnly.join(', ')}`);
  if (existsSync(join(cdk8s, 'node_modules', 'grpc-mesh', 'lib', 'proxy'))) throw new Error('the package ships lib/proxy');
  const own = Object.keys(installed).filter((p) => /node_modules\/grpc-mesh\/node_modules\/|^node_modules\/(yaml|zod|commander)$/.test(p));
  console.log(`the cdk8s install holds ${Object.keys(installed).length} packages; grpc-mesh's own dependencies: ${own.map((p) => p.split('node_modules/').pop()).join(', ')}`);
  writeFileSync(join(cdk8s, 'main.ts'), blockAfter('## Usage', 'ts'));
  execFileSync('npx', ['cdk8s', 'synth'], { cwd: cdk8s, stdio: 'inherit' });
  const objects = readdirSync(join(cdk8s, 'dist')).flatMap((f) => readFileSync(join(cdk8s, 'dist', f), 'utf8').split(/^---$/m))
    .map((doc) => `${doc.match(/^kind: (\S+)$/m)?.[1]}/${doc.match(/^ {2}name: (\S+)$/m)?.[1]}`);
  // The objects the README's table lists for `users`.
  const expected = ['Service/users', 'Service/users-headless', 'Deployment/users', 'PodDisruptionBudget/users', 'ConfigMap/users-envoy',
    'Deployment/users-envoy', 'Service/users-envoy', 'PodDisruptionBudget/users-envoy'];
  const missing = expected.filter((object) => !objects.includes(object));
  if (missing.length > 0) throw new Error(`cdk8s synth wrote ${objects.join(', ')}, not ${missing.join(', ')}`);
  console.log(`cdk8s synth wrote ${objects.join(', ')}`);

  console.log('== Pulumi, as the README says');
  const pulumi = folder('pulumi-app');
  install(pulumi, blockAfter('### Pulumi', 'sh'), tarball);
  writeFileSync(join(pulumi, 'index.ts'), blockAfter('### Pulumi', 'ts'));
  execFileSync('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: pulumi, stdio: 'inherit' });
  console.log('tsc: the Pulumi program type-checks');
} finally {
  rmSync(work, { recursive: true, force: true });
}
