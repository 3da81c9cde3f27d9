/**
 * The core's user-facing surface, shared by `grpc-mesh/cdk8s` and `grpc-mesh/pulumi`: the props of every construct
 * and component, the strategies and enums users pass, and the errors they may catch. Everything else in
 * `src/core` (resolution, rendering, dialects, validation plumbing) is internal and not exported by any entry point.
 *
 * A type belongs here when a user writes it or receives it: keep this list to the closure of the constructs'
 * public signatures (test/public-api.test.ts checks that nothing they reference is missing).
 */
export type { AutoscalingProps } from './autoscaling';
export type { BackendTlsProps } from './backend-tls';
export type { CanaryGrpcRouteProps } from './canary-grpc-route';
export type {
  ConfigMapVolumeSource, ContainerProps, EmptyDirVolumeSource, EnvFromReference, EnvFromSource, EnvValue, EnvVarSource, KeySelector, KeyToPath,
  ObjectFieldSelector, ObjectProjection, PersistentVolumeClaimVolumeSource, ProjectedVolumeSource, SecretVolumeSource, ServiceAccountTokenProjection,
  Volume, VolumeMount, VolumeProjection,
} from './container';
export {
  DataPlane,
  type BalancerDataPlaneOptions, type DataPlaneKind, type EnvoyDataPlaneOptions, type EnvoyLogLevel, type ProxyDataPlaneOptions, type ProxyLogLevel,
} from './data-plane';
export { GrpcMeshError, GrpcMeshValidationError, ProblemCode, type ValidationIssue } from './errors';
export {
  GatewayImplementation, type EnvoyGatewayTierOptions, type GatewayBackendTlsProps, type GatewayImplementationKind, type ProxyGatewayOptions,
  type SelfHostedGatewayOptions,
} from './gateway-implementation';
export type { AllowedRoutes, CertManagerProps, GatewayClassProps, GrpcGatewayProps, GrpcListenerProps, GrpcListenerTls } from './grpc-gateway';
export type { GrpcMeshServiceProps, WorkloadProps } from './grpc-mesh-service';
export type {
  GrpcHeaderMatchProps, GrpcRouteBackendProps, GrpcRouteFiltersProps, GrpcRouteMatchProps, GrpcRouteProps, GrpcRouteRuleProps,
  HeaderModifierProps, RequestMirrorProps,
} from './grpc-route';
export { GrpcStatus } from './grpc-status';
export type { ContainerResources, ResourceQuantities, ServiceType } from './kube';
export type { BalancerListenerTls, ClientCertificateProps } from './listener-tls';
export type {
  GatewayTierNetworkPolicyProps, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyProps,
  NetworkPolicyProtocol,
} from './network-policy';
export type { ErrorRateAlertProps, LatencyAlertProps, MonitoringProps, NoReadyEndpointsAlertProps } from './monitoring';
export type {
  Affinity, LabelSelector, LabelSelectorRequirement, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodAffinity,
  PodAffinityTerm, PodProps, PreferredSchedulingTerm, Toleration, TopologySpreadConstraint, WeightedPodAffinityTerm,
} from './pod';
export type { RouteImplementation } from './route-policy';
export type {
  GatewayParentRef, GrpcBackendTarget, IGrpcBackend, IRouteParent, ListenerSummary, RouteParent, RouteParentRef, SelfHostedDataPlane,
  ServiceBackendRef, ServiceParentRef,
} from './route-refs';
export type {
  CircuitBreakerPolicy, HealthCheckPolicy, LoadBalancerAlgorithm, OutlierDetectionPolicy, RetryPolicy, TimeoutPolicy, TrafficPolicy,
} from './traffic-policy';
export type { MatchType } from '../routing/gateway-api';
