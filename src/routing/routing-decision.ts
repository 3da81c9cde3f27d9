import type { GRPCBackendRef, GRPCRouteRule, GRPCRouteSpec } from './gateway-api';
import { GrpcStatus } from './grpc-status';

/**
 * Name of a status code routing answers with: UNIMPLEMENTED when no route, rule or hostname matches the call;
 * UNAVAILABLE when a rule matched but has no backend to send it to (no backendRefs, all weights 0, or an invalid backend).
 */
export type GrpcStatusName = 'UNIMPLEMENTED' | 'UNAVAILABLE';

/** Why routing answered with a status instead of a backend (stable tokens, fit for metric labels). */
export type StatusReason = 'NO_MATCHING_HOSTNAME' | 'NO_MATCHING_RULE' | 'NO_BACKENDS' | 'INVALID_BACKEND';

/** A GRPCRoute as the route table takes it: the Gateway API object (`apiVersion`/`kind` are not needed). */
export interface RouteInput {
  /** Object metadata; only these fields are read. */
  readonly metadata: {
    /** Route name. */
    readonly name: string;
    /**
     * Route namespace.
     * @default 'default'
     */
    readonly namespace?: string;
    /**
     * Creation time (RFC 3339); older routes win precedence ties.
     * @default - younger than any route that has one
     */
    readonly creationTimestamp?: string;
  };
  /** Route spec; `parentRefs` is not read (the caller decides which routes are attached to the parent). */
  readonly spec: GRPCRouteSpec;
}

/** The call goes nowhere: answer it with this gRPC status. */
export interface StatusDecision {
  /** Discriminator. */
  readonly kind: 'status';
  /** gRPC status code: 12 (UNIMPLEMENTED) or 14 (UNAVAILABLE). */
  readonly code: GrpcStatus.UNIMPLEMENTED | GrpcStatus.UNAVAILABLE;
  /** Name of the status code. */
  readonly name: GrpcStatusName;
  /** Why. */
  readonly reason: StatusReason;
  /** A sentence for logs and `grpc-message`. */
  readonly message: string;
}

/** The rule that wins a call, and which of its matches and which route hostname made it win. */
export interface MatchedRule {
  /** Discriminator. */
  readonly kind: 'route';
  /** The winning route, as given to the table. */
  readonly route: RouteInput;
  /** `namespace/name` of the route. */
  readonly routeKey: string;
  /** Index of the rule in `route.spec.rules`. */
  readonly ruleIndex: number;
  /** The rule. */
  readonly rule: GRPCRouteRule;
  /** Index of the match that matched in `rule.matches`; -1 for a rule without matches (it matches every call). */
  readonly matchIndex: number;
  /**
   * The hostname the call matched: a route hostname narrowed to the listener hostname; undefined when the route
   * and the listener allow every host.
   */
  readonly hostname: string | undefined;
}

/** Result of `RouteTable.match()`: the winning rule, or the status to answer with. */
export type RouteDecision = MatchedRule | StatusDecision;

/** The call goes to this backend. */
export interface PickedBackend {
  /** Discriminator. */
  readonly kind: 'backend';
  /** The rule that matched. */
  readonly matched: MatchedRule;
  /** The picked backend. */
  readonly backendRef: GRPCBackendRef;
  /** Index of the backend in `rule.backendRefs`. */
  readonly backendIndex: number;
  /** `namespace/name` of the backend (its namespace defaults to the route's). */
  readonly backendKey: string;
}

/** Result of `RouteTable.route()`: the backend, or the status to answer with. */
export type BackendDecision = PickedBackend | StatusDecision;

/**
 * Builds a status decision. The table keeps them prebuilt, so routing allocates nothing per call.
 * @param name UNIMPLEMENTED or UNAVAILABLE
 * @param reason the stable reason token
 * @param message a sentence for logs
 */
export function statusDecision(name: GrpcStatusName, reason: StatusReason, message: string): StatusDecision {
  return Object.freeze({ kind: 'status', code: GrpcStatus[name], name, reason, message });
}
