import {
  compileTierRoutes, DataPlane, GatewayImplementation, listGrpcMeshServiceManifests, renderGatewayTier, resolveGrpcGateway, resolveGrpcMeshService,
  type GrpcMeshServiceProps,
  type KubeObject,
} from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';
import { at, render, serviceIssueCodes } from '../support/render';
import { problemsOf } from '../support/validate-all';

const WORKLOAD = USERS_PROPS.workload!;

const codesOf = serviceIssueCodes;

describe('workload autoscaling', () => {
  const withAutoscaling = (autoscaling: NonNullable<GrpcMeshServiceProps['workload']>['autoscaling']) =>
    render({ workload: { ...WORKLOAD, replicas: undefined, autoscaling } });

  test('writes an autoscaling/v2 HPA that targets the Deployment, and no replicas on the Deployment', () => {
    const manifests = withAutoscaling({ maxReplicas: 10 });
    const { deployment, horizontalPodAutoscaler: hpa } = manifests.workload!;
    expect(hpa).toBeDefined();
    expect(problemsOf(listGrpcMeshServiceManifests(manifests).map((l) => l.manifest))).toEqual([]);
    // The HPA scales exactly this Deployment, in its namespace.
    expect(hpa!.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(at(hpa, 'spec', 'scaleTargetRef')).toEqual({ apiVersion: deployment.apiVersion, kind: deployment.kind, name: deployment.metadata.name });
    expect(at(deployment, 'spec')).not.toHaveProperty('replicas');
    expect(at(hpa, 'spec')).toMatchObject({ minReplicas: 2, maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } });
    // CPU at 80 % by default; Utilization is a share of the request, which every container of the pods makes.
    expect(at(hpa, 'spec', 'metrics')).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    for (const container of at(deployment, 'spec', 'template', 'spec', 'containers')) expect(container.resources.requests.cpu).toBeDefined();
  });

  test('targets memory alone, or both, as asked', () => {
    const metricsOf = (hpa: KubeObject | undefined) => at(hpa, 'spec', 'metrics').map((m: any) => [m.resource.name, m.resource.target.averageUtilization]);
    expect(metricsOf(withAutoscaling({ maxReplicas: 4, memoryUtilizationPercent: 70 }).workload!.horizontalPodAutoscaler)).toEqual([['memory', 70]]);
    expect(metricsOf(withAutoscaling({ maxReplicas: 4, cpuUtilizationPercent: 60, memoryUtilizationPercent: 70 }).workload!.horizontalPodAutoscaler))
      .toEqual([['cpu', 60], ['memory', 70]]);
  });

  test('without autoscaling, the Deployment keeps its replicas and no HPA is written', () => {
    const manifests = render();
    expect(manifests.workload!.horizontalPodAutoscaler).toBeUndefined();
    expect(at(manifests.workload!.deployment, 'spec', 'replicas')).toBe(WORKLOAD.replicas ?? 2);
  });

  test('refuses replicas beside autoscaling, an inverted range and a target without its request', () => {
    expect(codesOf({ workload: { ...WORKLOAD, replicas: 3, autoscaling: { maxReplicas: 5 } } })).toEqual([['REPLICAS_WITH_AUTOSCALING', 'workload.replicas']]);
    expect(codesOf({ workload: { ...WORKLOAD, replicas: undefined, autoscaling: { minReplicas: 4, maxReplicas: 3 } } }))
      .toEqual([['AUTOSCALING_RANGE', 'workload.autoscaling.maxReplicas']]);
    expect(codesOf({
      workload: { ...WORKLOAD, replicas: undefined, resources: { requests: { memory: '128Mi', cpu: undefined } }, autoscaling: { maxReplicas: 3 } },
    })).toEqual([['AUTOSCALING_NEEDS_REQUEST', 'workload.autoscaling.cpuUtilizationPercent']]);
    expect(codesOf({ workload: { ...WORKLOAD, replicas: undefined, autoscaling: { maxReplicas: 3, cpuUtilizationPercent: 0 } } }))
      .toEqual([['OUT_OF_RANGE', 'workload.autoscaling.cpuUtilizationPercent']]);
  });
});

