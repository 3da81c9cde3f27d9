import { parse } from 'yaml';
import {
  compileTierRoutes, DataPlane, ENVOY_CONFIG_KEY, gatewayApiToProxyConfig, GatewayImplementation, listGrpcMeshServiceManifests, meshServiceBackendRef,
  meshServiceParentRef, PROXY_CONFIG_KEY, renderGatewayTier, renderGrpcGateway, renderGrpcMeshService, resolveGrpcGateway, resolveGrpcMeshService,
  resolveGrpcRoute, type BalancerManifests, type GrpcGatewayProps, type KubeObject, type ProxyConfig, type ProxyTlsConfig,
} from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';
import { at, issueCodes, render, serviceIssueCodes } from '../support/render';
import { envoyBootstrapCount, problemsOf } from '../support/validate-all';

const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:0.1.0';
const MTLS = { secretName: 'users-tls', clientCertificates: { caConfigMap: 'clients-ca' } };

const codesOf = serviceIssueCodes;
const gatewayCodesOf = (props: Omit<GrpcGatewayProps, 'namespace'>) => issueCodes(() => resolveGrpcGateway({ namespace: 'app', ...props }, { defaultName: 'edge' }));

/**
 * Which object and key of the balancer's pod a file path reads: the volume mounted at the longest matching
 * mountPath of its one container, and the file name under it (a Secret or ConfigMap volume projects each key as a file).
 */
