import {
  gatewayApiToProxyConfig,
  type CompileWarning,
  type GatewayApiCompileOptions,
  type GatewayApiCompileResult,
  type ParentStatus,
} from '../../../src/core/compile';
import { GrpcMeshValidationError } from '../../../src/core/errors';
import type { ProxyClusterConfig } from '../../../src/core/proxy-config';
import { validateConfig } from '../../../src/proxy/config';
import type { GRPCRouteSpec, ParentReference } from '../../../src/routing/gateway-api';

/** Builders of the plain Kubernetes objects the compiler reads, and of what it is expected to emit. */

export const GW = 'gateway.networking.k8s.io/v1';
/** The namespace every builder uses unless told otherwise. */
export const NS = 'app';
/** `metadata.creationTimestamp` values, oldest first. */
export const T1 = '2024-01-01T00:00:00Z';
export const T2 = '2024-02-01T00:00:00Z';
export const T3 = '2024-03-01T00:00:00Z';

type Obj = Record<string, unknown>;

/** A Gateway listener. */
export interface ListenerInput {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly hostname?: string;
  readonly allowedRoutes?: Obj;
  readonly tls?: Obj;
}

/** An HTTP listener on `port` (80 by default). */
export function http(name: string, extra: Partial<ListenerInput> = {}): ListenerInput {
  return { name, port: 80, protocol: 'HTTP', ...extra };
}

/** A Gateway in `namespace`. */
export function gateway(name: string, listeners: readonly ListenerInput[], namespace = NS): Obj {
  return { apiVersion: GW, kind: 'Gateway', metadata: { name, namespace }, spec: { gatewayClassName: 'grpc-mesh', listeners } };
}

/** A GRPCRoute in `namespace`. */
export function route(name: string, spec: GRPCRouteSpec, options: { readonly namespace?: string; readonly created?: string } = {}): Obj {
  return {
    apiVersion: GW,
    kind: 'GRPCRoute',
    metadata: { name, namespace: options.namespace ?? NS, ...(options.created !== undefined && { creationTimestamp: options.created }) },
    spec,
  };
}

/** A parentRef to Gateway `name` (in the route's namespace unless told), optionally to one listener or port. */
export function parent(name: string, extra: Omit<ParentReference, 'name'> = {}): ParentReference {
  return { name, ...extra };
}

/** One rule sending every call to `backends` (Service name and port). */
export function toBackends(...backends: ReadonlyArray<readonly [string, number]>): GRPCRouteSpec['rules'] {
  return [{ backendRefs: backends.map(([name, port]) => ({ name, port })) }];
}

/** A Service port. */
export interface PortInput {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
}

/** A Service: ClusterIP unless `headless`. */
export function service(name: string, ports: readonly PortInput[], options: { readonly namespace?: string; readonly headless?: boolean } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: options.namespace ?? NS },
    spec: { ...(options.headless === true && { clusterIP: 'None' }), selector: { app: name }, ports },
  };
}

/** A headless Service with one port 8080 (its pods' port), the usual backend of these tests. */
export function headless(name: string, namespace = NS, port = 8080): Obj {
  return service(name, [{ name: 'grpc', port, targetPort: port }], { namespace, headless: true });
}

/** A ReferenceGrant in `namespace` from `fromKind`s in `fromNamespace` to `toKind` (every name unless `toName`). */
export function referenceGrant(
  name: string, namespace: string, from: { readonly kind: string; readonly namespace: string }, to: { readonly kind: string; readonly name?: string },
): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name, namespace },
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: from.kind, namespace: from.namespace }],
      to: [{ group: '', kind: to.kind, ...(to.name !== undefined && { name: to.name }) }],
    },
  };
}

/** A BackendTLSPolicy on Service `target` (one port when `sectionName`). */
export function backendTlsPolicy(
  name: string,
  target: string,
  validation: Obj,
  options: { readonly sectionName?: string; readonly namespace?: string; readonly created?: string } = {},
): Obj {
  return {
    apiVersion: GW,
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: options.namespace ?? NS, ...(options.created !== undefined && { creationTimestamp: options.created }) },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: target, ...(options.sectionName !== undefined && { sectionName: options.sectionName }) }],
      validation,
    },
  };
}