describe('balancer tier autoscaling', () => {
  /** The HPA targets this Deployment, in its namespace, and the Deployment leaves the count to it. */
  const expectScales = (hpa: KubeObject | undefined, deployment: KubeObject) => {
    expect(hpa).toBeDefined();
    expect(hpa!.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(at(hpa, 'spec', 'scaleTargetRef')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(at(deployment, 'spec')).not.toHaveProperty('replicas');
  };

  test('a service\'s Envoy tier scales with its own HPA, beside the workload\'s fixed replicas', () => {
    const manifests = render({ dataPlane: DataPlane.envoy({ autoscaling: { minReplicas: 3, maxReplicas: 20 } }) });
    const balancer = manifests.balancer!;
    expectScales(balancer.horizontalPodAutoscaler, balancer.deployment);
    expect(at(balancer.horizontalPodAutoscaler, 'spec')).toMatchObject({ minReplicas: 3, maxReplicas: 20 });
    expect(manifests.workload!.horizontalPodAutoscaler).toBeUndefined();
    expect(listGrpcMeshServiceManifests(manifests).map((l) => l.id)).toContain('balancer-hpa');
    expect(problemsOf(listGrpcMeshServiceManifests(manifests).map((l) => l.manifest))).toEqual([]);
  });

  test('a self-hosted Gateway\'s tier scales the same way', () => {
    const model = resolveGrpcGateway({
      namespace: 'infra',
      implementation: GatewayImplementation.proxy({ image: 'registry.example.com/grpc-mesh-proxy:1.0.0', autoscaling: { maxReplicas: 8, cpuUtilizationPercent: 70 } }),
      listeners: [{ name: 'grpc', port: 8080 }],
    }, { defaultName: 'edge' });
    const tier = renderGatewayTier(model, compileTierRoutes({ services: [], gateways: [model], routes: [] }, { kind: 'gateway', model }));
    expectScales(tier.horizontalPodAutoscaler, tier.deployment);
    expect(problemsOf([tier.deployment, tier.horizontalPodAutoscaler!])).toEqual([]);
  });

  test('refuses replicas beside a tier\'s autoscaling', () => {
    expect(codesOf({ dataPlane: DataPlane.envoy({ replicas: 2, autoscaling: { maxReplicas: 4 } }) })).toEqual([['REPLICAS_WITH_AUTOSCALING', 'dataPlane.replicas']]);
  });
});

describe('a single pod', () => {
  const warningsOf = (props: Partial<GrpcMeshServiceProps>) => resolveGrpcMeshService({ ...USERS_PROPS, ...props }, { defaultName: 'users' }).warnings;

  test('warns that a drain takes down a workload or tier of one pod, fixed or the HPA\'s minimum', () => {
    const single = (path: string) => expect.stringMatching(new RegExp(`SINGLE_POD.*${path.replace(/\./g, '\\.')}|${path.replace(/\./g, '\\.')}.*SINGLE_POD`));
    expect(warningsOf({ workload: { ...WORKLOAD, replicas: 1 } })).toEqual([single('workload.replicas')]);
    expect(warningsOf({ workload: { ...WORKLOAD, replicas: undefined, autoscaling: { minReplicas: 1, maxReplicas: 4 } } }))
      .toEqual([single('workload.autoscaling.minReplicas')]);
    expect(warningsOf({ dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:1.0.0', replicas: 1 }) }))
      .toEqual([single('dataPlane.replicas')]);
  });

  test('is quiet for two pods or more, for zero (scaled down on purpose), and when silenced', () => {
    expect(warningsOf({ workload: { ...WORKLOAD, replicas: 2 } })).toEqual([]);
    expect(warningsOf({ workload: { ...WORKLOAD, replicas: 0 } })).toEqual([]);
    expect(warningsOf({ workload: { ...WORKLOAD, replicas: undefined, autoscaling: { maxReplicas: 4 } } })).toEqual([]);
    expect(warningsOf({ workload: { ...WORKLOAD, replicas: 1 }, silenceWarnings: ['SINGLE_POD'] })).toEqual([]);
  });
});
