import {
  checkReferenceGrants, formatIssue, generatedReferenceGrants, grantAllows, referenceGrantKey, referenceGrantRequest, renderReferenceGrant,
  resolveGrpcRoute, type CrossNamespaceReference, type KubeObject,
} from '../../src/core';

const TO_PAYMENTS: CrossNamespaceReference = { fromKind: 'GRPCRoute', fromNamespace: 'app', toKind: 'Service', toNamespace: 'payments', toName: 'payments' };
const TO_LEDGER: CrossNamespaceReference = { ...TO_PAYMENTS, toName: 'ledger' };

/** A ReferenceGrant as a user writes it: `to` without a name allows every object of the kind. */
function grant(namespace: string, from: Record<string, string>, to: Record<string, string>): KubeObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'allow', namespace }, spec: { from: [from], to: [to] } };
}
const FROM_APP_ROUTES = { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'app' };

describe('ReferenceGrant policy (core)', () => {
  test('a grant allows a reference only from its kind, group and namespace, to its kind in its own namespace, by name or to all', () => {
    expect(grantAllows(renderReferenceGrant(TO_PAYMENTS), TO_PAYMENTS)).toBe(true);
    expect(grantAllows(renderReferenceGrant(TO_PAYMENTS), TO_LEDGER)).toBe(false);
    expect(grantAllows(grant('payments', FROM_APP_ROUTES, { group: '', kind: 'Service' }), TO_LEDGER)).toBe(true);
    expect(grantAllows(grant('ledger', FROM_APP_ROUTES, { group: '', kind: 'Service' }), TO_LEDGER)).toBe(false);
    expect(grantAllows(grant('payments', { ...FROM_APP_ROUTES, namespace: 'shop' }, { group: '', kind: 'Service' }), TO_LEDGER)).toBe(false);
    expect(grantAllows(grant('payments', { ...FROM_APP_ROUTES, kind: 'HTTPRoute' }, { group: '', kind: 'Service' }), TO_LEDGER)).toBe(false);
    expect(grantAllows(grant('payments', { ...FROM_APP_ROUTES, group: 'example.com' }, { group: '', kind: 'Service' }), TO_LEDGER)).toBe(false);
    expect(grantAllows(grant('payments', FROM_APP_ROUTES, { group: '', kind: 'Secret' }), TO_LEDGER)).toBe(false);
  });

  test('a route asks for a grant for each Service it reaches in another namespace, backends and mirrors, once each', () => {
    const model = resolveGrpcRoute({
      namespace: 'app',
      parents: [{ kind: 'Gateway', name: 'edge', namespace: 'infra' }],
      rules: [
        { backends: [{ service: { name: 'payments', namespace: 'payments', port: 50051 } }, { service: { name: 'local', port: 50051 } }] },
        { backends: [{ service: { name: 'payments', namespace: 'payments', port: 50051 } }], filters: { mirrors: [{ backend: { name: 'audit', namespace: 'audit', port: 50051 } }] } },
      ],
    }, { defaultName: 'checkout' });
    const request = referenceGrantRequest(model, 'GrpcRoute "checkout"');
    expect(request.refs).toEqual([TO_PAYMENTS, { ...TO_PAYMENTS, toNamespace: 'audit', toName: 'audit' }]);
    expect(generatedReferenceGrants(request).map(referenceGrantKey)).toEqual(['payments/grpcroute-from-app-to-service-payments', 'audit/grpcroute-from-app-to-service-audit']);
    expect(generatedReferenceGrants({ ...request, generate: false })).toEqual([]);
  });

  test('references whose grants grpc-mesh generates pass; the others must be allowed by a grant of the app', () => {
    const request = { subject: 'GrpcRoute "shop/checkout"', refs: [TO_PAYMENTS, TO_LEDGER], generate: true, check: true };
    expect(checkReferenceGrants(request, [])).toEqual({ allowedBy: ['payments/grpcroute-from-app-to-service-payments', 'payments/grpcroute-from-app-to-service-ledger'] });
    const everyService = grant('payments', FROM_APP_ROUTES, { group: '', kind: 'Service' });
    expect(checkReferenceGrants({ ...request, generate: false }, [everyService])).toEqual({ allowedBy: ['payments/allow'] });
  });

  test('each reference no grant allows is one MISSING_REFERENCE_GRANT problem of the construct', () => {
    const request = { subject: 'GrpcRoute "shop/checkout"', refs: [TO_PAYMENTS, TO_LEDGER], generate: false, check: true };
    const { allowedBy, error } = checkReferenceGrants(request, [renderReferenceGrant(TO_LEDGER)]);
    expect(allowedBy).toEqual(['payments/grpcroute-from-app-to-service-ledger']);
    expect(error?.subject).toBe('GrpcRoute "shop/checkout"');
    expect(error?.issues.map(formatIssue)).toEqual([
      'referenceGrants is false, and no ReferenceGrant allows GRPCRoute in "app" -> Service "payments/payments"; got false. '
        + 'Define a ReferenceGrant in namespace "payments" that allows it, or let grpc-mesh generate it (referenceGrants: true), '
        + 'or set referenceGrants: \'external\' when that namespace\'s owner defines it outside this app. [MISSING_REFERENCE_GRANT]',
    ]);
  });

  test('referenceGrants: \'external\' leaves the grants to the target namespaces\' owners: none generated, none required', () => {
    const props = (referenceGrants?: boolean | 'external') => resolveGrpcRoute({
      namespace: 'app',
      parents: [{ kind: 'Gateway', name: 'edge', namespace: 'infra' }],
      rules: [{ backends: [{ service: { name: 'payments', namespace: 'payments', port: 50051 } }] }],
      ...(referenceGrants !== undefined && { referenceGrants }),
    }, { defaultName: 'checkout' });
    const external = referenceGrantRequest(props('external'), 'GrpcRoute "app/checkout"');
    expect(external.refs).toEqual([TO_PAYMENTS]);
    expect(generatedReferenceGrants(external)).toEqual([]);
    expect(checkReferenceGrants(external, [])).toEqual({ allowedBy: [] });
    // The other two values, for contrast: generated by default, required with false.
    expect(generatedReferenceGrants(referenceGrantRequest(props(undefined), 's'))).toHaveLength(1);
    expect(checkReferenceGrants(referenceGrantRequest(props(false), 's'), []).error?.issues.map((i) => i.code)).toEqual(['MISSING_REFERENCE_GRANT']);
  });
});
