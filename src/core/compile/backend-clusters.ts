import { compareAge, compareText, keyOf, type GatewayApiObjects, type ObjectKey, type ServiceObject } from './gateway-api-objects';
import type { CompileWarning, ResolvedRefsReason } from './route-acceptance';
import type { BackendObjectReference } from '../../routing/gateway-api';
import type { ProxyClusterConfig, ProxyDiscoveryConfig, ProxyUpstreamTlsConfig } from '../proxy-config';
import { grantAllows } from '../reference-grants';

/** A backend Service port a route refers to. */
export interface BackendServiceRef extends ObjectKey {
  /** The Service port. */
  readonly port: number;
}

/** How backends become clusters: discovery, cluster domain and where CA bundles are mounted. */
export interface BackendClusterOptions {
  /** Maps a backend Service port to the discovery of its endpoints. */
  readonly backendDiscovery: (ref: BackendServiceRef) => ProxyDiscoveryConfig;
  /** Path of a CA bundle (key `key` of ConfigMap `ref`) as mounted in the proxy's pod. */
  readonly caBundleFile: (ref: ObjectKey, key: string) => string;
}

/** What a backendRef resolved to. */
export type ResolvedBackend =
  | { readonly ok: true; readonly cluster: string }
  | { readonly ok: false; readonly cluster: string; readonly reason: Exclude<ResolvedRefsReason, 'ResolvedRefs'>; readonly message: string };

/** Prefix of the name of the empty cluster that stands for a backend that did not resolve. */
export const INVALID_CLUSTER_PREFIX = 'invalid:';

/** Key of the CA bundle in a BackendTLSPolicy's ConfigMap (what cert-manager's trust-manager and upstream write). */
const CA_BUNDLE_KEY = 'ca.crt';

/**
 * Resolves the backendRefs of routes into the proxy's clusters, one per Service port, with the Gateway API's
 * rules: a backend must be a core Service that exists, with a port; one in another namespace needs a
 * ReferenceGrant from the route's namespace. A backend that does not resolve becomes an empty cluster (its share
 * of the calls gets UNAVAILABLE, as the specification requires) and the route's `ResolvedRefs` condition says why.
 * A BackendTLSPolicy on the Service turns on TLS to its endpoints.
 */
export class BackendClusters {
  private readonly clusters = new Map<string, ProxyClusterConfig>();

  public constructor(
    private readonly objects: GatewayApiObjects,
    private readonly options: BackendClusterOptions,
    private readonly warnings: CompileWarning[],
  ) {}

  /** The clusters made so far, in the order they were first referred to. */
  public get all(): ProxyClusterConfig[] {
    return [...this.clusters.values()];
  }

  /**
   * Resolves one backendRef of a route in `routeNamespace`.
   * @param path where the reference is, for warnings
   */
  public resolve(ref: BackendObjectReference, routeNamespace: string, path: string): ResolvedBackend {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Service';
    const namespace = ref.namespace ?? routeNamespace;
    const target = `${namespace}/${ref.name}`;
    if (group !== '' || kind !== 'Service') {
      return this.invalid(`${group === '' ? 'core' : group}/${kind}/${target}`, 'InvalidKind', `${path} refers to ${kind} "${target}"; only core Services are supported`);
    }
    const service = this.objects.services.get(target);
    if (namespace !== routeNamespace) {
      const allowed = this.objects.grants.some((grant) => grantAllows(grant, {
        fromKind: 'GRPCRoute', fromNamespace: routeNamespace, toKind: 'Service', toNamespace: namespace, toName: ref.name,
      }));
      if (!allowed) {
        return this.invalid(`${target}:${ref.port ?? ''}`, 'RefNotPermitted',
          `${path} refers to Service "${target}" in another namespace, and no ReferenceGrant in "${namespace}" allows GRPCRoutes from "${routeNamespace}"`);
      }
    }
    if (service === undefined) return this.invalid(`${target}:${ref.port ?? ''}`, 'BackendNotFound', `${path} refers to Service "${target}", which is not among the objects`);
    if (ref.port === undefined) return this.invalid(`${target}:`, 'BackendNotFound', `${path} refers to Service "${target}" without a port`);
    if (!service.ports.some((p) => p.port === ref.port)) {
      return this.invalid(`${target}:${ref.port}`, 'BackendNotFound', `${path} refers to port ${ref.port} of Service "${target}", which has no such port`);
    }
    const name = `${target}:${ref.port}`;
    if (!this.clusters.has(name)) {
      const tls = this.tlsOf(service, ref.port, path);
      if (tls === 'invalid') return this.invalid(name, 'BackendNotFound', `${path}: the BackendTLSPolicy of Service "${target}" has no usable CA bundle`);
      this.clusters.set(name, {
        name,
        discovery: this.options.backendDiscovery({ namespace, name: ref.name, port: ref.port }),
        ...(tls !== undefined && { tls }),
      });
    }
    return { ok: true, cluster: name };
  }

