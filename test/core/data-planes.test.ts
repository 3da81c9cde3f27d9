/**
 * DataPlane and GatewayImplementation as strategies (issue 14, item 2): each data plane is one class whose
 * validation, resolution, rendering and monitoring series belong together, so a data plane can never get another's
 * (the proxy data plane once got Envoy's metric names); the resolved model holds data, never finished objects; and
 * monitoring is resolved with the core defaults like every other prop.
 */
import { parse } from 'yaml';
import {
  DataPlane, GatewayImplementation, GrpcMeshValidationError, GrpcStatus, renderGrpcGateway, resolveGrpcGateway, resolveGrpcMeshService,
  seriesOf, type GrpcMeshServiceModel, type GrpcMeshServiceProps, type ValidationIssue,
} from '../../src/core';
import * as d from '../../src/core/defaults';
import { USERS_PROPS } from '../support/fixtures';
import { at, render } from '../support/render';

const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:1.0.0';

function resolve(props: Partial<GrpcMeshServiceProps>): GrpcMeshServiceModel {
  return resolveGrpcMeshService({ ...USERS_PROPS, ...props }, { defaultName: 'users' });
}

function issuesOf(props: Partial<GrpcMeshServiceProps>): ValidationIssue[] {
  try {
    resolve(props);
  } catch (error) {
    if (GrpcMeshValidationError.isValidationError(error)) return [...error.issues];
    throw error;
  }
  return [];
}

/** Every plain object reachable from `value`, the strategies' own fields included. */
function objectsIn(value: unknown, seen = new Set<unknown>()): Array<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const children = Object.values(value as Record<string, unknown>).flatMap((v) => objectsIn(v, seen));
  return [value as Record<string, unknown>, ...children];
}

