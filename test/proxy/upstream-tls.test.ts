import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type SecureContext, type TLSSocket } from 'node:tls';
import {
  bidi,
  Cleanup,
  clientStream,
  echoClient,
  LOCAL,
  proxyConfig,
  proxyPort,
  serverStream,
  startBackends,
  startProxy,
  staticCluster,
  unary,
  waitFor,
  type Backend,
  type BackendTls,
} from './harness';
import type { ProxyClusterConfig, ProxyConfig, ProxyUpstreamTlsConfig } from '../../src/core/proxy-config';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const FIXTURES = join(__dirname, 'fixtures', 'tls');
const fixture = (name: string): string => join(FIXTURES, name);
const pem = (name: string): Buffer => readFileSync(fixture(name));

/** The fixtures' server certificate, for `localhost` and `127.0.0.1`, from the fixtures' CA. */
const SERVER_TLS: BackendTls = { cert: pem('server.crt'), key: pem('server.key') };
/** Verification against the fixtures' CA. */
const TRUST_FIXTURE_CA: ProxyUpstreamTlsConfig = { caFile: fixture('ca.crt') };

/** A CA of its own (not the fixtures'), generated once for the file. */
let otherCaFile: string;
let generated: string;
beforeAll(() => {
  generated = mkdtempSync(join(tmpdir(), 'grpc-mesh-upstream-tls-'));
  otherCaFile = join(generated, 'other-ca.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=another test CA', '-keyout', join(generated, 'other-ca.key'), '-out', otherCaFile,
  ], { stdio: 'ignore' });
});
afterAll(() => rmSync(generated, { recursive: true, force: true }));

/** A proxy (version 2) in front of `backends`, whose cluster speaks TLS with `tls`. */
async function tlsProxy(backends: readonly Backend[], tls: ProxyUpstreamTlsConfig, extra: Partial<ProxyClusterConfig> = {}): Promise<number> {
  // A generous connect timeout (it covers the TLS handshake): on a busy CI machine a handshake with a healthy
  // loopback backend once took over the 1 s default, and a call failed that the test expects to succeed.
  const config = { ...proxyConfig([staticCluster('echo', backends, { tls, connectTimeoutMs: 10_000, ...extra })]), version: 2 as const };
  return proxyPort(await startProxy(config, cleanup));
}

/** What the client sees of a handshake failure with a backend: UNAVAILABLE, naming the TLS error. */
function handshakeFailure(backend: Backend, reason: string): RegExp {
  return new RegExp(`TLS handshake with ${backend.host.replace(/\./g, '\\.')}:${backend.port} failed: ${reason}`);
}

