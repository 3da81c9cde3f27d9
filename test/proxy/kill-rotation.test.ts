import { performance } from 'node:perf_hooks';
import { BackendProcess } from './backend-process';
import { Cleanup, echoClient, failures, LoadLoop, LOCAL, proxyConfig, proxyPort, startProxy, waitFor, type CallOutcome } from './harness';
import { GrpcStatus } from '../../src/core/grpc-status';
import { proxyCluster } from '../../src/core/render/tier-config';
import { resolveTrafficPolicy, type TrafficPolicy } from '../../src/core/traffic-policy';
import { channels, type ConnectionLostMessage } from '../../src/proxy/observability/channels';
import { seededRandom } from '../routing/helpers';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
// Bounded by counts; the limit only guards against a hang (child processes start slowly on a busy machine).
jest.setTimeout(180_000);

/** Backends killed, one after the other in rotation: each of the three dies twice. */
const KILLS = 6;
/** Calls that succeed between two steps of the scenario, so that every step happens under load. */
const CALLS_PER_STEP = 150;
/** Calls in flight through the client's one connection, as in the scenario. */
const CONCURRENCY = 16;
/** What issue 12 asks of a pod that is back after a crash. */
const RECOVERY_LIMIT_MS = 5000;

/** What a kill rotation produced. */
interface RotationResult {
  readonly outcomes: readonly CallOutcome[];
  /** Per kill: the most calls in flight to the killed backend when the proxy lost a connection to it. */
  readonly inFlightAtKill: readonly number[];
  /** Per kill: ms from the restarted backend listening to its first served call. */
  readonly recoveryMs: readonly number[];
  /** Ports of the backends. */
  readonly ports: readonly number[];
}

/**
 * The scenario of issue 12, bounded by counts instead of seconds: 3 backends, one client connection with 16 calls
 * in flight, and in rotation one backend killed (SIGKILL) under load, load going on without it, then restarted on
 * the same address, until it serves calls again. The proxy runs the cluster the library renders for a
 * `GrpcMeshService` with `DataPlane.proxy()` and the given traffic policy (health checks, outlier detection and all),
 * with static endpoints instead of the headless Service's DNS name.
 */
async function killRotation(policy: TrafficPolicy): Promise<RotationResult> {
  const backends: BackendProcess[] = [];
  cleanup.add(() => Promise.all(backends.map((b) => b.kill())).then(() => undefined));
  for (let i = 1; i <= 3; i++) backends.push(await BackendProcess.start(`b${i}`, 0));
  const ports = backends.map((b) => b.port);
  const discovery = { type: 'static' as const, endpoints: ports.map((port) => ({ address: LOCAL, port })) };
  const proxy = await startProxy(proxyConfig([proxyCluster('grpc-backend', discovery, resolveTrafficPolicy(policy))]), cleanup, {
    random: seededRandom(20261202),
  });

  let kill = -1;
  const inFlightAtKill: number[] = [];
  const onLost = (message: unknown): void => {
    const { callsInFlight } = message as ConnectionLostMessage;
    if (kill >= 0) inFlightAtKill[kill] = Math.max(inFlightAtKill[kill] ?? 0, callsInFlight);
  };
  channels.connectionLost.subscribe(onLost);
  cleanup.add(() => channels.connectionLost.unsubscribe(onLost));

  const load = new LoadLoop(echoClient(`${LOCAL}:${proxyPort(proxy)}`, cleanup), CONCURRENCY, 50_000, cleanup, { timeoutMs: 5000 });
  const succeeded = (): number => load.outcomes.filter((o) => o.code === 0).length;
  const moreCalls = async (what: string): Promise<void> => {
    const target = succeeded() + CALLS_PER_STEP;
    await waitFor(() => succeeded() >= target, 30_000, what);
  };
  const recoveryMs: number[] = [];
  for (kill = 0; kill < KILLS; kill++) {
    const index = kill % 3;
    await moreCalls(`${CALLS_PER_STEP} calls before kill ${kill + 1}`);
    await backends[index].kill();
    await moreCalls(`${CALLS_PER_STEP} calls while b${index + 1} is down`);
    const restarted = await BackendProcess.start(`b${index + 1}#${Math.floor(kill / 3) + 2}`, ports[index]);
    backends[index] = restarted;
    const listeningAt = performance.now();
    await waitFor(() => load.servedBy(restarted.id) > 0, 30_000, `restarted ${restarted.id} to serve a call`);
    recoveryMs.push(Math.round(performance.now() - listeningAt));
  }
  const outcomes = await load.stop();
  return { outcomes, inFlightAtKill, recoveryMs, ports };
}

/** What a call lost with its killed backend's connection fails with. */
function lostOnKilled(result: RotationResult): RegExp {
  return new RegExp(`^14 connection to upstream 127\\.0\\.0\\.1:(${result.ports.join('|')}) lost`);
}

function summary(name: string, result: RotationResult): string {
  const failed = result.outcomes.filter((o) => o.code !== 0);
  const started = failed.filter((o) => o.responseStarted).length;
  return `kill rotation (${name}): ${failed.length} of ${result.outcomes.length} calls failed (${started} after their response started); calls in flight on the killed backend: `
    + `${JSON.stringify(result.inFlightAtKill)}; restarted backends served again after ${JSON.stringify(result.recoveryMs)} ms`;
}

describe('kill rotation: a backend killed without GOAWAY under load, then restarted, six times', () => {
  test('with a retry policy on UNAVAILABLE, no call fails before its response started, and every restarted backend serves again within 5 s', async () => {
    const result = await killRotation({ retry: { attempts: 2, on: [GrpcStatus.UNAVAILABLE] } });
    console.log(summary('retry on UNAVAILABLE', result));

    // Every call whose response had not started when its backend died was retried and succeeded.
    expect(failures(result.outcomes.filter((o) => !o.responseStarted))).toEqual([]);
    // A call is committed once its response goes downstream (as gRPC clients and Envoy commit on response headers):
    // a backend killed between a response's message and its trailers fails that call, and only that can fail.
    // SIGKILL lands there only when it splits a backend's writes, so such calls are rare, and lost on the killed one.
    for (const failure of failures(result.outcomes)) expect(failure).toMatch(lostOnKilled(result));
    expect(failures(result.outcomes).length).toBeLessThanOrEqual(result.inFlightAtKill.reduce((sum, n) => sum + n, 0));
    expect(result.recoveryMs).toHaveLength(KILLS);
    for (const ms of result.recoveryMs) expect(ms).toBeLessThan(RECOVERY_LIMIT_MS);
  });

  test('with the default policy, only calls in flight on the killed backend fail, and every restarted backend serves again within 5 s', async () => {
    const result = await killRotation({});
    console.log(summary('default policy', result));

    // Every failure is a call the killed backend had taken: its connection was lost under it.
    for (const failure of failures(result.outcomes)) expect(failure).toMatch(lostOnKilled(result));
    // And no more of them than were in flight on it when it died.
    expect(result.inFlightAtKill).toHaveLength(KILLS);
    const inFlight = result.inFlightAtKill.reduce((sum, n) => sum + n, 0);
    expect(failures(result.outcomes).length).toBeLessThanOrEqual(inFlight);
    for (const ms of result.recoveryMs) expect(ms).toBeLessThan(RECOVERY_LIMIT_MS);
  });
});