describe('a data plane is one strategy', () => {
  test.each([
    ['envoy', DataPlane.envoy()],
    ['proxy', DataPlane.proxy({ image: PROXY_IMAGE })],
    ['none', DataPlane.none()],
    ['istio', DataPlane.istio()],
    ['linkerd', DataPlane.linkerd()],
  ])('%s: the model is resolved and rendered by the strategy the factory chose', (kind, dataPlane) => {
    const props = kind === 'none' ? { dataPlane, trafficPolicy: undefined } : { dataPlane, trafficPolicy: undefined, monitoring: {} };
    const model = resolve(props);
    expect(dataPlane.kind).toBe(kind);
    expect(model.dataPlane.kind).toBe(kind);
    expect(model.dataPlane.strategy).toBe(dataPlane.strategy);
  });

  test('the proxy data plane validates, renders and monitors as grpc-mesh-proxy, never as Envoy', () => {
    const proxy = DataPlane.proxy({ image: PROXY_IMAGE });
    // Validation: the proxy's limits, not Envoy's (Envoy cannot retry ABORTED; the proxy can, and cannot balance RANDOM).
    expect(issuesOf({ dataPlane: proxy, trafficPolicy: { retry: { attempts: 1, on: [GrpcStatus.ABORTED] } } })).toEqual([]);
    expect(issuesOf({ dataPlane: proxy, trafficPolicy: { loadBalancer: 'RANDOM' } })).toEqual([expect.objectContaining({
      code: 'UNSUPPORTED_BY_DATA_PLANE', path: 'trafficPolicy.loadBalancer', message: expect.stringContaining('grpc-mesh-proxy'),
    })]);
    // Rendering: the proxy's config, container and log level.
    const m = render({ dataPlane: proxy, monitoring: {} });
    expect(Object.keys(m.balancer!.config.data as object)).toEqual(['proxy.yaml']);
    const container = at(m.balancer!.deployment, 'spec', 'template', 'spec', 'containers', 0);
    expect(container).toMatchObject({ name: 'proxy', image: PROXY_IMAGE, args: expect.arrayContaining(['--log-level', d.DEFAULT_PROXY_LOG_LEVEL]) });
    expect(parse((m.balancer!.config.data as Record<string, string>)['proxy.yaml']).clusters[0].name).toBe('grpc-backend');
    // Monitoring: the proxy's metrics, and nothing of Envoy's anywhere.
    const series = seriesOf(resolve({ dataPlane: proxy }))!;
    expect([series.calls, series.failedCalls, series.latencyBuckets, series.readyEndpoints]).toEqual([
      expect.stringMatching(/^grpc_mesh_proxy_calls_total\{/),
      expect.stringMatching(/^grpc_mesh_proxy_calls_total\{.*grpc_code!="OK"\}$/),
      expect.stringMatching(/^grpc_mesh_proxy_call_duration_seconds_bucket\{/),
      expect.stringMatching(/^max\(grpc_mesh_proxy_ready_endpoints\{.*cluster="grpc-backend"\}\)$/),
    ]);
    expect(JSON.stringify([...m.monitoring, m.dashboard])).not.toMatch(/envoy/i);
  });

  test('the Envoy data plane validates, renders and monitors as Envoy', () => {
    expect(issuesOf({ trafficPolicy: { retry: { attempts: 1, on: [GrpcStatus.ABORTED] } } })).toEqual([expect.objectContaining({
      code: 'UNSUPPORTED_BY_DATA_PLANE', path: 'trafficPolicy.retry.on[0]', message: expect.stringContaining('Envoy'),
    })]);
    expect(issuesOf({ trafficPolicy: { loadBalancer: 'RANDOM' } })).toEqual([]);
    const m = render({ monitoring: {} });
    expect(Object.keys(m.balancer!.config.data as object)).toEqual(['envoy.yaml']);
    expect(at(m.balancer!.deployment, 'spec', 'template', 'spec', 'containers', 0)).toMatchObject({ name: 'envoy', image: d.DEFAULT_ENVOY_IMAGE });
    expect(seriesOf(resolve({}))!.calls).toMatch(/^envoy_cluster_grpc_total\{/);
    expect(JSON.stringify([...m.monitoring, m.dashboard])).not.toContain('grpc_mesh_proxy');
  });

  test('a self-hosted Gateway\'s tier is the same tier strategy as the data plane of the same name', () => {
    const gateway = (implementation: GatewayImplementation) => resolveGrpcGateway({
      namespace: 'infra', implementation, listeners: [{ name: 'grpc', port: 8080 }], monitoring: {},
    }, { defaultName: 'edge' });
    const proxyGateway = gateway(GatewayImplementation.proxy({ image: PROXY_IMAGE }));
    const envoyGateway = gateway(GatewayImplementation.envoy());
    const balancer = (dataPlane: DataPlane) => resolve({ dataPlane, trafficPolicy: undefined }).dataPlane as { tierStrategy?: unknown };
    expect(proxyGateway.tier!.tierStrategy).toBe(balancer(DataPlane.proxy({ image: PROXY_IMAGE })).tierStrategy);
    expect(envoyGateway.tier!.tierStrategy).toBe(balancer(DataPlane.envoy()).tierStrategy);
    expect(proxyGateway.tier).toMatchObject({ kind: 'proxy', name: 'edge-proxy', image: PROXY_IMAGE, logLevel: d.DEFAULT_PROXY_LOG_LEVEL });
    expect(JSON.stringify(renderGrpcGateway(proxyGateway).monitoring)).not.toMatch(/envoy/i);
    expect(JSON.stringify(renderGrpcGateway(envoyGateway).monitoring)).not.toContain('grpc_mesh_proxy');
  });
});

describe('the resolved model', () => {
  test.each([
    ['istio', DataPlane.istio(), { loadBalancer: 'ROUND_ROBIN' as const, timeouts: { requestMs: 2_000 } }],
    ['linkerd', DataPlane.linkerd(), { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } }],
  ])('%s: holds the mesh\'s settings, never its objects, which only rendering builds', (_, dataPlane, trafficPolicy) => {
    const model = resolve({ dataPlane, trafficPolicy });
    expect(objectsIn(model).filter((o) => 'apiVersion' in o || 'metadata' in o)).toEqual([]);
    const m = render({ dataPlane, trafficPolicy });
    expect(m.meshPolicy.length).toBeGreaterThan(0);
  });

  test('names the GRPCRoute that carries Linkerd\'s gRPC retries, the one rendering emits', () => {
    const dataPlane = DataPlane.linkerd();
    const trafficPolicy = { retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } };
    expect(resolve({ dataPlane, trafficPolicy }).dataPlane).toMatchObject({ serviceRoute: 'users-linkerd' });
    expect(render({ dataPlane, trafficPolicy }).meshPolicy.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['GRPCRoute/users-linkerd']);
    expect(resolve({ dataPlane, trafficPolicy: { timeouts: { requestMs: 1_000 } } }).dataPlane).not.toHaveProperty('serviceRoute');
  });

  test('holds monitoring with the defaults of core/defaults.ts applied, on the data plane\'s series', () => {
    const model = resolve({ dataPlane: DataPlane.proxy({ image: PROXY_IMAGE }), monitoring: { latencyAlert: false, labels: { release: 'prom' } } });
    expect(model.monitoring).toMatchObject({
      podMonitor: d.DEFAULT_POD_MONITOR,
      dashboard: d.DEFAULT_DASHBOARD,
      errorRateAlert: {
        thresholdPercent: d.DEFAULT_ERROR_RATE_PERCENT, forMinutes: d.DEFAULT_ERROR_RATE_FOR_MINUTES, severity: d.DEFAULT_ALERT_SEVERITY,
      },
      noReadyEndpointsAlert: { forMinutes: d.DEFAULT_NO_ENDPOINTS_FOR_MINUTES, severity: d.DEFAULT_NO_ENDPOINTS_SEVERITY },
      labels: { 'release': 'prom', 'app.kubernetes.io/name': 'users' },
      series: seriesOf(model),
    });
    expect(model.monitoring).not.toHaveProperty('latencyAlert');
  });

  test('holds no no-ready-endpoints alert for a mesh service that names no Deployment', () => {
    const model = resolveGrpcMeshService({
      namespace: 'app', port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.istio(), monitoring: {}, silenceWarnings: ['NO_ENDPOINTS_ALERT_SKIPPED'],
    }, { defaultName: 'users' });
    expect(model.monitoring?.errorRateAlert).toBeDefined();
    expect(model.monitoring).not.toHaveProperty('noReadyEndpointsAlert');
  });
});
