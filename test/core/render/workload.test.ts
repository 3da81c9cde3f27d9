import { at, render } from '../../support/render';

describe('renderWorkload', () => {
  const deployment = render().workload!.deployment;
  const pod = at(deployment, 'spec', 'template', 'spec');
  const container = pod.containers[0];

  test('selects its own pods with the labels the Services select', () => {
    const selector = { 'app.kubernetes.io/name': 'users', 'app.kubernetes.io/component': 'grpc-server' };
    expect(at(deployment, 'spec', 'selector')).toEqual({ matchLabels: selector });
    expect(at(deployment, 'spec', 'template', 'metadata', 'labels')).toMatchObject(selector);
    expect(at(deployment, 'spec', 'replicas')).toBe(3);
  });

  test('probes the server with native gRPC probes on its port', () => {
    expect(container.ports).toEqual([{ name: 'grpc', containerPort: 50051, protocol: 'TCP' }]);
    expect(container.readinessProbe).toEqual({ grpc: { port: 50051 }, periodSeconds: 5, failureThreshold: 2 });
    expect(container.livenessProbe).toEqual({ grpc: { port: 50051 }, periodSeconds: 10, failureThreshold: 3 });
    expect(container.startupProbe).toEqual({ grpc: { port: 50051 }, periodSeconds: 2, failureThreshold: 30 });
  });

  test('asks the health service for the configured gRPC service name', () => {
    const c = at(render({ trafficPolicy: { healthCheck: { grpcServiceName: 'user.v1.UserService' } } }).workload!.deployment, 'spec', 'template', 'spec', 'containers', 0);
    expect(c.readinessProbe.grpc).toEqual({ port: 50051, service: 'user.v1.UserService' });
  });

  test('keeps serving through endpoint propagation, then gets a grace period that covers the shutdown', () => {
    expect(container.lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
    expect(pod.terminationGracePeriodSeconds).toBe(40);
    const custom = at(render({ workload: { image: 'img:1', preStopDelaySeconds: 0 } }).workload!.deployment, 'spec', 'template', 'spec');
    expect(custom.containers[0].lifecycle).toBeUndefined();
    expect(custom.terminationGracePeriodSeconds).toBe(30);
  });

  test('rolls out without ever lowering capacity', () => {
    expect(at(deployment, 'spec', 'strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
  });

  test('runs restricted: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp', () => {
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
  });

  test('spreads pods across nodes and zones without blocking scheduling', () => {
    expect(pod.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ]);
  });

  test('passes image, command, args, env, resources and service account through', () => {
    const c = at(render({
      workload: {
        image: 'img:2',
        command: ['/server'],
        args: ['--port=50051'],
        env: { LOG_LEVEL: 'debug' },
        resources: { requests: { cpu: '500m' }, limits: { cpu: '1' } },
        serviceAccountName: 'users',
        imagePullPolicy: 'Always',
      },
    }).workload!.deployment, 'spec', 'template', 'spec');
    expect(c.serviceAccountName).toBe('users');
    expect(c.containers[0]).toMatchObject({
      image: 'img:2',
      imagePullPolicy: 'Always',
      command: ['/server'],
      args: ['--port=50051'],
      env: [{ name: 'LOG_LEVEL', value: 'debug' }],
      resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    });
  });

  test('guards voluntary disruptions with a PodDisruptionBudget that never blocks a drain', () => {
    expect(render().workload!.podDisruptionBudget.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'users', 'app.kubernetes.io/component': 'grpc-server' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });
});
