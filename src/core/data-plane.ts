import type { AutoscalingProps } from './autoscaling';
import { BalancerDataPlane } from './data-planes/balancer';
import { ENVOY_TIER } from './data-planes/envoy-tier';
import { IstioDataPlane } from './data-planes/istio';
import { LinkerdDataPlane } from './data-planes/linkerd';
import { NoDataPlane } from './data-planes/none';
import { PROXY_TIER } from './data-planes/proxy-tier';
import type { DataPlaneStrategy } from './data-planes/strategy';
import type { ContainerResources, ServiceType } from './kube';
import type { BalancerListenerTls } from './listener-tls';
import type { PodProps } from './pod';

/** Envoy's log levels. */
export type EnvoyLogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'off';

/**
 * Options every balancer tier (Envoy or grpc-mesh-proxy) shares: a Deployment behind a Service, its pods under a
 * ServiceAccount of their own (named like the tier) unless `serviceAccountName` names one, scheduled as the
 * {@link PodProps} say.
 */
export interface BalancerDataPlaneOptions extends PodProps {
  /**
   * Balancer pods. Leave it unset with `autoscaling`, whose HorizontalPodAutoscaler owns the count.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Scales the balancer pods with a HorizontalPodAutoscaler (`autoscaling/v2`) on CPU and/or memory utilization, so
   * the tier grows with the calls it carries; the Deployment's `replicas` is then not written.
   * @default - a fixed `replicas`
   */
  readonly autoscaling?: AutoscalingProps;
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
   * Terminates TLS (ALPN h2) on the balancer's Service port with a certificate from a Secret (or issued by
   * cert-manager), and may require client certificates (mutual TLS at the edge). The Service port then has no
   * `kubernetes.io/h2c` appProtocol. (TLS from the balancer to the service's pods is a separate setting.)
   * @default - the balancer listens h2c (cleartext HTTP/2)
   */
  readonly listenerTls?: BalancerListenerTls;
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
   * Resources of the balancer container. With grpc-mesh-proxy, half the memory limit is V8's heap limit
   * (`NODE_OPTIONS=--max-old-space-size`).
   * @default - Envoy: requests 100m CPU and 128Mi memory, limit 512Mi memory; grpc-mesh-proxy: requests 100m CPU
   * and 96Mi memory, limit 256Mi memory
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
   * The grpc-mesh-proxy image. It must be the version of this library (the config schema travels with it): the
   * default is the image this version's release built, `ghcr.io/grpc-mesh/grpc-mesh-proxy:<version>`; give your
   * registry's copy of it, or your own build of this repository's Dockerfile. An unreleased build of the library
   * (version 0.0.0) has no default: synthesis fails without an image.
   * @default - `ghcr.io/grpc-mesh/grpc-mesh-proxy:<version of this package>`
   */
  readonly image?: string;
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
 * static factories, e.g. `DataPlane.envoy({ replicas: 3 })`. Each data plane is one class (in `core/data-planes/`)
 * that owns its validation, resolution, rendering, policy dialect and monitoring series.
 */
export class DataPlane {
  /**
   * An Envoy tier: a ConfigMap with a v3 bootstrap, a Deployment, a Service exposing it and a PDB. Routes attached
   * to the service (GAMMA) are compiled into the bootstrap at synthesis; calls no route matches go to its pods.
   */
  public static envoy(options: EnvoyDataPlaneOptions = {}): DataPlane {
    return new DataPlane(new BalancerDataPlane(ENVOY_TIER, options));
  }

  /**
   * grpc-mesh-proxy, the TypeScript L7 gRPC proxy of this repository: a ConfigMap with its config, a Deployment,
   * a Service exposing it and a PDB, the same shape as the Envoy tier. Routes attached to the service (GAMMA) are
   * compiled into its config at synthesis; calls no route matches go to the service's pods.
   */
  public static proxy(options: ProxyDataPlaneOptions = {}): DataPlane {
    return new DataPlane(new BalancerDataPlane(PROXY_TIER, options));
  }

  /**
   * No balancer: only the headless and ClusterIP Services. Clients balance themselves (for example gRPC's
   * `round_robin` over `dns:///<name>-headless...`), or a mesh does. Routes attached to the service are
   * refused (nothing would serve them); it can still be a route's backend, such as a canary.
   */
  public static none(): DataPlane {
    return new DataPlane(new NoDataPlane());
  }

  /**
   * The Istio mesh: the workload's pods get the sidecar injection label, and the traffic policy becomes a
   * DestinationRule and a VirtualService for the ClusterIP Service (Istio does not balance a headless Service).
   * Istio has no active health checks: asking for them fails synthesis.
   */
  public static istio(): DataPlane {
    return new DataPlane(new IstioDataPlane());
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
    return new DataPlane(new LinkerdDataPlane());
  }

  /** Which data plane this is. */
  public readonly kind: DataPlaneKind;

  private constructor(
    /**
     * The data plane's behaviour.
     * @internal
     */
    public readonly strategy: DataPlaneStrategy,
  ) {
    this.kind = strategy.kind;
  }

  /**
   * A copy whose factory options are `map` of these: how the Pulumi components put the values of Inputs in.
   * @internal
   */
  public _mapOptions(map: (options: object) => object): DataPlane {
    return this.strategy.withOptions ? new DataPlane(this.strategy.withOptions(map)) : this;
  }
}

export { ENVOY_RETRYABLE_CODES } from './dialects/envoy-retry-codes';
