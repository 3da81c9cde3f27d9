import * as d from './defaults';
import { GrpcStatus, grpcStatusName } from './grpc-status';
import { SERVICE_TYPES, type ContainerResources, type ServiceType } from './kube';
import type { TrafficPolicy } from './traffic-policy';
import type { IssueCollector } from './validation';

/** Envoy's log levels. */
export type EnvoyLogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'off';

/** Options every balancer tier (Envoy or grpc-mesh-proxy) shares: a Deployment behind a Service. */
export interface BalancerDataPlaneOptions {
  /**
   * Balancer pods.
   * @default 2
   */
  readonly replicas?: number;
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
   * Resources of the balancer container.
   * @default - requests 100m CPU and 128Mi memory, limit 512Mi memory
   */
  readonly resources?: ContainerResources;
  /**
   * How often the balancer re-resolves the headless Service, so new and removed pods are seen quickly.
   * @default 1000
   */
  readonly dnsRefreshMs?: number;
  /**
   * How long a terminating balancer pod drains: it fails readiness, sends GOAWAY on every connection and lets
   * in-flight calls finish before it stops.
   * @default 15
   */
  readonly drainSeconds?: number;
  /**
   * Whether the balancer writes one JSON access log line per call to stdout.
   * @default true
   */
  readonly accessLog?: boolean;
}

/** Options of the Envoy data plane: a tier of Envoy pods that balances every call over the service's pods. */
export interface EnvoyDataPlaneOptions extends BalancerDataPlaneOptions {
  /**
   * Envoy image. Pin it: an image that changes under a tag changes behaviour without a diff.
   * @default 'envoyproxy/envoy:v1.36.4'
   */
  readonly image?: string;
  /**
   * Envoy's log level.
   * @default 'info'
   */
  readonly logLevel?: EnvoyLogLevel;
}

/** Log levels of grpc-mesh-proxy. */
export type ProxyLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Options of the grpc-mesh-proxy data plane: the same tier as Envoy's, running this repository's own proxy. */
export interface ProxyDataPlaneOptions extends BalancerDataPlaneOptions {
  /**
   * The grpc-mesh-proxy image, built from this repository's Dockerfile and pushed to your registry, pinned to the
   * version of this library (the config schema travels with it).
   */
  readonly image: string;
  /**
   * The proxy's log level.
   * @default 'info'
   */
  readonly logLevel?: ProxyLogLevel;
}

/** The data plane kinds, as a discriminant. */
export type DataPlaneKind = 'envoy' | 'proxy' | 'none' | 'istio' | 'linkerd';

/**
 * Who balances the calls of a {@link GrpcMeshServiceProps | GrpcMeshService}: a strategy chosen with one of the
 * static factories, e.g. `DataPlane.envoy({ replicas: 3 })`.
 */
export class DataPlane {
  /**
   * An Envoy tier: a ConfigMap with a v3 bootstrap, a Deployment, a Service exposing it and a PDB. Routes attached
   * to the service (GAMMA) are compiled into the bootstrap at synthesis; calls no route matches go to its pods.
   */
  public static envoy(options: EnvoyDataPlaneOptions = {}): DataPlane {
    return new DataPlane('envoy', options);
  }

  /**
   * grpc-mesh-proxy, the TypeScript L7 gRPC proxy of this repository: a ConfigMap with its config, a Deployment,
   * a Service exposing it and a PDB, the same shape as the Envoy tier. Routes attached to the service (GAMMA) are
   * compiled into its config at synthesis; calls no route matches go to the service's pods.
   */
  public static proxy(options: ProxyDataPlaneOptions): DataPlane {
    return new DataPlane('proxy', options);
  }

  /**
   * No balancer: only the headless and ClusterIP Services. Clients balance themselves (for example gRPC's
   * `round_robin` over `dns:///<name>-headless...`), or a mesh does. Routes attached to the service are
   * refused (nothing would serve them); it can still be a route's backend, such as a canary.
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
   * The Linkerd mesh (2.18 or later): the workload's pods get the injection annotation, and the traffic policy
   * becomes Linkerd's retry, timeout and failure-accrual annotations on the ClusterIP Service. Linkerd applies gRPC
   * retries only through a GRPCRoute, so a policy that retries also emits the GRPCRoute `<name>-linkerd`
   * (`gateway.networking.k8s.io/v1`, which Linkerd serves from 2.18 on) attached to the Service, matching every call
   * and carrying the retry and timeout annotations. Linkerd balances with its own latency-aware algorithm; settings
   * it cannot express fail synthesis.
   */
  public static linkerd(): DataPlane {
    return new DataPlane('linkerd', {});
  }

