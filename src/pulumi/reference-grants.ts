import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { describeReference, grantAllows, renderReferenceGrant, type CrossNamespaceReference, type KubeObject } from '../core';
import { childOptions, kubeResource } from './kube-resources';
import { stackRunState } from './stack-run';

/** The ReferenceGrants grpc-mesh has created in this stack and run, by `namespace/name`. */
function grantsOfThisStack(): Map<string, KubeObject> {
  return stackRunState('reference-grants', () => new Map<string, KubeObject>());
}

/** What a component needs to add the ReferenceGrants of its cross-namespace references. */
export interface ReferenceGrantRequest {
  /** The component that needs the grants: the parent of those it creates. */
  readonly parent: pulumi.ComponentResource;
  /** The component's name: the prefix of the grants' resource names. */
  readonly name: string;
  /** The component's options (for `dependsOn`). */
  readonly opts?: pulumi.ComponentResourceOptions;
  /** How messages name the component, e.g. `GrpcRoute "checkout"`. */
  readonly subject: string;
  /** Its references into other namespaces. */
  readonly refs: readonly CrossNamespaceReference[];
  /** Whether grpc-mesh generates their grants (`referenceGrants` prop). */
  readonly generate: boolean;
}

/**
 * Creates the ReferenceGrants a component's references need, each once per stack however many components need
 * it: the first component that needs a grant creates it as its child `<name>-reference-grant-<namespace>-<grant>`.
 * Returns the grants this component created.
 *
 * With `generate` false, Pulumi cannot see ReferenceGrants defined outside grpc-mesh (cdk8s sees the whole app
 * and fails synthesis instead): once the component is registered, every reference that no grant grpc-mesh
 * created in this stack allows is reported with `pulumi.log.warn`, so the user can check a grant exists.
 */
export function addReferenceGrants(request: ReferenceGrantRequest): k8s.apiextensions.CustomResource[] {
  const { parent, name, opts, subject, refs } = request;
  const grants = grantsOfThisStack();
  if (!request.generate) {
    if (refs.length > 0) parent.urn.apply(() => warnMissingGrants(parent, subject, refs, [...grants.values()]));
    return [];
  }
  const created: k8s.apiextensions.CustomResource[] = [];
  for (const ref of refs) {
    const grant = renderReferenceGrant(ref);
    const key = `${grant.metadata.namespace}/${grant.metadata.name}`;
    if (grants.has(key)) continue;
    grants.set(key, grant);
    const role = `reference-grant-${grant.metadata.namespace}-${grant.metadata.name}`;
    created.push(kubeResource(`${name}-${role}`, grant, childOptions(parent, opts)) as k8s.apiextensions.CustomResource);
  }
  return created;
}

function warnMissingGrants(parent: pulumi.Resource, subject: string, refs: readonly CrossNamespaceReference[], grants: readonly KubeObject[]): void {
  for (const ref of refs.filter((r) => !grants.some((g) => grantAllows(g, r)))) {
    void pulumi.log.warn(`${subject}: ${describeReference(ref)} needs a ReferenceGrant, and referenceGrants is false. `
      + 'grpc-mesh created none in this stack that allows it and cannot see those defined elsewhere: make sure one exists '
      + 'in the target namespace, or let grpc-mesh generate it (referenceGrants: true). [MISSING_REFERENCE_GRANT]', parent);
  }
}
