import type { HTTPRequestMirrorFilter } from '../../routing';
import type { Endpoint } from '../balancer/endpoint';
import type { Cluster } from '../cluster';
import { DEFAULT_MIRROR_FRACTION_DENOMINATOR } from '../defaults';
import { CANCEL } from '../h2/constants';
import type { H2Stream, H2StreamHandler } from '../h2/h2-stream';
import { copyFields, type HeaderFields } from '../h2/hpack/decoder';

/** A RequestMirror filter, compiled: where copies go and which share of the calls is copied. */
export interface MirrorTarget {
  /** The mirror's cluster. */
  readonly cluster: Cluster;
  /** Share of calls mirrored, from 0 to 1. */
  readonly share: number;
}

/** Request bytes a mirror may have queued (its upstream reads slower than the client sends) before it is dropped. */
const MIRROR_QUEUE_LIMIT_BYTES = 1024 * 1024;

/** The share of calls a RequestMirror filter copies: `percent`, else `fraction` (denominator 100 by default), else all. */
export function mirrorShare(filter: HTTPRequestMirrorFilter): number {
  if (filter.percent !== undefined) return filter.percent / 100;
  const fraction = filter.fraction;
  if (fraction !== undefined) return Math.min(1, fraction.numerator / (fraction.denominator ?? DEFAULT_MIRROR_FRACTION_DENOMINATOR));
  return 1;
}

/**
 * A copy of a call's request sent to a mirror cluster (Gateway API RequestMirror), fire and forget, as Envoy's
 * request mirroring: the same headers (after the rule's request header filters) with `-shadow` appended to the
 * host of `:authority`, the same request messages as they arrive, and the response read and dropped. A mirror
 * never slows or fails the call: it is not started when the mirror cluster has no endpoint or is at its circuit
 * breaker limit, it is dropped (reset) when it falls more than 1 MiB behind, and it is cancelled when the client
 * cancels the call. Mirrors count as calls of their cluster and endpoint while they run.
 */
export class RequestMirror implements H2StreamHandler {
  /**
   * Starts a mirror of a call, or none (not sampled, no endpoint, circuit breaker full, stream refused).
   * @param target the mirror cluster and share
   * @param headers the call's request headers (copied)
   * @param random random source for the share
   */
  public static start(target: MirrorTarget, headers: HeaderFields, random: () => number): RequestMirror | undefined {
    if (target.share < 1 && random() >= target.share) return undefined;
    const cluster = target.cluster;
    if (cluster.activeCalls >= cluster.maxConcurrentCalls) return undefined;
    const endpoint = cluster.pick(undefined);
    if (endpoint === undefined) return undefined;
    const mirror = new RequestMirror(cluster, endpoint);
    try {
      mirror.stream = endpoint.pool.request(shadowHeaders(headers, cluster.scheme), mirror);
    } catch {
      return undefined;
    }
    cluster.activeCalls++;
    endpoint.activeCalls++;
    return mirror;
  }

  private stream: H2Stream | undefined;

  private constructor(private readonly cluster: Cluster, private readonly endpoint: Endpoint) {}

  /** Copies request bytes; drops the mirror when its upstream falls too far behind. */
  public write(chunk: Buffer): void {
    const stream = this.stream as H2Stream;
    stream.write(chunk);
    if (stream.bufferedBytes > MIRROR_QUEUE_LIMIT_BYTES) stream.reset(CANCEL);
  }

  /** The request ended. */
  public end(): void {
    this.stream?.end();
  }

  /** The client cancelled the call. */
  public cancel(): void {
    this.stream?.reset(CANCEL);
  }

  /** @internal The mirror's response is dropped. */
  public onHeaders(): void {
    // Dropped.
  }

  /** @internal */
  public onData(): void {
    // Dropped (the stream is never paused, so the upstream keeps its flow-control credit).
  }

  /** @internal */
  public onTrailers(): void {
    // Dropped.
  }

  /** @internal */
  public onEnd(): void {
    // Nothing to do: the stream closes once the request has ended too.
  }

  /** @internal */
  public onDrain(): void {
    // Writes never wait for the mirror.
  }

  /** @internal */
  public onClose(): void {
    this.cluster.activeCalls--;
    this.endpoint.activeCalls--;
  }
}

/** A copy of request headers for a mirror: `-shadow` after the host of `:authority` (before a port), the mirror cluster's `:scheme`. */
function shadowHeaders(headers: HeaderFields, scheme: string): HeaderFields {
  const copy = copyFields(headers);
  copy[':scheme'] = scheme;
  const authority = headers[':authority'];
  if (typeof authority === 'string') {
    const colon = authority.lastIndexOf(':');
    const hasPort = colon > authority.lastIndexOf(']') && colon !== -1;
    copy[':authority'] = hasPort ? `${authority.slice(0, colon)}-shadow${authority.slice(colon)}` : `${authority}-shadow`;
  }
  return copy;
}
