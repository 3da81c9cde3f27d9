import type { ParentReference } from '../../routing/gateway-api';
import type { ValidationIssue } from '../errors';

/** Why a route is or is not attached to a parent: the reasons of the GRPCRoute `Accepted` condition. */
export type AcceptedReason = 'Accepted' | 'NoMatchingParent' | 'NotAllowedByListeners' | 'NoMatchingListenerHostname' | 'UnsupportedValue';

/** Whether every backend of a route resolved: the reasons of the GRPCRoute `ResolvedRefs` condition. */
export type ResolvedRefsReason = 'ResolvedRefs' | 'RefNotPermitted' | 'BackendNotFound' | 'InvalidKind';

/** The status a Gateway API controller would write for one parentRef of a route. */
export interface ParentStatus {
  /** The parentRef, as written in the route. */
  readonly parentRef: ParentReference;
  /** Whether the route is attached to the parent (condition `Accepted`). */
  readonly accepted: boolean;
  /** Reason of the `Accepted` condition. */
  readonly reason: AcceptedReason;
  /** Why, for a person. */
  readonly message: string;
  /** Whether every backendRef resolved (condition `ResolvedRefs`); unresolved ones get UNAVAILABLE for their share. */
  readonly resolvedRefs: boolean;
  /** Reason of the `ResolvedRefs` condition (the first problem when there are several). */
  readonly resolvedRefsReason: ResolvedRefsReason;
  /** Which references did not resolve, and why. */
  readonly resolvedRefsMessage: string;
}

/** The status of one route of the compile: one entry per parentRef that names the compiled parent. */
export interface RouteAcceptance {
  /** `namespace/name` of the GRPCRoute. */
  readonly route: string;
  /** The route's status for each parentRef that names the compiled Gateway or mesh Service. */
  readonly parents: readonly ParentStatus[];
}

/**
 * Something the compile could not honour exactly, or that deserves attention; the config is still usable. Its
 * `path` names the object and field concerned, e.g. `GRPCRoute "app/users".spec.rules[0].backendRefs[1]`.
 */
export type CompileWarning = ValidationIssue;
