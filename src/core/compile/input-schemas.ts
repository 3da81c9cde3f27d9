import { z } from 'zod';
import { GRPC_ROUTE_LIMITS } from '../grpc-route';

/**
 * The shapes the compiler reads of each input kind, as their CRDs (or the Kubernetes API) define them, with the
 * GRPCRoute list limits. Unknown fields are kept out of the output; those of a route rule are reported
 * (`UNSUPPORTED_FIELD`) since each changes how calls are routed.
 */

const port = z.int().min(1).max(65535);
const name = z.string().min(1);
const optionalString = z.string().optional();
const list = <T extends z.ZodType>(item: T, max?: number): z.ZodArray<T> => (max === undefined ? z.array(item) : z.array(item).max(max));

const objectReference = z.object({ group: optionalString, kind: optionalString, name, namespace: optionalString, port: port.optional() });
const header = z.object({ name, value: z.string() });
const headerFilter = z.object({ set: list(header, 16).optional(), add: list(header, 16).optional(), remove: list(name, 16).optional() });
const matchType = z.enum(['Exact', 'RegularExpression']);

/** A GRPCRoute filter (the CRD's four types). */
const filter = z.object({
  type: z.enum(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']),
  requestHeaderModifier: headerFilter.optional(),
  responseHeaderModifier: headerFilter.optional(),
  requestMirror: z.object({
    backendRef: objectReference,
    percent: z.int().min(0).max(100).optional(),
    fraction: z.object({ numerator: z.int().min(0), denominator: z.int().min(1).optional() }).optional(),
  }).optional(),
  extensionRef: z.object({ group: z.string(), kind: name, name }).optional(),
});

const filters = list(filter, GRPC_ROUTE_LIMITS.filtersPerRule);

/** A GRPCRoute rule; other fields (sessionPersistence...) are kept for the warning, not for the output. */
export const grpcRouteRuleSchema = z.looseObject({
  name: optionalString,
  matches: list(z.object({
    method: z.object({ type: matchType.optional(), service: optionalString, method: optionalString }).optional(),
    headers: list(z.object({ type: matchType.optional(), name, value: z.string() }), GRPC_ROUTE_LIMITS.headersPerMatch).optional(),
  }), GRPC_ROUTE_LIMITS.matchesPerRule).optional(),
  filters: filters.optional(),
  backendRefs: list(objectReference.extend({ weight: z.int().min(0).max(GRPC_ROUTE_LIMITS.maxWeight).optional(), filters: filters.optional() }),
    GRPC_ROUTE_LIMITS.backendsPerRule).optional(),
});

/** A GRPCRoute spec. */
export const grpcRouteSpecSchema = z.object({
  parentRefs: list(z.object({
    group: optionalString, kind: optionalString, namespace: optionalString, name, sectionName: optionalString, port: port.optional(),
  }), GRPC_ROUTE_LIMITS.parents).optional(),
  hostnames: list(z.string(), GRPC_ROUTE_LIMITS.hostnames).optional(),
  rules: list(grpcRouteRuleSchema, GRPC_ROUTE_LIMITS.rules).optional(),
}).refine((spec) => (spec.rules ?? []).reduce((n, r) => n + (r.matches?.length ?? 0), 0) <= GRPC_ROUTE_LIMITS.matchesPerRoute, {
  message: `must have at most ${GRPC_ROUTE_LIMITS.matchesPerRoute} matches in all rules together`,
  path: ['rules'],
});

/** A Gateway spec: its listeners. */
/** Frontend (client certificate) validation of a Gateway's TLS listeners (GEP-91). */
const frontendValidation = z.object({
  validation: z.object({
    caCertificateRefs: list(z.object({ group: optionalString, kind: name, name, namespace: optionalString })).min(1),
    mode: z.enum(['AllowValidOnly', 'AllowInsecureFallback']).optional(),
  }).optional(),
});

export const gatewaySpecSchema = z.object({
  listeners: list(z.object({
    name,
    hostname: optionalString,
    port,
    protocol: name,
    tls: z.object({
      mode: optionalString,
      certificateRefs: list(z.object({ group: optionalString, kind: optionalString, name, namespace: optionalString })).optional(),
    }).optional(),
    allowedRoutes: z.object({
      namespaces: z.object({
        from: z.enum(['All', 'Same', 'Selector']).optional(),
        selector: z.object({
          matchLabels: z.record(z.string(), z.string()).optional(),
          matchExpressions: list(z.object({ key: name, operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: list(z.string()).optional() })).optional(),
        }).optional(),
      }).optional(),
      kinds: list(z.object({ group: optionalString, kind: name })).optional(),
    }).optional(),
  })).min(1),
  tls: z.object({
    frontend: z.object({
      default: frontendValidation.optional(),
      perPort: list(z.object({ port, tls: frontendValidation })).optional(),
    }).optional(),
  }).optional(),
});

/** A Service spec: its ports and whether it is headless. */
export const serviceSpecSchema = z.object({
  clusterIP: optionalString,
  ports: list(z.object({ name: optionalString, port, targetPort: z.union([port, name]).optional() })).optional(),
});

/** A ReferenceGrant spec. */
export const referenceGrantSpecSchema = z.object({
  from: list(z.object({ group: z.string(), kind: name, namespace: name })).min(1),
  to: list(z.object({ group: z.string(), kind: name, name: optionalString })).min(1),
});

/** A BackendTLSPolicy spec (v1 and v1alpha3 share these fields). */
export const backendTlsPolicySpecSchema = z.object({
  targetRefs: list(z.object({ group: z.string(), kind: name, name, sectionName: optionalString })).min(1),
  validation: z.object({
    caCertificateRefs: list(z.object({ group: z.string(), kind: name, name })).optional(),
    wellKnownCACertificates: optionalString,
    hostname: name.refine((h) => !h.includes('*'), { message: 'must be a hostname without a wildcard' }),
  }),
});

/** A ConfigMap's data. */
export const configMapDataSchema = z.record(z.string(), z.string());
