import { Histogram, Registry } from 'prom-client';
import { BatchedHistogram } from '../../../src/proxy/observability/batched-histogram';
import { CALL_DURATION_BUCKETS } from '../../../src/proxy/observability/metrics';

/** Seeded LCG, so the observations are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('BatchedHistogram', () => {
  const labelSets = [
    { listener: 'grpc', grpc_service: 'a.v1.A', grpc_method: 'Get', cluster: 'c1' },
    { listener: 'grpc', grpc_service: 'b.v1.B', grpc_method: 'Put', cluster: '' },
  ];

  function both(): { ours: BatchedHistogram; theirs: Histogram<string>; ourRegistry: Registry; theirRegistry: Registry } {
    const ourRegistry = new Registry();
    const theirRegistry = new Registry();
    const ours = new BatchedHistogram('d_seconds', 'Durations.', CALL_DURATION_BUCKETS, [ourRegistry]);
    const theirs = new Histogram({
      name: 'd_seconds', help: 'Durations.', labelNames: Object.keys(labelSets[0]), buckets: CALL_DURATION_BUCKETS, registers: [theirRegistry],
    });
    return { ours, theirs, ourRegistry, theirRegistry };
  }

  test('writes exactly the text and JSON prom-client\'s Histogram writes for the same observations', async () => {
    const { ours, theirs, ourRegistry, theirRegistry } = both();
    const series = labelSets.map((labels) => ours.series(labels));
    const next = random(7);
    // Values on the bounds (le is inclusive), between them, below the first and above the last.
    const values = [...CALL_DURATION_BUCKETS, 0, 0.0001, 400, ...Array.from({ length: 2000 }, () => next() ** 4 * 20)];
    values.forEach((value, i) => {
      series[i % 2].observe(value);
      theirs.observe(labelSets[i % 2], value);
    });
    expect(await ourRegistry.metrics()).toBe(await theirRegistry.metrics());
    expect(await ourRegistry.getMetricsAsJSON()).toEqual(await theirRegistry.getMetricsAsJSON());
    expect(await ourRegistry.metrics()).toContain('d_seconds_bucket{le="+Inf",listener="grpc",grpc_service="a.v1.A",grpc_method="Get",cluster="c1"}');
  });

  test('resets with the registry', async () => {
    const { ours, theirs, ourRegistry, theirRegistry } = both();
    ours.series(labelSets[0]).observe(0.2);
    theirs.observe(labelSets[0], 0.2);
    ourRegistry.resetMetrics();
    theirRegistry.resetMetrics();
    theirs.zero(labelSets[0]);
    expect(await ourRegistry.metrics()).toBe(await theirRegistry.metrics());
  });
});
