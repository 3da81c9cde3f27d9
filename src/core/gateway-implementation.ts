import type { BalancerDataPlaneOptions, EnvoyLogLevel, ProxyLogLevel } from './data-plane';
import { ControllerGateway } from './data-planes/controller-gateway';
import { ENVOY_TIER } from './data-planes/envoy-tier';
import { PROXY_TIER } from './data-planes/proxy-tier';
import { SelfHostedGateway } from './data-planes/self-hosted-gateway';
import type { GatewayImplementationStrategy } from './data-planes/strategy';
import type { CertManagerProps } from './grpc-gateway';
import type { GatewayTierNetworkPolicyProps } from './network-policy';

/**
 * Options every self-hosted Gateway tier shares: the balancer tier's, less `port` and `listenerTls` (each listener
 * has its own port and `tls`).
 */
export interface SelfHostedGatewayOptions extends Omit<BalancerDataPlaneOptions, 'port' | 'listenerTls'> {
  /**
   * Also writes the Gateway and the GRPCRoutes attached to it as Gateway API objects, for tools that read them.
   * They need the Gateway API CRDs on the cluster; no controller acts on them unless one serves their class.
   * @default false
   */
  readonly gatewayApiObjects?: boolean;
  /**
   * The NetworkPolicy of the tier's pods, **on by default**: the listener ports open to `allowFrom` (anyone by
   * default), the metrics port to `metricsFrom`, nothing else; see {@link GatewayTierNetworkPolicyProps}.
   * @default - a NetworkPolicy with the defaults of {@link GatewayTierNetworkPolicyProps}
   */
  readonly networkPolicy?: GatewayTierNetworkPolicyProps;
  /**
   * Lets the tier reach services whose pods speak TLS (`GrpcMeshService` `backendTls`): cert-manager issues the tier a
   * client certificate (`<tier>-client-tls`, usage client auth) in the Gateway's namespace, whose `ca.crt` the tier
   * trusts. It serves the services whose certificates come from the same issuer: a ClusterIssuer, or an Issuer of
   * the Gateway's namespace.
   * @default - routes to a service with backendTls fail synthesis (BACKEND_TLS_UNREACHABLE)
   */
  readonly backendTls?: GatewayBackendTlsProps;
}

/** The client certificate of a self-hosted Gateway's tier, for the services whose pods speak TLS. */
export interface GatewayBackendTlsProps {
  /** The issuer of the tier's client certificate: the issuer of the services' certificates. */
  readonly certManager: CertManagerProps;
}

/** Options of a Gateway served by grpc-mesh-proxy. */
export interface ProxyGatewayOptions extends SelfHostedGatewayOptions {
  /**
   * The grpc-mesh-proxy image, of this library's version: the default is the image this version's release built; an
   * unreleased build of the library (version 0.0.0) has none. See {@link ProxyDataPlaneOptions.image}.
   * @default - `ghcr.io/grpc-mesh/grpc-mesh-proxy:<version of this package>`
   */
  readonly image?: string;
  /**
   * The proxy's log level.
   * @default 'info'
   */
  readonly logLevel?: ProxyLogLevel;
}

/** Options of a Gateway served by an Envoy tier. */
export interface EnvoyGatewayTierOptions extends SelfHostedGatewayOptions {
  /**
   * Envoy image. Pin it.
   * @default 'envoyproxy/envoy:v1.36.4'
   */
  readonly image?: string;
  /**
   * Envoy's log level.
   * @default 'info'
   */
  readonly logLevel?: EnvoyLogLevel;
}

/** The implementation kinds, as a discriminant. */
export type GatewayImplementationKind = 'controller' | 'proxy' | 'envoy';

/**
 * Who serves a {@link GrpcGatewayProps | GrpcGateway}: a Gateway API controller of a GatewayClass, or a tier this
 * library deploys with the app (no controller, no CRDs), every route attached to the Gateway compiled into its
 * configuration at synthesis. Chosen with one of the static factories, e.g. `GatewayImplementation.proxy({ image })`.
 */
export class GatewayImplementation {
  /**
   * A Gateway API controller serves the Gateway: only the Gateway API objects are written.
   * @param gatewayClassName the GatewayClass, e.g. `eg` (Envoy Gateway), `istio` or `cilium`
   */
  public static controller(gatewayClassName: string): GatewayImplementation {
    return new GatewayImplementation(new ControllerGateway(gatewayClassName));
  }

  /**
   * A grpc-mesh-proxy tier serves the Gateway: a ConfigMap with the compiled routes, a Deployment, a Service with
   * every listener port, a PDB; TLS listeners terminate with their Secret, mounted read-only.
   */
  public static proxy(options: ProxyGatewayOptions = {}): GatewayImplementation {
    return new GatewayImplementation(new SelfHostedGateway(PROXY_TIER, options));
  }

  /** An Envoy tier serves the Gateway: the same objects, with the routes compiled into an Envoy v3 bootstrap. */
  public static envoy(options: EnvoyGatewayTierOptions = {}): GatewayImplementation {
    return new GatewayImplementation(new SelfHostedGateway(ENVOY_TIER, options));
  }

  /** Which implementation this is. */
  public readonly kind: GatewayImplementationKind;
  /** The GatewayClass, for a controller. */
  public readonly gatewayClassName?: string;

  private constructor(
    /**
     * The implementation's behaviour.
     * @internal
     */
    public readonly strategy: GatewayImplementationStrategy,
  ) {
    this.kind = strategy.kind;
    this.gatewayClassName = strategy.gatewayClassName;
  }

  /**
   * A copy whose factory options are `map` of these: how the Pulumi components put the values of Inputs in.
   * @internal
   */
  public _mapOptions(map: (options: object) => object): GatewayImplementation {
    return this.strategy.withOptions ? new GatewayImplementation(this.strategy.withOptions(map)) : this;
  }
}
