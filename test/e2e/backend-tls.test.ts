import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  DataPlane, PROXY_CONFIG_KEY, renderGrpcMeshService, resolveGrpcMeshService, type GrpcMeshServiceManifests, type KubeObject,
} from '../../src/core';
import type { ProxyClusterConfig, ProxyConfig, ProxyUpstreamTlsConfig } from '../../src/core/proxy-config';
import { validateConfig } from '../../src/proxy/config';
import { startChildProxy } from '../proxy/child-proxy';
import { Backend, Cleanup, echoClient, LOCAL, unary, type CallOutcome } from '../proxy/harness';

/**
 * Backend mTLS end to end: a `GrpcMeshService` balanced by grpc-mesh-proxy with `backendTls` from cert-manager,
 * rendered by the core as both adapters render it. openssl plays cert-manager (one CA issues each synthesized
 * Certificate, with its dnsNames and usages, into a Secret `tls.crt`, `tls.key`, `ca.crt`) and the kubelet (each
 * Secret volume of a Deployment is laid out under a scratch root at its mount path, with only the projected keys).
 * The servers are real grpc-js servers that read their certificate where the server Deployment mounts it and
 * require a client certificate (`ServerCredentials.createSsl(ca, [...], true)`); the tier is grpc-mesh-proxy in a
 * child process, with the synthesized config changed only where a test machine differs from a cluster (loopback
 * endpoints and ports, file paths under the scratch root).
 */

const GRPC_STATUS_UNAVAILABLE = 14;
const CALLS = 12;
const CALL_DEADLINE_MS = 20_000;
/** Seed of the proxy's random source: its picks are the same on every run. */
const SEED = 20261203;

const cleanup = new Cleanup();
let scratch: string;
let manifests: GrpcMeshServiceManifests;

