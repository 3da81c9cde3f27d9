import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parse } from 'yaml';
import { DataPlane, PROXY_CONFIG_KEY, type KubeObject, type ProxyConfig } from '../../src/core';
import { startChildProxy } from '../proxy/child-proxy';
import { Cleanup, echoClient, LOCAL, startBackends, unary } from '../proxy/harness';
import { at, render } from '../support/render';

/**
 * End to end: the listener of a `DataPlane.proxy({ listenerTls })` balancer, as synthesized, served by grpc-mesh-proxy
 * in a child process in front of a real grpc-js backend. The Secret and ConfigMap the balancer's pod mounts are
 * laid out in a temporary directory, at the mount paths of the synthesized Deployment, holding certificates made
 * here with openssl: a CA whose clients are let in, and another CA whose clients are not.
 */

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

let dir: string;
const file = (name: string): string => join(dir, name);
const pem = (name: string): Buffer => readFileSync(file(name));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A self-signed CA `<name>.crt` / `<name>.key`. */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`));
}

/** A leaf `<name>.crt` / `<name>.key` signed by `ca`, with the given extended key usage and names. */
function makeLeaf(name: string, ca: string, usage: 'serverAuth' | 'clientAuth', san?: string): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`,
    '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`));
  writeFileSync(file(`${name}.ext`), [`extendedKeyUsage=${usage}`, ...(san ? [`subjectAltName=${san}`] : [])].join('\n'));
  openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.crt`), '-CAkey', file(`${ca}.key`), '-CAcreateserial',
    '-days', '1', '-extfile', file(`${name}.ext`), '-out', file(`${name}.crt`));
}

/**
 * Writes each key the synthesized pod mounts from the Secret and the ConfigMap under `root`, at its mount path:
 * the listener then reads, under `root`, exactly the files it reads in the pod.
 */
function layOutMounts(deployment: KubeObject, root: string, contents: Record<string, Record<string, Buffer>>): void {
  const pod = at(deployment, 'spec', 'template', 'spec');
  for (const mount of pod.containers[0].volumeMounts as Array<{ name: string; mountPath: string }>) {
    const volume = (pod.volumes as Array<Record<string, any>>).find((v) => v.name === mount.name)!;
    const source = volume.secret?.secretName ?? (mount.name === 'config' ? undefined : volume.configMap?.name);
    if (source === undefined) continue;
    for (const [key, value] of Object.entries(contents[source] ?? {})) {
      mkdirSync(dirname(join(root, mount.mountPath, key)), { recursive: true });
      writeFileSync(join(root, mount.mountPath, key), value);
    }
  }
}

let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'i15-ltls-mtls-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  makeCa('clients-ca');
  makeCa('other-ca');
  makeLeaf('server', 'clients-ca', 'serverAuth', 'DNS:localhost,IP:127.0.0.1');
  makeLeaf('client', 'clients-ca', 'clientAuth');
  makeLeaf('stranger', 'other-ca', 'clientAuth');

  const balancer = render({
    trafficPolicy: undefined,
    dataPlane: DataPlane.proxy({
      image: 'registry.example.com/grpc-mesh-proxy:0.1.0',
      listenerTls: { secretName: 'users-tls', clientCertificates: { caConfigMap: 'clients-ca' } },
    }),
  }).balancer!;
  const synthesized = parse((balancer.config.data as Record<string, string>)[PROXY_CONFIG_KEY]) as ProxyConfig;
  const root = join(dir, 'pod');
  layOutMounts(balancer.deployment, root, {
    'users-tls': { 'tls.crt': pem('server.crt'), 'tls.key': pem('server.key') },
    'clients-ca': { 'ca.crt': pem('clients-ca.crt') },
  });

  const backends = await startBackends(1, cleanup);
  const [listener] = synthesized.listeners;
  const tls = listener.tls!;
  const config: ProxyConfig = {
    ...synthesized,
    // The synthesized listener, on a free loopback port, reading the files under `root`.
    listeners: [{
      ...listener,
      address: LOCAL,
      port: 0,
      tls: { certFile: join(root, tls.certFile), keyFile: join(root, tls.keyFile), clientCaFile: join(root, tls.clientCaFile!) },
    }],
    admin: { address: LOCAL, port: 0 },
    probes: { address: LOCAL, port: 0 },
    // The synthesized cluster, its endpoints the backend here instead of the headless Service's DNS name.
    clusters: synthesized.clusters.map((c) => ({ ...c, discovery: { type: 'static', endpoints: backends.map((b) => ({ address: b.host, port: b.port })) } })),
  };
  port = (await startChildProxy(config, cleanup)).port;
}, 60_000);

const client = (credentials: grpc.ChannelCredentials) => echoClient(`localhost:${port}`, cleanup, {}, credentials);
const trusted = () => client(grpc.credentials.createSsl(pem('clients-ca.crt'), pem('client.key'), pem('client.crt')));

describe('a proxy balancer\'s listener with listenerTls and client certificates, as synthesized', () => {
  test('lets in a client whose certificate the CA signed', async () => {
    const outcome = await unary(trusted(), { message: 'signed' });
    expect(outcome.code).toBe(grpc.status.OK);
    expect(outcome.replies[0].message).toBe('signed');
  });

  test('refuses the handshake of a client without a certificate, or with one from another CA, and keeps serving the good one', async () => {
    const good = trusted();
    expect((await unary(good, { message: 'before' })).code).toBe(grpc.status.OK);
    const anonymous = client(grpc.credentials.createSsl(pem('clients-ca.crt')));
    const stranger = client(grpc.credentials.createSsl(pem('clients-ca.crt'), pem('stranger.key'), pem('stranger.crt')));
    const refused = await Promise.all([unary(anonymous, {}, { timeoutMs: 5000 }), unary(stranger, {}, { timeoutMs: 5000 })]);
    expect(refused.map((o) => o.code)).toEqual([grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE]);
    expect(refused.map((o) => o.replies.length)).toEqual([0, 0]);
    // The good client's connection and a new one still work.
    expect((await unary(good, { message: 'after' })).replies[0].message).toBe('after');
    expect((await unary(trusted(), { message: 'new' })).code).toBe(grpc.status.OK);
  });
});
