import {
  compileTierRoutes, DataPlane, GatewayImplementation, GrpcMeshValidationError, listGrpcMeshServiceManifests, renderGatewayTier, resolveGrpcGateway,
  type GrpcMeshServiceManifests, type GrpcMeshServiceProps, type KubeObject, type PodProps,
} from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';
import { at, render } from '../support/render';
import { problemsOf } from '../support/validate-all';

const WORKLOAD = USERS_PROPS.workload!;
const PROXY_IMAGE = 'registry.example.com/grpc-mesh-proxy:1.0.0';

function codesOf(props: Partial<GrpcMeshServiceProps>): Array<[string, string]> {
  try {
    render(props);
    return [];
  } catch (error) {
    if (!GrpcMeshValidationError.isValidationError(error)) throw error;
    return error.issues.map((i) => [i.code, i.path]);
  }
}

const objectsOf = (manifests: GrpcMeshServiceManifests) => listGrpcMeshServiceManifests(manifests).map((l) => l.manifest);
const podSpecOf = (deployment: KubeObject | undefined) => at(deployment, 'spec', 'template', 'spec');
const withPod = (pod: PodProps) => render({ workload: { ...WORKLOAD, ...pod } });

/** A self-hosted Gateway's tier, rendered as the adapters do before any route is attached. */
function gatewayTier(options: PodProps = {}) {
  const model = resolveGrpcGateway({
    namespace: 'infra',
    implementation: GatewayImplementation.proxy({ image: PROXY_IMAGE, ...options }),
    listeners: [{ name: 'grpc', port: 8080 }],
  }, { defaultName: 'edge' });
  return renderGatewayTier(model, compileTierRoutes({ services: [], gateways: [model], routes: [] }, { kind: 'gateway', model }));
}

