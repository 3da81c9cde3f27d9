import {
  bidi, Cleanup, clientStream, echoClient, LOCAL, proxyConfig, proxyPort, serverStream, startBackends, startProxy, staticCluster, unary,
  waitFor, type Backend, type CallOptions, type CallOutcome, type EchoClient,
} from './harness';
import type { Proxy } from '../../src/proxy/proxy';

let cleanup: Cleanup;
let backend: Backend;
let proxy: Proxy;
let direct: EchoClient;
let proxied: EchoClient;

beforeAll(async () => {
  cleanup = new Cleanup();
  [backend] = await startBackends(1, cleanup);
  proxy = await startProxy(proxyConfig([staticCluster('echo', [backend])]), cleanup);
  direct = echoClient(backend.address, cleanup);
  proxied = echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup);
});
afterAll(() => cleanup.run());

type Shape = (client: EchoClient, options: CallOptions) => Promise<CallOutcome>;

interface Row {
  readonly shape: string;
  readonly behaviour: string;
  readonly call: Shape;
  readonly options?: CallOptions;
  /** Compare the status code only: the details of deadlines and cancellations are written by the client. */
  readonly codeOnly?: boolean;
  /** Whether the backend must have seen the call cancelled. */
  readonly cancels?: boolean;
}

const ROWS: Row[] = [
  { shape: 'unary', behaviour: 'replies with headers and trailers', call: (c, o) => unary(c, { message: 'hi' }, o) },
  { shape: 'unary', behaviour: 'fails in a trailers-only response', call: (c, o) => unary(c, { status: 5, statusMessage: 'not found: 100 % ünïcode' }, o) },
  { shape: 'unary', behaviour: 'fails in trailers after headers', call: (c, o) => unary(c, { status: 9, statusMessage: 'precondition', statusAfterHeaders: true }, o) },
  { shape: 'unary', behaviour: 'hits its deadline', call: (c, o) => unary(c, { delayMs: 1000 }, o), options: { timeoutMs: 150 }, codeOnly: true, cancels: true },
  { shape: 'unary', behaviour: 'is cancelled by the client', call: (c, o) => unary(c, { delayMs: 1000 }, o), options: { cancelAfterMs: 150 }, codeOnly: true, cancels: true },
  { shape: 'server streaming', behaviour: 'streams replies, then trailers', call: (c, o) => serverStream(c, { count: 5, payloadBytes: 100_000 }, o) },
  { shape: 'server streaming', behaviour: 'fails after two messages', call: (c, o) => serverStream(c, { count: 2, status: 10, statusMessage: 'aborted' }, o) },
  {
    shape: 'server streaming',
    behaviour: 'hits its deadline mid-stream',
    call: (c, o) => serverStream(c, { count: 20, delayMs: 100 }, o),
    options: { timeoutMs: 250 },
    codeOnly: true,
    cancels: true,
  },
  {
    shape: 'server streaming',
    behaviour: 'is cancelled mid-stream',
    call: (c, o) => serverStream(c, { count: 20, delayMs: 100 }, o),
    options: { cancelAfterMs: 250 },
    codeOnly: true,
    cancels: true,
  },
  { shape: 'client streaming', behaviour: 'replies once the client half-closes', call: (c, o) => clientStream(c, [{ message: 'a' }, { message: 'b' }, { message: 'c' }], o) },
  { shape: 'client streaming', behaviour: 'fails with a status', call: (c, o) => clientStream(c, [{ status: 3, statusMessage: 'bad argument' }], o) },
  { shape: 'client streaming', behaviour: 'hits its deadline', call: (c, o) => clientStream(c, [{ delayMs: 1000 }], o), options: { timeoutMs: 150 }, codeOnly: true },
  { shape: 'client streaming', behaviour: 'is cancelled by the client', call: (c, o) => clientStream(c, [{ delayMs: 1000 }], o), options: { cancelAfterMs: 150 }, codeOnly: true },
  { shape: 'bidi streaming', behaviour: 'ping-pongs, then trailers', call: (c, o) => bidi(c, [{ message: 'a' }, { message: 'b' }, { message: 'c' }], o) },
  { shape: 'bidi streaming', behaviour: 'fails after one reply', call: (c, o) => bidi(c, [{ message: 'a' }, { status: 7, statusMessage: 'denied' }], o) },
  { shape: 'bidi streaming', behaviour: 'hits its deadline', call: (c, o) => bidi(c, [{ message: 'a' }, { delayMs: 1000 }], o), options: { timeoutMs: 150 }, codeOnly: true, cancels: true },
  {
    shape: 'bidi streaming',
    behaviour: 'is cancelled by the client',
    call: (c, o) => bidi(c, [{ message: 'a' }, { delayMs: 1000 }], o),
    options: { cancelAfterMs: 150 },
    codeOnly: true,
    cancels: true,
  },
];

