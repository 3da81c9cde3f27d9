import type { GRPCRouteRule } from '../../routing/gateway-api';

/** How much of a call's gRPC method its rule names: the service and method, the service only, or neither. */
export type MethodNaming = 'method' | 'service' | 'none';

/**
 * The gRPC methods a rule names exactly: `service/method` for an Exact match of both, `service/` for an Exact
 * match of the service alone. Metrics label a call by these only, so their cardinality is bounded by the config,
 * not by what clients send (a rule without matches, or with a regular expression, names nothing).
 */
export function namedMethodsOf(rule: GRPCRouteRule): ReadonlySet<string> {
  const named = new Set<string>();
  for (const match of rule.matches ?? []) {
    const m = match.method;
    if (m === undefined || (m.type ?? 'Exact') !== 'Exact' || m.service === undefined) continue;
    named.add(`${m.service}/${m.method ?? ''}`);
  }
  return named;
}

/** How much of a call's `service`/`method` the names of its rule cover. */
export function methodNaming(named: ReadonlySet<string>, service: string, method: string): MethodNaming {
  if (named.size === 0) return 'none';
  if (named.has(`${service}/${method}`)) return 'method';
  return named.has(`${service}/`) ? 'service' : 'none';
}