/** openssl in `dir`. */
const openssl = (dir: string, ...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A CA: its certificate and key in `dir`. */
function makeCa(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  openssl(dir, 'req', '-x509', ...EC, '-days', '1', '-subj', `/CN=${name}`, '-keyout', 'ca.key', '-out', 'ca.crt');
}

const KEY_USAGES: Record<string, string> = { 'digital signature': 'digitalSignature', 'key encipherment': 'keyEncipherment' };
const EXTENDED_KEY_USAGES: Record<string, string> = { 'server auth': 'serverAuth', 'client auth': 'clientAuth' };

/** What cert-manager does with a Certificate and a CA issuer: the Secret's three keys, in `secrets/<secretName>/`. */
function issue(certificate: KubeObject, caDir: string, secrets: string): void {
  const spec = certificate.spec as { secretName: string; dnsNames: string[]; usages: string[] };
  const dir = join(secrets, spec.secretName);
  mkdirSync(dir, { recursive: true });
  openssl(dir, 'req', ...EC, '-subj', `/CN=${spec.dnsNames[0]}`, '-keyout', 'tls.key', '-out', 'tls.csr');
  writeFileSync(join(dir, 'tls.ext'), [
    'basicConstraints=CA:FALSE',
    `keyUsage=${spec.usages.filter((u) => KEY_USAGES[u]).map((u) => KEY_USAGES[u]).join(',')}`,
    `extendedKeyUsage=${spec.usages.filter((u) => EXTENDED_KEY_USAGES[u]).map((u) => EXTENDED_KEY_USAGES[u]).join(',')}`,
    `subjectAltName=${spec.dnsNames.map((n) => `DNS:${n}`).join(',')}`,
  ].join('\n'));
  openssl(dir, 'x509', '-req', '-in', 'tls.csr', '-CA', join(caDir, 'ca.crt'), '-CAkey', join(caDir, 'ca.key'), '-set_serial', '7', '-days', '1',
    '-extfile', 'tls.ext', '-out', 'tls.crt');
  copyFileSync(join(caDir, 'ca.crt'), join(dir, 'ca.crt'));
  for (const scrap of ['tls.csr', 'tls.ext']) rmSync(join(dir, scrap));
}

/**
 * What the kubelet does with a Deployment's Secret volumes: each Secret of `secrets` laid out under `root` at its
 * mount path, only the projected keys when the volume lists `items`. Returns `root`.
 */
function mountSecrets(deployment: KubeObject, secrets: string, root: string): string {
  const pod = (deployment.spec as any).template.spec;
  for (const mount of pod.containers[0].volumeMounts as Array<{ name: string; mountPath: string }>) {
    type SecretVolume = { secretName: string; items?: Array<{ key: string; path: string }> };
    const secret = (pod.volumes as any[]).find((v) => v.name === mount.name)?.secret as SecretVolume | undefined;
    if (secret === undefined) continue;
    const items = secret.items ?? readdirSync(join(secrets, secret.secretName)).map((key) => ({ key, path: key }));
    mkdirSync(join(root, mount.mountPath), { recursive: true });
    for (const { key, path } of items) copyFileSync(join(secrets, secret.secretName, key), join(root, mount.mountPath, path));
  }
  return root;
}

/** The tier's cluster of the service's pods, from the synthesized ConfigMap. */
function synthesizedCluster(): ProxyClusterConfig {
  const config = parse((manifests.balancer!.config.data as Record<string, string>)[PROXY_CONFIG_KEY]) as ProxyConfig;
  return config.clusters[0];
}

/**
 * The synthesized proxy config as it runs here: the h2c listener, admin and probes on free loopback ports, the
 * cluster's endpoints on loopback, its TLS files under `root` (where {@link mountSecrets} put the tier's Secrets),
 * with `tls` changed by `edit` when a test takes something away. Nothing else changes.
 */
function loopbackConfig(
  backends: readonly Backend[], root: string, edit: (tls: ProxyUpstreamTlsConfig) => ProxyUpstreamTlsConfig = (t) => t,
): ProxyConfig {
  const config = parse((manifests.balancer!.config.data as Record<string, string>)[PROXY_CONFIG_KEY]) as ProxyConfig;
  const [cluster] = config.clusters;
  const tls = cluster.tls!;
  const under = (file: string | undefined) => file && join(root, file);
  return {
    ...config,
    listeners: config.listeners.map((l) => ({ ...l, address: LOCAL, port: 0 })),
    admin: { ...config.admin, address: LOCAL, port: 0 },
    ...(config.probes && { probes: { ...config.probes, address: LOCAL, port: 0 } }),
    clusters: [{
      ...cluster,
      discovery: { type: 'static', endpoints: backends.map((b) => ({ address: b.host, port: b.port })) },
      tls: edit({ ...tls, caFile: under(tls.caFile), certFile: under(tls.certFile), keyFile: under(tls.keyFile) }),
    }],
  };
}

/** A backend pod: a grpc-js server with the certificate mounted under `root`, requiring a client certificate from its CA. */
async function serverPod(id: string, root: string): Promise<Backend> {
  const file = (key: string) => readFileSync(join(root, '/etc/grpc-mesh/tls', key));
  const backend = await Backend.start({ id, tls: { cert: file('tls.crt'), key: file('tls.key'), clientCa: file('ca.crt') } });
  cleanup.add(() => backend.kill());
  return backend;
}

/** `CALLS` unary calls through a proxy running `config`, one client connection. */
async function callsThrough(config: ProxyConfig): Promise<CallOutcome[]> {
  validateConfig(JSON.parse(JSON.stringify(config)), 'loopback config');
  const proxy = await startChildProxy(config, cleanup, { seed: SEED });
  const client = echoClient(`${LOCAL}:${proxy.port}`, cleanup);
  const outcomes: CallOutcome[] = [];
  for (let i = 0; i < CALLS; i++) outcomes.push(await unary(client, { message: `call ${i}` }, { timeoutMs: CALL_DEADLINE_MS }));
  return outcomes;
}

const servedBy = (outcomes: readonly CallOutcome[]) => outcomes.map((o) => (o.code === 0 ? o.replies[0].backend : `status ${o.code}`));

let tierRoot: string;
let serverRoot: string;
let otherServerRoot: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'i15-utls-e2e-'));
  cleanup.add(() => rmSync(scratch, { recursive: true, force: true }));
  const model = resolveGrpcMeshService({
    namespace: 'app',
    port: 50051,
    workload: { image: 'registry.example.com/users:1.0.0' },
    dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0' }),
    backendTls: { certManager: { issuer: 'internal-ca' }, healthPort: 8086 },
  }, { defaultName: 'users' });
  manifests = renderGrpcMeshService(model);
  // The issuer's CA issues every synthesized Certificate; another CA issues the same server certificate.
  makeCa(join(scratch, 'ca'), 'internal-ca');
  makeCa(join(scratch, 'other-ca'), 'another CA');
  for (const certificate of manifests.certificates) issue(certificate, join(scratch, 'ca'), join(scratch, 'secrets'));
  issue(manifests.certificates[0], join(scratch, 'other-ca'), join(scratch, 'other-secrets'));
  tierRoot = mountSecrets(manifests.balancer!.deployment, join(scratch, 'secrets'), join(scratch, 'tier'));
  serverRoot = mountSecrets(manifests.workload!.deployment, join(scratch, 'secrets'), join(scratch, 'server'));
  otherServerRoot = mountSecrets(manifests.workload!.deployment, join(scratch, 'other-secrets'), join(scratch, 'other-server'));
}, 60_000);

