import { INVALID_CLUSTER_PREFIX } from './backend-clusters';
import { hostFromAuthority } from '../../routing/authority';
import type { GrpcCall } from '../../routing/grpc-call';
import { serviceMethodSeparator } from '../../routing/grpc-path';
import { precedenceOf, whyAhead, type PrecedenceKey } from '../../routing/precedence';
import type { MatchedRule } from '../../routing/routing-decision';
import { effectiveWeight } from '../../routing/weighted-pick';
import { ListenerRoutes } from '../listener-routes';
import { routeInputOf, type ProxyConfig, type ProxyListenerConfig } from '../proxy-config';

/** A call that cannot be explained under the config: no listener, or an ambiguous one. */
export class ExplainError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ExplainError';
  }
}

/** A call to explain. */
export interface ExplainedCallInput {
  /** The `:path`, `/package.Service/Method`. */
  readonly path: string;
  /** The `:authority` (host, optionally with a port). @default - none */
  readonly authority?: string;
  /** Request metadata, names in any case. @default - none */
  readonly headers?: Readonly<Record<string, string>>;
  /** The listener port the call arrives on. @default - the only listener (required when there are several) */
  readonly port?: number;
}

/** A backend a call may go to, with its chance. */
export interface ExplainedBackend {
  /** The proxy cluster (`namespace/service:port`, or `invalid:...` for a backend that did not resolve). */
  readonly cluster: string;
  /** The backendRef's weight (1 when it has none). */
  readonly weight: number;
  /** The chance a call goes there, from 0 to 1. */
  readonly probability: number;
  /** Whether calls sent there fail with UNAVAILABLE (the backend did not resolve). */
  readonly unavailable: boolean;
}

/** The rule match a call wins, with its precedence key. */
export interface ExplainedWinner {
  /** `namespace/name` of its route. */
  readonly route: string;
  /** Rule index. */
  readonly rule: number;
  /** Match index (-1: the rule has no matches). */
  readonly match: number;
  /** The route hostname the call matched, narrowed to the listener's. */
  readonly hostname?: string;
  /** Its precedence key for the call. */
  readonly precedence: PrecedenceKey;
}

/** A rule match the call satisfies that lost to the winner, and why. */
export interface BeatenCandidate {
  /** `namespace/name` of its route. */
  readonly route: string;
  /** Rule index. */
  readonly rule: number;
  /** Match index (-1: the rule has no matches). */
  readonly match: number;
  /** The precedence step on which the winner is ahead. */
  readonly lostBecause: string;
}

/** Which route, rule and backends a call reaches, or the status it gets, and why. */
export interface CallExplanation {
  /** The listener the call arrived on. */
  readonly listener: string;
  /** The virtual host (Gateway listener) that serves the call's host, when the listener has virtual hosts. */
  readonly virtualHost?: string;
  /** `OK` when a backend is reached, else the gRPC status the proxy answers with. */
  readonly outcome: 'OK' | 'UNIMPLEMENTED' | 'UNAVAILABLE';
  /** Why, in a sentence. */
  readonly reason: string;
  /** The winning route, rule and match, with its precedence key. */
  readonly winner?: ExplainedWinner;
  /** The other rule matches the call satisfies, in precedence order. */
  readonly beaten: readonly BeatenCandidate[];
  /** The winning rule's backends with their chances. */
  readonly backends: readonly ExplainedBackend[];
}

/**
 * Explains, offline, what the proxy does with a call under `config`: the listener and virtual host (Gateway
 * listener) that take it, the winning route, rule and match and the candidates it beat on precedence, and the
 * backends with their chances, or the status the call gets and why. The same engine as the proxy's.
 * @throws ExplainError when the call names no listener and the config has several, or a port no listener binds
 */
