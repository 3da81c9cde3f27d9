import { Chart, JsonPatch, Testing } from 'cdk8s';
import { DataPlane, GatewayImplementation, GrpcGateway, GrpcMeshService, GrpcRoute } from '../../src/cdk8s';
import { listGrpcMeshServiceManifests } from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';
import { render } from '../support/render';

function synth(build: (chart: Chart) => void, namespace?: string): any[] {
  const chart = new Chart(Testing.app(), 'shop', { namespace });
  build(chart);
  return Testing.synth(chart);
}

describe('GrpcMeshService (cdk8s)', () => {
  test('synthesizes the objects of the core, in order, with explicit names', () => {
    const objects = synth((chart) => new GrpcMeshService(chart, 'users', USERS_PROPS));
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'Service/app/users',
      'Service/app/users-headless',
      'ServiceAccount/app/users',
      'Deployment/app/users',
      'PodDisruptionBudget/app/users',
      'ServiceAccount/app/users-envoy',
      'ConfigMap/app/users-envoy',
      'Deployment/app/users-envoy',
      'Service/app/users-envoy',
      'PodDisruptionBudget/app/users-envoy',
      'NetworkPolicy/app/users',
      'NetworkPolicy/app/users-envoy',
    ]);
  });

  test('emits exactly what the core renders for the same props', () => {
    const objects = synth((chart) => new GrpcMeshService(chart, 'users', USERS_PROPS));
    expect(objects).toEqual(listGrpcMeshServiceManifests(render()).map((m) => m.manifest));
  });

  test('emits only the two Services and the pods\' NetworkPolicy with DataPlane.none() and an existing workload', () => {
    const objects = synth((chart) => new GrpcMeshService(chart, 'users', { port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.none() }));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/users', 'Service/users-headless', 'NetworkPolicy/users']);
    const off = synth((chart) => new GrpcMeshService(chart, 'users', {
      port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.none(), networkPolicy: { enabled: false },
    }));
    expect(off.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/users', 'Service/users-headless']);
  });

  test('uses the chart namespace when the props give none', () => {
    const objects = synth((chart) => new GrpcMeshService(chart, 'users', { ...USERS_PROPS, namespace: undefined }), 'payments');
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['payments']));
  });

  test('names the construct path in validation errors and lists every problem, at synthesis', () => {
    const chart = new Chart(Testing.app(), 'shop');
    new GrpcMeshService(chart, 'users', { port: 70000, workload: { image: 'img:1', replicas: -1 } });
    expect(() => Testing.synth(chart)).toThrow([
      'Validation failed with the following errors:',
      '  [shop/users] GrpcMeshService "shop/users": port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]',
      '  [shop/users] GrpcMeshService "shop/users": workload.replicas must be between 0 and 2147483647; got -1. [OUT_OF_RANGE]',
    ].join('\n'));
  });

  test('exposes every child as an escape hatch for what the props do not cover', () => {
    const objects = synth((chart) => {
      const users = new GrpcMeshService(chart, 'users', USERS_PROPS);
      users.deployment!.addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'critical'));
      users.balancer!.service.addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', 'Local'));
      expect(users.endpoint).toBe('users-envoy.app.svc.cluster.local:50051');
      expect(users.headlessService.name).toBe('users-headless');
      expect(users.podDisruptionBudget!.kind).toBe('PodDisruptionBudget');
      expect(users.balancer!.config.kind).toBe('ConfigMap');
      expect(users.networkPolicy!.kind).toBe('NetworkPolicy');
      expect(users.balancer!.networkPolicy!.name).toBe('users-envoy');
    });
    const byId = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(byId('Deployment', 'users').spec.template.spec.priorityClassName).toBe('critical');
    expect(byId('Service', 'users-envoy').spec.externalTrafficPolicy).toBe('Local');
  });

  test('exposes the ServiceAccounts of the server and its tier, and of a self-hosted Gateway\'s tier; none for a given one', () => {
    const objects = synth((chart) => {
      const users = new GrpcMeshService(chart, 'users', USERS_PROPS);
      users.serviceAccount!.metadata.addAnnotation('example.com/owner', 'identity');
      expect(users.balancer!.serviceAccount!.name).toBe('users-envoy');
      const edge = new GrpcGateway(chart, 'edge', {
        implementation: GatewayImplementation.proxy({ image: 'registry.example.com/grpc-mesh-proxy:1.0.0' }),
        listeners: [{ name: 'grpc', port: 8080 }],
      });
      expect(edge.tier!.serviceAccount!.name).toBe('edge-proxy');
      const given = new GrpcMeshService(chart, 'orders', { ...USERS_PROPS, workload: { ...USERS_PROPS.workload!, serviceAccountName: 'orders-identity' } });
      expect(given.serviceAccount).toBeUndefined();
    });
    const accounts = objects.filter((o) => o.kind === 'ServiceAccount');
    expect(accounts.map((o) => o.metadata.name).sort()).toEqual(['edge-proxy', 'orders-envoy', 'users', 'users-envoy']);
    expect(accounts.find((o) => o.metadata.name === 'users').metadata.annotations).toEqual({ 'example.com/owner': 'identity' });
    // Every Deployment names a ServiceAccount: one of those, or the given one.
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((o) => [o.metadata.name, o.spec.template.spec.serviceAccountName]).sort()).toEqual([
      ['edge-proxy', 'edge-proxy'], ['orders', 'orders-identity'], ['orders-envoy', 'orders-envoy'], ['users', 'users'], ['users-envoy', 'users-envoy'],
    ]);
  });

  test('synthesizes the Certificates of backendTls after the data plane, exposed as certificates', () => {
    const objects = synth((chart) => {
      const users = new GrpcMeshService(chart, 'users', { ...USERS_PROPS, backendTls: { certManager: { clusterIssuer: 'internal-ca' }, healthPort: 8086 } });
      expect(users.certificates.map((c) => `${c.kind}/${c.name}`)).toEqual(['Certificate/users-tls', 'Certificate/users-envoy-client']);
    });
    expect(objects.filter((o) => o.kind === 'Certificate').map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.namespace}/${o.metadata.name} ${o.spec.secretName}`)).toEqual([
      'cert-manager.io/v1 Certificate/app/users-tls users-tls',
      'cert-manager.io/v1 Certificate/app/users-envoy-client users-envoy-client-tls',
    ]);
  });

  test('exposes the cert-manager Certificate of a balancer\'s listener TLS', () => {
    const listenerTls = { secretName: 'users-tls', certManager: { issuer: 'internal-ca' }, dnsNames: ['users.example.com'] };
    const objects = synth((chart) => {
      const users = new GrpcMeshService(chart, 'users', { ...USERS_PROPS, dataPlane: DataPlane.envoy({ listenerTls }) });
      expect(users.balancer!.certificate!.kind).toBe('Certificate');
      users.balancer!.certificate!.addJsonPatch(JsonPatch.add('/spec/duration', '2160h'));
    });
    const certificate = objects.find((o) => o.kind === 'Certificate');
    expect(certificate).toMatchObject({ metadata: { name: 'users-tls', namespace: 'app' }, spec: { secretName: 'users-tls', duration: '2160h' } });
    expect(synth((chart) => new GrpcMeshService(chart, 'users', USERS_PROPS)).some((o) => o.kind === 'Certificate')).toBe(false);
  });

  test('synthesizes the documented example unchanged', () => {
    expect(synth((chart) => new GrpcMeshService(chart, 'users', USERS_PROPS))).toMatchSnapshot();
  });

  test('admits to the server pods the tier of a self-hosted Gateway whose route, declared before the service, reaches them', () => {
    const objects = synth((chart) => {
      const edge = new GrpcGateway(chart, 'edge', {
        namespace: 'infra',
        implementation: GatewayImplementation.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0' }),
        listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }],
      });
      new GrpcRoute(chart, 'users-api', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: { name: 'users', namespace: 'app', port: 50051 } }] }] });
      new GrpcMeshService(chart, 'users', USERS_PROPS);
    });
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'users');
    expect(policy.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'users-envoy', 'app.kubernetes.io/component': 'load-balancer' } } },
      {
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['infra'] }] },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'edge-proxy', 'app.kubernetes.io/component': 'load-balancer' } },
      },
    ]);
  });

  test('warns at synthesis when a Gateway API controller\'s Gateway routes to pods that admit only their balancer', () => {
    const build = (chart: Chart, silence: boolean) => {
      const edge = new GrpcGateway(chart, 'edge', { namespace: 'infra', gatewayClassName: 'eg', listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }] });
      const users = new GrpcMeshService(chart, 'users', { ...USERS_PROPS, ...(silence && { silenceWarnings: ['GATEWAY_NOT_ALLOWED_BY_NETWORK_POLICY'] }) });
      new GrpcRoute(chart, 'users-api', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: users }] }] });
    };
    const strict = (silence: boolean) => {
      const app = Testing.app();
      app.node.setContext('grpc-mesh:warningsAsErrors', true);
      build(new Chart(app, 'shop'), silence);
      return () => app.synth();
    };
    expect(strict(false)).toThrow(/\[shop\/users\] warning \(grpc-mesh:warningsAsErrors\): GrpcMeshService "shop\/users": networkPolicy\.ingress admits no .*\[GATEWAY_NOT_ALLOWED_BY_NETWORK_POLICY\]/);
    expect(strict(true)).not.toThrow();
  });
});
