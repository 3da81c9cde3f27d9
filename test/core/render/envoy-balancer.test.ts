import { parse } from 'yaml';
import { DataPlane } from '../../../src/core';
import { at, render } from '../../support/render';

describe('renderEnvoyBalancer', () => {
  const balancer = render().balancer!;
  const pod = at(balancer.deployment, 'spec', 'template', 'spec');
  const envoy = pod.containers[0];

  test('stores the bootstrap as YAML in a ConfigMap mounted read-only', () => {
    const bootstrap = parse((balancer.config.data as any)['envoy.yaml']);
    expect(at(bootstrap, 'static_resources', 'clusters', 0, 'name')).toBe('grpc_backend');
    expect((balancer.config.data as any)['envoy.yaml']).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases
    expect(envoy.args).toEqual(['--config-path', '/etc/envoy/envoy.yaml', '--log-level', 'info', '--drain-time-s', '15', '--drain-strategy', 'immediate']);
    expect(envoy.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/envoy', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: 'users-envoy' } });
  });

  test('pins the image and runs 2 replicas by default', () => {
    expect(envoy.image).toBe('envoyproxy/envoy:v1.36.4');
    expect(at(balancer.deployment, 'spec', 'replicas')).toBe(2);
    expect(at(render({ dataPlane: DataPlane.envoy() }).balancer!.deployment, 'spec', 'replicas')).toBe(2);
  });

  test('rolls the pods when the configuration changes, through a config-hash annotation', () => {
    const hash = (b: typeof balancer) => at(b.deployment, 'spec', 'template', 'metadata', 'annotations', 'grpc-mesh.io/config-hash');
    expect(hash(balancer)).toMatch(/^[0-9a-f]{16}$/);
    expect(hash(render().balancer!)).toBe(hash(balancer));
    expect(hash(render({ trafficPolicy: { loadBalancer: 'ROUND_ROBIN' } }).balancer!)).not.toBe(hash(balancer));
  });

  test('probes readiness through the probe listener although admin is on loopback', () => {
    expect(envoy.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 'metrics' }, periodSeconds: 5, failureThreshold: 2 });
    expect(envoy.livenessProbe).toEqual({ tcpSocket: { port: 'metrics' }, periodSeconds: 10, failureThreshold: 3 });
    expect(envoy.ports).toEqual([
      { name: 'grpc', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 19001, protocol: 'TCP' },
    ]);
  });

  test('lets Prometheus scrape the pods', () => {
    expect(at(balancer.deployment, 'spec', 'template', 'metadata', 'annotations')).toMatchObject({
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '19001', 'prometheus.io/path': '/stats/prometheus',
    });
  });

  test('drains gracefully before it stops: fail readiness, drain listeners, wait', () => {
    const [shell, flag, script] = envoy.lifecycle.preStop.exec.command;
    expect([shell, flag]).toEqual(['/bin/bash', '-c']);
    expect(script).toContain('/dev/tcp/127.0.0.1/9901');
    expect(script.split('\n').slice(1)).toEqual(['admin /healthcheck/fail', "admin '/drain_listeners?graceful&skip_exit'", 'sleep 15']);
    expect(pod.terminationGracePeriodSeconds).toBe(30);
  });

  test('runs as the image\'s envoy user with the restricted security context', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: 'RuntimeDefault' } });
    expect(envoy.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('prefers spreading Envoy pods over nodes with anti-affinity', () => {
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([{
      weight: 100,
      podAffinityTerm: {
        topologyKey: 'kubernetes.io/hostname',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'users-envoy', 'app.kubernetes.io/component': 'load-balancer' } },
      },
    }]);
  });

  test('exposes Envoy through a LoadBalancer by default, or the chosen type, port and annotations', () => {
    expect(balancer.service.spec).toEqual({
      type: 'LoadBalancer',
      selector: { 'app.kubernetes.io/name': 'users-envoy', 'app.kubernetes.io/component': 'load-balancer' },
      ports: [{ name: 'grpc', port: 50051, targetPort: 8080, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }],
    });
    const custom = render({ dataPlane: DataPlane.envoy({ serviceType: 'NodePort', port: 443, serviceAnnotations: { 'example.com/lb': 'internal' } }) }).balancer!.service;
    expect(custom.metadata.annotations).toEqual({ 'example.com/lb': 'internal' });
    expect(at(custom, 'spec', 'type')).toBe('NodePort');
    expect(at(custom, 'spec', 'ports', 0, 'port')).toBe(443);
  });

  test('never lets the balancer pods be selected by the service\'s own selector', () => {
    const podLabels = at(balancer.deployment, 'spec', 'template', 'metadata', 'labels');
    const serviceSelector = at(render().service, 'spec', 'selector');
    const matches = Object.entries(serviceSelector).every(([k, v]) => podLabels[k] === v);
    expect(matches).toBe(false);
  });
});
