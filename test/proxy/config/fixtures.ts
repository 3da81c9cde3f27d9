import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProxyConfig } from '../../../src/core/proxy-config';
import { formatIssue } from '../../../src/problems';
import { ProxyConfigError, validateConfig } from '../../../src/proxy/config';

/** A valid config using most fields. */
export function validConfig(): ProxyConfig {
  return {
    version: 1,
    listeners: [{ name: 'grpc', address: '0.0.0.0', port: 8080 }],
    admin: { address: '127.0.0.1', port: 9901 },
    clusters: [
      {
        name: 'users',
        discovery: { type: 'dns', hostname: 'users-headless.app.svc.cluster.local', port: 50051, refreshIntervalMs: 1000 },
        loadBalancer: 'LEAST_REQUEST',
        connectTimeoutMs: 1000,
        healthCheck: { intervalMs: 5000, timeoutMs: 1000, unhealthyThreshold: 3, healthyThreshold: 1, serviceName: '' },
        outlierDetection: { consecutiveErrors: 5, intervalMs: 10000, baseEjectionTimeMs: 30000, maxEjectionPercent: 50 },
        circuitBreaker: { maxConcurrentCalls: 1024, overflowStatus: 'UNAVAILABLE' },
        retry: { attempts: 2, on: [14], perTryTimeoutMs: 300, backoffBaseMs: 25, backoffMaxMs: 250 },
        timeouts: { requestMs: 5000, streamIdleMs: 300000 },
      },
      { name: 'users-canary', discovery: { type: 'static', endpoints: [{ address: '10.0.0.7', port: 50051 }] } },
    ],
    routes: [{
      name: 'users',
      namespace: 'app',
      rules: [
        {
          matches: [{ headers: [{ name: 'x-canary', value: 'always' }] }],
          backendRefs: [{ name: 'users-canary' }],
        },
        {
          matches: [{ method: { service: 'user.v1.UserService' } }],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-via', value: 'grpc-mesh-proxy' }] } }],
          backendRefs: [{ name: 'users', weight: 90 }, { name: 'users-canary', weight: 10 }],
        },
      ],
    }],
    drainTimeoutMs: 15000,
    accessLog: true,
  };
}

/** A temporary directory, removed by the returned function. */
export function tempDir(): { readonly dir: string; readonly path: (name: string) => string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-mesh-proxy-config-'));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A deep copy of `value` with `edit` applied (for one-field mutations of a valid config). */
export function edited(edit: (config: any) => void, base: unknown = validConfig()): unknown {
  const copy = structuredClone(base);
  edit(copy);
  return copy;
}

/**
 * A valid version 2 config: the listener serves two virtual hosts (an exact hostname and every other host), and
 * the canary cluster speaks TLS with a client certificate.
 */
export function validV2Config(): ProxyConfig {
  const base = validConfig();
  return {
    ...base,
    version: 2,
    listeners: [{
      ...base.listeners[0],
      virtualHosts: [
        { name: 'api', hostname: 'api.example.com', routes: ['app/users'] },
        { name: 'internal', hostname: '*.internal.example.com', routes: ['app/users', 'default/health'] },
        { name: 'fallback', routes: ['default/health'] },
      ],
    }],
    clusters: [
      base.clusters[0],
      {
        ...base.clusters[1],
        tls: { caFile: '/etc/tls/ca.crt', serverName: 'users.app.svc.cluster.local', certFile: '/etc/tls/client.crt', keyFile: '/etc/tls/client.key' },
      },
    ],
    routes: [...base.routes, { name: 'health', rules: [{ matches: [{ method: { service: 'grpc.health.v1.Health' } }], backendRefs: [{ name: 'users' }] }] }],
  };
}

/** The problems `validateConfig` reports for `data`, formatted one per string. */
export function problemsOf(data: unknown): string[] {
  try {
    validateConfig(data, 'proxy.yaml');
  } catch (error) {
    if (error instanceof ProxyConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}