export function explainCall(config: ProxyConfig, call: ExplainedCallInput): CallExplanation {
  const listener = listenerOf(config.listeners, call.port);
  const host = call.authority === undefined ? undefined : hostFromAuthority(call.authority);
  const routes = new ListenerRoutes(listener, config.routes.map(routeInputOf), {
    isBackendValid: (ref) => !ref.name.startsWith(INVALID_CLUSTER_PREFIX),
  });
  const selected = routes.select(host ?? '');
  if (selected === undefined) {
    return {
      listener: listener.name,
      outcome: 'UNIMPLEMENTED',
      reason: `no virtual host of listener "${listener.name}" serves the host ${host === undefined ? '(none given)' : `"${host}"`}; `
        + `they serve ${(listener.virtualHosts ?? []).map((v) => v.hostname ?? 'every host').join(', ')}`,
      beaten: [],
      backends: [],
    };
  }
  const table = selected.table;
  const grpcCall: GrpcCall = { path: call.path, headers: lowerCased(call.headers ?? {}), ...(host !== undefined && { authority: host }) };
  const where = { listener: listener.name, ...(selected.name !== undefined && { virtualHost: selected.name }) };
  if (serviceMethodSeparator(call.path) === -1) {
    return { ...where, outcome: 'UNIMPLEMENTED', reason: `"${call.path}" is not a gRPC path /<service>/<method>`, beaten: [], backends: [] };
  }
  const decision = table.match(grpcCall);
  if (decision.kind === 'status') return { ...where, outcome: decision.name, reason: decision.message, beaten: [], backends: [] };
  const candidates = table.candidates(grpcCall);
  const winnerKey = precedenceOf(decision, grpcCall);
  const beaten = candidates.slice(1).map((c) => ({
    route: c.routeKey, rule: c.ruleIndex, match: c.matchIndex, lostBecause: whyAhead(winnerKey, precedenceOf(c, grpcCall)),
  }));
  const backends = backendsOf(decision);
  const reachable = backends.filter((b) => b.probability > 0);
  const winner = {
    route: decision.routeKey,
    rule: decision.ruleIndex,
    match: decision.matchIndex,
    ...(decision.hostname !== undefined && { hostname: decision.hostname }),
    precedence: winnerKey,
  };
  if (reachable.length === 0) {
    return { ...where, outcome: 'UNAVAILABLE', reason: `rule ${decision.ruleIndex} of route ${decision.routeKey} has no backend with a weight above 0`, winner, beaten, backends };
  }
  const failing = reachable.filter((b) => b.unavailable);
  const reason = failing.length === reachable.length
    ? `every backend of rule ${decision.ruleIndex} of route ${decision.routeKey} is invalid`
    : `rule ${decision.ruleIndex} of route ${decision.routeKey} wins` + (failing.length > 0
      ? `; ${Math.round(failing.reduce((sum, b) => sum + b.probability, 0) * 100)} % of the calls go to invalid backends and get UNAVAILABLE`
      : '');
  return { ...where, outcome: failing.length === reachable.length ? 'UNAVAILABLE' : 'OK', reason, winner, beaten, backends };
}

function listenerOf(listeners: readonly ProxyListenerConfig[], port: number | undefined): ProxyListenerConfig {
  if (port === undefined) {
    if (listeners.length === 1) return listeners[0];
    throw new ExplainError(`the config has ${listeners.length} listeners (ports ${listeners.map((l) => l.port).join(', ')}): say which port the call arrives on`);
  }
  const listener = listeners.find((l) => l.port === port);
  if (listener === undefined) throw new ExplainError(`no listener binds port ${port}; the ports are ${listeners.map((l) => l.port).join(', ')}`);
  return listener;
}

function backendsOf(matched: MatchedRule): ExplainedBackend[] {
  const refs = matched.rule.backendRefs ?? [];
  const total = refs.reduce((sum, ref) => sum + effectiveWeight(ref), 0);
  return refs.map((ref) => ({
    cluster: ref.name,
    weight: effectiveWeight(ref),
    probability: total === 0 ? 0 : effectiveWeight(ref) / total,
    unavailable: ref.name.startsWith(INVALID_CLUSTER_PREFIX),
  }));
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
