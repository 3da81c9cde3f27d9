import { performance } from 'node:perf_hooks';
import type { CallTarget } from './call-target';
import { parseGrpcStatus, statusOfHttpStatus } from './grpc-status';
import { formatGrpcTimeout } from './grpc-timeout';
import type { HeaderMap } from './header-modifier';
import { http2ErrorName, statusOfHttp2Error } from './http2-error-status';
import { methodNaming } from './named-methods';
import { RequestMirror, type MirrorTarget } from './request-mirror';
import { respondWithStatus, statusTrailers } from './status-response';
import { GrpcStatus } from '../../routing/grpc-status';
import type { Endpoint } from '../balancer/endpoint';
import type { Cluster } from '../cluster';
import { MAX_TRANSPARENT_RETRIES, RETRY_BUFFER_LIMIT_BYTES } from '../defaults';
import { CANCEL, INTERNAL_ERROR, NO_ERROR, REFUSED_STREAM } from '../h2/constants';
import { IGNORING_HANDLER } from '../h2/h2-connection';
import type { H2Stream, H2StreamHandler } from '../h2/h2-stream';
import type { HeaderFields } from '../h2/hpack/decoder';
import type { OutgoingFields } from '../h2/hpack/encoder';
import { channels, remoteAddressOf, type CallEndMessage, type RetryMessage } from '../observability/channels';
import { UpstreamSession } from '../upstream/upstream-session';

/** What a call needs of the proxy and listener that accepted it. */
export interface CallContext {
  /** Listener name. */
  readonly listener: string;
  /** Random source (balancing, jitter). */
  readonly random: () => number;
  /** Called once when the call has ended, whatever the way. */
  callEnded(call: ProxyCall): void;
}

/** Everything the dispatcher found out about a call before handing it over. */
export interface CallStart {
  readonly context: CallContext;
  readonly stream: H2Stream;
  /** The request headers; the call modifies them into the upstream request headers. */
  readonly headers: HeaderFields;
  readonly target: CallTarget;
  /** The client's `grpc-timeout` in milliseconds, or -1 when it sent none. */
  readonly clientTimeoutMs: number;
  readonly traceparent: string;
  readonly path: string;
  /** Index of the slash between service and method in `path`. */
  readonly slash: number;
  readonly startMs: number;
}

/**
 * One gRPC call through the proxy, from the client's stream (downstream) to a stream on an endpoint (upstream),
 * with retries over several upstream tries. The call is the handler of both its streams, so it allocates its state
 * object and little else.
 *
 * - Both directions are piped with backpressure: a `write()` that returns false pauses the other side (no more
 *   flow-control credit to that peer) until `onDrain`, so HTTP/2 flow control holds end to end and memory stays
 *   bounded by the stream windows.
 * - Deadline: the client's `grpc-timeout`, capped by the cluster's `requestMs`; every try sends the remaining
 *   budget upstream (or the per-try timeout when shorter). On expiry the upstream stream is reset (CANCEL) and the
 *   client gets DEADLINE_EXCEEDED. `streamIdleMs` without a frame either way ends the call the same way.
 * - Cancellation: a client reset resets the upstream stream (CANCEL); an upstream reset becomes the status of the
 *   gRPC spec's HTTP/2 mapping (REFUSED_STREAM UNAVAILABLE, CANCEL CANCELLED, ...), sent as a status when the
 *   client can still take one, else as a reset of the client's stream.
 * - Retries: a try that never reached an upstream application (connection failed, REFUSED_STREAM, GOAWAY before
 *   processing) is always retried at once on another endpoint, while the request bytes are still held (at most
 *   `RETRY_BUFFER_LIMIT_BYTES`). A configured status, in response headers (trailers-only) or in trailers, is
 *   retried after backoff while the request so far is within that cap and nothing went downstream: for a call whose
 *   request has ended (unary and server-streaming calls), response headers are held back until the first message
 *   or the trailers. A per-try timeout retries too. Retries respect the cluster's budget and the deadline.
 * - Response status and trailers pass through untouched; a message cut short is never followed by trailers
 *   (the client's stream is reset instead), so a client never mistakes a truncated message for a whole one.
 */
