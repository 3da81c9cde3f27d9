import { createHash } from 'node:crypto';
import * as d from './defaults';
import type { KubeObject } from './kube';
import { GATEWAY_API_GROUP } from '../routing/gateway-api';

/** A reference from an object in one namespace to an object in another, which a ReferenceGrant must allow. */
export interface CrossNamespaceReference {
  /** Kind of the referring object (`GRPCRoute`, `Gateway`). */
  readonly fromKind: 'GRPCRoute' | 'Gateway';
  /** Namespace of the referring object. */
  readonly fromNamespace: string;
  /** Kind of the referenced object (`Service`, `Secret`). */
  readonly toKind: 'Service' | 'Secret';
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