  /** The upstream TLS a BackendTLSPolicy asks for on a Service port, `invalid` when its CA cannot be found. */
  private tlsOf(service: ServiceObject, port: number, path: string): ProxyUpstreamTlsConfig | 'invalid' | undefined {
    const portName = service.ports.find((p) => p.port === port)?.name;
    // Of several policies on one port, the oldest wins, then the first by name (the Gateway API's conflict rule).
    const policy = this.objects.tlsPolicies
      .filter((p) => p.key.namespace === service.key.namespace && p.targetRefs.some((t) => (t.group ?? '') === ''
        && t.kind === 'Service' && t.name === service.key.name && (t.sectionName === undefined || t.sectionName === portName)))
      .sort((a, b) => compareAge(a, b) || compareText(a.key.name, b.key.name))[0];
    if (policy === undefined) return undefined;
    const { caCertificateRefs, wellKnownCACertificates, hostname } = policy.validation;
    if (caCertificateRefs === undefined || caCertificateRefs.length === 0) {
      if (wellKnownCACertificates !== 'System') return 'invalid';
      return { serverName: hostname };
    }
    const ca = caCertificateRefs[0];
    const configMap = { namespace: service.key.namespace, name: ca.name };
    const data = this.objects.configMaps.get(keyOf(configMap));
    if ((ca.group ?? '') !== '' || ca.kind !== 'ConfigMap' || data?.[CA_BUNDLE_KEY] === undefined) {
      this.warnings.push({
        code: 'BACKEND_TLS_CA_MISSING',
        path: `BackendTLSPolicy "${keyOf(policy.key)}".spec.validation.caCertificateRefs[0]`,
        message: `refers to ${ca.kind} "${keyOf(configMap)}" with a "${CA_BUNDLE_KEY}" key, which is not among the objects; `
          + `calls to Service "${keyOf(service.key)}" (${path}) get UNAVAILABLE`,
      });
      return 'invalid';
    }
    if (caCertificateRefs.length > 1) {
      this.warnings.push({
        code: 'BACKEND_TLS_ONE_CA',
        path: `BackendTLSPolicy "${keyOf(policy.key)}".spec.validation.caCertificateRefs`,
        message: 'lists several CA bundles; the proxy trusts the first one only',
      });
    }
    return { caFile: this.options.caBundleFile(configMap, CA_BUNDLE_KEY), serverName: hostname };
  }

  private invalid(key: string, reason: Exclude<ResolvedRefsReason, 'ResolvedRefs'>, message: string): ResolvedBackend {
    const name = `${INVALID_CLUSTER_PREFIX}${key}`;
    if (!this.clusters.has(name)) this.clusters.set(name, { name, discovery: { type: 'static', endpoints: [] } });
    return { ok: false, cluster: name, reason, message };
  }
}
