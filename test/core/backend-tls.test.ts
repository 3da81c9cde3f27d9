import { posix } from 'node:path';
import { parse } from 'yaml';
import {
  compileTierRoutes, DataPlane, ENVOY_CONFIG_KEY, GatewayImplementation, listGrpcMeshServiceManifests, meshServiceBackendRef,
  meshServiceParentRef, PROXY_CONFIG_KEY, renderGatewayTier, renderGrpcGateway, renderGrpcMeshService, resolveGrpcGateway, resolveGrpcMeshService,
  resolveGrpcRoute, type GrpcMeshServiceManifests, type KubeObject, type ProxyConfig,
} from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';
import { at, render, serviceIssueCodes } from '../support/render';
import { problemsOf } from '../support/validate-all';

const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:0.1.0';
const FQDN = 'users.app.svc.cluster.local';
const ISSUER = { issuer: 'internal-ca' };

const codesOf = serviceIssueCodes;

const all = (m: GrpcMeshServiceManifests): KubeObject[] => listGrpcMeshServiceManifests(m).map((l) => l.manifest);
const podSpecOf = (deployment: KubeObject) => at(deployment, 'spec', 'template', 'spec');
const envoyCluster = (m: GrpcMeshServiceManifests, name = 'grpc_backend') =>
  parse((m.balancer!.config.data as Record<string, string>)[ENVOY_CONFIG_KEY]).static_resources.clusters.find((c: any) => c.name === name);
const proxyConfig = (m: GrpcMeshServiceManifests): ProxyConfig => parse((m.balancer!.config.data as Record<string, string>)[PROXY_CONFIG_KEY]);

/** The Secret and key a file of a pod's container comes from, through its volume mounts (undefined: not mounted). */
function mountedFile(deployment: KubeObject, file: string): { secretName: string; key: string } | undefined {
  const spec = podSpecOf(deployment);
  for (const mount of spec.containers[0].volumeMounts) {
    if (mount.mountPath !== posix.dirname(file)) continue;
    expect(mount.readOnly).toBe(true);
    const secret = spec.volumes.find((v: any) => v.name === mount.name)?.secret;
    if (secret === undefined) return undefined;
    const key = posix.basename(file);
    if (secret.items !== undefined && !secret.items.some((i: any) => i.key === key && i.path === key)) return undefined;
    return { secretName: secret.secretName, key };
  }
  return undefined;
}

/** The Secret names the Certificates of a service write, by usage. */
function secretsByUsage(m: GrpcMeshServiceManifests): Record<string, string> {
  return Object.fromEntries(m.certificates.map((c) => [at(c, 'spec', 'usages').at(-1), at(c, 'spec', 'secretName')]));
}

