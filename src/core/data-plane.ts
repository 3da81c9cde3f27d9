import * as d from './defaults';
import { GrpcStatus, grpcStatusName } from './grpc-status';
import { SERVICE_TYPES, type ContainerResources, type ServiceType } from './kube';
import type { TrafficPolicy } from './traffic-policy';
import type { IssueCollector } from './validation';

/** Envoy's log levels. */
export type EnvoyLogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'off';

/** Options of the Envoy data plane: a tier of Envoy pods that balances every call over the service's pods. */
export interface EnvoyDataPlaneOptions {
  /**
   * Envoy pods.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Envoy image. Pin it: an image that changes under a tag changes behaviour without a diff.
   * @default 'envoyproxy/envoy:v1.36.4'
   */
  readonly image?: string;
  /**
   * How the balancer's Service is exposed.
   * @default 'LoadBalancer'
   */
  readonly serviceType?: ServiceType;
  /**
   * Port of the balancer's Service.
   * @default - the service's `port`
   */
  readonly port?: number;
  /**
   * Annotations on the balancer's Service, e.g. a cloud provider's load-balancer settings.
   * @default - none
   */
  readonly serviceAnnotations?: Readonly<Record<string, string>>;
  /**
   * Client CIDRs allowed through a `LoadBalancer` Service.
   * @default - any client
   */
  readonly loadBalancerSourceRanges?: readonly string[];
  /**
   * Resources of the Envoy container.
   * @default - requests 100m CPU and 128Mi memory, limit 512Mi memory
   */
  readonly resources?: ContainerResources;
  /**
   * How often Envoy re-resolves the headless Service, so new and removed pods are seen quickly.
   * @default 1000
   */
  readonly dnsRefreshMs?: number;
  /**
   * How long a terminating Envoy pod drains: it fails readiness, sends GOAWAY on every connection and lets
   * in-flight calls finish before it stops.
   * @default 15
   */
  readonly drainSeconds?: number;
  /**
   * Envoy's log level.
   * @default 'info'
   */
  readonly logLevel?: EnvoyLogLevel;
  /**
   * Whether Envoy writes one JSON access log line per call to stdout.
   * @default true
   */
  readonly accessLog?: boolean;
}

/** The data plane kinds, as a discriminant. */
export type DataPlaneKind = 'envoy' | 'none' | 'istio' | 'linkerd';

/**
 * Who balances the calls of a {@link GrpcMeshServiceProps | GrpcMeshService}: a strategy chosen with one of the
 * static factories, e.g. `DataPlane.envoy({ replicas: 3 })`.
 */
export class DataPlane {
  /** An Envoy tier: a ConfigMap with a v3 bootstrap, a Deployment, a Service exposing it and a PDB. */
  public static envoy(options: EnvoyDataPlaneOptions = {}): DataPlane {
    return new DataPlane('envoy', options);
  }

  /**
   * No balancer: only the headless and ClusterIP Services. Clients balance themselves (for example gRPC's
   * `round_robin` over `dns:///<name>-headless...`), or a mesh does.
   */
  public static none(): DataPlane {
    return new DataPlane('none', {});
  }

  /**
   * The Istio mesh: the workload's pods get the sidecar injection label, and the traffic policy becomes a
   * DestinationRule and a VirtualService for the ClusterIP Service (Istio does not balance a headless Service).
   * Istio has no active health checks: asking for them fails synthesis.
   */
  public static istio(): DataPlane {
    return new DataPlane('istio', {});
  }

  /**
   * The Linkerd mesh: the workload's pods get the injection annotation, and the traffic policy becomes Linkerd's
   * retry, timeout and failure-accrual annotations on the ClusterIP Service. Linkerd balances with its own
   * latency-aware algorithm; settings it cannot express fail synthesis.
   */
  public static linkerd(): DataPlane {
    return new DataPlane('linkerd', {});
  }

  private constructor(
    /** Which data plane this is. */
    public readonly kind: DataPlaneKind,
    /** The options given to the factory. */
    public readonly options: EnvoyDataPlaneOptions,
  ) {}
}

/** The gRPC status codes Envoy can retry on (its `retry_on` knows no others). */
export const ENVOY_RETRYABLE_CODES: readonly GrpcStatus[] = [
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.INTERNAL,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.UNAVAILABLE,
];

/** Reports every traffic-policy setting that `dataPlane` cannot honour, so nothing is dropped silently. */
export function checkDataPlaneSupport(
  issues: IssueCollector,
  policy: TrafficPolicy | undefined,
  dataPlane: DataPlane,
): void {
  if (!policy || dataPlane.kind === 'istio' || dataPlane.kind === 'linkerd') return; // their translations report
  if (dataPlane.kind === 'none') {
    const fields = Object.keys(policy).filter((key) => (policy as Record<string, unknown>)[key] !== undefined);
    issues.require(fields.length === 0, {
      code: 'POLICY_WITHOUT_DATA_PLANE',
      path: 'trafficPolicy',
      value: fields,
      message: 'cannot be honoured by DataPlane.none(): nothing between clients and pods enforces it',
      hint: 'Choose a data plane such as DataPlane.envoy(), or remove trafficPolicy.',
    });
    return;
  }
  (policy.retry?.on ?? []).forEach((code, i) => {
    // Codes that are not retryable at all were reported by validateTrafficPolicy already.
    const invalid = !GrpcStatus[code] || code === GrpcStatus.OK;
    issues.require(invalid || ENVOY_RETRYABLE_CODES.includes(code), {
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: `trafficPolicy.retry.on[${i}]`,
      value: grpcStatusName(code),
      message: `cannot be retried by Envoy, which retries only ${ENVOY_RETRYABLE_CODES.map(grpcStatusName).join(', ')}`,
      hint: 'Remove the code, or have the server answer a retryable code instead.',
    });
  });
}

/** Validates the options of a data plane. */
export function validateDataPlane(issues: IssueCollector, dataPlane: DataPlane): void {
  if (dataPlane.kind !== 'envoy') return;
  const o = dataPlane.options;
  const path = 'dataPlane';
  issues.integerInRange(`${path}.replicas`, o.replicas, 0, 0x7fffffff);
  issues.port(`${path}.port`, o.port);
  issues.milliseconds(`${path}.dnsRefreshMs`, o.dnsRefreshMs);
  issues.integerInRange(`${path}.drainSeconds`, o.drainSeconds, 0, 3600);
  if (o.serviceType !== undefined) {
    issues.require(SERVICE_TYPES.includes(o.serviceType), {
      code: 'UNKNOWN_SERVICE_TYPE',
      path: `${path}.serviceType`,
      value: o.serviceType,
      message: `must be one of ${SERVICE_TYPES.join(', ')}`,
    });
  }
  if (o.loadBalancerSourceRanges?.length) {
    issues.require((o.serviceType ?? d.DEFAULT_BALANCER_SERVICE_TYPE) === 'LoadBalancer', {
      code: 'SOURCE_RANGES_WITHOUT_LOAD_BALANCER',
      path: `${path}.loadBalancerSourceRanges`,
      value: o.loadBalancerSourceRanges,
      message: 'only applies to a LoadBalancer Service',
      hint: "Set serviceType: 'LoadBalancer' or remove the ranges.",
    });
  }
}
