import { z } from 'zod';
import { routeRuleSchema } from './route-schema';
import { durationMs, host, integer, list, nonEmptyString, object, oneOf, port, string } from './schema-primitives';
import { PROXY_CONFIG_VERSIONS } from './version-checks';
import type { ProxyConfig } from '../../core/proxy-config';

/** Virtual hosts of one listener at most (the Gateway API's limit of listeners per Gateway). */
const MAX_VIRTUAL_HOSTS = 64;

const listener = object({
  name: nonEmptyString(),
  address: host(),
  port: port(true),
  tls: object({ certFile: nonEmptyString(), keyFile: nonEmptyString(), clientCaFile: nonEmptyString().optional() }).optional(),
  limits: object({
    maxConnections: integer(1, 1_000_000).optional(),
    maxConcurrentStreams: integer(1, 10_000).optional(),
    maxHeaderListBytes: integer(1024, 1024 * 1024).optional(),
    idleTimeoutMs: durationMs(0).optional(),
    handshakeTimeoutMs: durationMs().optional(),
    headerBlockTimeoutMs: durationMs().optional(),
    sendTimeoutMs: durationMs().optional(),
  }).optional(),
  virtualHosts: list(object({
    name: nonEmptyString(),
    hostname: string().optional(),
    routes: list(nonEmptyString()),
  }), MAX_VIRTUAL_HOSTS, 1).optional(),
});

/** An HTTP listener of the proxy's own: the admin interface or the probe listener. */
const socket = object({ address: host(), port: port(true) });

const discovery = z.discriminatedUnion('type', [
  object({ type: z.literal('dns'), hostname: host(), port: port(), refreshIntervalMs: durationMs(100).optional() }),
  object({ type: z.literal('static'), endpoints: list(object({ address: host(), port: port() })) }),
], { error: 'must be "dns" or "static"' });

const cluster = object({
  name: nonEmptyString(),
  discovery,
  loadBalancer: oneOf(['ROUND_ROBIN', 'LEAST_REQUEST']).optional(),
  connectTimeoutMs: durationMs().optional(),
  maxConnectionsPerEndpoint: integer(1, 1024).optional(),
  healthCheck: object({
    intervalMs: durationMs(),
    timeoutMs: durationMs(),
    unhealthyThreshold: integer(1, 1000),
    healthyThreshold: integer(1, 1000),
    serviceName: string(),
  }).optional(),
  outlierDetection: object({
    consecutiveErrors: integer(1, 1000),
    intervalMs: durationMs(),
    baseEjectionTimeMs: durationMs(),
    maxEjectionPercent: integer(0, 100),
  }).optional(),
  circuitBreaker: object({
    maxConcurrentCalls: integer(1, 1_000_000),
    overflowStatus: oneOf(['UNAVAILABLE', 'RESOURCE_EXHAUSTED']),
  }).optional(),
  retry: object({
    attempts: integer(0, 10),
    on: list(integer(1, 16)),
    perTryTimeoutMs: durationMs().optional(),
    backoffBaseMs: durationMs(),
    backoffMaxMs: durationMs(),
    budgetPercent: integer(0, 100).optional(),
  }).optional(),
  tls: object({
    caFile: nonEmptyString().optional(),
    serverName: nonEmptyString().optional(),
    certFile: nonEmptyString().optional(),
    keyFile: nonEmptyString().optional(),
  }).optional(),
  timeouts: object({ requestMs: durationMs().optional(), streamIdleMs: durationMs().optional() }).optional(),
});

const route = object({
  name: nonEmptyString(),
  namespace: nonEmptyString().optional(),
  creationTimestamp: nonEmptyString().optional(),
  hostnames: list(string(), 16).optional(),
  rules: list(routeRuleSchema, 16),
});

/**
 * The zod schema of {@link ProxyConfig}: strict (unknown keys are refused), with ranges and list limits. Cross-field
 * rules (unique names, known clusters, valid matches, fields of a later schema version) are checked afterwards by
 * `checkConfigSemantics`.
 */
export const proxyConfigSchema = object({
  version: z.literal(PROXY_CONFIG_VERSIONS, { error: `must be ${PROXY_CONFIG_VERSIONS.join(' or ')} (the schema versions this proxy reads)` }),
  listeners: list(listener, undefined, 1),
  admin: socket,
  probes: socket.optional(),
  clusters: list(cluster),
  routes: list(route),
  drainTimeoutMs: durationMs(0).optional(),
  accessLog: z.boolean({ error: 'must be true or false' }).optional(),
});

/** `true` when `A` and `B` are assignable to each other. */
type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Every field path of `T` (`.listeners[].tls.certFile`...), through lists, optional fields and union members. */
type FieldPaths<T, P extends string = ''> = T extends readonly (infer E)[]
  ? FieldPaths<E, `${P}[]`>
  : T extends object ? { [K in keyof T & string]-?: `${P}.${K}` | FieldPaths<NonNullable<T[K]>, `${P}.${K}`> }[keyof T & string] : never;
/** Compiles only when `T` is `true`. */
type Assert<T extends true> = T;

/**
 * Compile-time guard that the schema and the shared `ProxyConfig` type describe the same thing: each output is
 * assignable to the other, and both have the same field paths (assignability alone lets an extra optional
 * field through). A field added to one and not the other breaks the build here.
 */
export type SchemaMatchesProxyConfig = Assert<MutuallyAssignable<z.output<typeof proxyConfigSchema>, ProxyConfig>>;
/** See {@link SchemaMatchesProxyConfig}. */
export type SchemaFieldsMatchProxyConfig = Assert<MutuallyAssignable<FieldPaths<z.output<typeof proxyConfigSchema>>, FieldPaths<ProxyConfig>>>;
