import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { Cleanup, echoClient, LOCAL, proxyConfig, proxyPort, startBackends, startProxy, staticCluster, unary } from './harness';
import type { ProxyTlsConfig } from '../../src/core/proxy-config';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const TLS = join(__dirname, 'fixtures', 'tls');
const pem = (name: string): Buffer => readFileSync(join(TLS, name));

async function tlsProxy(tls: ProxyTlsConfig): Promise<number> {
  const backends = await startBackends(1, cleanup);
  const config = proxyConfig([staticCluster('echo', backends)]);
  const proxy = await startProxy({ ...config, listeners: [{ name: 'tls', address: LOCAL, port: 0, tls }] }, cleanup);
  return proxyPort(proxy);
}

const SERVER_TLS: ProxyTlsConfig = { certFile: join(TLS, 'server.crt'), keyFile: join(TLS, 'server.key') };

describe('TLS listeners', () => {
  test('serves gRPC over TLS with ALPN h2, and not h2c on the same port', async () => {
    const port = await tlsProxy(SERVER_TLS);
    const tlsClient = echoClient(`localhost:${port}`, cleanup, {}, grpc.credentials.createSsl(pem('ca.crt')));
    expect((await unary(tlsClient, { message: 'over tls' })).replies[0].message).toBe('over tls');
    expect((await unary(echoClient(`${LOCAL}:${port}`, cleanup), {}, { timeoutMs: 2000 })).code).not.toBe(0);
  });

  test('refuses a TLS client that does not offer h2', async () => {
    const port = await tlsProxy(SERVER_TLS);
    const socket = connectTls({ host: LOCAL, port, ca: pem('ca.crt'), servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    cleanup.add(() => void socket.destroy());
    const outcome = await new Promise<string>((resolve) => {
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.on('close', () => resolve('closed'));
    });
    expect(['closed', 'ECONNRESET', 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL']).toContain(outcome);
  });

  test('requires a client certificate signed by clientCaFile when set', async () => {
    const port = await tlsProxy({ ...SERVER_TLS, clientCaFile: join(TLS, 'ca.crt') });
    const withCert = echoClient(`localhost:${port}`, cleanup, {}, grpc.credentials.createSsl(pem('ca.crt'), pem('client.key'), pem('client.crt')));
    const withoutCert = echoClient(`localhost:${port}`, cleanup, {}, grpc.credentials.createSsl(pem('ca.crt')));
    expect((await unary(withCert, {})).code).toBe(0);
    expect((await unary(withoutCert, {}, { timeoutMs: 2000 })).code).toBe(14);
  });
});
