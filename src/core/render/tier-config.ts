import { clusterPolicy, envoyBootstrap, envoyGrpcListener, routeActionPolicy, strictDns, type EnvoyBootstrap } from './envoy-bootstrap';
import { proxyRoutesToEnvoy, type EnvoyMessage } from '../compile';
import * as d from '../defaults';
import { UNSUPPORTED_BY_DATA_PLANE } from '../dialects/unsupported';
import { GrpcMeshValidationError, type ValidationIssue } from '../errors';
import type { ProxyClusterConfig, ProxyConfig, ProxyDiscoveryConfig } from '../proxy-config';
import type { TierRoutes } from '../served-routes';
import { resolveTrafficPolicy, type ResolvedTrafficPolicy } from '../traffic-policy';

/**
 * Where a grpc-mesh-proxy tier binds its admin interface and probe listener: admin on loopback (its `/config` and
 * `/endpoints` stay in the pod), probes and metrics on every address, as the Envoy tier binds its admin and probe
 * listener.
 */
export const PROXY_TIER_ADMIN: Pick<ProxyConfig, 'admin' | 'probes'> = {
  admin: { address: '127.0.0.1', port: d.PROXY_ADMIN_PORT },
  probes: { address: '0.0.0.0', port: d.PROXY_PROBE_PORT },
};

/**
 * The grpc-mesh-proxy config of a self-hosted tier: the compiled listeners and routes, the admin interface on
 * loopback and the probe listener on every address, each cluster with the traffic policy of the service it
 * reaches, the tier's drain and access log.
 */
export function proxyTierConfig(served: TierRoutes): ProxyConfig {
  const { compiled, policies, tier } = served;
  return {
    ...compiled,
    ...PROXY_TIER_ADMIN,
    clusters: compiled.clusters.map((c) => {
      const policy = policies.get(c.name);
      if (policy === undefined) return c; // an invalid backend's empty cluster
      return { ...proxyCluster(c.name, c.discovery, policy), ...(c.tls !== undefined && { tls: c.tls }) };
    }),
    drainTimeoutMs: tier.drainSeconds * 1000,
    accessLog: tier.accessLog,
  };
}

/**
 * A proxy cluster with a service's traffic policy: balancing, connect timeout, health checks, outlier detection,
 * circuit breaker, retries and timeouts. `RANDOM` balancing becomes LEAST_REQUEST: callers refuse it beforehand.
 */
export function proxyCluster(name: string, discovery: ProxyDiscoveryConfig, policy: ResolvedTrafficPolicy): ProxyClusterConfig {
  const { loadBalancer, retry, timeouts, circuitBreaker, outlierDetection, healthCheck } = policy;
  return {
    name,
    discovery,
    // RANDOM was refused by validation for this data plane.
    loadBalancer: loadBalancer === 'ROUND_ROBIN' ? 'ROUND_ROBIN' : 'LEAST_REQUEST',
    connectTimeoutMs: timeouts.connectMs,
    ...(healthCheck.enabled && {
      healthCheck: {
        intervalMs: healthCheck.intervalMs,
        timeoutMs: healthCheck.timeoutMs,
        unhealthyThreshold: healthCheck.unhealthyThreshold,
        healthyThreshold: healthCheck.healthyThreshold,
        serviceName: healthCheck.grpcServiceName,
      },
    }),
    ...(outlierDetection.enabled && {
      outlierDetection: {
        consecutiveErrors: outlierDetection.consecutiveErrors,
        intervalMs: outlierDetection.intervalMs,
        baseEjectionTimeMs: outlierDetection.baseEjectionTimeMs,
        maxEjectionPercent: outlierDetection.maxEjectionPercent,
      },
    }),
    circuitBreaker: { maxConcurrentCalls: circuitBreaker.maxConcurrentCalls, overflowStatus: 'UNAVAILABLE' },
    ...(retry.attempts > 0 && {
      retry: {
        attempts: retry.attempts,
        on: [...retry.on],
        ...(retry.perTryTimeoutMs !== undefined && { perTryTimeoutMs: retry.perTryTimeoutMs }),
        backoffBaseMs: retry.backoffBaseMs,
        backoffMaxMs: retry.backoffMaxMs,
      },
    }),
    timeouts: {
      ...(timeouts.requestMs !== undefined && { requestMs: timeouts.requestMs }),
      streamIdleMs: timeouts.streamIdleMs,
    },
  };
}

