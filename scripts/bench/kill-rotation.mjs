#!/usr/bin/env node
// kill-rotation.mjs - the "kill rotation" scenario of issue 12, side by side for several gRPC load balancers.
//
// What it measures, per load balancer (run one after the other, loopback only):
//   3 @grpc/grpc-js backends (scripts/bench/kill-backend.js, one process each) behind the LB; ONE client channel
//   (one HTTP/2 connection to the LB, grpc-js, 'grpc.enable_retries': 0) keeps CONCURRENCY unary calls in flight
//   for DURATION seconds, each with a 5 s deadline. Every KILL_EVERY_MS one backend, in rotation (b1, b2, b3, b1...),
//   is SIGKILLed (no GOAWAY: the kernel closes its listener and connections) and restarted RESTART_AFTER_MS later
//   on the same port. Reported: calls total / ok / failed, failures by gRPC status and the top 3 messages, failed
//   calls per second of the run, and for every restarted backend the time from its restart (listening again) until
//   it served its first call, and the calls it served afterwards ("never" if it got none before it was killed
//   again or the run ended).
//
// Load balancers (LBS):
//   nginx, haproxy  configured as ../shared/bench/grpc-lb-bench.sh does (nginx grpc_pass, round robin, keepalive
//                   512, 1 worker; HAProxy mode http, h2c bind, proto h2 servers, roundrobin, http-reuse always,
//                   nbthread 1), installed with apt-get if missing (INSTALL=0 forbids it)
//   proxy           grpc-mesh-proxy (node lib/proxy/main.js --config FILE --log-level warn) with the proxy.yaml the
//                   library renders into the ConfigMap of a default GrpcMeshService with DataPlane.proxy(); only
//                   the cluster's DNS discovery is replaced by the 3 static loopback backends, the listener and admin
//                   moved to free loopback ports, and accessLog: false
//   proxy-retry     the same, the service given trafficPolicy.retry: { attempts: 2, on: [UNAVAILABLE] }
//
// Run (after `npx projen compile`, from the repository root):
//   node scripts/bench/kill-rotation.mjs
//   DURATION=20 LBS=nginx,haproxy,proxy,proxy-retry node scripts/bench/kill-rotation.mjs
// Settings (environment, defaults in brackets): DURATION [20] seconds of load per LB; LBS
//   [nginx,haproxy,proxy,proxy-retry]; CONCURRENCY [16]; KILL_EVERY_MS [2000]; RESTART_AFTER_MS [1000];
//   DEADLINE_MS [5000]; MAX_CALLS [1000000] hard cap of calls per LB; INSTALL [1]; OUT
//   [docs/benchmarks/kill-rotation-<date>.md, '-' writes no file]; KEEP_RUN_DIR [0] keeps the scratch dir (configs,
//   LB and backend logs).
// The markdown report goes to stdout and to OUT. Every process this script starts is stopped by PID at the end,
// on error and on SIGINT/SIGTERM; nothing else is touched.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const grpc = require('@grpc/grpc-js');
const YAML = require('yaml');
const { loadDefinitions } = require('./kill-backend.js');

const env = (name, dflt) => (process.env[name] !== undefined && process.env[name] !== '' ? process.env[name] : dflt);
const DURATION_S = Number(env('DURATION', '20'));
const LBS = env('LBS', 'nginx,haproxy,proxy,proxy-retry').split(/[\s,]+/).filter(Boolean);
const CONCURRENCY = Number(env('CONCURRENCY', '16'));
const KILL_EVERY_MS = Number(env('KILL_EVERY_MS', '2000'));
const RESTART_AFTER_MS = Number(env('RESTART_AFTER_MS', '1000'));
const DEADLINE_MS = Number(env('DEADLINE_MS', '5000'));
const MAX_CALLS = Number(env('MAX_CALLS', '1000000'));
const INSTALL = env('INSTALL', '1') !== '0';
const KEEP_RUN_DIR = env('KEEP_RUN_DIR', '0') === '1';
const DATE = new Date().toISOString().slice(0, 10);
const OUT = env('OUT', path.join(ROOT, 'docs/benchmarks', `kill-rotation-${DATE}.md`));
const HOST = '127.0.0.1';
const KNOWN_LBS = ['nginx', 'haproxy', 'proxy', 'proxy-retry'];
for (const lb of LBS) if (!KNOWN_LBS.includes(lb)) die(`unknown LB "${lb}" (known: ${KNOWN_LBS.join(', ')})`);
if (!(DURATION_S > 0 && DURATION_S <= 600)) die('DURATION must be 1..600 seconds');

