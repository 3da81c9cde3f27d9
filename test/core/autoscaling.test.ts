import { GrpcMeshValidationError, listGrpcMeshServiceManifests, resolveGrpcMeshService, type GrpcMeshServiceProps, type KubeObject } from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';
import { at, render } from '../support/render';
import { problemsOf } from '../support/validate-all';

const WORKLOAD = USERS_PROPS.workload!;

function codesOf(props: Partial<GrpcMeshServiceProps>): Array<[string, string]> {
  try {
    resolveGrpcMeshService({ ...USERS_PROPS, ...props }, { defaultName: 'users' });
    return [];
  } catch (error) {
    if (!GrpcMeshValidationError.isValidationError(error)) throw error;
    return error.issues.map((i) => [i.code, i.path]);
  }
}

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
