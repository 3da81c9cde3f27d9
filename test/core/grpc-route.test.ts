import {
  GrpcMeshValidationError,
  renderGrpcRoute,
  resolveGrpcGateway,
  gatewayParentRef,
  resolveGrpcRoute,
  type GrpcRouteProps,
  type ValidationIssue,
} from '../../src/core';
import { validateAnyManifests } from '../support/crd-validator';

const edge = gatewayParentRef(resolveGrpcGateway({
  namespace: 'infra',
  gatewayClassName: 'eg',
  listeners: [
    { name: 'grpc-tls', port: 443, hostname: '*.api.example.com', tls: { secretName: 'cert' }, allowedRoutes: { from: 'All' } },
    { name: 'internal', port: 8080, hostname: 'internal.example.com' },
  ],
}, { defaultName: 'edge' }));
const users = { name: 'users', namespace: 'app', port: 50051 };
const BASE: GrpcRouteProps = { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: users }] }] };

function issuesOf(props: GrpcRouteProps): ValidationIssue[] {
  try {
    resolveGrpcRoute(props, { defaultName: 'r' });
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('resolveGrpcRoute and renderGrpcRoute', () => {
  test('renders method and header matches, weighted backends, filters and rule names in Gateway API form', () => {
    const { route } = renderGrpcRoute(resolveGrpcRoute({
      ...BASE,
      hostnames: ['users.api.example.com'],
      rules: [{
        name: 'reads',
        matches: [{ service: 'user.v1.UserService', method: 'GetUser', headers: [{ name: 'x-tenant', value: 'a.*', type: 'RegularExpression' }] }],
        backends: [{ service: users, weight: 9 }, { service: { name: 'users-v2', port: 50051 }, weight: 1 }],
        filters: {
          requestHeaders: { set: { 'x-routed': 'yes' }, remove: ['x-debug'] },
          responseHeaders: { add: { 'x-served-by': 'grpc-mesh' } },
          mirrors: [{ backend: { name: 'shadow', port: 50051 }, percent: 5 }],
        },
      }],
    }, { defaultName: 'users' }));
    expect(validateAnyManifests([route])).toEqual([]); // the standard-channel v1.6.1 CRD, CEL rules included
    expect(route.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'infra' }],
      hostnames: ['users.api.example.com'],
      rules: [{
        name: 'reads',
        matches: [{
          method: { type: 'Exact', service: 'user.v1.UserService', method: 'GetUser' },
          headers: [{ type: 'RegularExpression', name: 'x-tenant', value: 'a.*' }],
        }],
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-routed', value: 'yes' }], remove: ['x-debug'] } },
          { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-served-by', value: 'grpc-mesh' }] } },
          { type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'shadow', namespace: 'app', port: 50051 }, percent: 5 } },
        ],
        backendRefs: [
          { group: '', kind: 'Service', name: 'users', namespace: 'app', port: 50051, weight: 9 },
          { group: '', kind: 'Service', name: 'users-v2', namespace: 'app', port: 50051, weight: 1 },
        ],
      }],
    });
  });

  test('attaches to one listener by sectionName and to a Service parent for GAMMA', () => {
    const { route } = renderGrpcRoute(resolveGrpcRoute({
      ...BASE,
      parents: [{ ...edge, sectionName: 'grpc-tls' }, { kind: 'Service', name: 'users', port: 50051 }],
    }, { defaultName: 'r' }));
    expect((route.spec as any).parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'infra', sectionName: 'grpc-tls' },
      { group: '', kind: 'Service', name: 'users', namespace: 'app', port: 50051 },
    ]);
  });

  test('lists every bad input in one error: weight -1, 17 rules, a regex that does not compile, a wildcard in the middle, a headless GAMMA parent', () => {
    const rules = Array.from({ length: 17 }, () => ({ backends: [{ service: users }] }));
    const issues = issuesOf({
      ...BASE,
      parents: [{ kind: 'Service', name: 'users-headless', headless: true }],
      hostnames: ['api.*.example.com'],
      rules: [
        { matches: [{ service: '(unclosed', type: 'RegularExpression' }], backends: [{ service: users, weight: -1 }] },
        ...rules.slice(1),
      ],
    });
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'INVALID_HOSTNAME hostnames[0]',
      'HEADLESS_MESH_PARENT parents[0]',
      'TOO_MANY rules',
    ]);
  });

  test('refuses a plain Service reference named like a headless Service as a GAMMA parent, unless it says it is not headless', () => {
    const parent = { kind: 'Service' as const, name: 'users-headless', port: 50051 };
    expect(issuesOf({ ...BASE, parents: [parent] })).toEqual([{
      code: 'HEADLESS_MESH_PARENT',
      path: 'parents[0].name',
      value: 'users-headless',
      message: 'is named like a headless Service ("-headless"), which cannot be the parent of a mesh (GAMMA) route',
      hint: 'Attach the route to the ClusterIP Service (for a GrpcMeshService, pass the construct itself); '
        + 'if this Service does have a cluster IP, say so with headless: false.',
    }]);
    const { route } = renderGrpcRoute(resolveGrpcRoute({ ...BASE, parents: [{ ...parent, headless: false }] }, { defaultName: 'r' }));
    expect((route.spec as any).parentRefs).toEqual([{ group: '', kind: 'Service', name: 'users-headless', namespace: 'app', port: 50051 }]);
  });

  test('checks every rule when the rule count is within limits', () => {
    const issues = issuesOf({
      ...BASE,
      rules: [
        { matches: [{ service: '(unclosed', type: 'RegularExpression' }], backends: [{ service: users, weight: -1 }] },
        { matches: [{ service: 'user.v1.User Service' }], backends: [{ service: users, weight: 1_000_001 }] },
        { matches: [{ method: 'Get', headers: [{ name: 'x-a', value: '1' }, { name: 'X-A', value: '2' }] }], backends: [] },
      ],
    });
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'INVALID_REGEX rules[0].matches[0].service',
      'OUT_OF_RANGE rules[0].backends[0].weight',
      'INVALID_GRPC_SERVICE rules[1].matches[0].service',
      'OUT_OF_RANGE rules[1].backends[0].weight',
      'DUPLICATE_HEADER_MATCH rules[2].matches[0].headers[1].name',
      'TOO_FEW rules[2].backends',
    ]);
  });

  test('rejects hostnames that intersect no listener, unknown listeners and routes a listener does not allow', () => {
    expect(issuesOf({ ...BASE, hostnames: ['shop.example.org'] }).map((i) => i.code)).toEqual(['NO_MATCHING_LISTENER_HOSTNAME']);
    expect(issuesOf({ ...BASE, parents: [{ ...edge, sectionName: 'nope' }] }).map((i) => `${i.code} ${i.message}`))
      .toEqual(['UNKNOWN_LISTENER names no listener of Gateway "edge" (it has grpc-tls, internal)']);
    expect(issuesOf({ ...BASE, parents: [{ ...edge, sectionName: 'internal' }] }).map((i) => i.code)).toEqual(['ROUTE_NOT_ALLOWED']);
  });

  test('warns about shadowed matches and all-zero weights, and lets the user silence them by code', () => {
    const props: GrpcRouteProps = {
      ...BASE,
      rules: [
        { matches: [{ service: 'a.B' }], backends: [{ service: users }] },
        { matches: [{ service: 'a.B' }], backends: [{ service: users, weight: 0 }] },
      ],
    };
    expect(resolveGrpcRoute(props, { defaultName: 'r' }).warnings).toEqual([
      'GrpcRoute "r": rules[1].backends all have weight 0: every matched call fails with UNAVAILABLE; got [0]. [ALL_WEIGHTS_ZERO] (silenceWarnings: [\'ALL_WEIGHTS_ZERO\'] hides this)',
      'GrpcRoute "r": rules[1].matches[0] can never be reached: rules[0] has the same match and comes first; '
        + 'got {"method":{"type":"Exact","service":"a.B"}}. [SHADOWED_MATCH] (silenceWarnings: [\'SHADOWED_MATCH\'] hides this)',
    ]);
    expect(resolveGrpcRoute({ ...props, silenceWarnings: ['SHADOWED_MATCH', 'ALL_WEIGHTS_ZERO'] }, { defaultName: 'r' }).warnings).toEqual([]);
  });

  test('enforces the Gateway API limits of matches and headers', () => {
    const many = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
    const issues = issuesOf({
      ...BASE,
      hostnames: many(17, (i) => `h${i}.api.example.com`),
      rules: [
        { matches: many(65, (i) => ({ method: `M${i}` })), backends: [{ service: users }] },
        { matches: many(64, (i) => ({ method: `N${i}`, headers: i === 0 ? many(17, (k) => ({ name: `x-${k}`, value: 'v' })) : undefined })), backends: many(17, () => ({ service: users })) },
      ],
    });
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'TOO_MANY hostnames',
      'TOO_MANY rules',
      'TOO_MANY rules[0].matches',
      expect.stringMatching(/^TOO_MANY_HEADER_MATCHES rules\[1\]\.matches\[0\]\.headers$/),
      'TOO_MANY rules[1].backends',
    ]);
  });

  test('finds the Services in other namespaces, mirrors included, once each', () => {
    const model = resolveGrpcRoute({
      ...BASE,
      rules: [
        { backends: [{ service: { name: 'pay', namespace: 'payments', port: 1 } }], filters: { mirrors: [{ backend: { name: 'shadow', namespace: 'qa', port: 1 } }] } },
        { matches: [{ service: 'a.B' }], backends: [{ service: { name: 'pay', namespace: 'payments', port: 1 } }, { service: users }] },
      ],
    }, { defaultName: 'r' });
    expect(model.crossNamespaceRefs).toEqual([
      { fromKind: 'GRPCRoute', fromNamespace: 'app', toKind: 'Service', toNamespace: 'payments', toName: 'pay' },
      { fromKind: 'GRPCRoute', fromNamespace: 'app', toKind: 'Service', toNamespace: 'qa', toName: 'shadow' },
    ]);
    expect(renderGrpcRoute(model).referenceGrants.map((g) => `${g.metadata.namespace}/${g.metadata.name}`)).toEqual([
      'payments/grpcroute-from-app-to-service-pay',
      'qa/grpcroute-from-app-to-service-shadow',
    ]);
    expect(renderGrpcRoute({ ...model, generateReferenceGrants: false }).referenceGrants).toEqual([]);
  });
});
