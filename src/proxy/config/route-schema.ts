import { z } from 'zod';
import { integer, list, nonEmptyString, object, oneOf, string } from './schema-primitives';

/**
 * Shapes of the Gateway API GRPCRoute parts a proxy route holds, with the CRD's list limits. The content of
 * matches (service and method names, regular expressions, header names) is checked by the routing engine.
 */
const matchType = oneOf(['Exact', 'RegularExpression']);

const methodMatch = object({ type: matchType.optional(), service: string().optional(), method: string().optional() });
const headerMatch = object({ type: matchType.optional(), name: string(), value: string() });
const routeMatch = object({ method: methodMatch.optional(), headers: list(headerMatch, 16).optional() });

const header = object({ name: nonEmptyString(), value: string() });
const headerFilter = object({
  set: list(header, 16).optional(),
  add: list(header, 16).optional(),
  remove: list(nonEmptyString(), 16).optional(),
});

const backendObjectReference = {
  group: string().optional(),
  kind: string().optional(),
  name: nonEmptyString(),
  namespace: string().optional(),
  port: integer(1, 65535).optional(),
};

const mirrorFilter = object({
  backendRef: object(backendObjectReference),
  percent: integer(0, 100).optional(),
  fraction: object({ numerator: integer(0, 1_000_000), denominator: integer(1, 1_000_000).optional() }).optional(),
});

/** A GRPCRoute filter. */
export const routeFilterSchema = object({
  type: oneOf(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']),
  requestHeaderModifier: headerFilter.optional(),
  responseHeaderModifier: headerFilter.optional(),
  requestMirror: mirrorFilter.optional(),
  extensionRef: object({ group: string(), kind: nonEmptyString(), name: nonEmptyString() }).optional(),
});

/** A weighted backendRef; `name` names a cluster. */
const backendRef = object({
  ...backendObjectReference,
  weight: integer(0, 1_000_000).optional(),
  filters: list(routeFilterSchema, 16).optional(),
});

/** A GRPCRoute rule. */
export const routeRuleSchema = object({
  name: nonEmptyString().optional(),
  matches: list(routeMatch, 64).optional(),
  filters: list(routeFilterSchema, 16).optional(),
  backendRefs: list(backendRef, 16).optional(),
});

/** Output type of a rule, for the compile-time check against `GRPCRouteRule`. */
export type RouteRuleOutput = z.output<typeof routeRuleSchema>;
