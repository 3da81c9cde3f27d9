import type * as pulumi from '@pulumi/pulumi';
import {
  DataPlane as CoreDataPlane, GatewayImplementation as CoreGatewayImplementation,
  type EnvoyDataPlaneOptions, type EnvoyGatewayTierOptions, type ProxyDataPlaneOptions, type ProxyGatewayOptions,
} from '../core';
import type { PodArgs } from './inputs';

/** Options of `DataPlane.envoy()` in Pulumi: those of the cdk8s `DataPlane.envoy()`, the image and the pod props of {@link PodArgs} maybe Outputs. */
export interface EnvoyDataPlaneArgs extends Omit<EnvoyDataPlaneOptions, 'image' | 'serviceAccountName' | 'serviceAccountAnnotations' | 'imagePullSecrets'>, PodArgs {
  /**
   * Envoy image, e.g. the name of an image a `docker.Image` pushed. Pin it.
   * @default 'envoyproxy/envoy:v1.36.4'
   */
  readonly image?: pulumi.Input<string>;
}

/** Options of `DataPlane.proxy()` in Pulumi: those of the cdk8s `DataPlane.proxy()`, the image and the pod props of {@link PodArgs} maybe Outputs. */
export interface ProxyDataPlaneArgs extends Omit<ProxyDataPlaneOptions, 'image' | 'serviceAccountName' | 'serviceAccountAnnotations' | 'imagePullSecrets'>, PodArgs {
  /**
   * The grpc-mesh-proxy image, of this library's version, e.g. the name of the copy a `docker.Image` pushed to your
   * registry; see the cdk8s `ProxyDataPlaneOptions.image`.
   * @default - `ghcr.io/grpc-mesh/grpc-mesh-proxy:<version of this package>`
   */
  readonly image?: pulumi.Input<string>;
}

/** Options of `GatewayImplementation.envoy()` in Pulumi: those of the cdk8s factory, the image and the pod props of {@link PodArgs} maybe Outputs. */
export interface EnvoyGatewayTierArgs extends Omit<EnvoyGatewayTierOptions, 'image' | 'serviceAccountName' | 'serviceAccountAnnotations' | 'imagePullSecrets'>, PodArgs {
  /**
   * Envoy image. Pin it.
   * @default 'envoyproxy/envoy:v1.36.4'
   */
  readonly image?: pulumi.Input<string>;
}

/** Options of `GatewayImplementation.proxy()` in Pulumi: those of the cdk8s factory, the image and the pod props of {@link PodArgs} maybe Outputs. */
export interface ProxyGatewayArgs extends Omit<ProxyGatewayOptions, 'image' | 'serviceAccountName' | 'serviceAccountAnnotations' | 'imagePullSecrets'>, PodArgs {
  /**
   * The grpc-mesh-proxy image, of this library's version, e.g. the name of the copy a `docker.Image` pushed to your
   * registry; see the cdk8s `ProxyDataPlaneOptions.image`.
   * @default - `ghcr.io/grpc-mesh/grpc-mesh-proxy:<version of this package>`
   */
  readonly image?: pulumi.Input<string>;
}

/**
 * The factories of {@link DataPlane} as the Pulumi components take them: those of the cdk8s `DataPlane`, whose balancer
 * images may be Outputs (a component puts their values in once they resolve, like its other Inputs).
 */
export interface DataPlaneFactories {
  /** An Envoy tier; see the cdk8s `DataPlane.envoy()`. */
  envoy(options?: EnvoyDataPlaneArgs): DataPlane;
  /** A grpc-mesh-proxy tier; see the cdk8s `DataPlane.proxy()`. */
  proxy(options?: ProxyDataPlaneArgs): DataPlane;
  /** No balancer; see the cdk8s `DataPlane.none()`. */
  none(): DataPlane;
  /** The Istio mesh; see the cdk8s `DataPlane.istio()`. */
  istio(): DataPlane;
  /** The Linkerd mesh (2.18 or later); see the cdk8s `DataPlane.linkerd()`. */
  linkerd(): DataPlane;
}

/** The factories of {@link GatewayImplementation} as the Pulumi components take them, tier images maybe Outputs. */
export interface GatewayImplementationFactories {
  /** A Gateway API controller serves the Gateway; see the cdk8s `GatewayImplementation.controller()`. */
  controller(gatewayClassName: string): GatewayImplementation;
  /** A grpc-mesh-proxy tier serves the Gateway; see the cdk8s `GatewayImplementation.proxy()`. */
  proxy(options?: ProxyGatewayArgs): GatewayImplementation;
  /** An Envoy tier serves the Gateway; see the cdk8s `GatewayImplementation.envoy()`. */
  envoy(options?: EnvoyGatewayTierArgs): GatewayImplementation;
}

/** Who balances the calls of a `GrpcMeshService`: the cdk8s `DataPlane`, the same objects. */
export type DataPlane = CoreDataPlane;
/**
 * Who balances the calls of a `GrpcMeshService`, e.g. `DataPlane.proxy({ image: proxyImage.imageName })`: the cdk8s
 * `DataPlane` itself, typed so that balancer images may be Outputs.
 */
export const DataPlane = CoreDataPlane as unknown as DataPlaneFactories;

/** Who serves a `GrpcGateway`: the cdk8s `GatewayImplementation`, the same objects. */
export type GatewayImplementation = CoreGatewayImplementation;
/** Who serves a `GrpcGateway`: the cdk8s `GatewayImplementation` itself, typed so that tier images may be Outputs. */
export const GatewayImplementation = CoreGatewayImplementation as unknown as GatewayImplementationFactories;
