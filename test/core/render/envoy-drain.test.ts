import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import { DataPlane, ENVOY_ADMIN_PORT } from '../../../src/core';
import { at, render } from '../../support/render';

/** A stand-in for Envoy's admin interface on its loopback port, recording the requests it gets. */
async function fakeAdmin(): Promise<{ server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.end('OK\n');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ENVOY_ADMIN_PORT, '127.0.0.1', resolve));
  return { server, requests };
}

test('the Envoy preStop hook fails health checks, then drains listeners gracefully, through the admin port', async () => {
  const envoy = at(render({ dataPlane: DataPlane.envoy({ drainSeconds: 0 }) }).balancer!.deployment, 'spec', 'template', 'spec', 'containers', 0);
  const [shell, ...args] = envoy.lifecycle.preStop.exec.command as string[];
  const { server, requests } = await fakeAdmin();
  try {
    await promisify(execFile)(shell, args, { timeout: 10_000 });
  } finally {
    server.close();
  }
  expect(requests).toEqual(['POST /healthcheck/fail', 'POST /drain_listeners?graceful&skip_exit']);
});
