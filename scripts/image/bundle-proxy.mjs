#!/usr/bin/env node
// Bundles grpc-mesh-proxy (src/proxy/main.ts and every package it loads) into one CommonJS file with esbuild, the
// Dockerfile's build stage, so that the image holds no node_modules and the npm package needs none of the proxy's
// dependencies. Writes, under OUT_DIR (the image's /app):
//   lib/proxy/main.js      the proxy, unminified so that a stack trace reads as the source does
//   package.json           name, version and licence only (`grpc-mesh-proxy --version` reads the version)
//   THIRD-PARTY-NOTICES    the licence of every package in the bundle
// Fails when the bundle would load anything at run time but Node's built-ins.
//   usage: node scripts/image/bundle-proxy.mjs OUT_DIR
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/image/bundle-proxy.mjs OUT_DIR');
  process.exit(2);
}
const outfile = join(out, 'lib', 'proxy', 'main.js');

const result = await build({
  entryPoints: [join(ROOT, 'src', 'proxy', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  metafile: true,
  logLevel: 'warning',
  absWorkingDir: ROOT,
});

const output = result.metafile.outputs[relative(ROOT, outfile)];
const inputs = Object.keys(output.inputs);
const external = [...new Set(output.imports.filter((i) => i.external)
  .map((i) => i.path).filter((p) => !builtinModules.includes(p.replace(/^node:/, ''))))];
if (external.length > 0) {
  console.error(`bundle-proxy: the bundle would load ${external.join(', ')} at run time: the image has no node_modules`);
  process.exit(1);
}

/** The folder of each package with a file in the bundle (nested node_modules included), by name. */
const packages = new Map();
for (const input of inputs) {
  const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
  if (match) packages.set(match[2], join(ROOT, match[1]));
}
const notices = [...packages].sort(([a], [b]) => a.localeCompare(b)).map(([name, dir]) => {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licenceFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const text = licenceFile ? readFileSync(join(dir, licenceFile), 'utf8').trim() : `(no licence file; package.json says ${manifest.license})`;
  return `${name}@${manifest.version} (${manifest.license})\n\n${text}\n`;
});
const { name, version, license } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
mkdirSync(dirname(outfile), { recursive: true });
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ name: `${name}-proxy`, version, license, private: true }, null, 2)}\n`);
writeFileSync(join(out, 'THIRD-PARTY-NOTICES'), `grpc-mesh-proxy bundles these packages:\n\n${notices.join(`\n${'-'.repeat(78)}\n\n`)}`);
const size = output.bytes;
const own = inputs.filter((i) => !i.includes('node_modules/')).length;
console.log(`bundle-proxy: ${outfile}: ${(size / 1e6).toFixed(2)} MB, ${own} modules of src/ and ${inputs.length - own} of ${packages.size} packages`);