afterAll(() => cleanup.run());

describe('grpc-mesh-proxy tier to grpc-js servers with backend mTLS, from the synthesized configuration', () => {
  test('the tier\'s TLS files are the mounted ones, and the server\'s key is not among them', () => {
    const { tls } = synthesizedCluster();
    for (const file of [tls!.caFile!, tls!.certFile!, tls!.keyFile!]) expect(existsSync(join(tierRoot, file))).toBe(true);
    expect(readdirSync(join(tierRoot, '/etc/grpc-mesh/backend-tls/users-tls'))).toEqual(['ca.crt']);
  });

  test('calls succeed, spread over every pod', async () => {
    const pods = [await serverPod('pod-a', serverRoot), await serverPod('pod-b', serverRoot)];
    const outcomes = await callsThrough(loopbackConfig(pods, tierRoot));
    expect(servedBy(outcomes).filter((s) => s.startsWith('status'))).toEqual([]);
    expect(new Set(servedBy(outcomes))).toEqual(new Set(['pod-a', 'pod-b']));
  }, 60_000);

  test('a pod whose certificate comes from another CA is refused: its calls fail UNAVAILABLE, it never sees one', async () => {
    const impostor = await serverPod('impostor', otherServerRoot);
    const outcomes = await callsThrough(loopbackConfig([impostor], tierRoot));
    expect(new Set(outcomes.map((o) => o.code))).toEqual(new Set([GRPC_STATUS_UNAVAILABLE]));
    // The impostor's certificate does not chain to the CA of the server's Secret.
    for (const o of outcomes) expect(o.details).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed: self-signed certificate in certificate chain/);
    expect(impostor.calls.Unary).toBe(0);
  }, 60_000);

  test('beside good pods, the impostor gets nothing and the others keep serving', async () => {
    const good = await serverPod('good', serverRoot);
    const impostor = await serverPod('impostor-2', otherServerRoot);
    const outcomes = await callsThrough(loopbackConfig([impostor, good], tierRoot));
    expect(new Set(servedBy(outcomes))).toEqual(new Set(['good']));
    expect(impostor.calls.Unary).toBe(0);
  }, 60_000);

  test('a tier without the client certificate is refused by the pods', async () => {
    const pod = await serverPod('pod-c', serverRoot);
    const outcomes = await callsThrough(loopbackConfig([pod], tierRoot, ({ certFile: _c, keyFile: _k, ...tls }) => tls));
    expect(new Set(outcomes.map((o) => o.code))).toEqual(new Set([GRPC_STATUS_UNAVAILABLE]));
    for (const o of outcomes) expect(o.details).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed: tlsv13 alert certificate required/);
    expect(pod.calls.Unary).toBe(0);
  }, 60_000);
});
