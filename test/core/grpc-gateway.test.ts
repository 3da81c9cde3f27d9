import { GrpcMeshValidationError, renderGrpcGateway, resolveGrpcGateway, type GrpcGatewayProps } from '../../src/core';

const PROPS: GrpcGatewayProps = {
  namespace: 'infra',
  gatewayClassName: 'istio',
  listeners: [{ name: 'grpc-tls', hostname: '*.api.example.com', port: 443, tls: { secretName: 'api-tls-cert' } }],
};

function codesOf(props: GrpcGatewayProps): string[] {
  try {
    resolveGrpcGateway(props, { defaultName: 'edge' });
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) return error.issues.map((i) => `${i.code} ${i.path}`);
    throw error;
  }
  return [];
}

describe('GrpcGateway (core)', () => {
  test('renders TLS-terminating and h2c listeners that admit GRPCRoutes only', () => {
    const { gateway, gatewayClass, referenceGrants } = renderGrpcGateway(resolveGrpcGateway({
      ...PROPS,
      listeners: [...PROPS.listeners, { name: 'grpc', port: 8080, allowedRoutes: { from: 'Selector', selector: { team: 'shop' } } }],
    }, { defaultName: 'edge' }));
    expect(gateway!.metadata).toEqual({ name: 'edge', namespace: 'infra', labels: { 'app.kubernetes.io/name': 'edge', 'app.kubernetes.io/managed-by': 'grpc-mesh' } });
    const kinds = [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }];
    expect(gateway!.spec).toEqual({
      gatewayClassName: 'istio',
      listeners: [
        {
          name: 'grpc-tls',
          port: 443,
          protocol: 'HTTPS',
          hostname: '*.api.example.com',
          tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'api-tls-cert', namespace: 'infra' }] },
          allowedRoutes: { namespaces: { from: 'Same' }, kinds },
        },
        { name: 'grpc', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'shop' } } }, kinds } },
      ],
    });
    expect(gatewayClass).toBeUndefined();
    expect(referenceGrants).toEqual([]);
  });

  test('creates the GatewayClass when asked', () => {
    const { gatewayClass } = renderGrpcGateway(resolveGrpcGateway({ ...PROPS, gatewayClass: { controllerName: 'istio.io/gateway-controller' } }, { defaultName: 'edge' }));
    expect(gatewayClass).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'istio', labels: { 'app.kubernetes.io/managed-by': 'grpc-mesh' } },
      spec: { controllerName: 'istio.io/gateway-controller' },
    });
  });

  test('asks cert-manager for the certificates with the issuer annotation', () => {
    const { gateway } = renderGrpcGateway(resolveGrpcGateway({ ...PROPS, certManager: { clusterIssuer: 'letsencrypt' } }, { defaultName: 'edge' }));
    expect(gateway!.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
  });

  test('warns that a wildcard hostname needs a DNS-01 solver when cert-manager issues its certificate', () => {
    const warnings = (props: GrpcGatewayProps) => resolveGrpcGateway(props, { defaultName: 'edge' }).warnings;
    const listeners = [
      { name: 'wild', hostname: '*.api.example.com', port: 443, tls: { secretName: 'wild-cert' } },
      { name: 'exact', hostname: 'api.example.com', port: 8443, tls: { secretName: 'exact-cert' } },
      { name: 'plain', hostname: '*.internal.example.com', port: 8080 },
    ];
    // Only the wildcard listener that terminates TLS; each part of the warning, whatever the layout of the line.
    const [warning, ...others] = warnings({ ...PROPS, listeners, certManager: { clusterIssuer: 'letsencrypt' } });
    expect(others).toEqual([]);
    for (const part of [
      'GrpcGateway "edge": listeners[0].hostname ',
      '"*.api.example.com"',
      'is a wildcard: an ACME ClusterIssuer "letsencrypt" (such as Let\'s Encrypt) issues its certificate only through a DNS-01 '
        + 'solver, never HTTP-01',
      'Give ClusterIssuer "letsencrypt" a dns01 solver, or use an issuer that is not ACME (CA, Vault); silence '
        + 'WILDCARD_CERTIFICATE_NEEDS_DNS01 once it has one.',
      '[WILDCARD_CERTIFICATE_NEEDS_DNS01]',
    ]) expect(warning).toContain(part);
    expect(warnings({ ...PROPS, listeners, certManager: { issuer: 'acme' } })[0]).toContain('an ACME Issuer "acme" (such as');
    expect(warnings({ ...PROPS, listeners })).toEqual([]);
    expect(warnings({ ...PROPS, listeners, certManager: { issuer: 'acme' }, silenceWarnings: ['WILDCARD_CERTIFICATE_NEEDS_DNS01'] })).toEqual([]);
  });

  test('grants the Gateway the certificate Secret of another namespace with one narrow ReferenceGrant', () => {
    const { referenceGrants } = renderGrpcGateway(resolveGrpcGateway({
      ...PROPS,
      listeners: [
        { name: 'a', hostname: 'a.example.com', port: 443, tls: { secretName: 'wildcard', secretNamespace: 'certs' } },
        { name: 'b', hostname: 'b.example.com', port: 443, tls: { secretName: 'wildcard', secretNamespace: 'certs' } },
      ],
    }, { defaultName: 'edge' }));
    expect(referenceGrants).toEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'gateway-from-infra-to-secret-wildcard', namespace: 'certs', labels: { 'app.kubernetes.io/managed-by': 'grpc-mesh' } },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }],
        to: [{ group: '', kind: 'Secret', name: 'wildcard' }],
      },
    }]);
  });

  test('lists every bad listener in one error', () => {
    expect(codesOf({
      ...PROPS,
      certManager: { issuer: 'a', clusterIssuer: 'b' },
      listeners: [
        { name: 'Grpc', port: 70000, hostname: 'a.*.com' },
        { name: 'tls', port: 443, tls: { secretName: 'x' } },
        { name: 'tls', port: 443, tls: { secretName: 'y' }, allowedRoutes: { from: 'Selector' } },
      ],
    })).toEqual([
      'INVALID_NAME listeners[0].name',
      'PORT_OUT_OF_RANGE listeners[0].port',
      'INVALID_HOSTNAME listeners[0].hostname',
      'INVALID_ALLOWED_ROUTES listeners[2].allowedRoutes.selector',
      'DUPLICATE_LISTENER listeners[2].name',
      'CONFLICTING_LISTENERS listeners[2]',
      'INVALID_CERT_MANAGER certManager',
      'CERT_WITHOUT_HOSTNAME listeners[1].hostname',
      'CERT_WITHOUT_HOSTNAME listeners[2].hostname',
    ]);
    expect(codesOf({ ...PROPS, listeners: [] })).toEqual(['TOO_FEW listeners']);
  });
});