/** A ConfigMap. */
export function configMap(name: string, data: Readonly<Record<string, string>>, namespace = NS): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** A Namespace with labels. */
export function namespaceObject(name: string, labels: Readonly<Record<string, string>> = {}): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** The cluster of a backend Service port reached by DNS on `hostname` (the FQDN of `<service>` by default). */
export function dnsCluster(
  namespace: string, name: string, port: number, dns: { readonly hostname?: string; readonly podPort?: number } = {},
): ProxyClusterConfig {
  return {
    name: `${namespace}/${name}:${port}`,
    discovery: { type: 'dns', hostname: dns.hostname ?? `${name}.${namespace}.svc.cluster.local.`, port: dns.podPort ?? port },
  };
}

/** The empty cluster an unresolved backend becomes (its share of the calls gets UNAVAILABLE). */
export function invalidCluster(key: string): ProxyClusterConfig {
  return { name: `invalid:${key}`, discovery: { type: 'static', endpoints: [] } };
}

/** The warning for a ClusterIP backend Service without headless twin. */
export function clusterIpWarning(namespace: string, name: string): CompileWarning {
  return {
    code: 'CLUSTER_IP_BACKEND',
    path: `Service "${namespace}/${name}"`,
    message: `is a ClusterIP Service with no headless twin "${name}-headless": the proxy resolves its one virtual IP, and kube-proxy then `
      + 'pins calls to a pod per connection; give it a headless Service (GrpcMeshService does) or set backendDiscovery',
  };
}

/** The admin listener of every config that sets none. */
export const DEFAULT_ADMIN = { address: '0.0.0.0', port: 9901 };

/** The status of a parentRef attached with every backend resolved. */
export function accepted(parentRef: ParentReference, message: string): ParentStatus {
  return {
    parentRef,
    accepted: true,
    reason: 'Accepted',
    message,
    resolvedRefs: true,
    resolvedRefsReason: 'ResolvedRefs',
    resolvedRefsMessage: 'every backend resolved',
  };
}

/** The status of a parentRef the route does not attach through (its backends are not looked at). */
export function notAccepted(parentRef: ParentReference, reason: ParentStatus['reason'], message: string): ParentStatus {
  return { parentRef, accepted: false, reason, message, resolvedRefs: true, resolvedRefsReason: 'ResolvedRefs', resolvedRefsMessage: '' };
}

/**
 * Compiles, and checks that the config is one the proxy loads: `validateConfig` (run on a JSON round trip, as the
 * proxy reads a file) must accept it.
 */
export function compile(objects: readonly unknown[], options: GatewayApiCompileOptions): GatewayApiCompileResult {
  const result = gatewayApiToProxyConfig(objects, options);
  expectValidConfig(result);
  return result;
}

/** Asserts that the proxy's own validator accepts the config of `result`, with its problems in the failure. */
export function expectValidConfig(result: GatewayApiCompileResult): void {
  let problems = 'none';
  try {
    validateConfig(JSON.parse(JSON.stringify(result.config)), 'compiled config');
  } catch (error) {
    problems = error instanceof Error ? error.message : String(error);
  }
  expect(problems).toBe('none');
}

/** Compiles `gateway` (namespace `app`). */
export function compileGateway(objects: readonly unknown[], name = 'edge', options: GatewayApiCompileOptions = {}): GatewayApiCompileResult {
  return compile(objects, { gateway: { namespace: NS, name }, ...options });
}

/** The error the compiler throws for `objects`: it must be a GrpcMeshValidationError. */
export function compileError(objects: readonly unknown[], options: GatewayApiCompileOptions): GrpcMeshValidationError {
  try {
    gatewayApiToProxyConfig(objects, options);
  } catch (error) {
    expect(describeThrown(error)).toBe('GrpcMeshValidationError');
    return error as GrpcMeshValidationError;
  }
  throw new Error('gatewayApiToProxyConfig did not throw');
}

/** `GrpcMeshValidationError`, or what else was thrown, for a readable failure. */
export function describeThrown(error: unknown): string {
  if (GrpcMeshValidationError.isValidationError(error)) return 'GrpcMeshValidationError';
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : `non-error ${String(error)}`;
}
