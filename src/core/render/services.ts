import * as d from '../defaults';
import { meshOf, type GrpcMeshServiceModel } from '../grpc-mesh-service';
import type { KubeObject } from '../kube';

/** The two Services of a gRPC service: one ClusterIP, one headless, same pods and ports. */
export interface GrpcServices {
  /**
   * ClusterIP Service: a stable virtual IP for kube-proxy, meshes and Gateway API (GAMMA) parents.
   */
  readonly service: KubeObject;
  /** Headless Service (`clusterIP: None`): its DNS name resolves to every ready pod, for DNS-based balancers. */
  readonly headlessService: KubeObject;
}

/** Renders the ClusterIP and headless Services of a gRPC service. */
export function renderServices(model: GrpcMeshServiceModel): GrpcServices {
  const ports = [{
    name: d.GRPC_PORT_NAME,
    port: model.port,
    targetPort: model.targetPort,
    protocol: 'TCP',
    appProtocol: d.GRPC_APP_PROTOCOL,
  }];
  const annotations = meshOf(model)?.serviceAnnotations;
  const service = (name: string, clusterIP: Record<string, unknown>, meshAnnotations?: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: model.namespace,
      labels: model.labels,
      ...(meshAnnotations && Object.keys(meshAnnotations).length > 0 && { annotations: meshAnnotations }),
    },
    spec: { type: 'ClusterIP', ...clusterIP, selector: model.podSelector, ports },
  });
  return {
    service: service(model.name, {}, annotations),
    headlessService: service(model.headlessServiceName, { clusterIP: 'None', publishNotReadyAddresses: false }),
  };
}