function log(msg) { process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${msg}\n`); }
function die(msg) { log(`ERROR: ${msg}`); process.exit(1); }
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const sleepUntil = (t) => sleep(t - Date.now());

// ---------------------------------------------------------------- processes (ours only, by PID)
const children = new Map(); // pid -> { child, name }
function startProcess(name, cmd, args, logFile, opts = {}) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: [opts.pipeStdin ? 'pipe' : 'ignore', opts.pipeStdout ? 'pipe' : out, out], cwd: ROOT });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  children.set(child.pid, { child, name });
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => { children.delete(child.pid); resolve({ code, signal }); }));
  child.once('error', (err) => log(`${name}: ${err.message}`));
  return child;
}
const running = (child) => child.exitCode === null && child.signalCode === null;
async function stopProcess(child, graceMs = 5000) {
  if (!running(child)) return child.exited;
  child.kill('SIGTERM');
  const t = setTimeout(() => { if (running(child)) child.kill('SIGKILL'); }, graceMs);
  const r = await child.exited;
  clearTimeout(t);
  return r;
}
function stopAllSync() { // the exit path: the event loop no longer runs, so signal, wait a little, then SIGKILL
  const left = [...children.values()].filter(({ child }) => running(child));
  if (left.length === 0) return;
  for (const { child } of left) { try { child.kill('SIGTERM'); } catch { /* gone */ } }
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  for (const { child } of left) { try { child.kill('SIGKILL'); } catch { /* gone */ } } // unreaped: still ours
  children.clear();
}
let RUN_DIR;
process.on('exit', () => {
  stopAllSync();
  if (RUN_DIR && !KEEP_RUN_DIR) fs.rmSync(RUN_DIR, { recursive: true, force: true });
  else if (RUN_DIR) log(`scratch kept in ${RUN_DIR}`);
});
let exiting = false;
async function stopAllAndExit(code) { // stop (and reap) every process of ours, then exit; the exit hook is the fallback
  if (exiting) return;
  exiting = true;
  const guard = setTimeout(() => process.exit(code), 8000);
  await Promise.all([...children.values()].map(({ child }) => stopProcess(child)));
  clearTimeout(guard);
  process.exit(code);
}
process.on('SIGINT', () => { log('SIGINT: stopping'); stopAllAndExit(130); });
process.on('SIGTERM', () => { log('SIGTERM: stopping'); stopAllAndExit(143); });
process.on('uncaughtException', (err) => { log(`ERROR: ${err.stack ?? err}`); stopAllAndExit(1); });
process.on('unhandledRejection', (err) => { log(`ERROR: ${err?.stack ?? err}`); stopAllAndExit(1); });

// ---------------------------------------------------------------- ports
const usedPorts = new Set();
function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, HOST, () => s.close(() => resolve(true)));
  });
}
async function freePort() { // below the ephemeral range (32768+), so no outgoing connection takes a port meanwhile
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 12000);
    if (!usedPorts.has(p) && await portFree(p)) { usedPorts.add(p); return p; }
  }
  throw new Error('no free port found');
}
function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.setTimeout(500, () => { s.destroy(); resolve(false); });
  });
}
async function waitPort(port, child, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await portOpen(port)) return true;
    if (!running(child)) return false;
    await sleep(100);
  }
  return false;
}

// ---------------------------------------------------------------- install
function have(cmd) { try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; } }
function ensureInstalled() {
  const need = LBS.some((lb) => lb === 'nginx') && !have('nginx') || LBS.some((lb) => lb === 'haproxy') && !have('haproxy');
  if (need) {
    if (!INSTALL) die('nginx/haproxy missing and INSTALL=0');
    const aptGet = (args) => (process.getuid?.() === 0
      ? execFileSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
      : execFileSync('sudo', ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], { stdio: 'inherit' }));
    log('installing nginx haproxy with apt-get');
    aptGet(['update']);
    aptGet(['install', '-y', 'nginx', 'haproxy']);
  }
  if (LBS.some((lb) => lb.startsWith('proxy')) && !fs.existsSync(path.join(ROOT, 'lib/proxy/main.js'))) {
    die('lib/proxy/main.js missing: run `npx projen compile` first');
  }
}

// ---------------------------------------------------------------- backends
class Backend {
  constructor(index, port) {
    this.name = `b${index + 1}`;
    this.port = port;
    // one record per process: { id, gen, pid, spawnAt, restartAt (bind asked), listeningAt, firstCallAt, killedAt, exit }
    this.gens = [];
    this.child = undefined;
    this.next = undefined; // a pre-started process of the next generation, waiting to bind
  }
  spawnGen(waitBind) {
    const gen = this.gens.length;
    const rec = { id: `${this.name}#${gen}`, backend: this.name, gen, spawnAt: Date.now() };
    this.gens.push(rec);
    const args = [path.join(HERE, 'kill-backend.js'), '--id', this.name, '--gen', String(gen), '--host', HOST, '--port', String(this.port)];
    const child = startProcess(rec.id, process.execPath, waitBind ? [...args, '--bind-on-stdin'] : args,
      path.join(RUN_DIR, `backend-${this.name}.log`), { pipeStdout: true, pipeStdin: true });
    rec.pid = child.pid;
    let onListening;
    const listening = new Promise((resolve) => { onListening = resolve; });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let ev;
      try { ev = JSON.parse(line); } catch { return; }
      if (ev.ev === 'listening') { rec.listeningAt = ev.t; onListening(rec); }
      if (ev.ev === 'first') rec.firstCallAt = ev.t;
    });
    child.exited.then((r) => { rec.exit = r; onListening(rec); });
    child.stdin.on('error', () => { /* the process is gone */ });
    return { child, rec, listening };
  }
  /** First start: spawn and bind at once; resolves once it listens (or failed). */
  start() {
    const g = this.spawnGen(false);
    this.child = g.child;
    g.rec.restartAt = g.rec.spawnAt;
    return g.listening;
  }
  /** Loads the next generation's process (Node, grpc-js) without binding, so `restart()` binds on time. */
  prepare() { this.next = this.spawnGen(true); }
  /** The restart: the prepared process binds the same port now; resolves once it listens (or failed). */
  restart() {
    if (!this.next) this.prepare();
    const g = this.next;
    this.next = undefined;
    this.child = g.child;
    g.rec.restartAt = Date.now();
    g.child.stdin.write('bind\n');
    return g.listening;
  }
  /** SIGKILL: no GOAWAY, the kernel closes the listener and every connection. */
  async kill() {
    const child = this.child;
    const rec = this.gens[this.gens.length - 1];
    if (!child || !running(child)) return;
    rec.killedAt = Date.now();
    child.kill('SIGKILL');
    await child.exited;
  }
  async stop() {
    if (this.next) await stopProcess(this.next.child);
    if (this.child) await stopProcess(this.child);
  }
}