describe('backendTls with cert-manager and an Envoy tier (mutual by default)', () => {
  const model = resolveGrpcMeshService({ ...USERS_PROPS, backendTls: { certManager: ISSUER } }, { defaultName: 'users' });
  const manifests = renderGrpcMeshService(model);

  test('every object validates (Certificates against cert-manager\'s CRD), pods stay restricted', () => {
    expect(manifests.certificates.map((c) => c.kind)).toEqual(['Certificate', 'Certificate']);
    expect(problemsOf(all(manifests))).toEqual([]);
  });

  test('issues a server certificate for the Service\'s names and a client certificate for the tier, from the same issuer', () => {
    const [server, client] = manifests.certificates;
    expect(server.metadata).toMatchObject({ name: 'users-tls', namespace: 'app' });
    expect(server.spec).toEqual({
      secretName: 'users-tls',
      dnsNames: [FQDN, 'users.app.svc', 'users.app', 'users', 'users-headless.app.svc.cluster.local', 'users-headless.app.svc'],
      usages: ['digital signature', 'key encipherment', 'server auth'],
      issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: 'internal-ca' },
    });
    expect(client.metadata).toMatchObject({ name: 'users-envoy-client', namespace: 'app' });
    expect(client.spec).toEqual({
      secretName: 'users-envoy-client-tls',
      dnsNames: ['users-envoy.app.svc.cluster.local'],
      usages: ['digital signature', 'key encipherment', 'client auth'],
      issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: 'internal-ca' },
    });
  });

  test('mounts the server\'s Secret read-only at /etc/grpc-mesh/tls, and probes the TLS port with tcpSocket (with a warning)', () => {
    const deployment = manifests.workload!.deployment;
    for (const key of ['tls.crt', 'tls.key', 'ca.crt']) {
      expect(mountedFile(deployment, `/etc/grpc-mesh/tls/${key}`)).toEqual({ secretName: secretsByUsage(manifests)['server auth'], key });
    }
    const container = podSpecOf(deployment).containers[0];
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(container[probe]).toMatchObject({ tcpSocket: { port: 50051 } });
    expect(container.readinessProbe).not.toHaveProperty('grpc');
    expect(model.warnings.join('\n')).toContain('BACKEND_TLS_TCP_PROBES');
  });

  test('the Envoy cluster speaks TLS with the mounted CA and client certificate, SNI and SAN on the Service FQDN, ALPN h2', () => {
    const cluster = envoyCluster(manifests);
    const context = cluster.transport_socket.typed_config;
    expect(cluster.transport_socket.name).toBe('envoy.transport_sockets.tls');
    expect(context['@type']).toBe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
    expect(context.sni).toBe(FQDN);
    expect(context.common_tls_context.alpn_protocols).toEqual(['h2']);
    expect(context.common_tls_context.validation_context.match_typed_subject_alt_names).toEqual([{ san_type: 'DNS', matcher: { exact: FQDN } }]);
    // Active health checks take the cluster's transport socket (no transport_socket_match_criteria).
    expect(cluster.health_checks).toHaveLength(1);
    expect(cluster.health_checks[0]).not.toHaveProperty('transport_socket_match_criteria');
    // Every file is mounted in the tier from the Secret the right Certificate writes; the server's key never is.
    const deployment = manifests.balancer!.deployment;
    const secrets = secretsByUsage(manifests);
    expect(mountedFile(deployment, context.common_tls_context.validation_context.trusted_ca.filename)).toEqual({ secretName: secrets['server auth'], key: 'ca.crt' });
    const [certificate] = context.common_tls_context.tls_certificates;
    expect(mountedFile(deployment, certificate.certificate_chain.filename)).toEqual({ secretName: secrets['client auth'], key: 'tls.crt' });
    expect(mountedFile(deployment, certificate.private_key.filename)).toEqual({ secretName: secrets['client auth'], key: 'tls.key' });
    const serverVolume = podSpecOf(deployment).volumes.find((v: any) => v.secret?.secretName === 'users-tls');
    expect(serverVolume.secret.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
  });
});

describe('backendTls with the proxy tier', () => {
  const manifests = render({ dataPlane: DataPlane.proxy({ image: PROXY_IMAGE }), backendTls: { certManager: { clusterIssuer: 'mesh-ca' }, healthPort: 8086 } });

  test('the proxy cluster gets tls with files under the mounts of the Certificates\' Secrets', () => {
    expect(problemsOf(all(manifests))).toEqual([]);
    const { tls } = proxyConfig(manifests).clusters[0];
    expect(tls).toEqual({
      caFile: '/etc/grpc-mesh/backend-tls/users-tls/ca.crt',
      serverName: FQDN,
      certFile: '/etc/grpc-mesh/backend-tls/users-proxy-client-tls/tls.crt',
      keyFile: '/etc/grpc-mesh/backend-tls/users-proxy-client-tls/tls.key',
    });
    const deployment = manifests.balancer!.deployment;
    const secrets = secretsByUsage(manifests);
    expect(mountedFile(deployment, tls!.caFile!)).toEqual({ secretName: secrets['server auth'], key: 'ca.crt' });
    expect(mountedFile(deployment, tls!.certFile!)?.secretName).toBe(secrets['client auth']);
    expect(mountedFile(deployment, tls!.keyFile!)?.secretName).toBe(secrets['client auth']);
    expect(at(manifests.certificates[0], 'spec', 'issuerRef')).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'mesh-ca' });
  });

  test('with healthPort, the probes are native gRPC probes on that plaintext port, and no warning', () => {
    const container = podSpecOf(manifests.workload!.deployment).containers[0];
    expect(container.ports).toEqual([
      { name: 'grpc', containerPort: 50051, protocol: 'TCP' },
      { name: 'grpc-health', containerPort: 8086, protocol: 'TCP' },
    ]);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(container[probe].grpc).toEqual({ port: 8086 });
    const model = resolveGrpcMeshService({ ...USERS_PROPS, backendTls: { certManager: ISSUER, healthPort: 8086 } }, { defaultName: 'users' });
    expect(model.warnings).toEqual([]);
  });
});

