#!/usr/bin/env node
// compare.mjs - `npm run bench`: grpc-mesh-proxy side by side with nginx and HAProxy, as ratios.
//
// Runs the shared harness (../shared/bench/grpc-lb-bench.sh, or BENCH_DIR) with grpc-mesh-proxy added as one more LB,
// started exactly as the container image starts it (the Dockerfile's ENTRYPOINT: node --max-semi-space-size=2
// lib/proxy/main.js, here with --listen/--backends instead of --config, --no-access-log, --log-level warn). The harness
// pins each LB to one core, drives h2load over loopback only, stops every process it started and writes a markdown
// table; this script reads that table and prints, per backend flavour and load, the proxy's figures and its ratios
// to nginx and HAProxy measured in the same run (runs vary by 10-15 % on a shared machine: compare within a run).
//
//   npm run bench                                   # ~5 min: both backend flavours, both loads
//   DURATION=5 WARMUP=1 FLAVOURS=cbackend npm run bench
//   node scripts/bench/compare.mjs results.md       # only print the ratios of an existing results file
//
// Environment: everything the harness reads (DURATION, WARMUP, FLAVOURS, PROFILES, NICE, INSTALL, ...), plus
// BENCH_DIR [../shared/bench], RESULTS_DIR [a temp dir; the table is printed and its path given], PROXY_PORT [8083],
// PROXY_NODE_FLAGS [the Dockerfile's].
'use strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROXY = 'grpc-mesh-proxy';
const REFERENCES = ['nginx', 'haproxy'];

/** The proxy's node flags: those of the Dockerfile's ENTRYPOINT, so the benchmark runs what the image runs. */
function imageNodeFlags() {
  const entrypoint = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').match(/^ENTRYPOINT\s+(\[.*\])/m);
  if (!entrypoint) throw new Error('Dockerfile has no ENTRYPOINT in exec form');
  const args = JSON.parse(entrypoint[1]);
  return args.slice(1, args.indexOf('lib/proxy/main.js')).join(' ');
}

function runHarness() {
  const benchDir = resolve(ROOT, process.env.BENCH_DIR ?? '../shared/bench');
  const harness = join(benchDir, 'grpc-lb-bench.sh');
  if (!existsSync(harness)) throw new Error(`no benchmark harness at ${harness} (set BENCH_DIR)`);
  if (!existsSync(join(ROOT, 'lib', 'proxy', 'main.js'))) throw new Error('lib/proxy/main.js is missing: run `npx projen compile` first');
  const resultsDir = process.env.RESULTS_DIR ?? mkdtempSync(join(tmpdir(), 'grpc-mesh-bench-'));
  const flags = process.env.PROXY_NODE_FLAGS ?? imageNodeFlags();
  const env = {
    ...process.env,
    RESULTS_DIR: resultsDir,
    PROXY_NAME: PROXY,
    PROXY_PORT: process.env.PROXY_PORT ?? '8083',
    PROXY_CMD: `node ${flags} ${join(ROOT, 'lib', 'proxy', 'main.js')} --listen {listen} --backends {backends} --no-access-log --log-level warn`,
    LBS: process.env.LBS ?? 'direct nginx haproxy',
  };
  const run = spawnSync('bash', [harness], { env, stdio: 'inherit', cwd: benchDir });
  if (run.status !== 0) throw new Error(`the harness failed (exit ${run.status ?? run.signal})`);
  const files = readdirSync(resultsDir).filter((f) => /^results-.*\.md$/.test(f)).sort();
  if (files.length === 0) throw new Error(`the harness wrote no results-*.md in ${resultsDir}`);
  return join(resultsDir, files[files.length - 1]);
}

/** The rows of the harness's results table, keyed by the header's column names. */
export function parseResults(markdown) {
  const lines = markdown.split('\n');
  const headerAt = lines.findIndex((l) => l.startsWith('| flavour | LB | load |'));
  if (headerAt < 0) throw new Error('no results table (header "| flavour | LB | load |") found');
  const cells = (line) => line.split('|').slice(1, -1).map((c) => c.trim());
  const header = cells(lines[headerAt]);
  const rows = [];
  for (const line of lines.slice(headerAt + 2)) {
    if (!line.startsWith('|')) break;
    const values = cells(line);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i]])));
  }
  return rows;
}

const number = (text) => Number.parseFloat(String(text ?? '').replace(/[^\d.]/g, ''));
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '–');

/** One line per flavour and load: the proxy's figures and its ratios to each reference LB of the same run. */
export function compare(rows) {
  const out = [
    `| flavour | load | ${PROXY} req/s | p99 ms | µs/call | peak RSS MiB | ${REFERENCES.map((r) => `req/s vs ${r} | µs/call vs ${r} | p99 vs ${r}`).join(' | ')} |`,
    `|---|---|--:|--:|--:|--:|${REFERENCES.map(() => '--:|--:|--:|').join('')}`,
  ];
  for (const proxy of rows.filter((r) => r.LB === PROXY)) {
    const same = (lb) => rows.find((r) => r.LB === lb && r.flavour === proxy.flavour && r.load === proxy.load);
    const refs = REFERENCES.map((lb) => {
      const ref = same(lb);
      if (!ref) return '– | – | –';
      return [
        ratio(number(proxy['req/s']), number(ref['req/s'])),
        ratio(number(proxy['LB µs/req']), number(ref['LB µs/req'])),
        ratio(number(proxy['p99 ms']), number(ref['p99 ms'])),
      ].join(' | ');
    });
    out.push(`| ${proxy.flavour} | ${proxy.load} | ${proxy['req/s']} | ${proxy['p99 ms']} | ${proxy['LB µs/req']} | ${proxy['LB peak RSS MiB']} | ${refs.join(' | ')} |`);
  }
  return out.join('\n');
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    const file = process.argv[2] ?? runHarness();
    const rows = parseResults(readFileSync(file, 'utf8'));
    if (!rows.some((r) => r.LB === PROXY)) throw new Error(`${file} has no ${PROXY} rows`);
    console.log(`\n${PROXY} against nginx and HAProxy in the same run (${file}); below 1x is better for µs/call and p99:\n`);
    console.log(compare(rows));
  } catch (error) {
    console.error(`bench: ${error.message}`);
    process.exit(1);
  }
}
