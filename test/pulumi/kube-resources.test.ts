import * as k8s from '@pulumi/kubernetes';
import { settle, typesAndNames, useMocks } from './mocks';

type KubeResourcesModule = typeof import('../../src/pulumi/kube-resources');
let kubeResource: KubeResourcesModule['kubeResource'];

beforeAll(async () => {
  await useMocks('import');
  ({ kubeResource } = await import('../../src/pulumi/kube-resources'));
});

describe('kubeResource', () => {
  test('maps built-in kinds to typed @pulumi/kubernetes classes and every other kind to a CustomResource of its own type token', async () => {
    const recorded = await useMocks('kinds');
    const metadata = { name: 'x', namespace: 'app' };
    const resources = [
      kubeResource('service', { apiVersion: 'v1', kind: 'Service', metadata, spec: {} }, {}),
      kubeResource('config', { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { a: 'b' } }, {}),
      kubeResource('deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: {} }, {}),
      kubeResource('pdb', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec: {} }, {}),
      kubeResource('rule', { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata, spec: { host: 'x' } }, {}),
    ];
    await settle();
    expect(resources.map((r) => r.constructor)).toEqual([
      k8s.core.v1.Service, k8s.core.v1.ConfigMap, k8s.apps.v1.Deployment, k8s.policy.v1.PodDisruptionBudget, k8s.apiextensions.CustomResource,
    ]);
    expect(typesAndNames(recorded)).toEqual([
      'kubernetes:apps/v1:Deployment deployment',
      'kubernetes:core/v1:ConfigMap config',
      'kubernetes:core/v1:Service service',
      'kubernetes:networking.istio.io/v1:DestinationRule rule',
      'kubernetes:policy/v1:PodDisruptionBudget pdb',
    ]);
  });

  test('refuses a built-in object with a field its typed class would silently drop', async () => {
    await useMocks('dropped-field');
    expect(() => kubeResource('service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'users' }, spec: {}, data: {} }, {}))
      .toThrow('grpc-mesh cannot create Service "users" with @pulumi/kubernetes: it ignores data.');
    await settle();
  });

  test('creates a ServiceAccount, which has no spec, with its own fields, and refuses a spec on it', async () => {
    const recorded = await useMocks('service-account');
    const account = kubeResource('account', {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'users', namespace: 'app' }, automountServiceAccountToken: false,
    }, {});
    expect(account).toBeInstanceOf(k8s.core.v1.ServiceAccount);
    expect(() => kubeResource('bad', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bad' }, spec: {} }, {}))
      .toThrow('grpc-mesh cannot create ServiceAccount "bad" with @pulumi/kubernetes: it ignores spec.');
    await settle();
    expect(recorded.find((r) => r.name === 'account')!.inputs).toEqual({
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'users', namespace: 'app' }, automountServiceAccountToken: false,
    });
  });
});