// ---------------------------------------------------------------- load balancers
function nginxConfig(dir, port, backends) { // the text of grpc-lb-bench.sh's lb_start_nginx
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/tmp-${t};`);
  return [
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 8192; }',
    'http {',
    '  access_log off;',
    ...temp,
    '  keepalive_requests 100000000;',
    '  keepalive_timeout 300s;',
    '  http2_max_concurrent_streams 1024;',
    '  upstream grpc_backends {',
    ...backends.map((b) => `    server ${HOST}:${b.port};`),
    '    # nginx uses one upstream connection per in-flight call: cache enough idle ones',
    '    keepalive 512;',
    '    keepalive_requests 100000000;',
    '    keepalive_timeout 300s;',
    '  }',
    '  server {',
    `    listen ${HOST}:${port} http2;`,
    '    location / { grpc_pass grpc://grpc_backends; }',
    '  }',
    '}',
    '',
  ].join('\n');
}
function haproxyConfig(port, backends) { // the text of grpc-lb-bench.sh's lb_start_haproxy
  return [
    'global',
    '  nbthread 1',
    '  maxconn 4096',
    '  tune.h2.max-concurrent-streams 1024',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 300s',
    '  timeout server 300s',
    '  timeout http-keep-alive 300s',
    'frontend fe_grpc',
    `  bind ${HOST}:${port} proto h2`,
    '  default_backend be_grpc',
    'backend be_grpc',
    '  balance roundrobin',
    '  http-reuse always',
    ...backends.map((b, i) => `  server b${i + 1} ${HOST}:${b.port} proto h2`),
    '',
  ].join('\n');
}

/**
 * The proxy.yaml of the ConfigMap the library renders for a default GrpcMeshService with DataPlane.proxy()
 * (optionally with a retry policy), then: static loopback endpoints instead of DNS, loopback ports, no access log.
 */
function proxyConfig(withRetry, port, adminPort, backends) {
  const core = require(path.join(ROOT, 'lib/core/index.js'));
  const trafficPolicy = withRetry ? { retry: { attempts: 2, on: [core.GrpcStatus.UNAVAILABLE] } } : undefined;
  const model = core.resolveGrpcMeshService({
    port: 50051,
    workload: { image: 'registry.example/echo:1' },
    dataPlane: core.DataPlane.proxy({ image: 'registry.example/grpc-mesh-proxy:bench' }),
    ...(trafficPolicy && { trafficPolicy }),
  }, { defaultName: 'echo' });
  const configMap = core.renderGrpcMeshService(model).balancer.config;
  const rendered = YAML.parse(configMap.data[core.PROXY_CONFIG_KEY]);
  if (rendered.clusters.length !== 1) throw new Error(`expected one cluster in the rendered config, got ${rendered.clusters.length}`);
  const config = {
    ...rendered,
    listeners: rendered.listeners.map((l) => ({ ...l, address: HOST, port })),
    admin: { ...rendered.admin, address: HOST, port: adminPort },
    clusters: rendered.clusters.map((c) => ({ ...c, discovery: { type: 'static', endpoints: backends.map((b) => ({ address: HOST, port: b.port })) } })),
    accessLog: false,
  };
  return { rendered, config };
}

async function startLb(lb, backends) {
  const port = await freePort();
  const dir = path.join(RUN_DIR, `lb-${lb}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  let child; const files = {}; let version = ''; let adminPort;
  if (lb === 'nginx') {
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, nginxConfig(dir, port, backends));
    execFileSync('nginx', ['-t', '-q', '-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf], { stdio: 'inherit' });
    child = startProcess(lb, 'nginx', ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'], path.join(dir, 'stdout.log'));
    files['nginx.conf'] = fs.readFileSync(conf, 'utf8');
    version = execFileSync('sh', ['-c', 'nginx -v 2>&1'], { encoding: 'utf8' }).trim().replace(/^nginx version: /, '');
  } else if (lb === 'haproxy') {
    const conf = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(conf, haproxyConfig(port, backends));
    execFileSync('haproxy', ['-c', '-q', '-f', conf], { stdio: 'inherit' });
    child = startProcess(lb, 'haproxy', ['-db', '-f', conf], path.join(dir, 'stdout.log'));
    files['haproxy.cfg'] = fs.readFileSync(conf, 'utf8');
    version = 'HAProxy ' + execFileSync('haproxy', ['-v'], { encoding: 'utf8' }).split('\n')[0].split(' ')[2];
  } else {
    adminPort = await freePort();
    const { config } = proxyConfig(lb === 'proxy-retry', port, adminPort, backends);
    const conf = path.join(dir, 'proxy.yaml');
    fs.writeFileSync(conf, YAML.stringify(config, { lineWidth: 0 }));
    child = startProcess(lb, process.execPath, [path.join(ROOT, 'lib/proxy/main.js'), '--config', conf, '--log-level', 'warn'], path.join(dir, 'stdout.log'));
    files['proxy.yaml'] = fs.readFileSync(conf, 'utf8');
    const built = fs.statSync(path.join(ROOT, 'lib/proxy/proxy.js')).mtime.toISOString().slice(0, 19).replace('T', ' ');
    version = `grpc-mesh-proxy (lib/proxy built ${built} UTC; git HEAD ${gitHead()})`;
  }
  if (!await waitPort(port, child)) {
    await stopProcess(child);
    throw new Error(`${lb} did not come up on ${HOST}:${port} (see ${dir}; KEEP_RUN_DIR=1 keeps it)`);
  }
  return { child, port, adminPort, dir, files, version };
}
function gitHead() { try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { return '?'; } }

/**
 * Polls grpc-mesh-proxy's admin /endpoints (every `everyMs`) and keeps each sample: when each backend was unhealthy,
 * ejected, unreachable (a field newer proxies report) or had no open connection.
 */
function pollEndpoints(adminPort, backends, everyMs = 250) {
  const byPort = new Map(backends.map((b) => [b.port, b.name]));
  const samples = [];
  let stopped = false;
  const once = () => new Promise((resolve) => {
    const t = Date.now();
    const req = http.get({ host: HOST, port: adminPort, path: '/endpoints', timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        try {
          const snap = JSON.parse(body);
          const cluster = Object.values(snap.clusters)[0];
          const eps = {};
          for (const e of cluster.endpoints) {
            const flags = [e.healthy === false && 'unhealthy', e.ejected === true && 'ejected', e.reachable === false && 'unreachable',
              e.connections === 0 && 'no connection'].filter(Boolean);
            eps[byPort.get(e.port) ?? e.port] = flags.join('+');
          }
          samples.push({ t, panic: cluster.panic, eps });
        } catch { /* a partial answer: skip the sample */ }
        resolve();
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve());
  });
  const done = (async () => { while (!stopped) { await once(); await sleep(everyMs); } })();
  return { samples, stop: async () => { stopped = true; await done; } };
}
/** Intervals (s from `start`) during which each backend (and the panic flag) was in a state other than fine. */
function stateIntervals(samples, start) {
  const open = new Map(); const out = [];
  const note = (key, state, t) => {
    const cur = open.get(key);
    if (cur && cur.state === state) return;
    if (cur && cur.state) out.push({ key, state: cur.state, from: cur.from, to: t });
    open.set(key, { state, from: t });
  };
  for (const s of samples) {
    const t = (s.t - start) / 1000;
    for (const [k, v] of Object.entries(s.eps)) note(k, v, t);
    note('panic', s.panic ? 'panic' : '', t);
  }
  const tEnd = samples.length ? (samples[samples.length - 1].t - start) / 1000 : 0;
  for (const [key, cur] of open) if (cur.state) out.push({ key, state: cur.state, from: cur.from, to: tEnd, open: true });
  return out.sort((a, b) => a.key.localeCompare(b.key) || a.from - b.from);
}

// ---------------------------------------------------------------- client and scenario
const DEFS = loadDefinitions();
const STATUS_NAME = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));
function newClient(port) {
  return new DEFS.bench.Echo(`${HOST}:${port}`, grpc.credentials.createInsecure(), {
    'grpc.enable_retries': 0, // no client-side retries: every failure the LB lets through is counted
    'grpc.use_local_subchannel_pool': 1, // a channel of its own: one connection to the LB
  });
}
function say(client, deadlineMs) {
  return new Promise((resolve) => {
    client.Say({ msg: 'kill-rotation' }, { deadline: Date.now() + deadlineMs }, (err, reply) => resolve({ err, reply }));
  });
}
async function verify(client) { // the LB must serve calls before the scenario starts (bounded: 15 s)
  const end = Date.now() + 15000; let ok = 0; let last = '';
  while (Date.now() < end && ok < 6) {
    const { err } = await say(client, 2000);
    if (err) { ok = 0; last = `${STATUS_NAME[err.code]}: ${err.details}`; await sleep(200); } else ok++;
  }
  if (ok < 6) throw new Error(`calls through the LB do not succeed before the run (${last})`);
}
function cpuBusy() { // machine-wide busy and total jiffies
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

/** nginx's error.log, by message (timestamps, PIDs, connection numbers, addresses removed). */
function summarizeLbLog(lb, dir) {
  if (lb !== 'nginx') return undefined;
  const file = path.join(dir, 'error.log');
  if (!fs.existsSync(file)) return undefined;
  const counts = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const msg = line.replace(/^\S+ \S+ /, '').replace(/\d+#\d+: (\*\d+ )?/, '').replace(/, client: .*$/, '');
    counts.set(msg, (counts.get(msg) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}
let normalize = (m) => m;
async function runScenario(lb) {
  log(`${lb}: starting 3 backends`);
  const backends = [];
  for (let i = 0; i < 3; i++) backends.push(new Backend(i, await freePort()));
  // failure messages are grouped with each backend's address written <backend> (it varies by run and backend) and
  // durations written <n> ms (grpc-mesh-proxy names its reconnect backoff)
  normalize = (m) => backends.reduce((acc, b) => acc.split(`${HOST}:${b.port}`).join('<backend>'), m).replace(/\b\d+ ms\b/g, '<n> ms');
  const result = { lb };
  let lbProc;
  let client;
  try {
    for (const b of backends) {
      const rec = await b.start();
      if (rec.listeningAt === undefined) throw new Error(`backend ${rec.id} did not start (see ${RUN_DIR}/backend-${b.name}.log)`);
    }
    lbProc = await startLb(lb, backends);
    result.version = lbProc.version; result.files = lbProc.files;
    log(`${lb}: listening on ${HOST}:${lbProc.port}; checking calls through it`);
    client = newClient(lbProc.port);
    await verify(client);

    const stats = { total: 0, ok: 0, failed: 0, byCode: new Map(), byMessage: new Map(), failPerSec: [], okById: new Map(), latMax: 0 };
    const start = Date.now();
    const end = start + DURATION_S * 1000;
    const nSec = Math.ceil(DURATION_S);
    stats.failPerSec = new Array(nSec + Math.ceil(DEADLINE_MS / 1000) + 1).fill(0);
    const cpu0 = cpuBusy();
    const poller = lbProc.adminPort !== undefined ? pollEndpoints(lbProc.adminPort, backends) : undefined;
    log(`${lb}: ${CONCURRENCY} calls in flight for ${DURATION_S}s, killing one backend every ${KILL_EVERY_MS} ms`);
    let stop = false;
    const loop = async () => {
      while (!stop && Date.now() < end && stats.total < MAX_CALLS) {
        stats.total++;
        const { err, reply } = await say(client, DEADLINE_MS);
        if (err) {
          stats.failed++;
          const code = STATUS_NAME[err.code] ?? String(err.code);
          stats.byCode.set(code, (stats.byCode.get(code) ?? 0) + 1);
          const msg = `${code}: ${normalize(String(err.details))}`;
          stats.byMessage.set(msg, (stats.byMessage.get(msg) ?? 0) + 1);
          stats.failPerSec[Math.floor((Date.now() - start) / 1000)]++;
        } else {
          stats.ok++;
          stats.okById.set(reply.backend, (stats.okById.get(reply.backend) ?? 0) + 1);
        }
      }
    };
    const kills = [];
    const killer = (async () => {
      for (let k = 1; start + k * KILL_EVERY_MS < end; k++) {
        const b = backends[(k - 1) % backends.length];
        await sleepUntil(start + k * KILL_EVERY_MS);
        if (stop) return;
        await b.kill();
        const rec = b.gens[b.gens.length - 1];
        kills.push({ backend: b.name, at: rec.killedAt - start });
        if (start + k * KILL_EVERY_MS + RESTART_AFTER_MS >= end) return;
        b.prepare(); // Node's start-up happens now, so the listener is back RESTART_AFTER_MS after the kill
        await sleepUntil(start + k * KILL_EVERY_MS + RESTART_AFTER_MS);
        if (stop) return;
        b.restart().then((r) => { if (r.listeningAt === undefined && r.exit?.signal !== 'SIGTERM') log(`${lb}: restart of ${r.id} failed (${JSON.stringify(r.exit)})`); });
      }
    })();
    // bounded: loops end at `end` (+ at most one deadline); the guard closes the channel if anything hangs
    const guard = setTimeout(() => { log(`${lb}: calls still running ${DEADLINE_MS + 5000} ms after the end; closing the channel`); client.close(); }, DURATION_S * 1000 + DEADLINE_MS + 5000);
    await Promise.all(Array.from({ length: CONCURRENCY }, loop));
    stop = true;
    clearTimeout(guard);
    const wall = (Date.now() - start) / 1000;
    const cpu1 = cpuBusy();
    await killer;
    if (poller) { await poller.stop(); result.endpointSamples = poller.samples; }
    client.close(); client = undefined;
    await stopProcess(lbProc.child);
    result.lbLog = summarizeLbLog(lb, lbProc.dir);
    lbProc = undefined;
    result.cpuBusyPct = Math.round(100 * (cpu1.busy - cpu0.busy) / Math.max(1, cpu1.total - cpu0.total));
    result.load = os.loadavg()[0];
    Object.assign(result, { stats, start, end, wall, kills, backends });
    log(`${lb}: ${stats.total} calls, ${stats.failed} failed`);
    return result;
  } finally {
    if (client) client.close();
    if (lbProc) await stopProcess(lbProc.child);
    for (const b of backends) await b.stop();
  }
}

// ---------------------------------------------------------------- report
const fmtS = (ms) => (ms / 1000).toFixed(1);
const md = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
function restartsOf(r) {
  const out = [];
  for (const b of r.backends) {
    for (const g of b.gens.slice(1)) {
      if (g.restartAt === undefined) continue; // prepared, never asked to bind (the run ended)
      const stopAt = Math.min(g.killedAt ?? Infinity, r.end);
      out.push({
        id: g.id,
        backend: b.name,
        restartAt: (g.restartAt ?? g.spawnAt) - r.start,
        upMs: g.listeningAt !== undefined ? g.listeningAt - g.restartAt : undefined,
        firstMs: g.firstCallAt !== undefined && g.listeningAt !== undefined ? g.firstCallAt - g.listeningAt : undefined,
        calls: r.stats.okById.get(g.id) ?? 0,
        observedMs: g.listeningAt !== undefined ? stopAt - g.listeningAt : 0,
        killedAgain: g.killedAt !== undefined,
        failedStart: g.listeningAt === undefined,
      });
    }
  }
  return out.sort((a, b) => a.restartAt - b.restartAt);
}
function median(xs) { if (xs.length === 0) return undefined; const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; }

function report(results, meta) {
  const L = [];
  L.push(`# Kill rotation (issue 12), ${meta.stamp}`, '');
  L.push(`- scenario: loopback only; 3 @grpc/grpc-js backends (one process each); ONE grpc-js client channel (one connection to the LB, \`grpc.enable_retries: 0\`) with ${CONCURRENCY} unary calls in flight for ${DURATION_S} s, deadline ${DEADLINE_MS} ms per call; every ${KILL_EVERY_MS} ms one backend in rotation (b1, b2, b3, ...) is SIGKILLed (no GOAWAY) and restarted ${RESTART_AFTER_MS} ms later on the same port. Each LB runs once, with fresh backends.`);
  L.push(`- machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${meta.load0.map((x) => x.toFixed(2)).join(' ')} before the run (shared, busy machine: numbers as measured); node ${process.version}, grpc-js ${require('@grpc/grpc-js/package.json').version}`);
  L.push(`- command: \`${meta.command}\``);
  L.push('- "first call after restart" = from the restarted process listening again to it serving its first Say call (reported by the backend itself); the next process of a backend is started (Node + grpc-js loaded) at the kill and binds the same port at kill + ' + RESTART_AFTER_MS + ' ms; "up" = from that bind request to listening; calls served = calls the client got an answer from that process for; "never" = no call before it was killed again or the run ended (observed window given).');
  L.push('');
  L.push('| LB | calls total | ok | failed | failed % | failed by status | top 3 failure messages | restarts served | first call after restart (median / max) | never got a call again | calls per restarted backend (median) | machine busy % |');
  L.push('|---|--:|--:|--:|--:|---|---|--:|--:|---|--:|--:|');
  for (const r of results) {
    if (r.error) { L.push(`| ${r.lb} | – | – | – | – | run failed: ${md(r.error)} | | | | | | |`); continue; }
    const s = r.stats;
    const byCode = [...s.byCode.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || '–';
    const top = [...s.byMessage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${v}× ${md(k.length > 200 ? k.slice(0, 200) + '…' : k)}`).join('<br>') || '–';
    const rs = restartsOf(r);
    const served = rs.filter((x) => x.firstMs !== undefined);
    const never = rs.filter((x) => x.firstMs === undefined).map((x) => `${x.id} (${x.failedStart ? 'not listening before the end' : `observed ${fmtS(x.observedMs)} s`})`).join(', ') || 'none';
    const firsts = served.map((x) => x.firstMs);
    const firstTxt = firsts.length ? `${median(firsts)} / ${Math.max(...firsts)} ms` : '–';
    const medCalls = median(rs.map((x) => x.calls));
    L.push(`| ${r.lb} | ${s.total} | ${s.ok} | ${s.failed} | ${(100 * s.failed / Math.max(1, s.total)).toFixed(2)} | ${byCode} | ${top} | ${served.length}/${rs.length} | ${firstTxt} | ${never} | ${medCalls ?? '–'} | ${r.cpuBusyPct} |`);
  }
  L.push('');
  L.push(`Failed calls per second of the run (second 0 first; kills at ${KILL_EVERY_MS / 1000}, ${2 * KILL_EVERY_MS / 1000}, ${3 * KILL_EVERY_MS / 1000} ... s of b1, b2, b3, b1 ..., each restarted ${RESTART_AFTER_MS / 1000} s later):`, '');
  L.push('| LB | failed calls per second |', '|---|---|');
  for (const r of results) {
    if (r.error) continue;
    const n = Math.ceil(r.wall);
    L.push(`| ${r.lb} | ${r.stats.failPerSec.slice(0, n).join(' ')} |`);
  }
  L.push('');
  L.push('Every restart:', '');
  L.push('| LB | restarted backend | restarted at s | up ms | first call after restart ms | calls served after restart | observed s (until killed again / end) |');
  L.push('|---|---|--:|--:|--:|--:|--:|');
  for (const r of results) {
    if (r.error) continue;
    for (const x of restartsOf(r)) {
      L.push(`| ${r.lb} | ${x.id} | ${fmtS(x.restartAt)} | ${x.upMs ?? 'not listening before the end'} | ${x.firstMs ?? '**never**'} | ${x.calls} | ${fmtS(x.observedMs)}${x.killedAgain ? '' : ' (end)'} |`);
    }
  }
  L.push('');
  L.push('Calls served per backend process (`bN#0` = the original process, `#1`, `#2` ... its restarts):', '');
  L.push('| LB | calls served |', '|---|---|');
  for (const r of results) {
    if (r.error) continue;
    L.push(`| ${r.lb} | ${[...r.stats.okById.entries()].sort().map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  }
  L.push('');
  const withStates = results.filter((r) => r.endpointSamples);
  if (withStates.length) {
    L.push('grpc-mesh-proxy\'s own view of its endpoints (admin `/endpoints`, polled every 250 ms; intervals in s of the run when an endpoint was not fine):', '');
    L.push('| LB | samples | b1 | b2 | b3 | panic mode |', '|---|--:|---|---|---|---|');
    for (const r of withStates) {
      const iv = stateIntervals(r.endpointSamples, r.start);
      const col = (key) => iv.filter((x) => x.key === key).map((x) => `${x.state} ${x.from.toFixed(1)}–${x.open ? 'end' : x.to.toFixed(1)}`).join(', ') || '–';
      L.push(`| ${r.lb} | ${r.endpointSamples.length} | ${col('b1')} | ${col('b2')} | ${col('b3')} | ${col('panic')} |`);
    }
    L.push('');
  }
  for (const r of results.filter((x) => x.lbLog)) {
    L.push(`${r.lb}'s error.log, by message:`, '');
    for (const [k, v] of r.lbLog.slice(0, 8)) L.push(`- ${v}× \`${k}\``);
    L.push('');
  }
  L.push('<details><summary>every failure message, per LB (<code>&lt;backend&gt;</code> = a backend\'s address)</summary>', '');
  for (const r of results) {
    if (r.error) continue;
    L.push(`${r.lb}:`, '');
    for (const [k, v] of [...r.stats.byMessage.entries()].sort((a, b) => b[1] - a[1])) L.push(`- ${v}× \`${k}\``);
    if (r.stats.byMessage.size === 0) L.push('- none');
    L.push('');
  }
  L.push('</details>', '');
  L.push('Versions: ' + results.filter((r) => r.version).map((r) => `${r.lb}: ${r.version}`).join('; '), '');
  for (const lb of ['proxy', 'proxy-retry']) {
    const r = results.find((x) => x.lb === lb && x.files);
    if (!r) continue;
    const cfg = YAML.parse(r.files['proxy.yaml']);
    L.push(`Effective cluster config of \`${lb}\` (rendered by the library; only \`discovery\` replaced):`, '', '```json', JSON.stringify(cfg.clusters[0]), '```', '');
  }
  L.push('<details><summary>configs used ($RUN_DIR = the run\'s scratch dir; ports are per run)</summary>', '');
  for (const r of results) {
    for (const [name, text] of Object.entries(r.files ?? {})) {
      L.push(`${r.lb} – ${name}:`, '', '```', text.split(RUN_DIR).join('$RUN_DIR').trimEnd(), '```', '');
    }
  }
  L.push('</details>', '');
  return L.join('\n');
}

// ---------------------------------------------------------------- main
async function main() {
  ensureInstalled();
  RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'kill-rotation.'));
  fs.chmodSync(RUN_DIR, 0o755); // nginx workers run as an unprivileged user
  const meta = {
    stamp: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    load0: os.loadavg(),
    command: `${['DURATION', 'LBS', 'CONCURRENCY', 'KILL_EVERY_MS', 'RESTART_AFTER_MS', 'DEADLINE_MS', 'MAX_CALLS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`).join(' ')} node scripts/bench/kill-rotation.mjs`.trim(),
  };
  log(`run dir ${RUN_DIR}; LBs: ${LBS.join(', ')}; ${DURATION_S}s each`);
  const results = [];
  for (const lb of LBS) {
    try {
      results.push(await runScenario(lb));
    } catch (err) {
      log(`${lb}: ${err.message}`);
      results.push({ lb, error: err.message });
    }
  }
  const text = report(results, meta);
  process.stdout.write(text + '\n');
  if (OUT !== '-') {
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, text + '\n');
    log(`written to ${path.relative(process.cwd(), OUT) || OUT}`);
  }
}

main().then(() => stopAllAndExit(0), (err) => { log(`ERROR: ${err.stack ?? err}`); stopAllAndExit(1); });
