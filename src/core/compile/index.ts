export {
  gatewayApiToProxyConfig, type BackendServiceRef, type CertificateFiles, type GatewayApiCompileOptions, type GatewayApiCompileResult, type ObjectKey,
} from './gateway-api-to-proxy-config';
export type { AcceptedReason, CompileWarning, ParentStatus, ResolvedRefsReason, RouteAcceptance } from './route-acceptance';
export { explainCall, ExplainError, type BeatenCandidate, type CallExplanation, type ExplainedBackend, type ExplainedCallInput, type ExplainedWinner } from './explain-call';
export { proxyRoutesToEnvoy, type EnvoyMessage, type EnvoyRoutes, type EnvoyRoutesOptions } from './envoy-routes';
