import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PROXY_UID } from '../../src/core/defaults';
import type { ProxyConfig } from '../../src/core/proxy-config';
import { catchAllRoute, Cleanup, echoClient, LOCAL, startBackends, staticCluster, unary, unaryLoad, waitFor } from '../proxy/harness';
import { PODMAN, PODMAN_LIMITS, podman, PROXY_IMAGE } from '../proxy/proxy-process';

/**
 * The proxy image as built from the Dockerfile (scripts/image/build.sh), run by podman. Not part of `npm test`:
 * `npm run test:image` builds the image and runs this file with GRPC_MESH_PROXY_IMAGE set; .ci/run does so.
 */
/** A port free on loopback now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, LOCAL, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

/** Node in the image: distroless keeps it at /nodejs/bin/node (the ENTRYPOINT's first word). */
const NODE = '/nodejs/bin/node';

/** Runs `node -e script` in the image (as its user, in its working directory) and returns what it printed. */
async function nodeInImage(script: string): Promise<string> {
  const { stdout } = await podman('run', '--rm', ...PODMAN_LIMITS, '--network', 'none', '--entrypoint', NODE, PROXY_IMAGE as string, '-e', script);
  return stdout.trim();
}

describe('the proxy image', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  beforeAll(() => {
    if (PROXY_IMAGE === undefined) throw new Error('GRPC_MESH_PROXY_IMAGE is not set: run `npm run test:image`, which builds the image first');
  });

  test('runs as the non-root UID the rendered Deployment sets, with the bundle alone: no shell, npm, node_modules or sources', async () => {
    expect(await nodeInImage('process.stdout.write(`${process.getuid()}:${process.getgid()}`)')).toBe(`${PROXY_UID}:${PROXY_UID}`);
    const present = await nodeInImage(`
      const { existsSync, readdirSync } = require('node:fs');
      const paths = ['/bin/sh', '/usr/bin/apt-get', '/usr/local/bin/npm', '/usr/local/lib/node_modules', '/nodejs/lib/node_modules/npm',
        'node_modules', 'src', 'tsconfig.json', 'package-lock.json'];
      process.stdout.write(JSON.stringify({ present: paths.filter((p) => existsSync(p)), app: readdirSync('.').sort() }));`);
    expect(JSON.parse(present)).toEqual({ present: [], app: ['THIRD-PARTY-NOTICES', 'lib', 'package.json'] });
    // The bundle's package.json carries the version; the notices name every bundled package with its licence.
    const notices = await nodeInImage('process.stdout.write(require("node:fs").readFileSync("THIRD-PARTY-NOTICES", "utf8"))');
    for (const name of ['commander', 'pino', 'prom-client', 'yaml', 'zod']) {
      const { version, license } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string; license: string };
      expect(notices).toContain(`\n${name}@${version} (${license})\n`);
    }
    const { stdout: version } = await podman('run', '--rm', ...PODMAN_LIMITS, '--network', 'none', PROXY_IMAGE as string, '--version');
    expect(version.trim()).toBe((JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
  });

  test('balances the calls of one client connection evenly, answers /ready, enforces deadlines and drains on SIGTERM', async () => {
    const backends = await startBackends(3, cleanup);
    const [port, probes] = [await freePort(), await freePort()];
    const config: ProxyConfig = {
      version: 1,
      listeners: [{ name: 'grpc', address: LOCAL, port }],
      admin: { address: LOCAL, port: 0 },
      probes: { address: LOCAL, port: probes },
      clusters: [staticCluster('backend', backends, { loadBalancer: 'ROUND_ROBIN' })],
      routes: [catchAllRoute('backend')],
      drainTimeoutMs: 5000,
    };
    const dir = mkdtempSync(join(tmpdir(), 'grpc-mesh-image-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'proxy.yaml'), stringify(config), { mode: 0o644 });
    chmodSync(dir, 0o755); // readable by the image's non-root user, as a ConfigMap volume is

    // The image's own ENTRYPOINT and CMD, with the config mounted where the rendered Deployment mounts it.
    const name = `grpc-mesh-proxy-test-${process.pid}`;
    const container = spawn('podman', [...PODMAN, 'run', '--rm', ...PODMAN_LIMITS, '--name', name, '--network', 'host',
      '-v', `${dir}:/etc/grpc-mesh-proxy:ro`, PROXY_IMAGE as string], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let accessLog = '';
    container.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    container.stdout.setEncoding('utf8').on('data', (chunk: string) => (accessLog += chunk));
    const exited = new Promise<number | null>((resolve) => container.on('exit', (code) => resolve(code)));
    cleanup.add(async () => {
      if (container.exitCode === null) await podman('rm', '-f', name).catch(() => undefined);
    });

    let ready = 0;
    await waitFor(() => {
      void httpStatus(`http://${LOCAL}:${probes}/ready`).then((status) => (ready = status));
      return ready === 200 || container.exitCode !== null;
    }, 30_000, '/ready from the container');
    expect({ ready, stderr: ready === 200 ? '' : stderr }).toEqual({ ready: 200, stderr: '' });

    const client = echoClient(`${LOCAL}:${port}`, cleanup);
    const outcomes = await unaryLoad(client, 300, 10);
    const counts: Record<string, number> = {};
    for (const outcome of outcomes) {
      expect(outcome.code).toBe(0);
      counts[outcome.replies[0].backend] = (counts[outcome.replies[0].backend] ?? 0) + 1;
    }
    expect(counts).toEqual({ b1: 100, b2: 100, b3: 100 });

    // The proxy ends the call at the client's deadline itself (its access log says so), not when the backend answers.
    const late = await unary(client, { delayMs: 2000 }, { timeoutMs: 200 });
    expect(late.code).toBe(4);
    await waitFor(() => accessLog.includes('"grpc_status":4'), 5_000, 'the access log line of the late call');
    const line = JSON.parse(accessLog.split('\n').find((l) => l.includes('"grpc_status":4')) as string) as { duration_ms: number };
    expect(line.duration_ms).toBeLessThan(2000);

    await podman('kill', '--signal', 'TERM', name);
    expect(await exited).toBe(0);
  });
});
