/**
 * The one error model of grpc-mesh: the problem codes catalogue, the problem type, its formatter and the error
 * base class. Depends on nothing, so the core, the routing engine and the proxy all build on it.
 */
export { ProblemCode } from './problem-code';
export { formatIssue, formatIssues, formatValue, type ValidationIssue } from './validation-issue';
export { GrpcMeshError, hideFields } from './grpc-mesh-error';
