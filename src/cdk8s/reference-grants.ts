import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { describeReference, grantAllows, renderReferenceGrant, type CrossNamespaceReference, type KubeObject } from '../core';
import { toApiObject } from './api-objects';

/**
 * Adds the ReferenceGrants that `refs` need to the chart, once per chart however many constructs need the same
 * grant; or, when generation is off, makes synthesis fail for every reference no ReferenceGrant of the app allows.
 */
export function addReferenceGrants(scope: Construct, refs: readonly CrossNamespaceReference[], generate: boolean): void {
  if (!generate) {
    scope.node.addValidation({ validate: () => missingGrants(scope, refs) });
    return;
  }
  const chart = Chart.of(scope);
  for (const ref of refs) {
    const grant = renderReferenceGrant(ref);
    const id = `ReferenceGrant-${grant.metadata.namespace}-${grant.metadata.name}`;
    if (!chart.node.tryFindChild(id)) toApiObject(chart, id, grant);
  }
}

function missingGrants(scope: Construct, refs: readonly CrossNamespaceReference[]): string[] {
  const grants = scope.node.root.node.findAll()
    .filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'ReferenceGrant')
    .map((c) => c.toJson() as KubeObject);
  return refs
    .filter((ref) => !grants.some((g) => grantAllows(g, ref)))
    .map((ref) => `no ReferenceGrant allows ${describeReference(ref)}, and referenceGrants is false. `
      + 'Add a ReferenceGrant in the target namespace, or let grpc-mesh generate it (referenceGrants: true). [MISSING_REFERENCE_GRANT]');
}
