/**
 * The GRPCRoute matching engine: pure functions and immutable precompiled tables that decide which rule and
 * backend a gRPC call reaches, exactly as the Gateway API specifies (docs/design/routing-semantics.md). Shared by the IaC
 * validation, offline tools and the proxy; no I/O and no framework imports.
 */
export * from './gateway-api';
export { hostFromAuthority } from './authority';
export { callHost, headerValue, type GrpcCall, type RequestHeaders } from './grpc-call';
export { parseGrpcPath, serviceMethodSeparator, type GrpcMethodName } from './grpc-path';
export { precedenceOf, whyAhead, type PrecedenceKey } from './precedence';
export { hostnamesIntersect, listenerScopedHostnames } from './hostname-intersection';
export { hostnameMatches } from './hostname-match';
export { isValidHostname, MAX_HOSTNAME_LENGTH, type HostnameValidationOptions } from './hostname-validation';
export { selectListener, type ListenerHostname } from './listener-selection';
export {
  DUPLICATE_HEADER_MATCH,
  GRPC_MATCH_LIMITS,
  GRPC_METHOD_PATTERN,
  GRPC_SERVICE_PATTERN,
  HEADER_NAME_PATTERN,
  validateHeaderMatch,
  validateMethodMatch,
  validateRouteMatch,
  type MatchProblem,
} from './match-validation';
export { RouteTable, type HostnameGroup, type RouteTableOptions } from './route-table';
export { RouteTableError } from './route-table-error';
export { GrpcStatus, grpcStatusKebabName, grpcStatusName } from './grpc-status';
export {
  type BackendDecision,
  type GrpcStatusName,
  type MatchedRule,
  type PickedBackend,
  type RouteDecision,
  type RouteInput,
  type StatusDecision,
  type StatusReason,
  statusDecision,
} from './routing-decision';
export { findShadowedMatches, type ShadowedMatch } from './shadowing';
export { effectiveWeight, isValidWeight, MAX_BACKEND_WEIGHT, pickBackend, WeightedPicker, type Weighted } from './weighted-pick';
