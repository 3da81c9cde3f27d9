import { createHash } from 'node:crypto';
import * as d from './defaults';
import { GrpcMeshValidationError, type ValidationIssue } from './errors';
import type { KubeObject } from './kube';
import { GATEWAY_API_GROUP } from '../routing/gateway-api';

/** A reference from an object in one namespace to an object in another, which a ReferenceGrant must allow. */
export interface CrossNamespaceReference {
  /** Kind of the referring object (`GRPCRoute`, `Gateway`). */
  readonly fromKind: 'GRPCRoute' | 'Gateway';
  /** Namespace of the referring object. */
  readonly fromNamespace: string;
  /** Kind of the referenced object (`Service`, `Secret`). */
  readonly toKind: 'Service' | 'Secret' | 'ConfigMap';
  /** Namespace of the referenced object. */
  readonly toNamespace: string;
  /** Name of the referenced object. */
  readonly toName: string;
}

/** Gateway API version of ReferenceGrant (served as v1beta1). */
export const REFERENCE_GRANT_API_VERSION = `${GATEWAY_API_GROUP}/v1beta1`;

/** The references among `refs` that cross namespaces, without duplicates, in a stable order. */
export function crossNamespaceReferences(refs: readonly CrossNamespaceReference[]): CrossNamespaceReference[] {
  const unique = new Map<string, CrossNamespaceReference>();
  for (const ref of refs) {
    if (ref.fromNamespace !== ref.toNamespace) unique.set(referenceGrantName(ref) + '/' + ref.toNamespace, ref);
  }
  return [...unique.values()];
}

/**
 * Name of the ReferenceGrant that allows `ref`: one grant per referring kind and namespace and referenced object,
 * so two routes of one namespace that reach the same Service share it.
 */
