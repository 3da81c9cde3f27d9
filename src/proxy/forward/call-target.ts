import type { HeaderModifier } from './header-modifier';
import type { MirrorTarget } from './request-mirror';
import type { Cluster } from '../cluster';

/** Where a routed call goes, precomputed once per backend of a rule: the cluster and the rule's filters. */
export interface CallTarget {
  /** The cluster. */
  readonly cluster: Cluster;
  /** `namespace/name` of the matched route. */
  readonly routeKey: string;
  /** The gRPC methods the rule names exactly (see `namedMethodsOf`), which metrics may label calls by. */
  readonly namedMethods: ReadonlySet<string>;
  /** RequestHeaderModifier filters of the rule and backend, merged. */
  readonly requestHeaders: HeaderModifier | undefined;
  /** ResponseHeaderModifier filters of the rule and backend, merged. */
  readonly responseHeaders: HeaderModifier | undefined;
  /** RequestMirror filters of the rule and backend, or undefined when there is none. */
  readonly mirrors: readonly MirrorTarget[] | undefined;
}
