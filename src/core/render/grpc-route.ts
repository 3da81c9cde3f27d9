import { GATEWAY_API_GROUP, GATEWAY_API_VERSION, type ParentReference } from '../../routing/gateway-api';
import type { GrpcRouteModel } from '../grpc-route';
import type { KubeObject } from '../kube';
import { generatedReferenceGrants } from '../reference-grants';
import { renderRoutePolicy } from '../route-policy';
import type { RouteParentRef } from '../route-refs';

/** Every object of a `GrpcRoute`. */
export interface GrpcRouteManifests {
  /** The GRPCRoute. */
  readonly route: KubeObject;
  /** ReferenceGrants for backends in other namespaces. */
  readonly referenceGrants: readonly KubeObject[];
  /** Policy objects of the route's implementation (Envoy Gateway's BackendTrafficPolicy). */
  readonly policy: readonly KubeObject[];
}

/** Renders the GRPCRoute and the ReferenceGrants its cross-namespace backends need. */
export function renderGrpcRoute(model: GrpcRouteModel): GrpcRouteManifests {
  return {
    route: {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'GRPCRoute',
      metadata: {
        name: model.name,
        namespace: model.namespace,
        labels: model.labels,
        ...(model.policy.routeAnnotations && { annotations: model.policy.routeAnnotations }),
      },
      spec: {
        parentRefs: model.parents.map(parentReference),
        ...(model.hostnames?.length && { hostnames: model.hostnames }),
        rules: model.rules,
      },
    },
    referenceGrants: generatedReferenceGrants({ refs: model.crossNamespaceRefs, generate: model.generateReferenceGrants }),
    policy: renderRoutePolicy(model.policy),
  };
}

/** A parent as a Gateway API `parentRef`: a Gateway (optionally one listener) or a Service (GAMMA). */
export function parentReference(parent: RouteParentRef): ParentReference {
  if (parent.kind === 'Service') {
    return { group: '', kind: 'Service', name: parent.name, namespace: parent.namespace, ...(parent.port !== undefined && { port: parent.port }) };
  }
  return {
    group: GATEWAY_API_GROUP,
    kind: 'Gateway',
    name: parent.name,
    namespace: parent.namespace,
    ...(parent.sectionName !== undefined && { sectionName: parent.sectionName }),
  };
}