export function referenceGrantName(ref: CrossNamespaceReference): string {
  const name = `${ref.fromKind.toLowerCase()}-from-${ref.fromNamespace}-to-${ref.toKind.toLowerCase()}-${ref.toName}`;
  if (name.length <= 253) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, 242)}-${hash}`;
}

/** The narrowest ReferenceGrant that allows `ref`: from one kind in one namespace, to one object by name. */
export function renderReferenceGrant(ref: CrossNamespaceReference): KubeObject {
  return {
    apiVersion: REFERENCE_GRANT_API_VERSION,
    kind: 'ReferenceGrant',
    metadata: {
      name: referenceGrantName(ref),
      namespace: ref.toNamespace,
      labels: { 'app.kubernetes.io/managed-by': d.MANAGED_BY },
    },
    spec: {
      from: [{ group: GATEWAY_API_GROUP, kind: ref.fromKind, namespace: ref.fromNamespace }],
      to: [{ group: '', kind: ref.toKind, name: ref.toName }],
    },
  };
}

/** Whether a ReferenceGrant manifest (any the app defines) allows `ref`. */
export function grantAllows(grant: KubeObject, ref: CrossNamespaceReference): boolean {
  if (grant.kind !== 'ReferenceGrant' || grant.metadata.namespace !== ref.toNamespace) return false;
  const spec = grant.spec as { from?: Array<Record<string, string>>; to?: Array<Record<string, string>> } | undefined;
  const fromOk = (spec?.from ?? []).some((f) => f.group === GATEWAY_API_GROUP && f.kind === ref.fromKind && f.namespace === ref.fromNamespace);
  const toOk = (spec?.to ?? []).some((t) => (t.group ?? '') === '' && t.kind === ref.toKind && (t.name === undefined || t.name === ref.toName));
  return fromOk && toOk;
}

/** Describes a reference for messages: `GRPCRoute in "app" -> Service "payments/users"`. */
export function describeReference(ref: CrossNamespaceReference): string {
  return `${ref.fromKind} in "${ref.fromNamespace}" -> ${ref.toKind} "${ref.toNamespace}/${ref.toName}"`;
}

/**
 * What one construct asks of the app's ReferenceGrants: a `GrpcRoute` or `CanaryGrpcRoute` that writes its GRPCRoute
 * (backends and mirrors in other namespaces), or a `GrpcGateway` (certificate Secrets in other namespaces).
 */
export interface ReferenceGrantRequest {
  /** How messages name the construct, e.g. `GrpcRoute "shop/checkout"`. */
  readonly subject: string;
  /** Its references into other namespaces: each needs a ReferenceGrant in the namespace it reaches. */
  readonly refs: readonly CrossNamespaceReference[];
  /**
   * Whether grpc-mesh generates their grants (the `referenceGrants` prop). If not, each reference must be allowed
   * by a grant the app (cdk8s) or the stack (Pulumi) defines, or the construct fails.
   */
  readonly generate: boolean;
  /** Whether a reference no grant of the app allows fails the construct: false with `referenceGrants: 'external'`. */
  readonly check: boolean;
}

/**
 * What the `referenceGrants` prop of routes and Gateways asks for: generate the grants (`true`, the default),
 * require grants defined in the app (`false`), or leave them to the owners of the target namespaces ('external').
 */
export function resolveReferenceGrantsProp(
  value: boolean | 'external' | undefined,
): { generateReferenceGrants: boolean; checkReferenceGrants: boolean } {
  return { generateReferenceGrants: value === undefined || value === true, checkReferenceGrants: value !== 'external' };
}

/**
 * The request of a resolved route or Gateway.
 * @param model the model's cross-namespace references and its `referenceGrants` prop, resolved
 * @param subject how messages name the construct
 */
export function referenceGrantRequest(
  model: {
    readonly crossNamespaceRefs: readonly CrossNamespaceReference[];
    readonly generateReferenceGrants: boolean;
    readonly checkReferenceGrants: boolean;
  },
  subject: string,
): ReferenceGrantRequest {
  return { subject, refs: model.crossNamespaceRefs, generate: model.generateReferenceGrants, check: model.checkReferenceGrants };
}

/**
 * The ReferenceGrants grpc-mesh creates for a request: the narrowest grant of each reference, or none when the
 * app must define them. Adapters create each grant once however many constructs need it (see
 * {@link referenceGrantKey}).
 */
export function generatedReferenceGrants(request: Pick<ReferenceGrantRequest, 'refs' | 'generate'>): KubeObject[] {
  return request.generate ? request.refs.map(renderReferenceGrant) : [];
}

/** Identity of a ReferenceGrant in one cluster, `namespace/name`: two constructs that need the same grant share it. */
export function referenceGrantKey(grant: KubeObject): string {
  return `${grant.metadata.namespace}/${grant.metadata.name}`;
}

/** What {@link checkReferenceGrants} found. */
export interface ReferenceGrantCheck {
  /** `namespace/name` of the grant that allows each reference of the request it found one for, without duplicates. */
  readonly allowedBy: readonly string[];
  /** Every reference no grant allows (`MISSING_REFERENCE_GRANT`), when there is one. */
  readonly error?: GrpcMeshValidationError;
}

/**
 * Checks a request against the ReferenceGrants of the app (cdk8s: every ReferenceGrant of the app; Pulumi: those
 * grpc-mesh creates in the stack for the same cluster), once every construct exists. A reference whose grant
 * grpc-mesh generates needs no check; each other reference that no grant allows is a `MISSING_REFERENCE_GRANT`
 * problem, which fails the construct in both adapters.
 * @param grants the ReferenceGrants of the app, generated or not
 */
export function checkReferenceGrants(request: ReferenceGrantRequest, grants: readonly KubeObject[]): ReferenceGrantCheck {
  const allowedBy = new Set<string>();
  const issues: ValidationIssue[] = [];
  if (!request.generate && !request.check) return { allowedBy: [] }; // 'external': the target namespaces' owners grant
  for (const ref of request.refs) {
    const grant = request.generate ? renderReferenceGrant(ref) : grants.find((g) => grantAllows(g, ref));
    if (grant !== undefined) allowedBy.add(referenceGrantKey(grant));
    else issues.push(missingReferenceGrant(ref));
  }
  return { allowedBy: [...allowedBy], ...(issues.length > 0 && { error: new GrpcMeshValidationError(request.subject, issues) }) };
}

function missingReferenceGrant(ref: CrossNamespaceReference): ValidationIssue {
  return {
    code: 'MISSING_REFERENCE_GRANT',
    path: 'referenceGrants',
    value: false,
    message: `is false, and no ReferenceGrant allows ${describeReference(ref)}`,
    hint: `Define a ReferenceGrant in namespace "${ref.toNamespace}" that allows it, or let grpc-mesh generate it (referenceGrants: true), `
      + 'or set referenceGrants: \'external\' when that namespace\'s owner defines it outside this app.',
  };
}
