import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  checkReferenceGrants, generatedReferenceGrants, REFERENCE_GRANT_API_VERSION, referenceGrantKey, type KubeObject, type ReferenceGrantRequest,
} from '../core';
import { GrpcMeshResourceError } from './errors';
import { kubeResource } from './kube-resources';
import { declarationsOver, stackRunState } from './stack-run';

/** Type token of a ReferenceGrant resource: its package (`kubernetes`) selects the provider of a component. */
const REFERENCE_GRANT_TYPE = `kubernetes:${REFERENCE_GRANT_API_VERSION}:ReferenceGrant`;

/** A ReferenceGrant grpc-mesh creates in the stack, with the `dependsOn` of every component that needs it. */
interface StackGrant {
  readonly manifest: KubeObject;
  readonly resource: k8s.apiextensions.CustomResource;
  readonly dependsOn: Array<NonNullable<pulumi.ResourceOptions['dependsOn']>>;
}

/**
 * The ReferenceGrants grpc-mesh creates in this stack and run, per Kubernetes provider (a cluster; `undefined` is
 * the default provider), by `namespace/name`.
 */
function grantsOfThisStack(): Map<pulumi.ProviderResource | undefined, Map<string, StackGrant>> {
  return stackRunState('reference-grants', () => new Map<pulumi.ProviderResource | undefined, Map<string, StackGrant>>());
}

/** The ReferenceGrants of one component. */
export interface ComponentReferenceGrants {
  /** The ReferenceGrants grpc-mesh creates for the component's references, shared with every component that needs them. */
  readonly resources: readonly k8s.apiextensions.CustomResource[];
  /**
   * `namespace/name` of the grants that allow the component's references, once the program's synchronous
   * declarations are over; rejects with a {@link GrpcMeshResourceError} of the component (`MISSING_REFERENCE_GRANT`)
   * when a reference whose grant grpc-mesh does not generate is allowed by no grant of the stack. The component
   * registers it as an output, so that such a problem fails the component's registration.
   */
  readonly allowedBy: pulumi.Output<string[]>;
}

/**
 * Creates the ReferenceGrants a component's request needs, and checks the references whose grants it does not
 * generate (the core's `checkReferenceGrants`).
 *
 * Each grant is created once per stack and cluster, however many components need it, at the top of the stack (no
 * parent) as `reference-grant-<namespace>-<grant>`, prefixed with `<provider>-` when the components reach the
 * cluster through an explicit Kubernetes provider, which it is created with. Its name and parent, hence its URN, do
 * not depend on which component needs it first, so reordering or removing components never replaces it. It
 * depends on everything the components that need it depend on (`dependsOn`, gathered once the program's
 * synchronous declarations are over); their other options (transformations, `protect`) do not reach it.
 *
 * Pulumi cannot see ReferenceGrants created outside grpc-mesh: a reference whose grant grpc-mesh does not generate
 * must be allowed by a grant another component of the stack generates for the same cluster, before or after it.
 */
export function referenceGrantsOf(
  component: pulumi.ComponentResource,
  opts: pulumi.ComponentResourceOptions | undefined,
  request: ReferenceGrantRequest,
): ComponentReferenceGrants {
  const provider = component.getProvider(REFERENCE_GRANT_TYPE);
  const byProvider = grantsOfThisStack();
  const grants = byProvider.get(provider) ?? new Map<string, StackGrant>();
  byProvider.set(provider, grants);
  const resources = generatedReferenceGrants(request).map((manifest) => {
    const key = referenceGrantKey(manifest);
    const grant = grants.get(key) ?? createGrant(manifest, provider, component);
    grants.set(key, grant);
    if (opts?.dependsOn !== undefined) grant.dependsOn.push(opts.dependsOn);
    return grant.resource;
  });
  const allowedBy = request.refs.length === 0 ? pulumi.output([]) : pulumi.output(declarationsOver().then(() => {
    const check = checkReferenceGrants(request, [...grants.values()].map((g) => g.manifest));
    if (check.error) throw new GrpcMeshResourceError(check.error, component);
    return [...check.allowedBy];
  }));
  return { resources, allowedBy };
}

/**
 * Creates a grant at the top of the stack. `first` is the first component that needs it, whose child it was before
 * grpc-mesh created grants at the top of the stack (`<component>-reference-grant-<namespace>-<grant>`): the alias
 * lets a stack updated from then keep the Kubernetes object (a new URN would create it, then delete it with the old
 * one) when the program still declares that component first. An alias changes no URN, so the grant's does not
 * depend on the order of the components.
 */
function createGrant(manifest: KubeObject, provider: pulumi.ProviderResource | undefined, first: pulumi.ComponentResource): StackGrant {
  const dependsOn: StackGrant['dependsOn'] = [];
  const role = `reference-grant-${manifest.metadata.namespace}-${manifest.metadata.name}`;
  const name = provider === undefined ? role : `${pulumi.resourceName(provider)}-${role}`;
  // Pulumi gathers dependsOn recursively (arrays, promises and Outputs of resources, nested).
  const gathered = declarationsOver().then(() => dependsOn) as unknown as pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
  const resource = kubeResource(name, manifest, {
    ...(provider !== undefined && { provider }),
    dependsOn: gathered,
    aliases: [{ name: `${pulumi.resourceName(first)}-${role}`, parent: first }],
  });
  return { manifest, resource: resource as k8s.apiextensions.CustomResource, dependsOn };
}
