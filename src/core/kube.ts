/** Metadata that grpc-mesh sets on every object: name and namespace always, so output is deterministic. */
export interface KubeMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A plain Kubernetes object as the core renders it: ready for `cdk8s.ApiObject` or a Pulumi resource. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: KubeMetadata;
  readonly [field: string]: unknown;
}

/** CPU and memory requests and limits of a container, in Kubernetes quantities (`100m`, `128Mi`). */
export interface ContainerResources {
  /**
   * Resources the scheduler reserves.
   * @default - the construct's defaults
   */
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  /**
   * Hard limits. A CPU limit is not set by default: throttling hurts tail latency more than it saves.
   * @default - the construct's defaults (a memory limit only)
   */
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** How a Service is exposed. */
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

/** The Service types a balancer may be exposed with. */
export const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer'];
