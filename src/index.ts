/**
 * grpc-mesh's framework-free core: props types, defaults, validation, the resolved model and the render
 * functions, plus the GRPCRoute routing engine (`RouteTable`) that answers "which backend does this call reach".
 * Use the framework entry points (`grpc-mesh/cdk8s`) to create constructs.
 */
export * from './core';
export * from './routing';