/** The Envoy bootstrap of a self-hosted tier, and what Envoy cannot express of its routes. */
export interface EnvoyTierBootstrap {
  /** The bootstrap. */
  readonly bootstrap: EnvoyBootstrap;
  /** `UNSUPPORTED_BY_DATA_PLANE` and the like: synthesis fails on them. */
  readonly issues: readonly ValidationIssue[];
}

/**
 * The Envoy v3 bootstrap of a self-hosted tier: one listener per compiled listener (TLS terminated where it has a
 * certificate) with the routes of `proxyRoutesToEnvoy`; each cluster with the traffic policy of the service it
 * reaches; each route with the retries and timeouts of its backends' services, which must agree (Envoy sets them
 * per route, the proxy per cluster).
 */
export function envoyTierBootstrap(served: TierRoutes, streamIdleMs = resolveTrafficPolicy().timeouts.streamIdleMs): EnvoyTierBootstrap {
  const { compiled, policies, tier } = served;
  const issues: ValidationIssue[] = [];
  const clusters = new Map<string, EnvoyMessage>();
  const reported = new Set<string>();
  const listeners = compiled.listeners.map((listener) => {
    let routes;
    try {
      routes = proxyRoutesToEnvoy(compiled, listener.name);
    } catch (error) {
      if (!GrpcMeshValidationError.isValidationError(error)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
    for (const cluster of routes.clusters) {
      const policy = policies.get(cluster.name as string);
      clusters.set(cluster.name as string, policy === undefined ? cluster : withClusterPolicy(cluster, policy, tier.dnsRefreshMs));
    }
    const routeConfiguration = withRoutePolicies(routes.routeConfiguration, served, issues, reported);
    return envoyGrpcListener(listener.name, listener.port, tier, streamIdleMs, routeConfiguration, listener.tls);
  });
  return { bootstrap: envoyBootstrap(tier, listeners.filter((l) => l !== undefined), [...clusters.values()]), issues };
}

function withClusterPolicy(cluster: EnvoyMessage, policy: ResolvedTrafficPolicy, dnsRefreshMs: number): EnvoyMessage {
  const dns = cluster.type === 'STRICT_DNS' ? strictDns(dnsRefreshMs) : {};
  return { ...cluster, ...dns, ...clusterPolicy(policy) };
}

/**
 * Sets on every forwarding route the retries and timeouts of the services it sends calls to that chose a policy
 * (a `DataPlane.none()` canary takes its stable's). Services that chose different ones fail synthesis, once per
 * set of services (`reported`), however many listeners and hosts the route is served on.
 */
function withRoutePolicies(routeConfiguration: EnvoyMessage, served: TierRoutes, issues: ValidationIssue[], reported: Set<string>): EnvoyMessage {
  const hosts = routeConfiguration.virtual_hosts as EnvoyMessage[];
  return {
    ...routeConfiguration,
    virtual_hosts: hosts.map((host) => ({
      ...host,
      routes: (host.routes as EnvoyMessage[]).map((route) => {
        const action = route.route as EnvoyMessage | undefined;
        if (action === undefined) return route;
        const weighted = (action.weighted_clusters as { clusters: Array<{ name: string }> } | undefined)?.clusters ?? [];
        const names = action.cluster !== undefined ? [action.cluster as string] : weighted.map((c) => c.name);
        const own = names.filter((n) => served.ownPolicy.has(n));
        const settings = [...new Set(own.map((n) => JSON.stringify(routeActionPolicy(served.policies.get(n)!))))];
        if (settings.length > 1 && !reported.has(names.join())) {
          reported.add(names.join());
          issues.push({
            code: UNSUPPORTED_BY_DATA_PLANE,
            path: `route "${String(route.name)}"`,
            value: names.map((n) => n.replace(/:\d+$/, '')),
            message: 'sends calls to services whose retries or timeouts differ, and Envoy sets them per route, not per backend',
            hint: 'Give these services the same trafficPolicy.retry and timeouts, or serve the route with grpc-mesh-proxy.',
          });
        }
        // With no service of its own policy, the defaults.
        const settingsOf = settings[0] === undefined ? routeActionPolicy(resolveTrafficPolicy()) : JSON.parse(settings[0]) as EnvoyMessage;
        return { ...route, route: { ...action, ...settingsOf } };
      }),
    })),
  };
}
