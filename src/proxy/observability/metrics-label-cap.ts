import type { MethodNaming } from '../forward/named-methods';

/** Label value given to calls whose service and method cannot get labels of their own. */
export const OTHER_LABEL = 'other';

/** A fully qualified gRPC service name: what a label can safely carry. */
const SERVICE = /^[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/;
/** A gRPC method name. */
const METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;
/** Longest service or method name kept as a label. */
const MAX_NAME_LENGTH = 128;

/** `grpc_service` and `grpc_method` label values. */
export interface MethodLabels {
  readonly grpc_service: string;
  readonly grpc_method: string;
}

/**
 * Bounds the `grpc_service`/`grpc_method` label values, which come from clients (the `:path` of a request): one
 * client sending random paths must not grow the metrics without end. A call is labelled only by what the rule it
 * matched names exactly (`namedMethodsOf`): its service and method, its service with method `other`, or
 * `other`/`other`; a catch-all rule or a regular expression names nothing. So the label values are bounded by the
 * config; well-formed gRPC identifiers of at most 128 characters and `maxPairs` distinct pairs bound them further.
 */
export class MethodLabelCap {
  private static readonly OTHER: MethodLabels = Object.freeze({ grpc_service: OTHER_LABEL, grpc_method: OTHER_LABEL });
  private readonly pairs = new Map<string, MethodLabels>();

  /** @param maxPairs distinct service/method pairs labelled by name at most */
  public constructor(public readonly maxPairs = 1000) {}

  /**
   * The labels of a call.
   * @param service the call's gRPC service
   * @param method the call's gRPC method
   * @param naming how much of them the matched rule names exactly
   */
  public labels(service: string, method: string, naming: MethodNaming): MethodLabels {
    if (naming === 'none') return MethodLabelCap.OTHER;
    const labelled = naming === 'method' ? method : OTHER_LABEL;
    const key = `${service}/${labelled}`;
    const known = this.pairs.get(key);
    if (known !== undefined) return known;
    if (this.pairs.size >= this.maxPairs || !isLabelSafe(service, SERVICE) || !isLabelSafe(labelled, METHOD)) return MethodLabelCap.OTHER;
    const labels = Object.freeze({ grpc_service: service, grpc_method: labelled });
    this.pairs.set(key, labels);
    return labels;
  }

  /** Distinct pairs labelled by name so far. */
  public get size(): number {
    return this.pairs.size;
  }
}

function isLabelSafe(name: string, pattern: RegExp): boolean {
  return name.length <= MAX_NAME_LENGTH && pattern.test(name);
}