describe('backendTls variants', () => {
  test('mutual: false gives no client certificate: the tier only verifies the pods', () => {
    const manifests = render({ backendTls: { certManager: ISSUER, mutual: false } });
    expect(manifests.certificates.map((c) => c.metadata.name)).toEqual(['users-tls']);
    const context = envoyCluster(manifests).transport_socket.typed_config.common_tls_context;
    expect(context).not.toHaveProperty('tls_certificates');
    expect(context.validation_context.trusted_ca).toEqual({ filename: '/etc/grpc-mesh/backend-tls/users-tls/ca.crt' });
    expect(problemsOf(all(manifests))).toEqual([]);
  });

  test('existing Secrets: no Certificate, the named Secrets are mounted', () => {
    const manifests = render({ dataPlane: DataPlane.proxy({ image: PROXY_IMAGE }), backendTls: { secretName: 'users-cert', clientSecretName: 'balancer-cert' } });
    expect(manifests.certificates).toEqual([]);
    const { tls } = proxyConfig(manifests).clusters[0];
    expect(mountedFile(manifests.balancer!.deployment, tls!.caFile!)?.secretName).toBe('users-cert');
    expect(mountedFile(manifests.balancer!.deployment, tls!.certFile!)?.secretName).toBe('balancer-cert');
    expect(mountedFile(manifests.workload!.deployment, '/etc/grpc-mesh/tls/tls.key')?.secretName).toBe('users-cert');
  });

  test('DataPlane.none(): the server certificate only (clients trust the CA and check the headless name)', () => {
    const manifests = render({ dataPlane: DataPlane.none(), trafficPolicy: undefined, backendTls: { certManager: ISSUER, healthPort: 8086 } });
    expect(manifests.balancer).toBeUndefined();
    expect(manifests.certificates.map((c) => c.metadata.name)).toEqual(['users-tls']);
    expect(at(manifests.certificates[0], 'spec', 'dnsNames')).toContain('users-headless.app.svc.cluster.local');
    expect(mountedFile(manifests.workload!.deployment, '/etc/grpc-mesh/tls/tls.crt')?.secretName).toBe('users-tls');
    expect(problemsOf(all(manifests))).toEqual([]);
  });

  test('without backendTls nothing changes: native gRPC probes, no Secret, no transport socket', () => {
    const manifests = render();
    expect(manifests.certificates).toEqual([]);
    expect(podSpecOf(manifests.workload!.deployment).containers[0].readinessProbe.grpc).toEqual({ port: 50051 });
    expect(envoyCluster(manifests)).not.toHaveProperty('transport_socket');
  });
});

