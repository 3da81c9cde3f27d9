import * as d from '../defaults';
import type { KubeMetadata } from '../kube';

/** The Service a traffic policy governs, as the dialect translations address it. */
export interface PolicyTarget {
  /** Name of the Service. The policy objects take this name, and it is their `app.kubernetes.io/name` label. */
  readonly name: string;
  /** Namespace of the Service, and of the policy objects. */
  readonly namespace: string;
  /** Fully qualified DNS name of the Service, e.g. `users.app.svc.cluster.local`. */
  readonly host: string;
  /** Port of the Service that serves gRPC. */
  readonly port: number;
  /**
   * Extra labels on every policy object.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The Gateway API object an Envoy Gateway `BackendTrafficPolicy` attaches to, in the policy's namespace. */
export interface PolicyTargetRef {
  /**
   * `GRPCRoute`: the policy governs the calls of that route, to every backend of it. `Gateway`: it governs every
   * route attached to the Gateway (a policy on a route takes precedence).
   */
  readonly kind: 'GRPCRoute' | 'Gateway';
  /** Name of the route or Gateway. */
  readonly name: string;
}

/** A {@link PolicyTarget} plus the route or Gateway an Envoy Gateway policy attaches to. */
export interface EnvoyGatewayPolicyTarget extends Pick<PolicyTarget, 'name' | 'namespace' | 'labels'> {
  /** The GRPCRoute or Gateway that routes calls to the Service. */
  readonly targetRef: PolicyTargetRef;
}

/**
 * Metadata of a policy object: name and namespace always (deterministic output), the target's labels, then
 * `app.kubernetes.io/name` and `app.kubernetes.io/managed-by`, which the target's labels cannot override.
 */
export function policyMetadata(target: Pick<PolicyTarget, 'name' | 'namespace' | 'labels'>): KubeMetadata {
  return {
    name: target.name,
    namespace: target.namespace,
    labels: { ...target.labels, 'app.kubernetes.io/name': target.name, 'app.kubernetes.io/managed-by': d.MANAGED_BY },
  };
}
