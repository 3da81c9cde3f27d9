/**
 * grpc-mesh's framework-free tools: the GRPCRoute routing engine (`RouteTable`: which rule and backend a gRPC call
 * reaches, exactly as the Gateway API specifies) and the compiler from Gateway API objects to the configuration of
 * grpc-mesh-proxy (`gatewayApiToProxyConfig`), with `explainCall` and `proxyRoutesToEnvoy` built on them. The
 * constructs and components live in `grpc-mesh/cdk8s` and `grpc-mesh/pulumi`.
 *
 * @packageDocumentation
 */
export {
  RouteTable, RouteTableError, GrpcStatus,
  type BackendDecision, type GrpcCall, type GrpcStatusName, type HostnameGroup, type MatchedRule, type PickedBackend,
  type PrecedenceKey, type RequestHeaders, type RouteDecision, type RouteInput, type RouteTableOptions,
  type StatusDecision, type StatusReason,
} from './routing';
export type {
  BackendObjectReference, Fraction, GRPCBackendRef, GRPCHeaderMatch, GRPCMethodMatch, GRPCRouteFilter, GRPCRouteMatch, GRPCRouteRule,
  GRPCRouteSpec, HTTPHeader, HTTPHeaderFilter, HTTPRequestMirrorFilter, LocalObjectReference, MatchType, ParentReference,
} from './routing/gateway-api';
export {
  explainCall, ExplainError, gatewayApiToProxyConfig, proxyRoutesToEnvoy,
  type AcceptedReason, type BackendServiceRef, type BeatenCandidate, type CallExplanation, type CertificateFiles, type CompileWarning,
  type EnvoyMessage, type EnvoyRoutes, type EnvoyRoutesOptions, type ExplainedBackend, type ExplainedCallInput, type ExplainedWinner,
  type GatewayApiCompileOptions, type GatewayApiCompileResult, type ObjectKey, type ParentStatus, type ResolvedRefsReason,
  type RouteAcceptance,
} from './core/compile';
export { GrpcMeshError, ProblemCode, type ValidationIssue } from './problems';
export type {
  ProxyAdminConfig, ProxyClusterConfig, ProxyConfig, ProxyDiscoveryConfig, ProxyListenerConfig, ProxyListenerLimits, ProxyProbesConfig,
  ProxyRouteConfig, ProxyStaticEndpoint, ProxyTlsConfig, ProxyUpstreamTlsConfig, ProxyVirtualHostConfig,
} from './core/proxy-config';
