import * as d from './defaults';
import type { KubeObject, ResourceQuantities } from './kube';
import type { IssueCollector } from './validation';

/**
 * A HorizontalPodAutoscaler (`autoscaling/v2`) for a Deployment: the replica count follows the pods' average CPU
 * and/or memory utilization, a percentage of their requests. With it, the Deployment's `replicas` is not written,
 * so an apply never fights the autoscaler.
 */
export interface AutoscalingProps {
  /**
   * Fewest pods. Keep 2 or more, so a rollout or a node drain never leaves one pod serving.
   * @default 2
   */
  readonly minReplicas?: number;
  /** Most pods. */
  readonly maxReplicas: number;
  /**
   * Target average CPU utilization, in percent of the CPU request.
   * @default 80, unless only `memoryUtilizationPercent` is given
   */
  readonly cpuUtilizationPercent?: number;
  /**
   * Target average memory utilization, in percent of the memory request.
   * @default - memory is not a target
   */
  readonly memoryUtilizationPercent?: number;
  /**
   * Seconds the recommendations must stay lower before pods are removed (`behavior.scaleDown.stabilizationWindowSeconds`),
   * so a dip between bursts does not shed capacity.
   * @default 300
   */
  readonly scaleDownStabilizationSeconds?: number;
}

/** Autoscaling with its defaults applied. */
export interface ResolvedAutoscaling {
  /** Fewest pods. */
  readonly minReplicas: number;
  /** Most pods. */
  readonly maxReplicas: number;
  /** CPU target, percent of the request, if CPU is a target. */
  readonly cpuUtilizationPercent?: number;
  /** Memory target, percent of the request, if memory is a target. */
  readonly memoryUtilizationPercent?: number;
  /** Scale-down stabilization window, seconds. */
  readonly scaleDownStabilizationSeconds: number;
}

/** Where a Deployment's pod count is set: a fixed `replicas` or `autoscaling`, and the requests utilization is a share of. */
export interface ScalingProps {
  /** Where the fixed count is, e.g. `workload.replicas`. */
  readonly replicasPath: string;
  /** The fixed count, if given. */
  readonly replicas: number | undefined;
  /** Where the autoscaling props are, e.g. `workload.autoscaling`. */
  readonly autoscalingPath: string;
  /** The autoscaling props, if given. */
  readonly autoscaling: AutoscalingProps | undefined;
  /** The container's resource requests. */
  readonly requests: ResourceQuantities;
}

/**
 * Checks how a Deployment scales: a fixed count in range, or autoscaling props with a range that holds, no
 * `replicas` beside them (the HPA owns the count) and a request for each resource whose utilization is a target
 * (Utilization is a share of it). Warns when the service can be left with one pod, which a node drain takes down:
 * the PodDisruptionBudget lets one pod go at a time, and refusing that (`maxUnavailable: 0`) would block every drain.
 */
export function validateScaling(issues: IssueCollector, s: ScalingProps): void {
  issues.integerInRange(s.replicasPath, s.replicas, 0, 0x7fffffff);
  if (s.autoscaling === undefined) {
    warnSinglePod(issues, s.replicasPath, s.replicas);
    return;
  }
  const { autoscaling: a, autoscalingPath: path } = s;
  issues.require(s.replicas === undefined, {
    code: 'REPLICAS_WITH_AUTOSCALING',
    path: s.replicasPath,
    value: s.replicas,
    message: `is set with ${path}, whose HorizontalPodAutoscaler owns the replica count`,
    hint: `Remove ${s.replicasPath}, and set ${path}.minReplicas instead.`,
  });
  const min = a.minReplicas ?? d.DEFAULT_AUTOSCALING_MIN_REPLICAS;
  if (issues.integerInRange(`${path}.minReplicas`, a.minReplicas, 1, 0x7fffffff)) warnSinglePod(issues, `${path}.minReplicas`, a.minReplicas);
  if (issues.integerInRange(`${path}.maxReplicas`, a.maxReplicas, 1, 0x7fffffff)) {
    issues.require(a.maxReplicas >= min, {
      code: 'AUTOSCALING_RANGE', path: `${path}.maxReplicas`, value: a.maxReplicas, message: `must be at least minReplicas (${min})`,
    });
  }
  issues.integerInRange(`${path}.cpuUtilizationPercent`, a.cpuUtilizationPercent, 1, 1000);
  issues.integerInRange(`${path}.memoryUtilizationPercent`, a.memoryUtilizationPercent, 1, 1000);
  issues.integerInRange(`${path}.scaleDownStabilizationSeconds`, a.scaleDownStabilizationSeconds, 0, 3600);
  const resolved = resolveAutoscaling(a);
  for (const [resource, target] of [['cpu', resolved.cpuUtilizationPercent], ['memory', resolved.memoryUtilizationPercent]] as const) {
    if (target === undefined) continue;
    issues.require(s.requests[resource] !== undefined, {
      code: 'AUTOSCALING_NEEDS_REQUEST',
      path: `${path}.${resource}UtilizationPercent`,
      value: target,
      message: `is a share of the ${resource} request, and the container requests no ${resource}`,
      hint: `Set resources.requests.${resource}.`,
    });
  }
}

function warnSinglePod(issues: IssueCollector, path: string, count: number | undefined): void {
  if (count !== 1) return;
  issues.warn({
    code: 'SINGLE_POD',
    path,
    value: count,
    message: 'leaves one pod, which a node drain evicts with nothing ready to take its calls '
      + '(the PodDisruptionBudget lets one pod go at a time, so that drains never block)',
    hint: 'Run at least 2 pods, or silence SINGLE_POD where an outage during drains is acceptable (a development cluster).',
  });
}

/** Applies the defaults: CPU at 80 % unless only memory is a target, 2 pods at least, 5 minutes before scaling down. */
export function resolveAutoscaling(a: AutoscalingProps): ResolvedAutoscaling {
  const cpu = a.cpuUtilizationPercent ?? (a.memoryUtilizationPercent === undefined ? d.DEFAULT_CPU_UTILIZATION_PERCENT : undefined);
  return {
    minReplicas: a.minReplicas ?? d.DEFAULT_AUTOSCALING_MIN_REPLICAS,
    maxReplicas: a.maxReplicas,
    ...(cpu !== undefined && { cpuUtilizationPercent: cpu }),
    ...(a.memoryUtilizationPercent !== undefined && { memoryUtilizationPercent: a.memoryUtilizationPercent }),
    scaleDownStabilizationSeconds: a.scaleDownStabilizationSeconds ?? d.DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS,
  };
}

/** The HorizontalPodAutoscaler of a Deployment, named like it. */
export function renderHorizontalPodAutoscaler(deployment: KubeObject, a: ResolvedAutoscaling): KubeObject {
  const utilization = (name: 'cpu' | 'memory', percent: number | undefined) => (percent === undefined ? [] : [{
    type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization: percent } },
  }]);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: deployment.metadata.name, namespace: deployment.metadata.namespace, labels: deployment.metadata.labels },
    spec: {
      scaleTargetRef: { apiVersion: deployment.apiVersion, kind: deployment.kind, name: deployment.metadata.name },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [...utilization('cpu', a.cpuUtilizationPercent), ...utilization('memory', a.memoryUtilizationPercent)],
      behavior: { scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds } },
    },
  };
}