export class ProxyCall implements H2StreamHandler {
  private static onDeadline(call: ProxyCall): void {
    call.deadlineTimer = undefined;
    call.finishWithStatus(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded');
  }

  private static onTryTimeout(call: ProxyCall, timeoutMs: number): void {
    call.tryTimer = undefined;
    if (call.committed || call.finished || call.upstream === undefined) return;
    // The per-try timeout bounds tries of calls that can be retried; a streaming request is not one.
    if (!call.requestEnded) return;
    const message = `upstream ${call.endpoint?.key} did not answer within the per-try timeout of ${timeoutMs} ms`;
    if (call.retryAllowed()) call.scheduleRetry(GrpcStatus.DEADLINE_EXCEEDED, message, undefined);
    else call.finishWithStatus(GrpcStatus.DEADLINE_EXCEEDED, message);
  }

  private static onBackoffElapsed(call: ProxyCall): void {
    call.backoffTimer = undefined;
    if (call.finished) return;
    call.startTry();
  }

  private static onIdleCheck(call: ProxyCall): void {
    call.idleTimer = undefined;
    if (call.finished) return;
    const idleMs = performance.now() - call.lastActivityMs;
    const limit = call.cluster.streamIdleMs;
    if (idleMs >= limit) {
      call.finishWithStatus(GrpcStatus.DEADLINE_EXCEEDED, `stream idle for ${limit} ms`);
    } else {
      call.idleTimer = setTimeout(ProxyCall.onIdleCheck, limit - idleMs, call);
    }
  }

  private readonly context: CallContext;
  private readonly stream: H2Stream;
  private readonly headers: HeaderMap;
  private readonly target: CallTarget;
  private readonly cluster: Cluster;
  private readonly path: string;
  private readonly slash: number;
  private readonly traceparent: string;
  private readonly startMs: number;
  private readonly remoteAddress: string | undefined;
  /** Absolute deadline (`performance.now()` clock), or 0 for none. */
  private deadlineMs = 0;
  private lastActivityMs = 0;

  // Request.
  private replay: Buffer[] | undefined;
  private replayBytes = 0;
  private replayable = true;
  private requestEnded = false;
  private requestBytes = 0;
  /** Copies of the request to the rule's RequestMirror clusters. */
  private mirrors: RequestMirror[] | undefined;

  // The current try.
  private upstream: H2Stream | undefined;
  private endpoint: Endpoint | undefined;
  private tryResponse: HeaderFields | undefined;
  private tryTrailers: HeaderFields | undefined;
  private tryStatus = -1;
  private tryEnded = false;
  private lastMessage = '';
  private tries = 0;
  private retries = 0;
  private transparentRetries = 0;

  // Response.
  private committed = false;
  private finished = false;
  /** Whether the call reset the client's stream itself (its status is already set). */
  private downstreamReset = false;
  private status = -1;
  private responseBytes = 0;
  private prefixSeen = 0;
  private prefixLength = 0;
  private messageLeft = 0;

  /** @internal The call's slot in its proxy's `CallsInFlight`, -1 when in none. */
  public inFlightSlot = -1;

  private deadlineTimer: NodeJS.Timeout | undefined;
  private tryTimer: NodeJS.Timeout | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  /** @param start the routed call */
  public constructor(start: CallStart) {
    this.context = start.context;
    this.stream = start.stream;
    this.headers = start.headers as HeaderMap;
    this.target = start.target;
    this.cluster = start.target.cluster;
    this.path = start.path;
    this.slash = start.slash;
    this.traceparent = start.traceparent;
    this.startMs = start.startMs;
    this.remoteAddress = channels.callEnd.hasSubscribers ? remoteAddressOf(start.stream.connection.socket) : undefined;
    const requestMs = this.cluster.requestTimeoutMs;
    let timeoutMs = start.clientTimeoutMs;
    if (requestMs > 0 && (timeoutMs < 0 || requestMs < timeoutMs)) timeoutMs = requestMs;
    // performance.now() is above 0, so a deadline of "now" (grpc-timeout 0) is not mistaken for none.
    if (timeoutMs >= 0) this.deadlineMs = start.startMs + timeoutMs;
  }

  /** Takes over the client's stream and starts the first try. */
  public start(): void {
    this.stream.handler = this;
    this.cluster.activeCalls++;
    if (this.cluster.retry !== undefined) this.cluster.retryBudget.recordCall();
    const headers = this.headers;
    headers[':scheme'] = this.cluster.scheme;
    this.target.requestHeaders?.apply(headers);
    if (this.target.mirrors !== undefined) this.startMirrors();
    if (this.deadlineMs !== 0) {
      const remaining = this.deadlineMs - performance.now();
      if (remaining <= 0) {
        this.finishWithStatus(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded');
        return;
      }
      this.deadlineTimer = setTimeout(ProxyCall.onDeadline, remaining, this);
    }
    if (this.cluster.streamIdleMs > 0) {
      this.lastActivityMs = this.startMs;
      this.idleTimer = setTimeout(ProxyCall.onIdleCheck, this.cluster.streamIdleMs, this);
    }
    this.startTry();
  }

  /** Resets the call on both sides now (drain deadline passed). */
  public abort(): void {
    this.stream.reset(CANCEL);
  }

  /** @internal Headers of the upstream response. */
  public onHeaders(stream: H2Stream, headers: HeaderFields, endStream: boolean): void {
    if (stream === this.upstream) this.upstreamResponse(headers, endStream);
  }

  /** @internal Data from either side. */
  public onData(stream: H2Stream, chunk: Buffer): void {
    if (stream === this.upstream) this.upstreamData(stream, chunk);
    else if (stream === this.stream) this.downstreamData(chunk);
  }

  /** @internal Trailers of the upstream response (request trailers are not part of gRPC and are dropped). */
  public onTrailers(stream: H2Stream, trailers: HeaderFields): void {
    if (stream === this.upstream) this.upstreamTrailers(trailers);
  }

  /** @internal One side ended. */
  public onEnd(stream: H2Stream): void {
    if (stream === this.upstream) {
      this.tryEnded = true;
      this.endDownstreamIfComplete();
    } else if (stream === this.stream) {
      this.requestEnded = true;
      this.upstream?.end();
      const mirrors = this.mirrors;
      if (mirrors !== undefined) for (let i = 0; i < mirrors.length; i++) mirrors[i].end();
    }
  }

  /** @internal One side took everything queued: the other may send again. */
  public onDrain(stream: H2Stream): void {
    if (stream === this.upstream) {
      if (!this.finished) this.stream.resume();
    } else if (stream === this.stream) {
      this.upstream?.resume();
    }
  }

  /** @internal One side closed. */
  public onClose(stream: H2Stream): void {
    if (stream === this.upstream) this.upstreamClosed(stream);
    else if (stream === this.stream) this.downstreamClosed();
  }

  private startMirrors(): void {
    for (const target of this.target.mirrors as readonly MirrorTarget[]) {
      const mirror = RequestMirror.start(target, this.headers as HeaderFields, this.context.random);
      if (mirror !== undefined) (this.mirrors ??= []).push(mirror);
    }
  }

  private startTry(): void {
    const cluster = this.cluster;
    const endpoint = cluster.pick(this.endpoint);
    if (endpoint === undefined) {
      this.finishWithStatus(GrpcStatus.UNAVAILABLE, this.tries === 0 ? `no endpoint of cluster "${cluster.name}" is available` : this.lastFailure());
      return;
    }
    const headers = this.headers;
    let budgetMs = 0;
    if (this.deadlineMs !== 0) {
      budgetMs = this.deadlineMs - performance.now();
      if (budgetMs <= 0) {
        this.finishWithStatus(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded');
        return;
      }
    }
    const perTryMs = cluster.retry?.perTryTimeoutMs ?? 0;
    // Tell the upstream about the per-try timeout only when the request is complete (a retry): a first try may
    // turn out to be a long stream, which the per-try timeout does not bound.
    if (perTryMs > 0 && this.requestEnded && (budgetMs === 0 || perTryMs < budgetMs)) budgetMs = perTryMs;
    if (budgetMs > 0) headers['grpc-timeout'] = formatGrpcTimeout(budgetMs);
    this.tries++;
    this.endpoint = endpoint;
    endpoint.activeCalls++;
    this.tryResponse = undefined;
    this.tryTrailers = undefined;
    this.tryStatus = -1;
    this.tryEnded = false;
    let upstream: H2Stream;
    try {
      upstream = endpoint.pool.request(headers as OutgoingFields, this);
    } catch (error) {
      this.upstream = undefined;
      endpoint.activeCalls--;
      // Not an outlier failure: the endpoint's pool keeps it out of the picker until it reconnects.
      this.tryFailed(GrpcStatus.UNAVAILABLE, `cannot open a stream to upstream ${endpoint.key}: ${(error as Error).message}`, false, false);
      return;
    }
    this.upstream = upstream;
    const replay = this.replay;
    if (replay !== undefined) for (let i = 0; i < replay.length; i++) upstream.write(replay[i]);
    if (this.requestEnded) upstream.end();
    else this.stream.resume();
    if (perTryMs > 0 && !this.committed) this.tryTimer = setTimeout(ProxyCall.onTryTimeout, perTryMs, this, perTryMs);
  }

  private downstreamData(chunk: Buffer): void {
    if (this.finished) return;
    const mirrors = this.mirrors;
    if (mirrors !== undefined) for (let i = 0; i < mirrors.length; i++) mirrors[i].write(chunk);
    const length = chunk.length;
    this.requestBytes += length;
    if (this.idleTimer !== undefined) this.lastActivityMs = performance.now();
    if (this.replayable) {
      if (this.replayBytes + length > RETRY_BUFFER_LIMIT_BYTES) {this.dropReplay();} else {
        if (this.replay === undefined) this.replay = [chunk];
        else this.replay.push(chunk);
        this.replayBytes += length;
      }
    }
    const upstream = this.upstream;
    if (upstream !== undefined) {
      if (!upstream.write(chunk)) this.stream.pause();
    } else if (!this.replayable) {
      // Between two tries, with more request than can be replayed: the next try cannot be made.
      this.finishWithStatus(this.tryStatus >= 0 ? this.tryStatus : GrpcStatus.UNAVAILABLE, this.lastFailure());
    }
  }

  private upstreamResponse(headers: HeaderFields, endStream: boolean): void {
    this.tryResponse = headers;
    if (this.idleTimer !== undefined) this.lastActivityMs = performance.now();
    if (endStream) {
      // END_STREAM: a trailers-only response.
      this.tryTrailers = headers;
      const status = statusOfResponse(headers);
      this.tryStatus = status;
      if (!this.committed && this.retryOnStatus(status, headers)) return;
      this.commitTrailersOnly(headers, status);
      return;
    }
    if (this.mayRetryOnStatus()) return; // Hold the headers back until a message or the trailers arrive.
    this.commit();
  }

  private upstreamData(upstream: H2Stream, chunk: Buffer): void {
    if (!this.committed) this.commit();
    if (this.idleTimer !== undefined) this.lastActivityMs = performance.now();
    this.responseBytes += chunk.length;
    this.trackMessages(chunk);
    if (!this.stream.write(chunk)) upstream.pause();
  }

  private upstreamTrailers(trailers: HeaderFields): void {
    this.tryTrailers = trailers;
    if (this.idleTimer !== undefined) this.lastActivityMs = performance.now();
    const status = parseGrpcStatus(trailers['grpc-status']);
    this.tryStatus = status < 0 ? GrpcStatus.UNKNOWN : status;
    if (!this.committed) {
      if (this.retryOnStatus(this.tryStatus, trailers)) return;
      this.commit();
    }
    this.endDownstreamIfComplete();
  }

  private upstreamClosed(upstream: H2Stream): void {
    if (this.tryTrailers !== undefined) {
      // A complete response (trailers-only or trailers): the try succeeded as far as HTTP/2 goes.
      const status = this.tryStatus;
      this.releaseTry(false, isOutlierFailure(status));
      if (!this.tryEnded && !this.finished) this.finishWithStatus(status, 'upstream stream closed before the response was read');
      return;
    }
    const rstCode = upstream.rstCode < 0 ? NO_ERROR : upstream.rstCode;
    const session = UpstreamSession.of(upstream);
    const key = this.endpoint?.key;
    const refused = rstCode === REFUSED_STREAM;
    const reached = session !== undefined && session.connected && upstream.opened && !refused;
    let status: number;
    let message: string;
    if (upstream.connectionLost && !refused) {
      status = GrpcStatus.UNAVAILABLE;
      const reason = upstream.connection.error?.message ?? 'connection closed';
      message = reached ? `connection to upstream ${key} lost: ${reason}` : `cannot connect to upstream ${key}: ${reason}`;
    } else if (rstCode === NO_ERROR) {
      status = GrpcStatus.INTERNAL;
      message = `upstream ${key} ended the call without a grpc-status`;
    } else {
      status = statusOfHttp2Error(rstCode);
      message = `upstream ${key} reset the stream with ${http2ErrorName(rstCode)}`;
    }
    // A lost connection counts once for the endpoint (its pool reports it), not once per call it carried; a
    // refused stream was not the endpoint failing a call.
    this.tryFailed(status, message, reached, !refused && !upstream.connectionLost);
  }

  /** A try ended without a response: retry it if possible, else answer with its status. */
  private tryFailed(status: number, message: string, reached: boolean, countsAsOutlierFailure: boolean): void {
    this.tryStatus = status;
    this.lastMessage = message;
    this.releaseTry(false, countsAsOutlierFailure ? true : undefined);
    if (this.finished) return;
    if (!reached && !this.committed && this.replayable && this.transparentRetries < MAX_TRANSPARENT_RETRIES) {
      this.transparentRetries++;
      this.publishRetry(status);
      this.startTry();
      return;
    }
    if (!this.committed && this.retryOnStatus(status, undefined)) return;
    this.finishWithStatus(status, message);
  }

  private lastFailure(): string {
    return this.lastMessage || `no upstream of cluster "${this.cluster.name}" answered`;
  }

  /** Whether a retry could follow a status (so response headers are held back). */
  private mayRetryOnStatus(): boolean {
    const retry = this.cluster.retry;
    return retry !== undefined && this.requestEnded && this.replayable && !this.committed && this.retries < retry.attempts;
  }

  /**
   * Whether a retry may be made now (it takes one from the budget when so): nothing went downstream and the proxy
   * holds all of the request so far. A request still being sent is retried too: the new try gets what was sent, then
   * the rest as it comes (a connection lost between a unary call's headers and its message).
   */
  private retryAllowed(): boolean {
    const cluster = this.cluster;
    const retry = cluster.retry;
    return retry !== undefined
      && this.replayable && !this.committed && !this.finished
      && this.retries < retry.attempts
      && (this.deadlineMs === 0 || performance.now() < this.deadlineMs)
      && cluster.retryBudget.tryRetry();
  }

  /** Retries when the status is one the cluster retries on and a retry may be made. */
  private retryOnStatus(status: number, headers: HeaderFields | undefined): boolean {
    const retry = this.cluster.retry;
    if (retry === undefined || !retry.retriesOn(status) || !this.retryAllowed()) return false;
    const message = headers?.['grpc-message'];
    this.scheduleRetry(status, typeof message === 'string' ? message : `upstream answered with status ${status}`, isOutlierFailure(status));
    return true;
  }

  private scheduleRetry(status: number, message: string, outlierFailure: boolean | undefined): void {
    this.tryStatus = status;
    this.lastMessage = message;
    this.retries++;
    this.publishRetry(status);
    this.releaseTry(true, outlierFailure);
    const delayMs = (this.cluster.retry?.backoffMs(this.retries, this.context.random) ?? 0);
    this.backoffTimer = setTimeout(ProxyCall.onBackoffElapsed, delayMs, this);
  }

  private publishRetry(status: number): void {
    if (!channels.retry.hasSubscribers) return;
    const message: RetryMessage = {
      cluster: this.cluster.name,
      endpoint: this.endpoint?.key ?? '',
      attempt: this.retries + this.transparentRetries,
      status,
    };
    channels.retry.publish(message);
  }

  /** Ends the current try: bookkeeping, outlier detection and, when asked, a reset of its stream. */
  private releaseTry(reset: boolean, outlierFailure: boolean | undefined): void {
    const upstream = this.upstream;
    if (upstream === undefined) return;
    this.upstream = undefined;
    upstream.handler = IGNORING_HANDLER;
    const endpoint = this.endpoint as Endpoint;
    endpoint.activeCalls--;
    if (this.tryTimer !== undefined) {
      clearTimeout(this.tryTimer);
      this.tryTimer = undefined;
    }
    if (outlierFailure === true) this.cluster.balancer.outliers?.recordFailure(endpoint);
    else if (outlierFailure === false) endpoint.consecutiveFailures = 0;
    if (reset) upstream.reset(CANCEL);
  }

  /** Sends the held (or just received) response headers downstream; no retry after this. */
  private commit(): void {
    this.committed = true;
    this.dropReplay();
    if (this.tryTimer !== undefined) {
      clearTimeout(this.tryTimer);
      this.tryTimer = undefined;
    }
    const headers = this.tryResponse as HeaderFields;
    this.target.responseHeaders?.apply(headers as HeaderMap);
    this.stream.respond(headers, false);
  }

  private commitTrailersOnly(headers: HeaderFields, status: number): void {
    this.committed = true;
    this.finished = true;
    this.status = status;
    this.dropReplay();
    this.target.responseHeaders?.apply(headers as HeaderMap);
    this.stream.respond(headers, true);
  }

  /** Ends the client's stream with the upstream trailers once the upstream body has been read. */
  private endDownstreamIfComplete(): void {
    const trailers = this.tryTrailers;
    if (!this.committed || !this.tryEnded || trailers === undefined || this.finished) return;
    this.endDownstreamWith(trailers, this.tryStatus);
  }

  /** Sends the trailers once the data queued before them is sent. */
  private endDownstreamWith(trailers: OutgoingFields, status: number): void {
    this.finished = true;
    this.status = status;
    this.stream.sendTrailers(trailers);
  }

  /**
   * Answers the call with a status: trailers-only when nothing went downstream yet, trailers after a complete
   * message, a reset of the client's stream in the middle of a message. The upstream try is reset.
   */
  private finishWithStatus(code: number, message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.status = code;
    this.releaseTry(true, undefined);
    if (this.backoffTimer !== undefined) {
      clearTimeout(this.backoffTimer);
      this.backoffTimer = undefined;
    }
    if (!this.committed) {
      this.committed = true;
      this.dropReplay();
      respondWithStatus(this.stream, code, message);
    } else if (this.prefixSeen === 0 && this.messageLeft === 0) {
      this.endDownstreamWith(statusTrailers(code, message), code);
    } else {
      this.downstreamReset = true;
      this.stream.reset(code === GrpcStatus.CANCELLED ? CANCEL : INTERNAL_ERROR);
    }
  }

  private downstreamClosed(): void {
    const stream = this.stream;
    // Closed before the trailers went out: the client went away (reset, or closed its connection).
    if (!this.finished || (!stream.endSent && !this.downstreamReset)) {
      // The client went away (reset, or closed its connection) before the end of the response.
      this.finished = true;
      this.status = GrpcStatus.CANCELLED;
    }
    if (this.upstream !== undefined) {
      if (this.tryTrailers !== undefined) this.releaseTry(false, isOutlierFailure(this.tryStatus));
      else this.releaseTry(true, undefined);
    }
    this.dropReplay();
    if (this.mirrors !== undefined && !this.requestEnded) for (const mirror of this.mirrors) mirror.cancel();
    this.mirrors = undefined;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer);
    if (this.tryTimer !== undefined) clearTimeout(this.tryTimer);
    this.deadlineTimer = this.idleTimer = this.backoffTimer = this.tryTimer = undefined;
    this.cluster.activeCalls--;
    this.context.callEnded(this);
    if (channels.callEnd.hasSubscribers) this.publishEnd();
  }

  private publishEnd(): void {
    const service = this.path.slice(1, this.slash);
    const method = this.path.slice(this.slash + 1);
    const message: CallEndMessage = {
      listener: this.context.listener,
      service,
      method,
      traceparent: this.traceparent,
      route: this.target.routeKey,
      methodNaming: methodNaming(this.target.namedMethods, service, method),
      cluster: this.cluster.name,
      endpoint: this.endpoint?.key,
      status: this.status,
      retries: this.tries > 0 ? this.tries - 1 : 0,
      durationMs: performance.now() - this.startMs,
      requestBytes: this.requestBytes,
      responseBytes: this.responseBytes,
      remoteAddress: this.remoteAddress,
      requestId: typeof this.headers['x-request-id'] === 'string' ? this.headers['x-request-id'] : undefined,
    };
    channels.callEnd.publish(message);
  }

  private dropReplay(): void {
    this.replay = undefined;
    this.replayBytes = 0;
    this.replayable = false;
  }

  /** Follows the 5-byte gRPC message prefixes of the response, to know whether a message is cut. */
  private trackMessages(chunk: Buffer): void {
    const length = chunk.length;
    let position = 0;
    let left = this.messageLeft;
    let seen = this.prefixSeen;
    let size = this.prefixLength;
    while (position < length) {
      if (left > 0) {
        const take = left < length - position ? left : length - position;
        position += take;
        left -= take;
        continue;
      }
      const byte = chunk[position++];
      seen++;
      if (seen > 1) size = size * 256 + byte;
      if (seen === 5) {
        left = size;
        seen = 0;
        size = 0;
      }
    }
    this.messageLeft = left;
    this.prefixSeen = seen;
    this.prefixLength = size;
  }
}

/** Whether a try's status counts as a failure for outlier detection (UNKNOWN, INTERNAL, UNAVAILABLE, DATA_LOSS). */
function isOutlierFailure(status: number): boolean {
  return status === GrpcStatus.UNKNOWN || status === GrpcStatus.INTERNAL || status === GrpcStatus.UNAVAILABLE || status === GrpcStatus.DATA_LOSS;
}

/** The gRPC status of a trailers-only response: its `grpc-status`, else what its HTTP status maps to. */
function statusOfResponse(headers: HeaderFields): number {
  const status = parseGrpcStatus(headers['grpc-status']);
  return status >= 0 ? status : statusOfHttpStatus(Number(headers[':status']));
}