describe('identity: a ServiceAccount per workload and per tier', () => {
  test('the server runs under a ServiceAccount named like its Deployment, without the API token, and every object validates', () => {
    const manifests = render();
    const { deployment, serviceAccount } = manifests.workload!;
    expect(serviceAccount).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'users', namespace: 'app', labels: deployment.metadata.labels },
      automountServiceAccountToken: false,
    });
    expect(podSpecOf(deployment)).toMatchObject({ serviceAccountName: serviceAccount!.metadata.name, automountServiceAccountToken: false });
    expect(serviceAccount!.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(listGrpcMeshServiceManifests(manifests).map((l) => l.id)).toEqual(expect.arrayContaining(['service-account', 'balancer-service-account']));
    expect(problemsOf(objectsOf(manifests))).toEqual([]);
  });

  test('a service\'s balancer tier runs under its own ServiceAccount, named like the tier Deployment', () => {
    for (const dataPlane of [DataPlane.envoy(), DataPlane.proxy({ image: PROXY_IMAGE })]) {
      const { deployment, serviceAccount } = render({ dataPlane }).balancer!;
      expect(serviceAccount!.metadata).toEqual({ name: deployment.metadata.name, namespace: 'app', labels: deployment.metadata.labels });
      expect(serviceAccount!.automountServiceAccountToken).toBe(false);
      expect(podSpecOf(deployment)).toMatchObject({ serviceAccountName: deployment.metadata.name, automountServiceAccountToken: false });
    }
  });

  test('a self-hosted Gateway\'s tier runs under its own ServiceAccount too', () => {
    const tier = gatewayTier({ serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'edge@shop.iam.gserviceaccount.com' } });
    expect(tier.serviceAccount!.metadata).toMatchObject({
      name: 'edge-proxy', namespace: 'infra', annotations: { 'iam.gke.io/gcp-service-account': 'edge@shop.iam.gserviceaccount.com' },
    });
    expect(podSpecOf(tier.deployment).serviceAccountName).toBe('edge-proxy');
    expect(problemsOf([tier.serviceAccount!, tier.deployment])).toEqual([]);
  });

  test('an existing ServiceAccount is named on the pods and none is created', () => {
    const manifests = render({
      workload: { ...WORKLOAD, serviceAccountName: 'users-identity' },
      dataPlane: DataPlane.envoy({ serviceAccountName: 'balancers' }),
    });
    expect(manifests.workload!.serviceAccount).toBeUndefined();
    expect(manifests.balancer!.serviceAccount).toBeUndefined();
    expect(podSpecOf(manifests.workload!.deployment).serviceAccountName).toBe('users-identity');
    expect(podSpecOf(manifests.balancer!.deployment).serviceAccountName).toBe('balancers');
    expect(objectsOf(manifests).filter((o) => o.kind === 'ServiceAccount')).toEqual([]);
    expect(gatewayTier({ serviceAccountName: 'edge' }).serviceAccount).toBeUndefined();
  });

  test('annotates the ServiceAccount for cloud workload identity, and mounts the token only when asked, on both objects', () => {
    const role = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/users' };
    const manifests = withPod({ serviceAccountAnnotations: role, automountServiceAccountToken: true });
    const { serviceAccount, deployment } = manifests.workload!;
    expect(serviceAccount!.metadata.annotations).toEqual(role);
    expect(serviceAccount!.automountServiceAccountToken).toBe(true);
    expect(podSpecOf(deployment).automountServiceAccountToken).toBe(true);
    expect(problemsOf(objectsOf(manifests))).toEqual([]);
  });

  test('refuses annotations for a ServiceAccount it does not create, and names that are not Kubernetes names', () => {
    expect(codesOf({ workload: { ...WORKLOAD, serviceAccountName: 'users', serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn' } } }))
      .toEqual([['SERVICE_ACCOUNT_ANNOTATIONS_UNUSED', 'workload.serviceAccountAnnotations']]);
    expect(codesOf({ dataPlane: DataPlane.envoy({ serviceAccountName: 'Balancers_1' }) })).toEqual([['INVALID_NAME', 'dataPlane.serviceAccountName']]);
    expect(codesOf({ workload: { ...WORKLOAD, serviceAccountAnnotations: { 'not a key': 'x' } } }))
      .toEqual([['INVALID_LABEL', 'workload.serviceAccountAnnotations["not a key"]']]);
  });
});

describe('scheduling pass-throughs', () => {
  const SCHEDULING: PodProps = {
    nodeSelector: { 'kubernetes.io/arch': 'arm64', 'pool': 'grpc' },
    tolerations: [
      { key: 'dedicated', operator: 'Equal', value: 'grpc', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      { operator: 'Exists' },
    ],
    priorityClassName: 'business-critical',
    imagePullSecrets: ['registry-credentials', 'mirror-credentials'],
  };

  test('writes nodeSelector, tolerations, priority class and image pull secrets on the pods as Kubernetes spells them, and they validate', () => {
    const manifests = render({ workload: { ...WORKLOAD, ...SCHEDULING }, dataPlane: DataPlane.envoy(SCHEDULING) });
    for (const deployment of [manifests.workload!.deployment, manifests.balancer!.deployment]) {
      expect(podSpecOf(deployment)).toMatchObject({
        nodeSelector: SCHEDULING.nodeSelector,
        tolerations: SCHEDULING.tolerations,
        priorityClassName: 'business-critical',
        imagePullSecrets: [{ name: 'registry-credentials' }, { name: 'mirror-credentials' }],
      });
    }
    // The pull secrets are on the pods, not on the ServiceAccount.
    expect(manifests.workload!.serviceAccount).not.toHaveProperty('imagePullSecrets');
    expect(problemsOf(objectsOf(manifests))).toEqual([]);
  });

  test('without the props, the pods carry none of these fields and no affinity on the server', () => {
    const spec = podSpecOf(render().workload!.deployment);
    for (const field of ['nodeSelector', 'tolerations', 'priorityClassName', 'imagePullSecrets', 'affinity']) expect(spec).not.toHaveProperty(field);
  });

  describe('affinity combines with the tier\'s own', () => {
    const OWN_ANTI_AFFINITY = {
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 100,
        podAffinityTerm: {
          topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'users-envoy', 'app.kubernetes.io/component': 'load-balancer' } },
        },
      }],
    };
    const NODE_AFFINITY = {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In' as const, values: ['eu-west-1a', 'eu-west-1b'] }] },
        ],
      },
    };
    const POD_AFFINITY = {
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 50,
        podAffinityTerm: {
          topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'users' } },
        },
      }],
    };
    const affinityOf = (affinity: PodProps['affinity']) => {
      const manifests = render({ dataPlane: DataPlane.envoy({ affinity }) });
      expect(problemsOf(objectsOf(manifests))).toEqual([]);
      return podSpecOf(manifests.balancer!.deployment).affinity;
    };

    test('keeps the tier\'s preferred anti-affinity by default', () => {
      expect(affinityOf(undefined)).toEqual({ podAntiAffinity: OWN_ANTI_AFFINITY });
    });

    test('adds the user\'s node affinity and pod affinity beside it', () => {
      expect(affinityOf({ nodeAffinity: NODE_AFFINITY, podAffinity: POD_AFFINITY }))
        .toEqual({ podAntiAffinity: OWN_ANTI_AFFINITY, nodeAffinity: NODE_AFFINITY, podAffinity: POD_AFFINITY });
    });

    test('replaces it with the user\'s pod anti-affinity', () => {
      const required = {
        requiredDuringSchedulingIgnoredDuringExecution: [{
          topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In' as const, values: ['load-balancer'] }] },
        }],
      };
      expect(affinityOf({ podAntiAffinity: required })).toEqual({ podAntiAffinity: required });
    });

    test('the server takes the user\'s affinity as given', () => {
      const spec = podSpecOf(withPod({ affinity: { nodeAffinity: NODE_AFFINITY } }).workload!.deployment);
      expect(spec.affinity).toEqual({ nodeAffinity: NODE_AFFINITY });
    });
  });

  describe('topology spread', () => {
    const serverSelector = { 'app.kubernetes.io/name': 'users', 'app.kubernetes.io/component': 'grpc-server' };
    const spreadOf = (manifests: GrpcMeshServiceManifests) => podSpecOf(manifests.workload!.deployment).topologySpreadConstraints;

    test('keeps grpc-mesh\'s spread over nodes and zones by default', () => {
      expect(spreadOf(render()).map((c: any) => [c.topologyKey, c.whenUnsatisfiable, c.labelSelector])).toEqual([
        ['kubernetes.io/hostname', 'ScheduleAnyway', { matchLabels: serverSelector }],
        ['topology.kubernetes.io/zone', 'ScheduleAnyway', { matchLabels: serverSelector }],
      ]);
    });

    test('replaces it with the user\'s constraints, which count the Deployment\'s own pods unless they say otherwise', () => {
      const manifests = withPod({
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 3 },
          { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { team: 'identity' } } },
        ],
      });
      expect(spreadOf(manifests)).toEqual([
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 3, labelSelector: { matchLabels: serverSelector } },
        { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { team: 'identity' } } },
      ]);
      expect(problemsOf(objectsOf(manifests))).toEqual([]);
    });

    test('narrows the pods counted per rollout with matchLabelKeys, and refuses a key the selector already has', () => {
      const manifests = withPod({
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', matchLabelKeys: ['pod-template-hash'] },
        ],
      });
      expect(spreadOf(manifests)[0].matchLabelKeys).toEqual(['pod-template-hash']);
      expect(problemsOf(objectsOf(manifests))).toEqual([]);
      expect(codesOf({
        workload: {
          ...WORKLOAD,
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', matchLabelKeys: ['app.kubernetes.io/name'] },
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { a: 'b' } }, matchLabelKeys: ['a', '-'] },
          ],
        },
      })).toEqual([
        ['INVALID_TOPOLOGY_SPREAD', 'workload.topologySpreadConstraints[0].matchLabelKeys[0]'],
        ['INVALID_TOPOLOGY_SPREAD', 'workload.topologySpreadConstraints[1].matchLabelKeys[0]'],
        ['INVALID_LABEL', 'workload.topologySpreadConstraints[1].matchLabelKeys[1]'],
      ]);
    });

    test('an empty list writes none', () => {
      expect(podSpecOf(withPod({ topologySpreadConstraints: [] }).workload!.deployment)).not.toHaveProperty('topologySpreadConstraints');
    });
  });

  test('refuses what Kubernetes would refuse at apply time, naming each field', () => {
    const workload = (pod: PodProps) => codesOf({ workload: { ...WORKLOAD, ...pod } });
    expect(workload({
      tolerations: [
        { operator: 'Equal', value: 'x' },
        { key: 'dedicated', operator: 'Exists', value: 'grpc' },
        { key: 'dedicated', tolerationSeconds: 60, effect: 'NoSchedule' },
        { key: 'dedicated', effect: 'Evict' as never },
        { key: 'dedicated', operator: 'Lt' as never },
      ],
    })).toEqual([
      ['INVALID_TOLERATION', 'workload.tolerations[0].operator'],
      ['INVALID_TOLERATION', 'workload.tolerations[1].value'],
      ['INVALID_TOLERATION', 'workload.tolerations[2].tolerationSeconds'],
      ['INVALID_TOLERATION', 'workload.tolerations[3].effect'],
      ['INVALID_TOLERATION', 'workload.tolerations[4].operator'],
    ]);
    const nodeTerms = 'workload.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms';
    expect(workload({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{
              matchExpressions: [
                { key: 'pool', operator: 'In' },
                { key: 'pool', operator: 'Exists', values: ['grpc'] },
                { key: 'cores', operator: 'Gt', values: ['four'] },
                { key: 'not a key', operator: 'Exists' },
              ],
              matchFields: [{ key: 'metadata.labels', operator: 'In', values: ['x'] }],
            }],
          },
        },
      },
    })).toEqual([
      ['INVALID_SELECTOR_REQUIREMENT', `${nodeTerms}[0].matchExpressions[0].values`],
      ['INVALID_SELECTOR_REQUIREMENT', `${nodeTerms}[0].matchExpressions[1].values`],
      ['INVALID_SELECTOR_REQUIREMENT', `${nodeTerms}[0].matchExpressions[2].values`],
      ['INVALID_LABEL', `${nodeTerms}[0].matchExpressions[3].key`],
      ['INVALID_SELECTOR_REQUIREMENT', `${nodeTerms}[0].matchFields[0]`],
    ]);
    expect(workload({
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 101, podAffinityTerm: { topologyKey: '', labelSelector: { matchLabels: { app: 'a b' } } } }] },
      },
    })).toEqual([
      ['TOO_FEW', nodeTerms],
      ['OUT_OF_RANGE', 'workload.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight'],
      ['INVALID_LABEL', 'workload.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey'],
      ['INVALID_LABEL', 'workload.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels["app"]'],
    ]);
    expect(workload({
      topologySpreadConstraints: [
        { maxSkew: 0, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 },
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'Never' as never, nodeTaintsPolicy: 'Always' as never },
      ],
    })).toEqual([
      ['OUT_OF_RANGE', 'workload.topologySpreadConstraints[0].maxSkew'],
      ['INVALID_TOPOLOGY_SPREAD', 'workload.topologySpreadConstraints[0].minDomains'],
      ['INVALID_TOPOLOGY_SPREAD', 'workload.topologySpreadConstraints[1].whenUnsatisfiable'],
      ['INVALID_TOPOLOGY_SPREAD', 'workload.topologySpreadConstraints[1].nodeTaintsPolicy'],
    ]);
    expect(codesOf({
      dataPlane: DataPlane.envoy({
        nodeSelector: { 'kubernetes.io/arch': 'arm 64' }, priorityClassName: 'Critical', imagePullSecrets: ['registry', 'registry'],
      }),
    })).toEqual([
      ['INVALID_LABEL', 'dataPlane.nodeSelector["kubernetes.io/arch"]'],
      ['INVALID_NAME', 'dataPlane.priorityClassName'],
      ['DUPLICATE_NAME', 'dataPlane.imagePullSecrets[1]'],
    ]);
  });

  test('the message names the field, the value and the fix', () => {
    try {
      render({ workload: { ...WORKLOAD, tolerations: [{ key: 'dedicated', tolerationSeconds: 60 }] } });
      throw new Error('no error');
    } catch (error) {
      expect((error as Error).message).toContain(
        'workload.tolerations[0].tolerationSeconds only applies with effect \'NoExecute\'; got 60. Set effect: \'NoExecute\', or remove tolerationSeconds.',
      );
    }
  });
});
