import { GrpcMeshValidationError, renderGrpcRoute, resolveCanaryGrpcRoute, type CanaryGrpcRouteProps } from '../../src/core';
import { RouteTable } from '../../src/routing';
import { seededRandom as seeded } from '../routing/helpers';

const stable = { name: 'orders-stable', port: 50051 };
const canary = { name: 'orders-canary', port: 50051 };
const PROPS: CanaryGrpcRouteProps = {
  namespace: 'app',
  parents: [{ kind: 'Gateway', name: 'edge' }],
  grpcService: 'order.v1.OrderService',
  stable,
  canary,
  canaryWeight: 10,
  canaryHeader: { name: 'x-canary', value: 'always' },
};

/** The route through the routing engine the proxy uses, for the given props. */
function table(props: CanaryGrpcRouteProps): RouteTable {
  const { route } = renderGrpcRoute(resolveCanaryGrpcRoute(props, { defaultName: 'orders' }));
  return new RouteTable([route as any]);
}

describe('CanaryGrpcRoute', () => {
  test('emits a header rule for the canary and a weighted rule, both scoped to the gRPC service', () => {
    const { route } = renderGrpcRoute(resolveCanaryGrpcRoute(PROPS, { defaultName: 'orders' }));
    const method = { type: 'Exact', service: 'order.v1.OrderService' };
    expect((route.spec as any).rules).toEqual([
      {
        name: 'canary-header',
        matches: [{ method, headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] }],
        backendRefs: [{ group: '', kind: 'Service', name: 'orders-canary', namespace: 'app', port: 50051, weight: 1 }],
      },
      {
        name: 'canary-split',
        matches: [{ method }],
        backendRefs: [
          { group: '', kind: 'Service', name: 'orders-stable', namespace: 'app', port: 50051, weight: 90 },
          { group: '', kind: 'Service', name: 'orders-canary', namespace: 'app', port: 50051, weight: 10 },
        ],
      },
    ]);
  });

  test('a header-forced call always reaches the canary, by precedence rather than rule order', () => {
    const routes = table(PROPS);
    const call = { path: '/order.v1.OrderService/Create', headers: { 'x-canary': 'always' } };
    const random = seeded(1);
    for (let i = 0; i < 1000; i++) {
      const decision = routes.route(call, random);
      expect(decision.kind === 'backend' && decision.backendRef.name).toBe('orders-canary');
    }
    // Precedence, not luck: with the rules reversed, the header rule still wins.
    const { route } = renderGrpcRoute(resolveCanaryGrpcRoute(PROPS, { defaultName: 'orders' }));
    const reversed = { ...route, spec: { ...(route.spec as any), rules: [...(route.spec as any).rules].reverse() } };
    const decision = new RouteTable([reversed as any]).route(call, random);
    expect(decision.kind === 'backend' && decision.backendRef.name).toBe('orders-canary');
  });

  test('sends the canary its share of 10,000 calls without the header, within 1.5 points', () => {
    const routes = table(PROPS);
    const random = seeded(42);
    let toCanary = 0;
    for (let i = 0; i < 10_000; i++) {
      const decision = routes.route({ path: '/order.v1.OrderService/Get', headers: {} }, random);
      if (decision.kind === 'backend' && decision.backendRef.name === 'orders-canary') toCanary++;
    }
    expect(Math.abs(toCanary / 100 - 10)).toBeLessThanOrEqual(1.5);
  });

  test('leaves other services unrouted: UNIMPLEMENTED', () => {
    const decision = table(PROPS).route({ path: '/user.v1.UserService/Get', headers: {} });
    expect(decision.kind === 'status' && decision.name).toBe('UNIMPLEMENTED');
  });

  test('refuses a canary that is the stable Service, in the route\'s namespace or named with it', () => {
    const issuesOf = (props: CanaryGrpcRouteProps, defaultNamespace?: string) => {
      try {
        resolveCanaryGrpcRoute(props, { defaultName: 'orders', defaultNamespace });
      } catch (e) {
        if (GrpcMeshValidationError.isValidationError(e)) return e.issues;
        throw e;
      }
      return [];
    };
    const expected = {
      code: 'CANARY_IS_STABLE',
      path: 'canary',
      value: 'app/orders-stable',
      message: 'is the same Service as stable: every call reaches the same pods, so canaryWeight and canaryHeader change nothing',
      hint: 'Point canary at the Service of the new version (e.g. a GrpcMeshService "orders-canary" selecting its pods).',
    };
    expect(issuesOf({ ...PROPS, canary: stable })).toEqual([expected]);
    expect(issuesOf({ ...PROPS, canary: { ...stable, namespace: 'app', port: 9000 } })).toEqual([expected]);
    expect(issuesOf({ ...PROPS, namespace: undefined, canary: { ...stable, namespace: 'app' } }, 'app')).toEqual([expected]);
    // The same name in another namespace is another Service.
    expect(issuesOf({ ...PROPS, canary: { ...stable, namespace: 'canaries' } })).toEqual([]);
  });

  test('reports canary and route problems in one error', () => {
    let error: unknown;
    try {
      resolveCanaryGrpcRoute({ ...PROPS, canaryWeight: 120, grpcService: undefined, grpcMethod: 'Get', hostnames: ['a.*.b'] }, { defaultName: 'orders' });
    } catch (e) {
      error = e;
    }
    expect(GrpcMeshValidationError.isValidationError(error)).toBe(true);
    expect((error as GrpcMeshValidationError).issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'OUT_OF_RANGE canaryWeight',
      'METHOD_WITHOUT_SERVICE grpcMethod',
      'INVALID_HOSTNAME hostnames[0]',
    ]);
    expect((error as Error).message).toMatch(/^CanaryGrpcRoute "orders": 3 problems:/);
  });
});