describe('backendTls validation', () => {
  test('refuses a mesh data plane, which already encrypts and authenticates pod to pod', () => {
    for (const dataPlane of [DataPlane.istio(), DataPlane.linkerd()]) {
      expect(codesOf({ dataPlane, trafficPolicy: undefined, backendTls: { certManager: ISSUER, healthPort: 8086 } })).toEqual([['BACKEND_TLS_WITH_MESH', 'backendTls']]);
    }
  });

  test('refuses a missing source, mTLS without a client, a bad issuer and a health port that is the TLS port', () => {
    expect(codesOf({ backendTls: { healthPort: 8086 } })).toEqual([['BACKEND_TLS_SOURCE', 'backendTls.secretName']]);
    expect(codesOf({ backendTls: { secretName: 'users-cert', healthPort: 8086 } })).toEqual([['BACKEND_TLS_MUTUAL', 'backendTls.clientSecretName']]);
    expect(codesOf({ backendTls: { secretName: 'users-cert', mutual: false, clientSecretName: 'x', healthPort: 8086 } }))
      .toEqual([['BACKEND_TLS_MUTUAL', 'backendTls.clientSecretName']]);
    expect(codesOf({ dataPlane: DataPlane.none(), trafficPolicy: undefined, backendTls: { certManager: ISSUER, mutual: true, healthPort: 8086 } }))
      .toEqual([['BACKEND_TLS_MUTUAL', 'backendTls.mutual']]);
    expect(codesOf({ backendTls: { certManager: { issuer: 'a', clusterIssuer: 'b' }, healthPort: 8086 } })).toEqual([['INVALID_CERT_MANAGER', 'backendTls.certManager']]);
    expect(codesOf({ backendTls: { certManager: ISSUER, healthPort: 50051 } })).toEqual([['BACKEND_TLS_HEALTH_PORT', 'backendTls.healthPort']]);
    expect(codesOf({ workload: undefined, selector: { app: 'users' }, backendTls: { certManager: ISSUER, healthPort: 8086 } }))
      .toEqual([['BACKEND_TLS_HEALTH_PORT', 'backendTls.healthPort']]);
  });

  test('names the field, the value and the fix', () => {
    expect(() => resolveGrpcMeshService({ ...USERS_PROPS, backendTls: { secretName: 'users-cert' } }, { defaultName: 'users' }))
      .toThrow(/backendTls\.clientSecretName is required with mutual TLS.*Name the client certificate Secret, give certManager, or set mutual: false/s);
  });
});

