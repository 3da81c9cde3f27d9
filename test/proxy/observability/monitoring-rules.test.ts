/**
 * The alerts `monitoring` emits for `DataPlane.proxy()`, evaluated on what a running grpc-mesh-proxy exports (issue
 * 13, item 3). The proxy runs the config the construct renders (its DNS cluster of the service's pods, health checks
 * and all; only the addresses are moved to loopback, and DNS answers with the test's backend). Its `/metrics` is
 * scraped over HTTP from the probe listener the PodMonitor names, the PodMonitor's target labels are attached as
 * Prometheus would, and the alert expressions are evaluated on the scrapes by test/support/promql-eval.ts.
 */
import { parse } from 'yaml';
import { DataPlane, PROXY_CONFIG_KEY, renderGrpcMeshService, resolveGrpcMeshService, type KubeObject } from '../../../src/core';
import type { ProxyConfig } from '../../../src/core/proxy-config';
import { AdminServer, PROBE_PATHS } from '../../../src/proxy/admin/server';
import { validateConfig } from '../../../src/proxy/config';
import { channels, type EndpointsMessage } from '../../../src/proxy/observability/channels';
import { ProxyMetrics } from '../../../src/proxy/observability/metrics';
import { evaluate, parseExposition, podMonitorTargetLabels, withTargetLabels, type Scrape, type Vector } from '../../support/promql-eval';
import { Backend, Cleanup, echoClient, LOCAL, proxyPort, startProxy, unary } from '../harness';

const INTERNAL = 13;

/** The value of a one-sample vector without labels (what an aggregation without `by` gives). */
function only(result: Vector | number): number {
  expect(result).toEqual([{ labels: {}, value: expect.any(Number) }]);
  return (result as Vector)[0].value;
}

/**
 * Whether the latency alert must fire on a window, from the raw histogram counters of the proxy's call durations: its
 * p99 is above `thresholdSeconds` exactly when more than 1 % of the window's calls took longer (histogram_quantile
 * ranks 0.99 of the count into the buckets). Judged from the samples rather than from the calls' intended speed, so a
 * loaded machine that makes a "fast" call slow cannot make the test fail; the PromQL (rate, sum by le,
 * histogram_quantile, the comparison) is what is under test.
 */
function latencyAlertDue(scrapes: [Scrape, Scrape], thresholdSeconds: number): boolean {
  const total = (scrape: Scrape, name: string, le?: string) => scrape.samples
    .filter((s) => s.labels.__name__ === name && (le === undefined || Number(s.labels.le) === Number(le)))
    .reduce((sum, s) => sum + s.value, 0);
  const delta = (name: string, le?: string) => total(scrapes[1], name, le) - total(scrapes[0], name, le);
  const calls = delta('grpc_mesh_proxy_call_duration_seconds_count');
  const fast = delta('grpc_mesh_proxy_call_duration_seconds_bucket', String(thresholdSeconds));
  expect(calls).toBeGreaterThan(0);
  return fast < 0.99 * calls;
}

