export * from './duration';
export * from './envoy-gateway';
export * from './istio';
export * from './linkerd';
export * from './linkerd-route';
export * from './policy-target';
export { UNSUPPORTED_BY_DATA_PLANE } from './unsupported';
