import { parse } from 'yaml';
import { DataPlane, GrpcMeshValidationError, GrpcStatus, type GrpcMeshServiceProps } from '../../../src/core';
import { at, render } from '../../support/render';

const PROXY = DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0' });

describe('renderProxyBalancer', () => {
  const balancer = render({ dataPlane: PROXY }).balancer!;
  const pod = at(balancer.deployment, 'spec', 'template', 'spec');
  const proxy = pod.containers[0];

  test('renders the proxy config from the same traffic policy: one listener, one DNS cluster, one catch-all route', () => {
    const config = parse((balancer.config.data as any)['proxy.yaml']);
    expect(config).toEqual({
      version: 2,
      listeners: [{ name: 'grpc', address: '0.0.0.0', port: 8080 }],
      admin: { address: '127.0.0.1', port: 9901 },
      probes: { address: '0.0.0.0', port: 19001 },
      clusters: [{
        name: 'grpc-backend',
        discovery: { type: 'dns', hostname: 'users-headless.app.svc.cluster.local.', port: 50051, refreshIntervalMs: 1000 },
        loadBalancer: 'LEAST_REQUEST',
        connectTimeoutMs: 1000,
        healthCheck: { intervalMs: 5000, timeoutMs: 1000, unhealthyThreshold: 3, healthyThreshold: 1, serviceName: '' },
        outlierDetection: { consecutiveErrors: 5, intervalMs: 10000, baseEjectionTimeMs: 30000, maxEjectionPercent: 50 },
        circuitBreaker: { maxConcurrentCalls: 1024, overflowStatus: 'UNAVAILABLE' },
        retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE], perTryTimeoutMs: 300, backoffBaseMs: 25, backoffMaxMs: 250 },
        timeouts: { requestMs: 5000, streamIdleMs: 300000 },
      }],
      routes: [{ name: 'users', namespace: 'app', rules: [{ backendRefs: [{ name: 'grpc-backend', port: 50051 }] }] }],
      drainTimeoutMs: 15000,
      accessLog: true,
    });
  });

  test('runs the image as the image\'s command with the mounted config, probed and scraped on the probe listener', () => {
    expect(proxy).toMatchObject({
      name: 'proxy',
      image: 'registry.example.com/grpc-mesh-proxy:0.1.0',
      args: ['--config', '/etc/grpc-mesh-proxy/proxy.yaml', '--log-level', 'info'],
      readinessProbe: { httpGet: { path: '/ready', port: 'probe' } },
      livenessProbe: { httpGet: { path: '/live', port: 'probe' } },
      lifecycle: { preStop: { sleep: { seconds: 5 } } },
    });
    // The admin interface (its /config and /endpoints) is on loopback: the probe listener is the only port besides gRPC.
    expect(proxy.ports).toEqual([{ name: 'grpc', containerPort: 8080, protocol: 'TCP' }, { name: 'probe', containerPort: 19001, protocol: 'TCP' }]);
    expect(proxy.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/grpc-mesh-proxy', readOnly: true });
    expect(pod.terminationGracePeriodSeconds).toBe(25);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(at(balancer.deployment, 'spec', 'template', 'metadata', 'annotations')).toMatchObject({
      'prometheus.io/port': '19001', 'prometheus.io/path': '/metrics', 'grpc-mesh.io/config-hash': expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(balancer.service.metadata.name).toBe('users-proxy');
    expect(at(balancer.service, 'spec', 'ports', 0)).toMatchObject({ port: 50051, targetPort: 8080 });
  });

  test('sizes its memory from the proxy\'s measured peak, and V8\'s heap limit from the container\'s memory limit', () => {
    expect(proxy.resources).toEqual({ requests: { cpu: '100m', memory: '96Mi' }, limits: { memory: '256Mi' } });
    expect(proxy.env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-old-space-size=128' }]);
    const sized = render({ dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0', resources: { limits: { memory: '1Gi' } } }) });
    const container = at(sized.balancer!.deployment, 'spec', 'template', 'spec', 'containers', 0);
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '96Mi' }, limits: { memory: '1Gi' } });
    expect(container.env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-old-space-size=512' }]);
    // Envoy keeps its own defaults and gets no Node options.
    const envoy = at(render({ dataPlane: DataPlane.envoy() }).balancer!.deployment, 'spec', 'template', 'spec', 'containers', 0);
    expect(envoy.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(envoy.env).toBeUndefined();
  });

  test('refuses a memory or CPU quantity Kubernetes would not accept, naming the field', () => {
    const issues = (resources: object) => {
      try {
        render({ dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0', resources }) });
        return [];
      } catch (error) {
        return (error as GrpcMeshValidationError).issues.map((i) => [i.code, i.path, i.value]);
      }
    };
    expect(issues({ limits: { memory: '256MB' } })).toEqual([['INVALID_QUANTITY', 'dataPlane.resources.limits.memory', '256MB']]);
    expect(issues({ requests: { cpu: 'two' } })).toEqual([['INVALID_QUANTITY', 'dataPlane.resources.requests.cpu', 'two']]);
    expect(issues({ requests: { cpu: '250m', memory: '0.5Gi' }, limits: { memory: '1e9' } })).toEqual([]);
  });

  test('requires an image and refuses what the proxy cannot honour', () => {
    const codes = (props: Partial<GrpcMeshServiceProps>) => {
      try {
        render(props);
      } catch (e) {
        if (GrpcMeshValidationError.isValidationError(e)) return e.issues.map((i) => `${i.code} ${i.path}`);
      }
      return [];
    };
    expect(codes({ dataPlane: DataPlane.proxy({ image: '' }) })).toEqual(['INVALID_IMAGE dataPlane.image']);
    expect(codes({
      dataPlane: PROXY,
      trafficPolicy: { loadBalancer: 'RANDOM', timeouts: { maxStreamDurationMs: 1000 }, circuitBreaker: { maxPendingCalls: 1 } },
    })).toEqual([
      'UNSUPPORTED_BY_DATA_PLANE trafficPolicy.loadBalancer',
      'UNSUPPORTED_BY_DATA_PLANE trafficPolicy.timeouts.maxStreamDurationMs',
      'UNSUPPORTED_BY_DATA_PLANE trafficPolicy.circuitBreaker.maxPendingCalls',
    ]);
    // The proxy retries any status code, unlike Envoy.
    expect(codes({ dataPlane: PROXY, trafficPolicy: { retry: { attempts: 1, on: [GrpcStatus.ABORTED] } } })).toEqual([]);
  });
});
