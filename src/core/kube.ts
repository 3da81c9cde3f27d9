/** Metadata that grpc-mesh sets on every object: name and namespace always, so output is deterministic. */
export interface KubeMetadata {
  /** Object name. */
  readonly name: string;
  /** Namespace; unset only for cluster-scoped kinds. */
  readonly namespace?: string;
  /** Labels. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A plain Kubernetes object as the core renders it: ready for `cdk8s.ApiObject` or a Pulumi resource. */
export interface KubeObject {
  /** API group and version, e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** Kind, e.g. `Deployment`. */
  readonly kind: string;
  /** Name, namespace, labels and annotations. */
  readonly metadata: KubeMetadata;
  readonly [field: string]: unknown;
}

/** CPU and memory requests and limits of a container, in Kubernetes quantities (`100m`, `128Mi`). */
export interface ContainerResources {
  /**
   * Resources the scheduler reserves.
   * @default - the construct's defaults
   */
  readonly requests?: ResourceQuantities;
  /**
   * Hard limits. A CPU limit is not set by default: throttling hurts tail latency more than it saves.
   * @default - the construct's defaults (a memory limit only)
   */
  readonly limits?: ResourceQuantities;
}

/** CPU and memory quantities. */
export interface ResourceQuantities {
  /**
   * CPU, e.g. `100m` or `2`.
   * @default - unset
   */
  readonly cpu?: string;
  /**
   * Memory, e.g. `128Mi`.
   * @default - unset
   */
  readonly memory?: string;
}

/** How a Service is exposed. */
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

/** The Service types a balancer may be exposed with. */
export const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer'];