describe('backendTls with routes', () => {
  const users = resolveGrpcMeshService({ ...USERS_PROPS, backendTls: { certManager: ISSUER } }, { defaultName: 'users' });
  const gamma = resolveGrpcRoute({
    namespace: 'app',
    parents: [meshServiceParentRef(users)],
    rules: [{ matches: [{ service: 'user.v1.UserService' }], backends: [{ service: meshServiceBackendRef(users) }] }],
  }, { defaultName: 'users-read' });

  test.each([
    ['envoy', DataPlane.envoy()],
    ['proxy', DataPlane.proxy({ image: PROXY_IMAGE })],
  ])('a route attached to the service (%s tier) reaches its pods over the same TLS', (_kind, dataPlane) => {
    const model = resolveGrpcMeshService({ ...USERS_PROPS, dataPlane, backendTls: { certManager: ISSUER } }, { defaultName: 'users' });
    const served = compileTierRoutes({ services: [model], gateways: [], routes: [gamma] }, { kind: 'service', model });
    expect(served.issues).toEqual([]);
    const manifests = renderGrpcMeshService(model, served);
    expect(problemsOf(all(manifests))).toEqual([]);
    const without = renderGrpcMeshService(model);
    if (_kind === 'envoy') {
      expect(envoyCluster(manifests).transport_socket).toEqual(envoyCluster(without).transport_socket);
    } else {
      expect(proxyConfig(manifests).clusters.find((c) => c.name === 'grpc-backend')!.tls).toEqual(proxyConfig(without).clusters[0].tls);
    }
    expect(at(manifests.balancer!.deployment, 'spec', 'template', 'spec', 'volumes')).toEqual(at(without.balancer!.deployment, 'spec', 'template', 'spec', 'volumes'));
  });

  /** The `users` service behind a self-hosted Gateway `edge` of namespace `infra`, through a route of `app`. */
  function behindGateway(implementation: GatewayImplementation, service = users) {
    const edge = resolveGrpcGateway({
      namespace: 'infra', implementation, listeners: [{ name: 'grpc', port: 50051, allowedRoutes: { from: 'All' } }],
    }, { defaultName: 'edge' });
    const route = resolveGrpcRoute({
      namespace: 'app',
      parents: [{ kind: 'Gateway', name: 'edge', namespace: 'infra' }],
      rules: [{ backends: [{ service: meshServiceBackendRef(service) }] }],
    }, { defaultName: 'users-edge' });
    const served = compileTierRoutes({ services: [service], gateways: [edge], routes: [route] }, { kind: 'gateway', model: edge });
    return { edge, served };
  }

  test.each([
    ['proxy', GatewayImplementation.proxy({ image: PROXY_IMAGE, backendTls: { certManager: { clusterIssuer: 'mesh-ca' } } })],
    ['envoy', GatewayImplementation.envoy({ backendTls: { certManager: { clusterIssuer: 'mesh-ca' } } })],
  ])('a self-hosted Gateway (%s) with a client certificate from the same ClusterIssuer reaches the pods over TLS', (kind, implementation) => {
    const meshCa = resolveGrpcMeshService({ ...USERS_PROPS, backendTls: { certManager: { clusterIssuer: 'mesh-ca' } } }, { defaultName: 'users' });
    const { edge, served } = behindGateway(implementation, meshCa);
    expect(served.issues).toEqual([]);
    const gateway = renderGrpcGateway(edge);
    const tier = renderGatewayTier(edge, served);
    expect(problemsOf([...gateway.certificates, tier.config, tier.deployment, tier.service])).toEqual([]);
    // The tier's client certificate, in the Gateway's namespace, from the service's ClusterIssuer.
    expect(gateway.certificates.map((c) => [c.metadata.namespace, c.metadata.name, at(c, 'spec', 'secretName'), at(c, 'spec', 'usages').at(-1)]))
      .toEqual([['infra', `edge-${kind}-client-tls`, `edge-${kind}-client-tls`, 'client auth']]);
    expect(at(gateway.certificates[0], 'spec', 'issuerRef')).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'mesh-ca' });
    const secret = `edge-${kind}-client-tls`;
    const [cluster] = served.compiled.clusters;
    expect(cluster.tls).toEqual({
      caFile: `/etc/grpc-mesh/backend-tls/${secret}/ca.crt`, serverName: FQDN, certFile: `/etc/grpc-mesh/backend-tls/${secret}/tls.crt`, keyFile: `/etc/grpc-mesh/backend-tls/${secret}/tls.key`,
    });
    for (const file of [cluster.tls!.caFile!, cluster.tls!.certFile!, cluster.tls!.keyFile!]) {
      expect(mountedFile(tier.deployment, file)?.secretName).toBe(secret);
    }
    const data = tier.config.data as Record<string, string>;
    if (kind === 'envoy') {
      const envoyTls = parse(data[ENVOY_CONFIG_KEY]).static_resources.clusters[0].transport_socket.typed_config;
      expect(envoyTls.sni).toBe(FQDN);
      expect(envoyTls.common_tls_context.validation_context.trusted_ca.filename).toBe(cluster.tls!.caFile);
    } else {
      expect((parse(data[PROXY_CONFIG_KEY]) as ProxyConfig).clusters[0].tls).toEqual(cluster.tls);
    }
  });

  test('a self-hosted Gateway without a client certificate, or with one from another issuer, fails synthesis with BACKEND_TLS_UNREACHABLE', () => {
    // `users` has its certificates from the Issuer "internal-ca" of namespace app; the Gateway is in infra.
    for (const implementation of [
      GatewayImplementation.proxy({ image: PROXY_IMAGE }),
      GatewayImplementation.proxy({ image: PROXY_IMAGE, backendTls: { certManager: { issuer: 'internal-ca' } } }),
    ]) {
      const { served } = behindGateway(implementation);
      expect(served.issues.map((i) => [i.code, i.value])).toEqual([['BACKEND_TLS_UNREACHABLE', 'app/users']]);
      expect(served.issues[0].hint).toContain('backendTls.certManager with the issuer of the service\'s certificate');
    }
  });

  test('refuses a Gateway client certificate that names both issuers', () => {
    expect(() => resolveGrpcGateway({
      namespace: 'infra',
      implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, backendTls: { certManager: { issuer: 'a', clusterIssuer: 'b' } } }),
      listeners: [{ name: 'grpc', port: 50051 }],
    }, { defaultName: 'edge' })).toThrow(/implementation\.backendTls\.certManager must name exactly one of issuer and clusterIssuer/);
  });
});
