import type { BackendDecision, GRPCRouteSpec, RouteDecision, RouteInput } from '../../src/routing';

/** A deterministic random() in [0, 1) (Park-Miller minimal standard generator), so weighted picks repeat exactly. */
export function seededRandom(seed: number): () => number {
  const modulus = 2147483647;
  let state = (Math.abs(Math.trunc(seed)) % (modulus - 1)) + 1;
  return () => {
    state = (state * 48271) % modulus;
    return (state - 1) / (modulus - 1);
  };
}

/** A GRPCRoute in namespace `app` unless the key says `namespace/name`. */
export function grpcRoute(key: string, spec: GRPCRouteSpec, creationTimestamp?: string): RouteInput {
  const [namespace, name] = key.includes('/') ? key.split('/') : ['app', key];
  return { metadata: { namespace, name, creationTimestamp }, spec };
}

/** `app/a rules[1].matches[0]` for a matched rule, the status name otherwise. */
export function describeDecision(decision: RouteDecision): string {
  if (decision.kind === 'status') return decision.name;
  const match = decision.matchIndex === -1 ? '' : `.matches[${decision.matchIndex}]`;
  return `${decision.routeKey} rules[${decision.ruleIndex}]${match}`;
}

/** `app/users` for a picked backend, the status name otherwise. */
export function describeBackend(decision: BackendDecision): string {
  return decision.kind === 'status' ? decision.name : decision.backendKey;
}