/** What must be the same through the proxy as direct. */
function comparable(outcome: CallOutcome, codeOnly: boolean | undefined): object {
  if (codeOnly) return { code: outcome.code };
  return {
    code: outcome.code,
    details: outcome.details,
    metadata: outcome.metadata,
    trailers: outcome.trailers,
    replies: outcome.replies.map((r) => ({ backend: r.backend, message: r.message, index: r.index, payloadBytes: r.payload.length })),
  };
}

describe('call semantics through the proxy', () => {
  test.each(ROWS)('a $shape call that $behaviour looks the same as with a direct connection', async (row) => {
    // WHEN the same call is made directly and through the proxy
    const cancelledBefore = backend.cancelled;
    const viaDirect = await row.call(direct, row.options ?? {});
    if (row.cancels) await waitFor(() => backend.cancelled - cancelledBefore === 1, 10_000, 'the backend to see the direct call cancelled');
    const viaProxy = await row.call(proxied, row.options ?? {});

    // THEN the client sees the same status, details, headers, trailers and messages
    expect(comparable(viaProxy, row.codeOnly)).toEqual(comparable(viaDirect, row.codeOnly));
    // AND the backend sees a cancellation through the proxy whenever it sees one directly
    if (row.cancels) await waitFor(() => backend.cancelled - cancelledBefore === 2, 10_000, 'the backend to see the proxied call cancelled');
  });
});

describe('deadlines through the proxy', () => {
  const local = new Cleanup();
  afterEach(() => local.run());

  test('passes the remaining deadline upstream', async () => {
    const [b] = await startBackends(1, local);
    const p = await startProxy(proxyConfig([staticCluster('echo', [b])]), local);
    expect((await unary(echoClient(`${LOCAL}:${proxyPort(p)}`, local), {}, { timeoutMs: 5000 })).code).toBe(0);
    // The backend turns the grpc-timeout it got into a deadline on its own clock when the call arrives: what was
    // left of it when the handler ran is at most the client's 5 s (never reset or extended by the proxy), and
    // not much less (the proxy passed the remaining time on, not none).
    const budgetMs = Number(b.lastDeadline) - b.lastReceivedAt;
    expect(budgetMs).toBeLessThanOrEqual(5000);
    expect(budgetMs).toBeGreaterThan(4000);
  });

  test('caps the deadline with the cluster\'s request timeout, and answers DEADLINE_EXCEEDED when it passes', async () => {
    const [b] = await startBackends(1, local);
    const p = await startProxy(proxyConfig([staticCluster('echo', [b], { timeouts: { requestMs: 300 } })]), local);
    const client = echoClient(`${LOCAL}:${proxyPort(p)}`, local);
    const outcome = await unary(client, { delayMs: 2000 });
    // Answered by the proxy's deadline, not by the backend's reply (which would be OK, 2 s later).
    expect([outcome.code, outcome.details]).toEqual([4, 'Deadline exceeded']);
    // The backend got the capped budget (at most 300 ms left when its handler ran), not the client's none.
    const budgetMs = Number(b.lastDeadline) - b.lastReceivedAt;
    expect(budgetMs).toBeLessThanOrEqual(300);
    await waitFor(() => b.cancelled === 1, 10_000, 'the backend to see the call cancelled');
  });

  test('ends a stream idle for longer than streamIdleMs with DEADLINE_EXCEEDED, and leaves busy streams alone', async () => {
    const [b] = await startBackends(1, local);
    const p = await startProxy(proxyConfig([staticCluster('echo', [b], { timeouts: { streamIdleMs: 200 } })]), local);
    const client = echoClient(`${LOCAL}:${proxyPort(p)}`, local);
    const busy = await serverStream(client, { count: 5, delayMs: 50 });
    const idle = await serverStream(client, { count: 3, delayMs: 500 });
    expect([busy.code, busy.replies.length]).toEqual([0, 5]);
    expect([idle.code, idle.details, idle.replies.length]).toEqual([4, 'stream idle for 200 ms', 0]);
  });
});