describe('the proxy tier\'s alerts on the samples a running proxy exports', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.run());

  test('error rate, p99 latency and no ready endpoints fire exactly when the proxy\'s own metrics say so', async () => {
    const backend = await Backend.start({ id: 'b1' });
    cleanup.add(() => backend.kill());
    const model = resolveGrpcMeshService({
      name: 'orders',
      namespace: 'shop',
      port: backend.port,
      workload: { image: 'registry.example.com/orders:1.0.0' },
      dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:1.0.0' }),
      monitoring: {},
    }, { defaultName: 'orders' });
    const manifests = renderGrpcMeshService(model);
    const rendered = parse((manifests.balancer!.config.data as Record<string, string>)[PROXY_CONFIG_KEY]) as ProxyConfig;
    const config: ProxyConfig = {
      ...rendered,
      listeners: rendered.listeners.map((l) => ({ ...l, address: LOCAL, port: 0 })),
      admin: { address: LOCAL, port: 0 },
      probes: { address: LOCAL, port: 0 },
    };
    validateConfig(config, 'test config');
    const hostname = model.headlessFqdn;
    expect(config.clusters.map((c) => [c.name, c.discovery])).toEqual([['grpc-backend', expect.objectContaining({ type: 'dns', port: backend.port })]]);

    // DNS: the headless Service's name answers with the backend's address while `pods` holds it.
    let pods = [{ address: LOCAL, family: 4 as const }];
    const metrics = new ProxyMetrics({ defaultMetrics: false });
    cleanup.add(() => metrics.close());
    const proxy = await startProxy(config, cleanup, {
      lookup: async (name) => {
        if (name.replace(/\.$/, '') !== hostname) throw new Error(`ENOTFOUND ${name}`);
        return pods;
      },
    });
    metrics.readEndpointsFrom(() => proxy.snapshot()); // as the grpc-mesh-proxy command does
    const probes = await AdminServer.start({ address: LOCAL, port: 0, proxy, metrics, config: () => config, paths: PROBE_PATHS });
    cleanup.add(() => probes.close());
    const client = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);

    // What Prometheus would attach through the PodMonitor to a pod of the tier's Deployment.
    const podMonitor = manifests.monitoring.find((o) => o.kind === 'PodMonitor')!;
    const podLabels = (manifests.balancer!.deployment.spec as any).template.metadata.labels as Record<string, string>;
    const target = podMonitorTargetLabels(podMonitor as KubeObject & { metadata: { name: string } }, {
      name: 'orders-proxy-7d9f8b6c5-x2x9k', namespace: 'shop', labels: podLabels, container: 'proxy',
    })!;
    expect(target).toMatchObject({ namespace: 'shop', app_kubernetes_io_name: 'orders-proxy', endpoint: 'probe' });
    const scrape = async (): Promise<Scrape> => {
      const response = await fetch(`http://${LOCAL}:${probes.port}${(podMonitor.spec as any).podMetricsEndpoints[0].path}`);
      expect(response.status).toBe(200);
      return { timeSeconds: performance.now() / 1000, samples: withTargetLabels(parseExposition(await response.text()), target) };
    };
    const rules = (manifests.monitoring.find((o) => o.kind === 'PrometheusRule')!.spec as any).groups[0].rules as Array<{ alert: string; expr: string }>;
    const alert = (name: string, scrapes: [Scrape, Scrape]): Vector => evaluate(rules.find((r) => r.alert === name)!.expr, scrapes) as Vector;
    const calls = async (ok: number, failing: number, delayMs = 0) => {
      const outcomes = await Promise.all([
        ...Array.from({ length: ok }, () => unary(client, { message: 'ok', delayMs })),
        ...Array.from({ length: failing }, () => unary(client, { status: INTERNAL, statusMessage: 'boom' })),
      ]);
      expect(outcomes.filter((o) => o.code === INTERNAL)).toHaveLength(failing);
      expect(outcomes.filter((o) => o.code === 0)).toHaveLength(ok);
    };
    const without = (expr: string) => expr.replace(/ [<>] [\d.]+$/, '');

    // Warm-up: every series exists before the first scrape (rate needs two samples).
    await calls(5, 1);
    const s0 = await scrape();
    // 1 % of calls fail, all fast: nothing fires.
    await calls(99, 1);
    const s1 = await scrape();
    const errorRule = rules.find((r) => r.alert === 'GrpcHighErrorRate')!.expr;
    expect(only(evaluate(without(errorRule), [s0, s1]))).toBeCloseTo(0.01, 9);
    expect(alert('GrpcHighErrorRate', [s0, s1])).toEqual([]);
    expect(alert('GrpcHighLatency', [s0, s1]).length > 0).toBe(latencyAlertDue([s0, s1], 1)); // none, unless the machine stalled
    expect(alert('GrpcNoReadyEndpoints', [s0, s1])).toEqual([]);

    // Half of the calls fail: the error-rate alert's expression has a value, the share.
    await calls(10, 10);
    const s2 = await scrape();
    expect(only(alert('GrpcHighErrorRate', [s1, s2]))).toBeCloseTo(0.5, 9);
    expect(alert('GrpcHighLatency', [s1, s2]).length > 0).toBe(latencyAlertDue([s1, s2], 1));

    // Every call takes 1.2 s: p99 above the 1 s default.
    await calls(20, 0, 1200);
    const s3 = await scrape();
    expect(latencyAlertDue([s2, s3], 1)).toBe(true);
    const [slow] = alert('GrpcHighLatency', [s2, s3]);
    expect(slow.value).toBeGreaterThan(1);
    expect(slow.value).toBeLessThanOrEqual(2.5); // the 1.2 s calls sit in the (1, 2.5] bucket
    expect(alert('GrpcHighErrorRate', [s2, s3])).toEqual([]);

    // The service's pods are all gone: DNS answers no address, the cluster has no endpoint left.
    const emptied = new Promise<void>((resolve) => {
      const listener = (m: unknown) => {
        const message = m as EndpointsMessage;
        if (message.cluster === 'grpc-backend' && message.endpoints.length === 0) {
          channels.endpoints.unsubscribe(listener);
          resolve();
        }
      };
      channels.endpoints.subscribe(listener);
    });
    // Before any call failed (failures since may have ejected the one pod), the pod could take calls.
    const readyEndpoints = without(rules.find((r) => r.alert === 'GrpcNoReadyEndpoints')!.expr);
    expect(evaluate(readyEndpoints, [s0, s1])).toEqual([{ labels: {}, value: 1 }]);
    pods = [];
    await emptied;
    const s4 = await scrape();
    expect(alert('GrpcNoReadyEndpoints', [s3, s4])).toEqual([{ labels: {}, value: 0 }]);
  }, 30_000);
});