function mountedFile(deployment: KubeObject, file: string): { kind: string; name: string; key: string } {
  const pod = at(deployment, 'spec', 'template', 'spec');
  const [container] = pod.containers;
  const mount = (container.volumeMounts as Array<{ name: string; mountPath: string; readOnly?: boolean }>)
    .filter((m) => file.startsWith(`${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (mount === undefined) throw new Error(`${file} is under no volume mount`);
  expect(mount.readOnly).toBe(true);
  const volume = (pod.volumes as Array<Record<string, any>>).find((v) => v.name === mount.name)!;
  const key = file.slice(mount.mountPath.length + 1);
  if (volume.secret) return { kind: 'Secret', name: volume.secret.secretName, key };
  if (volume.configMap) return { kind: 'ConfigMap', name: volume.configMap.name, key };
  throw new Error(`${file} is on volume ${mount.name}, neither a Secret nor a ConfigMap`);
}

function proxyConfigOf(balancer: BalancerManifests): ProxyConfig {
  return parse((balancer.config.data as Record<string, string>)[PROXY_CONFIG_KEY]) as ProxyConfig;
}

function envoyListenerTls(balancer: BalancerManifests, listener = 'grpc'): Record<string, any> | undefined {
  const bootstrap = parse((balancer.config.data as Record<string, string>)[ENVOY_CONFIG_KEY]);
  const found = bootstrap.static_resources.listeners.find((l: any) => l.name === listener);
  return found.filter_chains[0].transport_socket?.typed_config;
}

/** The listener TLS files resolve to these objects' keys through the pod's mounts. */
function expectFilesMounted(deployment: KubeObject, tls: ProxyTlsConfig | undefined, secret: string, ca: ReturnType<typeof mountedFile>) {
  expect(tls).toBeDefined();
  expect(mountedFile(deployment, tls!.certFile)).toEqual({ kind: 'Secret', name: secret, key: 'tls.crt' });
  expect(mountedFile(deployment, tls!.keyFile)).toEqual({ kind: 'Secret', name: secret, key: 'tls.key' });
  expect(mountedFile(deployment, tls!.clientCaFile!)).toEqual(ca);
}

const allObjects = (manifests: ReturnType<typeof render>) => listGrpcMeshServiceManifests(manifests).map((l) => l.manifest);

describe('listener TLS of a service\'s balancer', () => {
  test('grpc-mesh-proxy terminates TLS and requires client certificates with the mounted Secret and CA ConfigMap', () => {
    const manifests = render({ dataPlane: DataPlane.proxy({ image: PROXY_IMAGE, listenerTls: MTLS }) });
    const balancer = manifests.balancer!;
    const [listener] = proxyConfigOf(balancer).listeners;
    expect(listener.tls).toEqual({
      certFile: '/etc/grpc-mesh/tls/users-tls/tls.crt',
      keyFile: '/etc/grpc-mesh/tls/users-tls/tls.key',
      clientCaFile: '/etc/grpc-mesh/ca/clients-ca/ca.crt',
    });
    expectFilesMounted(balancer.deployment, listener.tls, 'users-tls', { kind: 'ConfigMap', name: 'clients-ca', key: 'ca.crt' });
    // Clients speak TLS to the Service port: no h2c appProtocol.
    expect(at(balancer.service, 'spec', 'ports')).toEqual([{ name: 'grpc', port: 50051, targetPort: 8080, protocol: 'TCP' }]);
    expect(problemsOf(allObjects(manifests))).toEqual([]);
  });

  test('Envoy requires a client certificate and verifies it against the mounted CA (DownstreamTlsContext)', () => {
    const manifests = render({ dataPlane: DataPlane.envoy({ listenerTls: MTLS }) });
    const balancer = manifests.balancer!;
    const tls = envoyListenerTls(balancer)!;
    expect(tls).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      'common_tls_context': {
        alpn_protocols: ['h2'],
        tls_certificates: [{ certificate_chain: { filename: '/etc/grpc-mesh/tls/users-tls/tls.crt' }, private_key: { filename: '/etc/grpc-mesh/tls/users-tls/tls.key' } }],
        validation_context: { trusted_ca: { filename: '/etc/grpc-mesh/ca/clients-ca/ca.crt' } },
      },
      'require_client_certificate': true,
    });
    const files = {
      certFile: tls.common_tls_context.tls_certificates[0].certificate_chain.filename,
      keyFile: tls.common_tls_context.tls_certificates[0].private_key.filename,
      clientCaFile: tls.common_tls_context.validation_context.trusted_ca.filename,
    };
    expectFilesMounted(balancer.deployment, files, 'users-tls', { kind: 'ConfigMap', name: 'clients-ca', key: 'ca.crt' });
    expect(at(balancer.service, 'spec', 'ports', 0)).not.toHaveProperty('appProtocol');
    const objects = allObjects(manifests);
    expect(envoyBootstrapCount(objects)).toBe(1);
    expect(problemsOf(objects)).toEqual([]);
  });

  test('TLS without client certificates asks for none', () => {
    const balancer = render({ dataPlane: DataPlane.envoy({ listenerTls: { secretName: 'users-tls' } }) }).balancer!;
    const tls = envoyListenerTls(balancer)!;
    expect(tls.common_tls_context).not.toHaveProperty('validation_context');
    expect(tls).not.toHaveProperty('require_client_certificate');
    const proxy = render({ dataPlane: DataPlane.proxy({ image: PROXY_IMAGE, listenerTls: { secretName: 'users-tls' } }) }).balancer!;
    expect(proxyConfigOf(proxy).listeners[0].tls).toEqual({ certFile: '/etc/grpc-mesh/tls/users-tls/tls.crt', keyFile: '/etc/grpc-mesh/tls/users-tls/tls.key' });
    expect(at(proxy.deployment, 'spec', 'template', 'spec', 'volumes').filter((v: any) => v.secret || (v.configMap && v.name !== 'config')))
      .toEqual([{ name: 'secret-0', secret: { secretName: 'users-tls', defaultMode: 0o440 } }]);
  });

  test('a CA bundle in the certificate\'s own Secret is read from the one mount of that Secret', () => {
    const manifests = render({
      dataPlane: DataPlane.proxy({ image: PROXY_IMAGE, listenerTls: { secretName: 'users-tls', clientCertificates: { caSecret: 'users-tls' } } }),
    });
    const balancer = manifests.balancer!;
    const tls = proxyConfigOf(balancer).listeners[0].tls;
    expect(tls?.clientCaFile).toBe('/etc/grpc-mesh/tls/users-tls/ca.crt');
    expectFilesMounted(balancer.deployment, tls, 'users-tls', { kind: 'Secret', name: 'users-tls', key: 'ca.crt' });
    expect(at(balancer.deployment, 'spec', 'template', 'spec', 'volumes').filter((v: any) => v.secret)).toHaveLength(1);
    expect(problemsOf(allObjects(manifests))).toEqual([]);
  });

  test('cert-manager issues the listener\'s certificate: a Certificate named after the Secret, for the DNS names', () => {
    const manifests = render({
      dataPlane: DataPlane.envoy({ listenerTls: { secretName: 'users-tls', certManager: { clusterIssuer: 'internal-ca' }, dnsNames: ['users.app.example.com'] } }),
    });
    const certificate = manifests.balancer!.certificate!;
    expect(certificate).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'users-tls', namespace: 'app', labels: manifests.balancer!.deployment.metadata.labels },
      spec: { secretName: 'users-tls', dnsNames: ['users.app.example.com'], issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'internal-ca' } },
    });
    // The Secret cert-manager writes is the one the pods mount.
    const certFile = envoyListenerTls(manifests.balancer!)!.common_tls_context.tls_certificates[0].certificate_chain.filename;
    expect(mountedFile(manifests.balancer!.deployment, certFile))
      .toEqual({ kind: 'Secret', name: at(certificate, 'spec', 'secretName'), key: 'tls.crt' });
    expect(listGrpcMeshServiceManifests(manifests).find((l) => l.manifest === certificate)?.id).toBe('balancer-certificate');
    expect(problemsOf(allObjects(manifests))).toEqual([]);
  });

  test('a balancer serving routes (GAMMA) terminates TLS on its compiled listener too', () => {
    const props = { ...USERS_PROPS, dataPlane: DataPlane.proxy({ image: PROXY_IMAGE, listenerTls: MTLS }) };
    const users = resolveGrpcMeshService(props, { defaultName: 'users' });
    const canary = resolveGrpcMeshService({ ...USERS_PROPS, trafficPolicy: undefined, dataPlane: DataPlane.none() }, { defaultName: 'users-canary' });
    const route = resolveGrpcRoute({
      namespace: 'app',
      parents: [meshServiceParentRef(users)],
      rules: [{ matches: [{ service: 'user.v1.UserService' }], backends: [{ service: meshServiceBackendRef(canary) }] }],
    }, { defaultName: 'users-to-canary' });
    const served = compileTierRoutes({ services: [users, canary], gateways: [], routes: [route] }, { kind: 'service', model: users });
    expect(served.routes).toEqual(['app/users-to-canary']);
    const manifests = renderGrpcMeshService(users, served);
    const config = proxyConfigOf(manifests.balancer!);
    expect(config.routes.map((r) => r.name)).toContain('users-to-canary');
    expect(config.listeners.map((l) => l.tls)).toEqual([proxyConfigOf(render({ dataPlane: props.dataPlane }).balancer!).listeners[0].tls]);
    expectFilesMounted(manifests.balancer!.deployment, config.listeners[0].tls, 'users-tls', { kind: 'ConfigMap', name: 'clients-ca', key: 'ca.crt' });
    expect(problemsOf(allObjects(manifests))).toEqual([]);
  });

  test('refuses what would not serve: no Secret, bad names, DNS names without cert-manager, cert-manager without names, two CAs', () => {
    const envoy = (listenerTls: any) => ({ dataPlane: DataPlane.envoy({ listenerTls }) });
    expect(codesOf(envoy({ secretName: '' }))).toEqual([['SECRET_REQUIRED', 'dataPlane.listenerTls.secretName']]);
    expect(codesOf(envoy({ secretName: 'Users_TLS' }))).toEqual([['INVALID_NAME', 'dataPlane.listenerTls.secretName']]);
    expect(codesOf(envoy({ secretName: 'users-tls', dnsNames: ['users.example.com'] })))
      .toEqual([['DNS_NAMES_WITHOUT_CERT_MANAGER', 'dataPlane.listenerTls.dnsNames']]);
    expect(codesOf(envoy({ secretName: 'users-tls', certManager: { issuer: 'ca' } }))).toEqual([['TOO_FEW', 'dataPlane.listenerTls.dnsNames']]);
    expect(codesOf(envoy({ secretName: 'users-tls', certManager: { issuer: 'ca', clusterIssuer: 'ca' }, dnsNames: ['users.example.com'] })))
      .toEqual([['INVALID_CERT_MANAGER', 'dataPlane.listenerTls.certManager']]);
    expect(codesOf(envoy({ secretName: 'users-tls', certManager: { issuer: 'ca' }, dnsNames: ['10.0.0.1', 'a.*.example.com'] })))
      .toEqual([['INVALID_HOSTNAME', 'dataPlane.listenerTls.dnsNames[0]'], ['INVALID_HOSTNAME', 'dataPlane.listenerTls.dnsNames[1]']]);
    expect(codesOf(envoy({ secretName: 'users-tls', clientCertificates: { caConfigMap: 'a', caSecret: 'b' } })))
      .toEqual([['INVALID_CLIENT_CA', 'dataPlane.listenerTls.clientCertificates']]);
    expect(codesOf(envoy({ secretName: 'users-tls', clientCertificates: {} }))).toEqual([['INVALID_CLIENT_CA', 'dataPlane.listenerTls.clientCertificates']]);
    expect(codesOf(envoy({ secretName: 'users-tls', clientCertificates: { caConfigMap: 'ca', caKey: 'ca/crt' } })))
      .toEqual([['INVALID_CLIENT_CA', 'dataPlane.listenerTls.clientCertificates.caKey']]);
    expect(codesOf(envoy({ secretName: 'users-tls', clientCertificates: { caSecret: 'CA' } })))
      .toEqual([['INVALID_NAME', 'dataPlane.listenerTls.clientCertificates.caSecret']]);
  });

  test('warns that an ACME issuer needs DNS-01 for a wildcard name, unless silenced', () => {
    const props = {
      dataPlane: DataPlane.envoy({ listenerTls: { secretName: 'users-tls', certManager: { issuer: 'letsencrypt' }, dnsNames: ['*.users.example.com'] } }),
    };
    const model = resolveGrpcMeshService({ ...USERS_PROPS, ...props }, { defaultName: 'users' });
    expect(model.warnings).toEqual([expect.stringContaining('WILDCARD_CERTIFICATE_NEEDS_DNS01')]);
    expect(model.warnings[0]).toContain('dataPlane.listenerTls.dnsNames[0]');
    const silenced = resolveGrpcMeshService({ ...USERS_PROPS, ...props, silenceWarnings: ['WILDCARD_CERTIFICATE_NEEDS_DNS01'] }, { defaultName: 'users' });
    expect(silenced.warnings).toEqual([]);
  });
});

describe('client certificates on a Gateway\'s listeners', () => {
  const listeners: GrpcGatewayProps['listeners'] = [
    { name: 'api', port: 443, hostname: 'api.example.com', tls: { secretName: 'api-tls', clientCertificates: { caConfigMap: 'partners-ca' } } },
    { name: 'admin', port: 443, hostname: 'admin.example.com', tls: { secretName: 'api-tls', clientCertificates: { caConfigMap: 'partners-ca' } } },
    { name: 'public', port: 8443, hostname: 'www.example.com', tls: { secretName: 'www-tls' } },
  ];
  const FRONTEND = {
    frontend: {
      default: {},
      perPort: [{ port: 443, tls: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'partners-ca' }] } } }],
    },
  };

  test('a controller\'s Gateway gets Gateway API frontend validation for the port, valid against the standard CRD', () => {
    const { gateway } = renderGrpcGateway(resolveGrpcGateway({ namespace: 'app', gatewayClassName: 'istio', listeners }, { defaultName: 'edge' }));
    expect(at(gateway, 'spec', 'tls')).toEqual(FRONTEND);
    expect(problemsOf([gateway!])).toEqual([]);
    const plain = renderGrpcGateway(resolveGrpcGateway({ namespace: 'app', gatewayClassName: 'istio', listeners: [listeners[2]] }, { defaultName: 'edge' }));
    expect(at(plain.gateway, 'spec')).not.toHaveProperty('tls');
  });

  test.each([
    ['grpc-mesh-proxy', GatewayImplementation.proxy({ image: PROXY_IMAGE, gatewayApiObjects: true })],
    ['Envoy', GatewayImplementation.envoy({ gatewayApiObjects: true })],
  ])('a %s tier requires the certificates on that port only, reading the mounted CA ConfigMap', (_, implementation) => {
    const model = resolveGrpcGateway({ namespace: 'app', implementation, listeners }, { defaultName: 'edge' });
    const served = compileTierRoutes({ services: [], gateways: [model], routes: [] }, { kind: 'gateway', model });
    expect(served.issues).toEqual([]);
    const tier = renderGatewayTier(model, served);
    const gatewayObjects = renderGrpcGateway(model);
    expect(at(gatewayObjects.gateway, 'spec', 'tls')).toEqual(FRONTEND);
    const data = tier.config.data as Record<string, string>;
    const files = new Map<number, ProxyTlsConfig | undefined>();
    if (data[PROXY_CONFIG_KEY] !== undefined) {
      for (const l of (parse(data[PROXY_CONFIG_KEY]) as ProxyConfig).listeners) files.set(l.port, l.tls);
    } else {
      for (const l of parse(data[ENVOY_CONFIG_KEY]).static_resources.listeners) {
        const tls = l.filter_chains[0].transport_socket?.typed_config;
        if (tls === undefined) continue;
        expect(tls.require_client_certificate ?? false).toBe(tls.common_tls_context.validation_context !== undefined);
        files.set(l.address.socket_address.port_value, {
          certFile: tls.common_tls_context.tls_certificates[0].certificate_chain.filename,
          keyFile: tls.common_tls_context.tls_certificates[0].private_key.filename,
          ...(tls.common_tls_context.validation_context && { clientCaFile: tls.common_tls_context.validation_context.trusted_ca.filename }),
        });
      }
    }
    // Container ports from 8080 up, in listener-port order: 443 then 8443.
    expectFilesMounted(tier.deployment, files.get(8080), 'api-tls', { kind: 'ConfigMap', name: 'partners-ca', key: 'ca.crt' });
    expect(files.get(8081)).toEqual({ certFile: '/etc/grpc-mesh/tls/www-tls/tls.crt', keyFile: '/etc/grpc-mesh/tls/www-tls/tls.key' });
    expect(mountedFile(tier.deployment, files.get(8081)!.certFile)).toEqual({ kind: 'Secret', name: 'www-tls', key: 'tls.crt' });
    expect(problemsOf([tier.config, tier.deployment, tier.service, gatewayObjects.gateway!])).toEqual([]);
  });

  test('refuses different CAs on one port, and a CA Gateway API cannot name', () => {
    const tls = (clientCertificates?: object) => ({ secretName: 'api-tls', ...(clientCertificates && { clientCertificates }) });
    expect(gatewayCodesOf({
      gatewayClassName: 'istio',
      listeners: [
        { name: 'a', port: 443, hostname: 'a.example.com', tls: tls({ caConfigMap: 'ca-a' }) },
        { name: 'b', port: 443, hostname: 'b.example.com', tls: tls() },
      ],
    })).toEqual([['CLIENT_CERTIFICATES_PER_PORT', 'listeners[0,1].tls.clientCertificates']]);
    expect(gatewayCodesOf({ gatewayClassName: 'istio', listeners: [{ name: 'a', port: 443, tls: tls({ caSecret: 'ca' }) }] }))
      .toEqual([['CLIENT_CA_NOT_PORTABLE', 'listeners[0].tls.clientCertificates']]);
    expect(gatewayCodesOf({ gatewayClassName: 'istio', listeners: [{ name: 'a', port: 443, tls: tls({ caConfigMap: 'ca', caKey: 'bundle.pem' }) }] }))
      .toEqual([['CLIENT_CA_NOT_PORTABLE', 'listeners[0].tls.clientCertificates']]);
  });
});

describe('gatewayApiToProxyConfig: frontend validation of Gateway objects', () => {
  const gatewayObject = (tls: unknown, listeners?: unknown[]): KubeObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'infra' },
    spec: {
      gatewayClassName: 'grpc-mesh',
      listeners: listeners ?? [
        { name: 'a', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'a-tls' }] } },
        { name: 'b', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'b-tls' }] } },
        { name: 'plain', port: 8080, protocol: 'HTTP' },
      ],
      tls,
    },
  });
  const ref = (name: string, extra: object = {}) => ({ group: '', kind: 'ConfigMap', name, ...extra });
  const compile = (objects: unknown[]) => gatewayApiToProxyConfig(objects, { gateway: { namespace: 'infra', name: 'edge' } });
  const caByPort = (objects: unknown[]) => new Map(compile(objects).config.listeners.map((l) => [l.port, l.tls?.clientCaFile]));

  test('the default applies to every HTTPS port without its own entry; a per-port entry overrides it', () => {
    const result = caByPort([gatewayObject({
      frontend: { default: { validation: { caCertificateRefs: [ref('all-ca')] } }, perPort: [{ port: 8443, tls: { validation: { caCertificateRefs: [ref('b-ca')] } } }] },
    })]);
    expect(result).toEqual(new Map([
      [443, '/etc/grpc-mesh-proxy/ca/infra/all-ca/ca.crt'],
      [8443, '/etc/grpc-mesh-proxy/ca/infra/b-ca/ca.crt'],
      [8080, undefined],
    ]));
    // A per-port entry without validation turns it off on that port.
    expect(caByPort([gatewayObject({ frontend: { default: { validation: { caCertificateRefs: [ref('all-ca')] } }, perPort: [{ port: 443, tls: {} }] } })]).get(443))
      .toBeUndefined();
  });

  test('leaves out the listeners of a port whose CA is not a ConfigMap, lacks ca.crt, or is in a namespace no grant opens', () => {
    const left = (tls: unknown, extra: unknown[] = []) => {
      const result = compile([gatewayObject(tls), ...extra]);
      return { ports: result.config.listeners.map((l) => l.port), warnings: result.warnings.map((w) => [w.code, w.path]) };
    };
    const on443 = (r: object) => ({ frontend: { default: {}, perPort: [{ port: 443, tls: { validation: { caCertificateRefs: [r] } } }] } });
    const dropped = { ports: [8443, 8080], warnings: [['LISTENER_CLIENT_CA', 'Gateway "infra/edge".spec.tls.frontend']] };
    expect(left(on443({ group: '', kind: 'Secret', name: 'ca' }))).toEqual(dropped);
    const configMap = (data: Record<string, string>, namespace = 'infra') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace }, data });
    expect(left(on443(ref('ca')), [configMap({ 'bundle.pem': 'x' })])).toEqual(dropped);
    expect(left(on443(ref('ca')), [configMap({ 'ca.crt': 'x' })])).toEqual({ ports: [443, 8443, 8080], warnings: [] });
    expect(left(on443(ref('ca', { namespace: 'pki' })))).toEqual(dropped);
    const grant = {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'gateways', namespace: 'pki' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }], to: [{ group: '', kind: 'ConfigMap' }] },
    };
    expect(left(on443(ref('ca', { namespace: 'pki' })), [grant])).toEqual({ ports: [443, 8443, 8080], warnings: [] });
    expect(caByPort([gatewayObject(on443(ref('ca', { namespace: 'pki' }))), grant]).get(443)).toBe('/etc/grpc-mesh-proxy/ca/pki/ca/ca.crt');
    // Where the options put CA bundles, and client CA bundles in particular.
    const objects = [gatewayObject(on443(ref('ca')))];
    const fileOf = (options: object) => gatewayApiToProxyConfig(objects, { gateway: { namespace: 'infra', name: 'edge' }, ...options })
      .config.listeners.find((l) => l.port === 443)?.tls?.clientCaFile;
    expect(fileOf({ caBundleFile: (r: any, key: string) => `/ca/${r.name}/${key}` })).toBe('/ca/ca/ca.crt');
    expect(fileOf({ caBundleFile: () => '/no', clientCaBundleFile: (r: any, key: string) => `/clients/${r.name}/${key}` })).toBe('/clients/ca/ca.crt');
  });

  test('serves AllowInsecureFallback as AllowValidOnly and trusts the first of several CAs, saying so', () => {
    const result = compile([gatewayObject({
      frontend: { default: { validation: { mode: 'AllowInsecureFallback', caCertificateRefs: [ref('first'), ref('second')] } } },
    })]);
    expect(result.config.listeners.find((l) => l.port === 443)?.tls?.clientCaFile).toBe('/etc/grpc-mesh-proxy/ca/infra/first/ca.crt');
    expect(result.warnings.map((w) => [w.code, w.path])).toEqual([
      ['FRONTEND_VALIDATION_MODE', 'Gateway "infra/edge".spec.tls.frontend.default.validation.mode'],
      ['FRONTEND_ONE_CA', 'Gateway "infra/edge".spec.tls.frontend.default.validation.caCertificateRefs'],
      ['FRONTEND_VALIDATION_MODE', 'Gateway "infra/edge".spec.tls.frontend.default.validation.mode'],
      ['FRONTEND_ONE_CA', 'Gateway "infra/edge".spec.tls.frontend.default.validation.caCertificateRefs'],
    ]);
  });
});