  private constructor(
    /** Which data plane this is. */
    public readonly kind: DataPlaneKind,
    /** The options given to the factory. */
    public readonly options: EnvoyDataPlaneOptions | ProxyDataPlaneOptions,
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
  checkTierSupport(issues, dataPlane.kind, policy);
}

/**
 * Reports every traffic-policy setting a balancer tier cannot honour, found at `path`: the service's own balancer,
 * or a self-hosted tier that routes to the service.
 */
export function checkTierSupport(issues: IssueCollector, kind: 'envoy' | 'proxy', policy: TrafficPolicy, path = 'trafficPolicy'): void {
  if (kind === 'proxy') {
    checkProxySupport(issues, policy, path);
    return;
  }
  (policy.retry?.on ?? []).forEach((code, i) => {
    // Codes that are not retryable at all were reported by validateTrafficPolicy already.
    const invalid = !GrpcStatus[code] || code === GrpcStatus.OK;
    issues.require(invalid || ENVOY_RETRYABLE_CODES.includes(code), {
      code: 'UNSUPPORTED_BY_DATA_PLANE',
      path: `${path}.retry.on[${i}]`,
      value: grpcStatusName(code),
      message: `cannot be retried by Envoy, which retries only ${ENVOY_RETRYABLE_CODES.map(grpcStatusName).join(', ')}`,
      hint: 'Remove the code, or have the server answer a retryable code instead.',
    });
  });
}

/** Settings grpc-mesh-proxy has no equivalent for, with what to do instead. */
function checkProxySupport(issues: IssueCollector, policy: TrafficPolicy, path: string): void {
  const unsupported = (at: string, value: unknown, message: string, hint?: string) => {
    issues.require(value === undefined, { code: 'UNSUPPORTED_BY_DATA_PLANE', path: at, value, message, hint });
  };
  if (policy.loadBalancer === 'RANDOM') {
    unsupported(`${path}.loadBalancer`, 'RANDOM', 'cannot be honoured by grpc-mesh-proxy, which balances with ROUND_ROBIN or LEAST_REQUEST');
  }
  unsupported(`${path}.timeouts.maxStreamDurationMs`, policy.timeouts?.maxStreamDurationMs,
    'cannot be honoured by grpc-mesh-proxy, which limits calls by requestMs and the client\'s deadline', 'Use timeouts.requestMs.');
  const breaker = policy.circuitBreaker;
  for (const key of ['maxPendingCalls', 'maxConnections', 'maxConcurrentRetries'] as const) {
    unsupported(`${path}.circuitBreaker.${key}`, breaker?.[key],
      'cannot be honoured by grpc-mesh-proxy, whose circuit breaker limits concurrent calls (and retries by a budget)',
      'Use circuitBreaker.maxConcurrentCalls.');
  }
}

/** Validates the options of a data plane. */
export function validateDataPlane(issues: IssueCollector, dataPlane: DataPlane): void {
  if (dataPlane.kind !== 'envoy' && dataPlane.kind !== 'proxy') return;
  validateTierOptions(issues, 'dataPlane', dataPlane.kind, dataPlane.options);
}

/** Validates the options of a balancer tier (a service's data plane or a self-hosted Gateway), found at `path`. */
export function validateTierOptions(
  issues: IssueCollector, path: string, kind: 'envoy' | 'proxy', o: Partial<EnvoyDataPlaneOptions | ProxyDataPlaneOptions>,
): void {
  if (kind === 'proxy' || o.image !== undefined) {
    issues.require(typeof o.image === 'string' && o.image.trim() !== '' && !/\s/.test(o.image), {
      code: 'INVALID_IMAGE',
      path: `${path}.image`,
      value: o.image,
      message: 'must be an image reference without spaces',
      hint: kind === 'proxy' ? 'Build the image from this repository\'s Dockerfile and push it to your registry.' : undefined,
    });
  }
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
