import { performance } from 'node:perf_hooks';
import { parseGrpcTimeout } from './grpc-timeout';
import { ProxyCall, type CallContext } from './proxy-call';
import type { RoutingState } from './routing-state';
import { respondWithStatus } from './status-response';
import { isValidTraceparent, newTraceparent } from './trace-context';
import type { ScratchCall } from '../../core/listener-routes';
import { serviceMethodSeparator } from '../../routing';
import { GrpcStatus } from '../../routing/grpc-status';
import type { H2Stream } from '../h2/h2-stream';
import type { HeaderFields } from '../h2/hpack/decoder';
import { channels, remoteAddressOf, type BreakerOverflowMessage, type CallEndMessage, type CallStartMessage } from '../observability/channels';

/** A listener's view of the proxy: where it reports calls. */
export interface ListenerContext extends CallContext {
  /** Called for every call handed to a `ProxyCall`. */
  callStarted(call: ProxyCall): void;
}

/**
 * Takes each new stream of a listener: checks the `:path` shape (a malformed one gets UNIMPLEMENTED), routes the
 * call through the listener's current route tables (UNIMPLEMENTED when no virtual host or nothing matches,
 * UNAVAILABLE for a rule without backends), checks `grpc-timeout` (a malformed value gets INTERNAL, as gRPC
 * servers answer), applies the cluster's circuit breaker (its overflow status), makes sure the call carries a
 * valid W3C `traceparent` (propagated when valid, created otherwise; `tracestate` passes through), and hands the
 * call to a `ProxyCall`. Early answers are trailers-only responses. The route tables are swapped atomically on
 * reload; while a reload binds new listeners, their calls are routed with the tables being applied.
 */
export class CallDispatcher {
  private state: RoutingState;
  private pending: RoutingState | undefined;
  private readonly random: () => number;
  private readonly scratch: ScratchCall = { authority: undefined, path: '', headers: {} };

  /**
   * @param state the compiled routes
   * @param random random source of weighted backend picks
   */
  public constructor(state: RoutingState, random: () => number) {
    this.state = state;
    this.random = random;
  }

  /** Routes calls accepted from now on with `state`. */
  public setState(state: RoutingState): void {
    this.state = state;
    this.pending = undefined;
  }

  /**
   * Routes the calls of listeners the current state does not know with `state` (a reload binding new listeners
   * before it swaps the state in); undefined stops that (the reload failed).
   */
  public setPendingState(state: RoutingState | undefined): void {
    this.pending = state;
  }

  /** Handles a new stream. Never throws: a bug in one call must not take the listener down. */
  public dispatch(context: ListenerContext, stream: H2Stream, headers: HeaderFields): void {
    try {
      this.route(context, stream, headers);
    } catch (error) {
      respondWithStatus(stream, GrpcStatus.INTERNAL, `proxy error: ${(error as Error).message}`);
    }
  }

  private route(context: ListenerContext, stream: H2Stream, headers: HeaderFields): void {
    const startMs = performance.now();
    const path = headers[':path'] as string | undefined;
    const slash = path === undefined ? -1 : serviceMethodSeparator(path);
    if (slash === -1) {
      const message = `malformed :path ${JSON.stringify(path ?? '')}: want /<service>/<method>`;
      answer(context, stream, headers, startMs, path ?? '', -1, GrpcStatus.UNIMPLEMENTED, message);
      return;
    }
    const routes = this.state.routesOf(context.listener) ?? this.pending?.routesOf(context.listener);
    if (routes === undefined) {
      answer(context, stream, headers, startMs, path as string, slash, GrpcStatus.UNAVAILABLE, `listener "${context.listener}" is not configured`);
      return;
    }
    const scratch = this.scratch;
    scratch.path = path as string;
    scratch.headers = headers;
    const decision = routes.route(scratch, this.random);
    scratch.headers = EMPTY_HEADERS;
    if (decision.kind === 'status') {
      answer(context, stream, headers, startMs, path as string, slash, decision.code, decision.message);
      return;
    }
    const target = this.state.targetOf(decision);
    const timeoutHeader = headers['grpc-timeout'];
    let clientTimeoutMs = -1;
    if (timeoutHeader !== undefined) {
      clientTimeoutMs = parseGrpcTimeout(timeoutHeader as string);
      if (clientTimeoutMs < 0) {
        answer(context, stream, headers, startMs, path as string, slash, GrpcStatus.INTERNAL, `Invalid grpc-timeout value "${timeoutHeader}"`);
        return;
      }
    }
    const cluster = target.cluster;
    if (cluster.activeCalls >= cluster.maxConcurrentCalls) {
      if (channels.breakerOverflow.hasSubscribers) channels.breakerOverflow.publish({ cluster: cluster.name } satisfies BreakerOverflowMessage);
      answer(context, stream, headers, startMs, path as string, slash, cluster.overflowStatus,
        `cluster "${cluster.name}" has ${cluster.activeCalls} calls in flight, its circuit breaker's limit`);
      return;
    }
    let traceparent = headers.traceparent;
    if (typeof traceparent !== 'string' || !isValidTraceparent(traceparent)) {
      traceparent = newTraceparent();
      headers.traceparent = traceparent;
    }
    if (channels.callStart.hasSubscribers) publishStart(context, path as string, slash, traceparent);
    const call = new ProxyCall({ context, stream, headers, target, clientTimeoutMs, traceparent, path: path as string, slash, startMs });
    context.callStarted(call);
    call.start();
  }
}

const EMPTY_HEADERS: Readonly<HeaderFields> = Object.freeze({});

function publishStart(context: ListenerContext, path: string, slash: number, traceparent: string): void {
  const message: CallStartMessage = {
    listener: context.listener,
    service: slash === -1 ? '' : path.slice(1, slash),
    method: slash === -1 ? path : path.slice(slash + 1),
    traceparent,
  };
  channels.callStart.publish(message);
}

/** Answers a call the proxy does not forward, and reports it. */
function answer(
  context: ListenerContext, stream: H2Stream, headers: HeaderFields, startMs: number,
  path: string, slash: number, code: number, message: string,
): void {
  respondWithStatus(stream, code, message);
  if (!channels.callStart.hasSubscribers && !channels.callEnd.hasSubscribers) return;
  const incoming = headers.traceparent;
  const traceparent = typeof incoming === 'string' && isValidTraceparent(incoming) ? incoming : newTraceparent();
  if (channels.callStart.hasSubscribers) publishStart(context, path, slash, traceparent);
  if (!channels.callEnd.hasSubscribers) return;
  const end: CallEndMessage = {
    listener: context.listener,
    service: slash === -1 ? '' : path.slice(1, slash),
    method: slash === -1 ? path : path.slice(slash + 1),
    traceparent,
    methodNaming: 'none',
    status: code,
    retries: 0,
    durationMs: performance.now() - startMs,
    requestBytes: 0,
    responseBytes: 0,
    remoteAddress: remoteAddressOf(stream.connection.socket),
    requestId: typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : undefined,
  };
  channels.callEnd.publish(end);
}
