#!/usr/bin/env node
// Prints the manifests `cdk8s synth` wrote to a dist/ folder, then a one-line-per-object summary.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: show-manifests.mjs <dist-dir>');
  process.exit(2);
}
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const rows = [];
for (const file of files) {
  const text = readFileSync(join(dir, file), 'utf8');
  console.log(`# ---------- ${join(dir, file)} ----------`);
  console.log(text);
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJS();
    if (o) rows.push([o.kind, `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`, o.spec?.clusterIP === 'None' ? 'headless' : (o.spec?.type ?? '')]);
  }
}
if (rows.length === 0) {
  console.error(`no objects in ${dir}`);
  process.exit(1);
}
const width = (i) => Math.max(...rows.map((r) => r[i].length));
console.log(`Synthesized ${rows.length} objects into ${dir}:`);
for (const r of rows) console.log(`  ${r[0].padEnd(width(0))}  ${r[1].padEnd(width(1))}  ${r[2]}`);
