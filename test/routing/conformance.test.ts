import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from './helpers';
import {
  hostFromAuthority,
  RouteTable,
  selectListener,
  type BackendDecision,
  type GRPCRouteFilter,
  type ParentReference,
  type RouteInput,
} from '../../src/routing';

/** One case of `grpcroute-cases.json` (the fields this test reads). */
interface ConformanceCase {
  readonly id: string;
  readonly mode: 'gateway' | 'mesh';
  readonly gateway?: { readonly metadata: { readonly name: string }; readonly spec: { readonly listeners: readonly Listener[] } } | null;
  readonly routes: readonly RouteInput[];
  readonly backends: readonly (BackendService | { readonly missing: string })[];
  readonly request: { readonly host?: string; readonly path?: string; readonly headers: Readonly<Record<string, string>> };
  readonly expect: {
    readonly status: 'OK' | 'UNIMPLEMENTED' | 'NOT_OK';
    readonly grpcCode: number | null;
    readonly backend?: { readonly name: string; readonly namespace: string };
    readonly distribution?: Readonly<Record<string, number>>;
    readonly tolerance?: number;
    readonly requestHeadersAtBackend?: Readonly<Record<string, readonly string[]>>;
    readonly absentRequestHeadersAtBackend?: readonly string[];
  };
}

interface Listener {
  readonly name: string;
  readonly hostname?: string;
}

interface BackendService {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { readonly selector?: Readonly<Record<string, string>> };
}

const CASES: readonly ConformanceCase[] = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'gateway-api-conformance', 'grpcroute-cases.json'), 'utf8'),
);

/**
 * Cases outside a routing engine's scope, with the reason. Every other case is replayed below.
 * (BackendTLSPolicyGRPCRoute/0 is replayed for its routing decision; its TLS origination is the proxy's job.)
 */
const OUT_OF_SCOPE: Readonly<Record<string, string>> = {
  'BackendTLSPolicyGRPCRoute/1': 'routing picks backendtlspolicy-grpc-host-mismatch-test; the expected failure comes from BackendTLSPolicy '
    + 'hostname validation of the TLS connection to that backend, which no routing decision makes',
  'BackendTLSPolicyGRPCRoute/2': 'routing picks backendtlspolicy-grpc-cert-mismatch-test; the expected failure comes from the backend '
    + 'certificate not being signed by the CA of the BackendTLSPolicy, which no routing decision makes',
};

/** Stands in for the Gateway's address when the upstream client sends no host (it dials the Gateway IP). */
const GATEWAY_ADDRESS = '192.0.2.10:80';
/** The mesh echo client calls its own gRPC service; the mesh routes have no method matches, so any path does. */
const MESH_ECHO_PATH = '/proto.EchoTestService/Echo';
/** Draws per weight case: more than upstream's 500 samples, so the tolerance check is not noise-bound. */
const WEIGHT_DRAWS = 10_000;

const inScope = CASES.filter((c) => OUT_OF_SCOPE[c.id] === undefined);

