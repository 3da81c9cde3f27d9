import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { PROJECT, promiseOf, recordOptions, settle, typesAndNames, useMocks, type RecordedResource } from './mocks';
import { DataPlane, listGrpcMeshServiceManifests, renderGrpcMeshService, resolveGrpcMeshService, type GrpcMeshServiceProps } from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';

type PulumiModule = typeof import('../../src/pulumi');
let P: PulumiModule;

beforeAll(async () => {
  await useMocks('import');
  P = await import('../../src/pulumi');
});

const inputsOf = (recorded: readonly RecordedResource[], name: string) => recorded.find((r) => r.name === name)!.inputs;

describe('GrpcMeshService (Pulumi)', () => {
  test('creates the objects of the core as typed Kubernetes resources named <name>-<role> under a grpc-mesh:index:GrpcMeshService', async () => {
    const recorded = await useMocks('typed-resources');
    new P.GrpcMeshService('users', USERS_PROPS);
    await settle();
    expect(typesAndNames(recorded)).toEqual([
      'grpc-mesh:index:GrpcMeshService users',
      'kubernetes:apps/v1:Deployment users-balancer-deployment',
      'kubernetes:apps/v1:Deployment users-deployment',
      'kubernetes:core/v1:ConfigMap users-balancer-config',
      'kubernetes:core/v1:Service users-balancer-service',
      'kubernetes:core/v1:Service users-headless-service',
      'kubernetes:core/v1:Service users-service',
      'kubernetes:core/v1:ServiceAccount users-balancer-service-account',
      'kubernetes:core/v1:ServiceAccount users-service-account',
      'kubernetes:networking.k8s.io/v1:NetworkPolicy users-balancer-network-policy',
      'kubernetes:networking.k8s.io/v1:NetworkPolicy users-network-policy',
      'kubernetes:policy/v1:PodDisruptionBudget users-balancer-pdb',
      'kubernetes:policy/v1:PodDisruptionBudget users-pdb',
    ]);
    expect(recorded.find((r) => r.name === 'users')!.custom).toBe(false);
  });

  test('creates the cert-manager Certificate of a balancer\'s listener TLS as a CustomResource, exposed with the balancer', async () => {
    const recorded = await useMocks('listener-certificate');
    const listenerTls = { secretName: 'users-tls', certManager: { issuer: 'internal-ca' }, dnsNames: ['users.example.com'] };
    const users = new P.GrpcMeshService('users', { ...USERS_PROPS, dataPlane: DataPlane.envoy({ listenerTls }) });
    await settle();
    expect(users.balancer!.certificate).toBeInstanceOf(k8s.apiextensions.CustomResource);
    expect(typesAndNames(recorded)).toContain('kubernetes:cert-manager.io/v1:Certificate users-balancer-certificate');
    expect(inputsOf(recorded, 'users-balancer-certificate')).toMatchObject({ metadata: { name: 'users-tls', namespace: 'app' }, spec: { secretName: 'users-tls' } });
  });

  test('gives every resource the manifest the core renders, unchanged, as its inputs', async () => {
    const recorded = await useMocks('inputs');
    new P.GrpcMeshService('users', USERS_PROPS);
    await settle();
    const expected = listGrpcMeshServiceManifests(renderGrpcMeshService(resolveGrpcMeshService(USERS_PROPS, { defaultName: 'users' })));
    expect(expected).toHaveLength(12);
    for (const { id, manifest } of expected) expect([id, inputsOf(recorded, `users-${id}`)]).toEqual([id, manifest]);
  });

  test('creates mesh policy and monitoring objects as CustomResources of their own kind', async () => {
    const recorded = await useMocks('custom-resources');
    const users = new P.GrpcMeshService('users', {
      namespace: 'app',
      port: 50051,
      workload: { image: 'registry.example.com/user-service:1.0.0' },
      dataPlane: DataPlane.istio(),
      trafficPolicy: { loadBalancer: 'LEAST_REQUEST', timeouts: { requestMs: 2_000 } },
      monitoring: { errorRateAlert: { thresholdPercent: 2 } },
    });
    await settle();
    expect(typesAndNames(recorded).filter((t) => !/kubernetes:(core|apps|policy)\//.test(t))).toEqual([
      'grpc-mesh:index:GrpcMeshService users',
      'kubernetes:monitoring.coreos.com/v1:PodMonitor users-monitoring-podmonitor',
      'kubernetes:monitoring.coreos.com/v1:PrometheusRule users-monitoring-prometheusrule',
      'kubernetes:networking.istio.io/v1:DestinationRule users-mesh-destinationrule',
      'kubernetes:networking.istio.io/v1:VirtualService users-mesh-virtualservice',
      'kubernetes:networking.k8s.io/v1:NetworkPolicy users-network-policy',
    ]);
    expect(users.meshPolicy.every((r) => r instanceof k8s.apiextensions.CustomResource)).toBe(true);
    expect(users.monitoring).toHaveLength(2);
    expect(users.monitoring.every((r) => r instanceof k8s.apiextensions.CustomResource)).toBe(true);
    // The Grafana dashboard is a ConfigMap of its own.
    expect(users.dashboard).toBeInstanceOf(k8s.core.v1.ConfigMap);
    expect(typesAndNames(recorded)).toContain('kubernetes:core/v1:ConfigMap users-monitoring-dashboard');
    expect(users.balancer).toBeUndefined();
  });

  test('creates the Certificates of backendTls as cert-manager CustomResources, exposed as certificates', async () => {
    const recorded = await useMocks('backend-tls');
    const users = new P.GrpcMeshService('users', { ...USERS_PROPS, backendTls: { certManager: { issuer: 'internal-ca' }, healthPort: 8086 } });
    await settle();
    expect(typesAndNames(recorded).filter((t) => t.includes('cert-manager'))).toEqual([
      'kubernetes:cert-manager.io/v1:Certificate users-certificate-users-envoy-client',
      'kubernetes:cert-manager.io/v1:Certificate users-certificate-users-tls',
    ]);
    expect(users.certificates).toHaveLength(2);
    expect(users.certificates.every((r) => r instanceof k8s.apiextensions.CustomResource)).toBe(true);
  });

  test('is the parent of every child, which inherits its transformations and its URN type', async () => {
    await useMocks('parents');
    const { transformation, opts } = recordOptions();
    const users = new P.GrpcMeshService('users', USERS_PROPS, { transformations: [transformation] });
    const children: pulumi.CustomResource[] = [
      users.service, users.headlessService, users.serviceAccount!, users.deployment!, users.podDisruptionBudget!, users.balancer!.serviceAccount!,
      users.balancer!.config, users.balancer!.deployment, users.balancer!.service, users.balancer!.podDisruptionBudget,
      users.networkPolicy!, users.balancer!.networkPolicy!,
    ];
    const urns = await Promise.all(children.map((child) => promiseOf(child.urn)));
    await settle();
    expect([...opts.keys()]).toEqual(['users', 'users-service', 'users-headless-service', 'users-service-account', 'users-deployment', 'users-pdb',
      'users-balancer-service-account', 'users-balancer-config', 'users-balancer-deployment', 'users-balancer-service', 'users-balancer-pdb',
      'users-network-policy', 'users-balancer-network-policy']);
    for (const [name, options] of opts) if (name !== 'users') expect([name, options.parent]).toEqual([name, users]);
    expect(urns.map((urn) => urn.split('::').pop())).toEqual([...opts.keys()].slice(1));
    expect(urns[0]).toBe(`urn:pulumi:parents::${PROJECT}::grpc-mesh:index:GrpcMeshService$kubernetes:core/v1:Service::users-service`);
    expect(urns.every((urn) => urn.includes('::grpc-mesh:index:GrpcMeshService$kubernetes:'))).toBe(true);
  });

  test('passes the provider and dependsOn given to the component on to every child', async () => {
    const recorded = await useMocks('provider');
    const provider = new k8s.Provider('cluster', { namespace: 'ignored' });
    const crds = new k8s.core.v1.Namespace('app', { metadata: { name: 'app' } });
    const { transformation, opts } = recordOptions();
    const users = new P.GrpcMeshService('users', USERS_PROPS, { provider, dependsOn: [crds], transformations: [transformation] });
    const providerRef = `${await promiseOf(provider.urn)}::${await promiseOf(provider.id)}`;
    await settle();
    const children = recorded.filter((r) => r.name.startsWith('users-'));
    expect(children).toHaveLength(12);
    for (const child of children) expect([child.name, child.provider]).toEqual([child.name, providerRef]);
    for (const child of children) expect([child.name, opts.get(child.name)!.dependsOn]).toEqual([child.name, [crds]]);
    expect(users.service).toBeInstanceOf(k8s.core.v1.Service);
    expect(users.networkPolicy).toBeInstanceOf(k8s.networking.v1.NetworkPolicy);
    expect(users.balancer!.networkPolicy).toBeInstanceOf(k8s.networking.v1.NetworkPolicy);
  });

  test('exposes and registers the endpoint, the Service names and the LoadBalancer address', async () => {
    const status = { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } };
    await useMocks('outputs', (r) => (r.name === 'users-balancer-service' ? { status } : undefined));
    const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, { state: { toJavaScript(): unknown } }> };
    const users = new P.GrpcMeshService('users', USERS_PROPS);
    expect(await promiseOf(users.loadBalancerAddress!)).toBe('203.0.113.10');
    const urn = await promiseOf(users.urn);
    const [endpoint, namespace] = [await promiseOf(users.endpoint), await promiseOf(users.namespace)];
    await settle();
    expect([endpoint, users.serviceName, users.headlessServiceName, users.balancerServiceName, users.port, namespace])
      .toEqual(['users-envoy.app.svc.cluster.local:50051', 'users', 'users-headless', 'users-envoy', 50051, 'app']);
    expect(monitor.resources.get(urn)!.state.toJavaScript()).toEqual({
      serviceName: 'users',
      headlessServiceName: 'users-headless',
      balancerServiceName: 'users-envoy',
      endpoint: 'users-envoy.app.svc.cluster.local:50051',
      loadBalancerAddress: '203.0.113.10',
    });
  });

  test('takes the LoadBalancer hostname when it has no IP, and has no address without a LoadBalancer Service', async () => {
    const status = { loadBalancer: { ingress: [{ hostname: 'a1b2.elb.example.com' }] } };
    await useMocks('hostname', (r) => (r.name === 'lb-balancer-service' ? { status } : undefined));
    const lb = new P.GrpcMeshService('lb', USERS_PROPS);
    const internal = new P.GrpcMeshService('internal', { ...USERS_PROPS, dataPlane: DataPlane.envoy({ serviceType: 'ClusterIP' }) });
    const none = new P.GrpcMeshService('none', { port: 50051, selector: { app: 'none' }, dataPlane: DataPlane.none() });
    expect(await promiseOf(lb.loadBalancerAddress!)).toBe('a1b2.elb.example.com');
    const noneEndpoint = await promiseOf(none.endpoint);
    await settle();
    expect([internal.loadBalancerAddress, internal.balancerServiceName]).toEqual([undefined, 'internal-envoy']);
    expect(internal.balancer!.service).toBeInstanceOf(k8s.core.v1.Service);
    expect([none.loadBalancerAddress, none.balancerServiceName, noneEndpoint]).toEqual([undefined, undefined, 'dns:///none-headless.default.svc.cluster.local:50051']);
  });

  test('is a route parent and a backend with plain references, like the cdk8s construct', async () => {
    await useMocks('refs');
    const users = new P.GrpcMeshService('users', USERS_PROPS);
    await settle();
    expect(users.routeParentRef).toEqual({ kind: 'Service', name: 'users', namespace: 'app', port: 50051, headless: false, mesh: undefined, dataPlane: 'envoy' });
    expect(users.backendRef).toEqual({ name: 'users', namespace: 'app', port: 50051 });
  });

  test('rethrows invalid props as a GrpcMeshResourceError: a pulumi.ResourceError of the component that lists every issue', async () => {
    const recorded = await useMocks('invalid');
    let error: unknown;
    try {
      new P.GrpcMeshService('users', { port: 70000, workload: { image: 'img:1', replicas: -1 } });
    } catch (e) {
      error = e;
    }
    await settle();
    expect(error).toBeInstanceOf(P.GrpcMeshResourceError);
    expect(pulumi.ResourceError.isInstance(error)).toBe(true);
    const resourceError = error as InstanceType<PulumiModule['GrpcMeshResourceError']>;
    expect(resourceError.message).toBe([
      'GrpcMeshService "users": 2 problems:',
      '  - port must be a port number between 1 and 65535; got 70000. [PORT_OUT_OF_RANGE]',
      '  - workload.replicas must be between 0 and 2147483647; got -1. [OUT_OF_RANGE]',
    ].join('\n'));
    expect(resourceError.issues.map((i) => [i.code, i.path, i.value])).toEqual([['PORT_OUT_OF_RANGE', 'port', 70000], ['OUT_OF_RANGE', 'workload.replicas', -1]]);
    expect(await promiseOf(resourceError.resource!.urn)).toBe(`urn:pulumi:invalid::${PROJECT}::grpc-mesh:index:GrpcMeshService::users`);
    // Pulumi reports it on the component with its message alone: no stack trace, no dump of the component.
    expect(resourceError.hideStack).toBe(true);
    expect(Object.keys(resourceError)).toEqual([]);
    expect(typesAndNames(recorded)).toEqual(['grpc-mesh:index:GrpcMeshService users']);
  });

  test('logs its warnings with pulumi.log.warn, attached to the component, unless silenced', async () => {
    await useMocks('warnings');
    const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
    try {
      const props: GrpcMeshServiceProps = { namespace: 'app', port: 50051, selector: { app: 'users' }, dataPlane: DataPlane.istio() };
      const noisy = new P.GrpcMeshService('noisy', props);
      new P.GrpcMeshService('quiet', { ...props, silenceWarnings: ['MESH_INJECTION_NOT_MANAGED'] });
      await settle();
      const message = 'GrpcMeshService "noisy": selector selects pods grpc-mesh does not create: make sure they join the istio mesh (sidecar injection);'
        + ' got {"app":"users"}. [MESH_INJECTION_NOT_MANAGED] (silenceWarnings: [\'MESH_INJECTION_NOT_MANAGED\'] hides this)';
      expect(warn.mock.calls).toEqual([[message, noisy]]);
      expect(noisy.warnings).toEqual([message]);
    } finally {
      warn.mockRestore();
    }
  });

  test('warns once the stack is declared when a Gateway API controller\'s Gateway routes to pods that admit only their balancer', async () => {
    await useMocks('network-policy-warning');
    const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
    try {
      const edge = new P.GrpcGateway('edge', { namespace: 'infra', gatewayClassName: 'eg', listeners: [{ name: 'grpc', port: 8080, allowedRoutes: { from: 'All' } }] });
      const users = new P.GrpcMeshService('users', USERS_PROPS);
      new P.GrpcRoute('users-api', { namespace: 'app', parents: [edge], rules: [{ backends: [{ service: users }] }] });
      await settle();
      expect(warn.mock.calls.filter(([m]) => m.includes('[GATEWAY_NOT_ALLOWED_BY_NETWORK_POLICY]')).map(([m, r]) => [m.split(':')[0], r]))
        .toEqual([['GrpcMeshService "users"', users]]);
    } finally {
      warn.mockRestore();
    }
  });
});

