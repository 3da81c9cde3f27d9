/**
 * grpc-mesh's framework-free core: props types, defaults, validation, the resolved model and the render
 * functions. Use the framework entry points (`grpc-mesh/cdk8s`) to create constructs.
 */
export * from './core';
