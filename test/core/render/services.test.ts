import { DataPlane } from '../../../src/core';
import { render } from '../../support/render';

describe('renderServices', () => {
  test('renders a ClusterIP and a headless Service with the same selector and a named h2c gRPC port', () => {
    const { service, headlessService } = render({ targetPort: 9090 });
    const port = { name: 'grpc', port: 50051, targetPort: 9090, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' };
    const selector = { 'app.kubernetes.io/name': 'users', 'app.kubernetes.io/component': 'grpc-server' };
    expect(service.metadata).toEqual({
      name: 'users',
      namespace: 'app',
      labels: { 'app.kubernetes.io/name': 'users', 'app.kubernetes.io/managed-by': 'grpc-mesh' },
    });
    expect(service.spec).toEqual({ type: 'ClusterIP', selector, ports: [port] });
    expect(headlessService.metadata.name).toBe('users-headless');
    expect(headlessService.spec).toEqual({ type: 'ClusterIP', clusterIP: 'None', publishNotReadyAddresses: false, selector, ports: [port] });
  });

  test('selects the pods of an existing workload by the given labels', () => {
    const { service, headlessService, workload } = render({ workload: undefined, selector: { app: 'legacy-users' }, dataPlane: DataPlane.none(), trafficPolicy: undefined });
    expect((service.spec as any).selector).toEqual({ app: 'legacy-users' });
    expect((headlessService.spec as any).selector).toEqual({ app: 'legacy-users' });
    expect(workload).toBeUndefined();
  });

  test('adds the user labels to every object next to the standard ones', () => {
    const manifests = render({ labels: { team: 'identity' } });
    expect(manifests.service.metadata.labels).toEqual({ 'team': 'identity', 'app.kubernetes.io/name': 'users', 'app.kubernetes.io/managed-by': 'grpc-mesh' });
    expect(manifests.balancer?.deployment.metadata.labels).toMatchObject({ team: 'identity' });
  });
});