describe('upstream TLS', () => {
  test('forwards every call shape to endpoints over TLS, verified against caFile and the endpoint IP', async () => {
    const backends = await startBackends(1, cleanup, 'b', { tls: SERVER_TLS });
    const client = echoClient(`${LOCAL}:${await tlsProxy(backends, TRUST_FIXTURE_CA)}`, cleanup);

    const one = await unary(client, { message: 'unary' });
    const server = await serverStream(client, { message: 'server', count: 3 });
    const clientSide = await clientStream(client, [{ message: 'a' }, { message: 'b' }]);
    const both = await bidi(client, [{ message: 'x' }, { message: 'y' }]);

    expect(one).toMatchObject({ code: 0, metadata: { 'x-backend': 'b1' }, trailers: { 'x-trailer': 'from-b1' } });
    expect(one.replies.map((r) => r.message)).toEqual(['unary']);
    expect([server.code, server.replies.map((r) => r.index)]).toEqual([0, [0, 1, 2]]);
    expect([clientSide.code, clientSide.replies[0].index, clientSide.replies[0].message]).toEqual([0, 2, 'b']);
    expect([both.code, both.replies.map((r) => r.message)]).toEqual([0, ['x', 'y']]);
    expect(backends[0].calls).toEqual({ Unary: 1, ServerStream: 1, ClientStream: 1, Bidi: 1 });
  });

  test('checks the certificate against serverName rather than the endpoint IP when set', async () => {
    const backends = await startBackends(1, cleanup, 'b', { tls: SERVER_TLS });
    const matching = echoClient(`${LOCAL}:${await tlsProxy(backends, { ...TRUST_FIXTURE_CA, serverName: 'localhost' })}`, cleanup);
    const mismatching = echoClient(`${LOCAL}:${await tlsProxy(backends, { ...TRUST_FIXTURE_CA, serverName: 'users.example.com' })}`, cleanup);

    expect((await unary(matching, {})).code).toBe(0);
    const refused = await unary(mismatching, {});
    expect(refused.code).toBe(14);
    expect(refused.details).toMatch(handshakeFailure(backends[0],
      'Hostname/IP does not match certificate\'s altnames: Host: users\\.example\\.com\\. is not in the cert\'s altnames: '
      + 'DNS:localhost, IP Address:127\\.0\\.0\\.1 \\(ERR_TLS_CERT_ALTNAME_INVALID\\)'));
    expect(backends[0].calls.Unary).toBe(1);
  });

  test.each([
    ['a CA file that did not sign it', () => ({ caFile: otherCaFile }), 'unable to verify the first certificate \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)'],
    ['Node\'s default CA store (no caFile)', () => ({}), 'unable to verify the first certificate \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)'],
  ])('refuses an endpoint whose certificate does not chain to %s', async (_what, tls, reason) => {
    const backends = await startBackends(1, cleanup, 'b', { tls: SERVER_TLS });
    const outcome = await unary(echoClient(`${LOCAL}:${await tlsProxy(backends, tls())}`, cleanup), {});
    expect([outcome.code, outcome.details]).toEqual([14, expect.stringMatching(handshakeFailure(backends[0], reason))]);
    expect(backends[0].totalCalls).toBe(0);
  });

  test('presents the client certificate to endpoints that require mutual TLS', async () => {
    const backends = await startBackends(1, cleanup, 'b', { tls: { ...SERVER_TLS, clientCa: pem('ca.crt') } });
    const withCert = echoClient(`${LOCAL}:${await tlsProxy(backends, { ...TRUST_FIXTURE_CA, certFile: fixture('client.crt'), keyFile: fixture('client.key') })}`, cleanup);
    const withoutCert = echoClient(`${LOCAL}:${await tlsProxy(backends, TRUST_FIXTURE_CA)}`, cleanup);

    expect((await unary(withCert, {})).code).toBe(0);
    expect((await bidi(withCert, [{ message: 'm' }])).replies.map((r) => r.message)).toEqual(['m']);
    const refused = await unary(withoutCert, {});
    expect([refused.code, refused.details]).toEqual([14, expect.stringMatching(handshakeFailure(backends[0], 'tlsv13 alert certificate required'))]);
    expect(backends[0].calls).toEqual({ Unary: 1, ServerStream: 0, ClientStream: 0, Bidi: 1 });
  });

  test.each([
    ['its certificate is not a server certificate', { tls: { cert: pem('client.crt'), key: pem('client.key') } }],
    ['it requires a client certificate the proxy has not', { tls: { ...SERVER_TLS, clientCa: pem('ca.crt') } }],
  ])('sends calls to another endpoint when the handshake with one fails because %s', async (_why, badOptions) => {
    // GIVEN a round robin cluster of a good endpoint and one whose handshake fails
    const [good] = await startBackends(1, cleanup, 'good', { tls: SERVER_TLS });
    const [bad] = await startBackends(1, cleanup, 'bad', badOptions);
    const port = await tlsProxy([bad, good], TRUST_FIXTURE_CA, { loadBalancer: 'ROUND_ROBIN' });
    const client = echoClient(`${LOCAL}:${port}`, cleanup);

    // WHEN calls go through THEN every call reaches the good endpoint; none is lost
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => unary(client, {})));
    expect(outcomes.map((o) => o.replies[0]?.backend ?? `${o.code} ${o.details}`)).toEqual(Array(6).fill('good1'));
    expect(bad.totalCalls).toBe(0);
  });

  test('sends serverName as SNI, and refuses an endpoint that does not select ALPN h2', async () => {
    // GIVEN a TLS server without ALPN, recording the SNI of each handshake
    const servernames: string[] = [];
    const SNICallback = (servername: string, callback: (error: Error | null, context?: SecureContext) => void): void => {
      servernames.push(servername);
      callback(null); // the server's own certificate
    };
    const server = createTlsServer({ cert: SERVER_TLS.cert, key: SERVER_TLS.key, SNICallback }, (socket: TLSSocket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve));
    cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    const cluster: ProxyClusterConfig = { name: 'echo', discovery: { type: 'static', endpoints: [{ address: LOCAL, port }] }, tls: { ...TRUST_FIXTURE_CA, serverName: 'localhost' } };
    const proxy = await startProxy({ ...proxyConfig([cluster]), version: 2 }, cleanup);

    // WHEN a call goes through
    const outcome = await unary(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), {});

    // THEN the server was asked for localhost, and the call fails because it did not select h2
    expect(servernames[0]).toBe('localhost');
    expect([outcome.code, outcome.details]).toEqual([14,
      expect.stringContaining(`TLS handshake with ${LOCAL}:${port} failed: the endpoint did not select ALPN h2 (selected none)`)]);
  });

  test('health-checks TLS endpoints over their TLS connections', async () => {
    const backends = await startBackends(1, cleanup, 'b', { tls: SERVER_TLS });
    const healthCheck = { intervalMs: 100, timeoutMs: 100, unhealthyThreshold: 1, healthyThreshold: 1, serviceName: '' };
    const config = { ...proxyConfig([staticCluster('echo', backends, { tls: TRUST_FIXTURE_CA, healthCheck })]), version: 2 as const };
    const proxy = await startProxy(config, cleanup);
    const healthy = (): boolean | undefined => proxy.snapshot().clusters.echo.endpoints[0]?.healthy;

    await waitFor(() => backends[0].healthChecks > 0, 10_000, 'a health check over TLS');
    backends[0].serving = false;
    await waitFor(() => healthy() === false, 10_000, 'the endpoint to turn unhealthy');
    backends[0].serving = true;
    await waitFor(() => healthy() === true, 10_000, 'the endpoint to turn healthy again');
  });

  test('replaces connections made with other TLS settings on reload, and retries at once with the new ones', async () => {
    // GIVEN a client whose calls go over a verified TLS connection
    const backends = await startBackends(1, cleanup, 'b', { tls: SERVER_TLS });
    const base = { ...proxyConfig([staticCluster('echo', backends, { tls: { ...TRUST_FIXTURE_CA, serverName: 'localhost' } })]), version: 2 as const };
    const proxy = await startProxy(base, cleanup);
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
    expect((await unary(client, {})).code).toBe(0);

    // WHEN the cluster's serverName changes to one the certificate does not have
    await proxy.apply({ ...base, clusters: [staticCluster('echo', backends, { tls: { ...TRUST_FIXTURE_CA, serverName: 'users.example.com' } })] });

    // THEN the next call does not reuse the old connection: it fails verification
    const outcome = await unary(client, {});
    expect([outcome.code, outcome.details]).toEqual([14, expect.stringMatching(handshakeFailure(backends[0], 'Hostname/IP does not match'))]);

    // WHEN the serverName is fixed THEN the next call connects at once, without waiting out the reconnect backoff
    await proxy.apply(base);
    expect((await unary(client, {})).code).toBe(0);
  });

  test('refuses to start with a CA file without certificate or a key that is not the certificate\'s, naming the cluster and the fields', async () => {
    const backends = await startBackends(1, cleanup, 'b', { tls: SERVER_TLS });
    const withTls = (tls: ProxyUpstreamTlsConfig): ProxyConfig => ({ ...proxyConfig([staticCluster('echo', backends, { tls })]), version: 2 });

    await expect(startProxy(withTls({ caFile: fixture('README.md') }), cleanup)).rejects.toThrow(
      `cluster "echo": tls.caFile must hold PEM CA certificates (-----BEGIN CERTIFICATE-----); ${fixture('README.md')} holds none`);
    await expect(startProxy(withTls({ certFile: fixture('client.crt'), keyFile: fixture('server.key') }), cleanup)).rejects.toThrow(
      `cluster "echo": tls.certFile and tls.keyFile must hold a PEM certificate chain and its private key; ${fixture('client.crt')} and `
      + `${fixture('server.key')}: key values mismatch (ERR_OSSL_X509_KEY_VALUES_MISMATCH)`);
  });
});