describe('Gateway API GRPCRoute conformance cases', () => {
  test('every case is either replayed or listed as out of scope with a reason', () => {
    const ids = CASES.map((c) => c.id);
    expect(Object.keys(OUT_OF_SCOPE).filter((id) => !ids.includes(id))).toEqual([]);
    expect(inScope.length + Object.keys(OUT_OF_SCOPE).length).toBe(CASES.length);
    expect(inScope.length).toBe(38);
  });

  describe.each(inScope.filter((c) => c.expect.distribution === undefined).map((c) => [c.id, c] as const))('%s', (_, c) => {
    test(`decides ${c.expect.status === 'OK' ? `backend ${c.expect.backend?.name}` : c.expect.status}`, () => {
      const decision = decide(c, Math.random);
      if (c.expect.status === 'OK') {
        expect(decision.kind).toBe('backend');
        expect(decision.kind === 'backend' && workloadOf(c, decision)).toEqual(c.expect.backend);
      } else {
        expect(decision).toMatchObject({ kind: 'status', code: c.expect.grpcCode });
      }
    });

    if (c.expect.requestHeadersAtBackend !== undefined) {
      test('picks the rule whose request header filters give the expected headers at the backend', () => {
        const decision = decide(c, Math.random);
        const headers = decision.kind === 'backend' ? applyRequestHeaderModifier(c.request.headers, decision.matched.rule.filters) : {};
        expect(headers).toEqual(c.expect.requestHeadersAtBackend);
        for (const absent of c.expect.absentRequestHeadersAtBackend ?? []) expect(headers).not.toHaveProperty([absent]);
      });
    }
  });

  describe.each(inScope.filter((c) => c.expect.distribution !== undefined).map((c) => [c.id, c] as const))('%s', (_, c) => {
    test('splits traffic by weight within the tolerance, and sends nothing to weight 0', () => {
      const random = seededRandom(2024);
      const counts = new Map<string, number>();
      for (let i = 0; i < WEIGHT_DRAWS; i++) {
        const decision = decide(c, random);
        const name = decision.kind === 'backend' ? workloadOf(c, decision).name : decision.name;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      const expected = c.expect.distribution!;
      for (const [name, share] of Object.entries(expected)) {
        expect(Math.abs((counts.get(name) ?? 0) / WEIGHT_DRAWS - share)).toBeLessThanOrEqual(c.expect.tolerance!);
        if (share === 0) expect(counts.get(name)).toBeUndefined();
      }
      expect([...counts.keys()].filter((name) => !(expected[name] > 0))).toEqual([]);
    });
  });
});

/** Routes the case's request the way its parent would: pick the listener by host, then its attached routes. */
function decide(c: ConformanceCase, random: () => number): BackendDecision {
  const authority = c.request.host ?? GATEWAY_ADDRESS;
  const call = { authority, path: c.request.path ?? MESH_ECHO_PATH, headers: c.request.headers };
  const isBackendValid = (ref: { name: string; namespace?: string }, route: RouteInput): boolean =>
    serviceOf(c, ref.namespace ?? route.metadata.namespace!, ref.name) !== undefined;
  if (c.mode === 'mesh') return new RouteTable(c.routes, { isBackendValid }).route(call, random);
  const gateway = c.gateway!;
  const listener = selectListener(gateway.spec.listeners, hostFromAuthority(authority));
  if (listener === undefined) return { kind: 'status', code: 12, name: 'UNIMPLEMENTED', reason: 'NO_MATCHING_HOSTNAME', message: 'no listener' };
  const attached = c.routes.filter((r) => (r.spec.parentRefs ?? []).some((p) => attachesTo(p, gateway.metadata.name, listener.name)));
  return new RouteTable(attached, { listenerHostname: listener.hostname, isBackendValid }).route(call, random);
}

/** Whether a parentRef names this Gateway and either no listener or this one (the manifests all use one namespace). */
function attachesTo(parent: ParentReference, gatewayName: string, listenerName: string): boolean {
  return (parent.kind ?? 'Gateway') === 'Gateway' && parent.name === gatewayName && (parent.sectionName ?? listenerName) === listenerName;
}

function serviceOf(c: ConformanceCase, namespace: string, name: string): BackendService | undefined {
  return c.backends.find((b): b is BackendService => 'metadata' in b && b.metadata.name === name && b.metadata.namespace === namespace);
}

/**
 * The workload a picked Service reaches, as upstream identifies backends by the pod that answered: a Service
 * selecting only `app: <x>` reaches the pods of Deployment `<x>` (the BackendTLSPolicy Services select
 * `app: grpc-infra-backend-v1`); the others (echo-v1 selects `app: echo, version: v1`) are named like their Deployment.
 */
function workloadOf(c: ConformanceCase, decision: Extract<BackendDecision, { kind: 'backend' }>): { name: string; namespace: string } {
  const [namespace, name] = decision.backendKey.split('/');
  const selector = serviceOf(c, namespace, name)?.spec.selector ?? {};
  const selectsOneApp = Object.keys(selector).length === 1 && selector.app !== undefined;
  return { name: selectsOneApp ? selector.app : name, namespace };
}

/** The request headers after a rule's RequestHeaderModifier: set overwrites, add appends, remove deletes; names lower case. */
function applyRequestHeaderModifier(request: Readonly<Record<string, string>>, filters: readonly GRPCRouteFilter[] = []): Record<string, string[]> {
  const headers: Record<string, string[]> = Object.fromEntries(Object.entries(request).map(([k, v]) => [k.toLowerCase(), [v]]));
  for (const modifier of filters.map((f) => f.requestHeaderModifier).filter((m) => m !== undefined)) {
    for (const { name, value } of modifier.set ?? []) headers[name.toLowerCase()] = [value];
    for (const { name, value } of modifier.add ?? []) headers[name.toLowerCase()] = [...(headers[name.toLowerCase()] ?? []), value];
    for (const name of modifier.remove ?? []) delete headers[name.toLowerCase()];
  }
  return headers;
}
