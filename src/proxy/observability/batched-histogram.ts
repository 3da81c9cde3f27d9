import type { Registry } from 'prom-client';

/** One labelled series of a {@link BatchedHistogram}: observed per call with no allocation. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound (`+Inf` only). */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  /** @internal */
  public constructor(public readonly labels: Readonly<Record<string, string>>, private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one observation. */
  public observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  /** The series in prom-client's value shape: cumulative buckets, `+Inf`, `_sum` and `_count`. */
  public values(name: string): PromValue[] {
    const shared = this.labels;
    const out: PromValue[] = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += this.counts[i];
      out.push({ labels: { le }, sharedLabels: shared, value: cumulative, metricName: `${name}_bucket` });
    });
    out.push(
      { labels: { le: '+Inf' }, sharedLabels: shared, value: this.count, metricName: `${name}_bucket` },
      { labels: {}, sharedLabels: shared, value: this.sum, metricName: `${name}_sum` },
      { labels: {}, sharedLabels: shared, value: this.count, metricName: `${name}_count` },
    );
    return out;
  }

  /** Forgets every observation. */
  public reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** A value as prom-client's registry formats it. */
interface PromValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly metricName: string;
}

/**
 * A Prometheus histogram whose series are objects the data path keeps and observes directly: prom-client's
 * `Histogram.observe(labels, value)` validates and hashes the labels on every call (allocating a key string per
 * observation), the largest cost of the proxy's metrics per call. Registered in a prom-client registry as a custom
 * metric, it writes the same text as prom-client's Histogram (bucket lines first, then `+Inf`, `_sum`, `_count`, per
 * series in the order the series were made).
 */
export class BatchedHistogram {
  /** prom-client reads these. */
  public readonly type = 'histogram';
  public readonly aggregator = 'sum';
  private readonly all: HistogramSeries[] = [];

  /**
   * @param name metric name
   * @param help help text
   * @param bounds upper bounds of the buckets, ascending
   * @param registries where it is registered
   */
  public constructor(
    public readonly name: string, public readonly help: string, private readonly bounds: readonly number[], registries: readonly Registry[],
  ) {
    for (const registry of registries) registry.registerMetric(this as never);
  }

  /** A new series with these labels (the caller keeps it: a second call with the same labels makes a second series). */
  public series(labels: Readonly<Record<string, string>>): HistogramSeries {
    const series = new HistogramSeries(labels, this.bounds);
    this.all.push(series);
    return series;
  }

  /** For prom-client's text format. */
  public async getForPromString(): Promise<{ name: string; help: string; type: string; values: PromValue[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.all.flatMap((s) => s.values(this.name)), aggregator: this.aggregator };
  }

  /** For prom-client's JSON format: the series labels merged into each value's, as prom-client's Histogram gives them. */
  public async get(): Promise<{ name: string; help: string; type: string; values: unknown[]; aggregator: string }> {
    const data = await this.getForPromString();
    const values = data.values.map((v) => ({
      labels: { ...v.labels, ...v.sharedLabels },
      value: v.value,
      metricName: v.metricName,
      exemplar: v.metricName.endsWith('_bucket') ? null : undefined,
    }));
    return { ...data, values };
  }

  /** Forgets every observation (prom-client's `resetMetrics`). */
  public reset(): void {
    for (const series of this.all) series.reset();
  }
}
