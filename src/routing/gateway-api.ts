/**
 * The Gateway API types grpc-mesh reads and writes, with the spec's spelling (gateway.networking.k8s.io/v1,
 * Gateway API v1.6). Only what GRPCRoute, Gateway and ReferenceGrant need is modelled.
 * @see https://gateway-api.sigs.k8s.io/reference/spec/
 */

/** Gateway API group. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** Gateway API version of the kinds grpc-mesh emits. */
export const GATEWAY_API_VERSION = `${GATEWAY_API_GROUP}/v1`;

/** How a string is compared: exactly, or by a regular expression that must match all of it. */
export type MatchType = 'Exact' | 'RegularExpression';

/** Matches the gRPC service and/or method of a call (`/<service>/<method>`). At least one of them is set. */
export interface GRPCMethodMatch {
  /** How `service` and `method` are compared. Defaults to `Exact`. */
  readonly type?: MatchType;
  /** Fully qualified gRPC service, e.g. `user.v1.UserService`. */
  readonly service?: string;
  /** Method name, e.g. `GetUser`. */
  readonly method?: string;
}

/** Matches one request header (names compare case-insensitively). */
export interface GRPCHeaderMatch {
  /** How `value` is compared. Defaults to `Exact`. */
  readonly type?: MatchType;
  /** Header name. */
  readonly name: string;
  /** Expected value, or a regular expression. */
  readonly value: string;
}

/** One match of a rule: the method and every header match must hold. */
export interface GRPCRouteMatch {
  /** Method match; absent matches every method. */
  readonly method?: GRPCMethodMatch;
  /** Header matches, all of which must hold. */
  readonly headers?: readonly GRPCHeaderMatch[];
}

/** A header name and value. */
export interface HTTPHeader {
  /** Header name. */
  readonly name: string;
  /** Header value. */
  readonly value: string;
}

/** Adds, sets or removes headers. */
export interface HTTPHeaderFilter {
  /** Headers that replace any existing value. */
  readonly set?: readonly HTTPHeader[];
  /** Headers appended to any existing value. */
  readonly add?: readonly HTTPHeader[];
  /** Header names removed. */
  readonly remove?: readonly string[];
}

/** A reference to a backend object (a Service unless `group`/`kind` say otherwise). */
export interface BackendObjectReference {
  /** API group; `""` (core) for a Service. */
  readonly group?: string;
  /** Kind; `Service` when absent. */
  readonly kind?: string;
  /** Object name. */
  readonly name: string;
  /** Namespace; the route's own when absent. */
  readonly namespace?: string;
  /** Port of the Service. */
  readonly port?: number;
}

/** A fraction, for mirroring a share of the traffic. */
export interface Fraction {
  /** Numerator. */
  readonly numerator: number;
  /** Denominator; 100 when absent. */
  readonly denominator?: number;
}

/** Mirrors requests to another backend; responses of the mirror are ignored. */
export interface HTTPRequestMirrorFilter {
  /** Where requests are mirrored. */
  readonly backendRef: BackendObjectReference;
  /** Share of requests mirrored, in percent. */
  readonly percent?: number;
  /** Share of requests mirrored, as a fraction. */
  readonly fraction?: Fraction;
}

/** A filter of a GRPCRoute rule or backend. */
export interface GRPCRouteFilter {
  /** Which filter this is. */
  readonly type: 'RequestHeaderModifier' | 'ResponseHeaderModifier' | 'RequestMirror' | 'ExtensionRef';
  /** Set with type `RequestHeaderModifier`. */
  readonly requestHeaderModifier?: HTTPHeaderFilter;
  /** Set with type `ResponseHeaderModifier`. */
  readonly responseHeaderModifier?: HTTPHeaderFilter;
  /** Set with type `RequestMirror`. */
  readonly requestMirror?: HTTPRequestMirrorFilter;
  /** Set with type `ExtensionRef`. */
  readonly extensionRef?: LocalObjectReference;
}

/** A reference to an object in the same namespace. */
export interface LocalObjectReference {
  /** API group. */
  readonly group: string;
  /** Kind. */
  readonly kind: string;
  /** Name. */
  readonly name: string;
}

/** A weighted backend of a rule. */
export interface GRPCBackendRef extends BackendObjectReference {
  /** Proportion of the rule's traffic (not a percentage); 1 when absent, 0 gets nothing. */
  readonly weight?: number;
  /** Filters applied only to requests sent to this backend. */
  readonly filters?: readonly GRPCRouteFilter[];
}

/** One rule of a GRPCRoute. */
export interface GRPCRouteRule {
  /** Optional rule name. */
  readonly name?: string;
  /** Matches, ORed; a rule without matches matches every call. */
  readonly matches?: readonly GRPCRouteMatch[];
  /** Filters applied to every matched call. */
  readonly filters?: readonly GRPCRouteFilter[];
  /** Where matched calls go. */
  readonly backendRefs?: readonly GRPCBackendRef[];
}

/** A reference from a route to its parent: a Gateway (optionally one listener) or a Service (GAMMA). */
export interface ParentReference {
  /** API group: `gateway.networking.k8s.io` for a Gateway (the default), `""` for a Service. */
  readonly group?: string;
  /** `Gateway` (the default) or `Service`. */
  readonly kind?: string;
  /** Namespace; the route's own when absent. */
  readonly namespace?: string;
  /** Parent name. */
  readonly name: string;
  /** Listener name of a Gateway. */
  readonly sectionName?: string;
  /** Port of the listener or Service. */
  readonly port?: number;
}

/** Spec of a GRPCRoute. */
export interface GRPCRouteSpec {
  /** Parents the route attaches to. */
  readonly parentRefs?: readonly ParentReference[];
  /** Hostnames the route serves; every hostname when absent. */
  readonly hostnames?: readonly string[];
  /** Rules. */
  readonly rules?: readonly GRPCRouteRule[];
}
