import { FULL_POLICY, ROUTE_TARGET, TARGET, translate } from './fixtures';
import { DataPlane } from '../../../src/core/data-plane';
import { translateToEnvoyGateway, translateToIstio, translateToLinkerd } from '../../../src/core/dialects';
import { resolveGrpcMeshService } from '../../../src/core/grpc-mesh-service';
import type { KubeMetadata, KubeObject } from '../../../src/core/kube';
import { renderServices } from '../../../src/core/render/services';
import { renderWorkload } from '../../../src/core/render/workload';
import { isCustomResourceKind, validateAnyManifests } from '../../support/crd-validator';

/** The metadata with the annotations added. */
function annotate(metadata: KubeMetadata, annotations: Record<string, string>): KubeMetadata {
  return { ...metadata, annotations: { ...metadata.annotations, ...annotations } };
}

describe('the dialects\' output of a full policy validates', () => {
  test('the Istio DestinationRule and VirtualService, against the Istio 1.30.3 CRDs', () => {
    const { result } = translate((issues) => translateToIstio(FULL_POLICY, TARGET, issues));
    expect(result.map((o) => o.kind)).toEqual(['DestinationRule', 'VirtualService']);
    expect(validateAnyManifests(result)).toEqual([]);
  });

  test('the Linkerd annotations, on the Service and the pod template of a rendered service', () => {
    const { serviceAnnotations, podAnnotations } = translate((issues) => translateToLinkerd(FULL_POLICY, issues)).result;
    const model = resolveGrpcMeshService({
      namespace: 'app',
      port: 50051,
      workload: { image: 'registry.example.com/user-service:1.0.0' },
      dataPlane: DataPlane.none(),
    }, { defaultName: 'users' });
    const { service } = renderServices(model);
    const deployment = renderWorkload(model)!.deployment as KubeObject & { spec: { template: { metadata: KubeMetadata } } };
    const template = deployment.spec.template;
    const annotated = [
      { ...service, metadata: annotate(service.metadata, serviceAnnotations) },
      { ...deployment, spec: { ...deployment.spec, template: { ...template, metadata: annotate(template.metadata, podAnnotations) } } },
    ];
    expect(Object.keys(serviceAnnotations).length).toBeGreaterThan(0);
    expect(validateAnyManifests(annotated)).toEqual([]);
  });

  test('the Envoy Gateway BackendTrafficPolicy, against the Envoy Gateway v1.9.0 CRD with its CEL rules', () => {
    const { result } = translate((issues) => translateToEnvoyGateway(FULL_POLICY, ROUTE_TARGET, issues));
    expect(result.map((o) => o.kind)).toEqual(['BackendTrafficPolicy']);
    expect(isCustomResourceKind(result[0].apiVersion, result[0].kind)).toBe(true);
    expect(validateAnyManifests(result)).toEqual([]);
    // Attached to a Gateway too.
    const gateway = translate((issues) => translateToEnvoyGateway(FULL_POLICY, { ...ROUTE_TARGET, targetRef: { kind: 'Gateway', name: 'edge' } }, issues));
    expect(validateAnyManifests(gateway.result)).toEqual([]);
  });
});
