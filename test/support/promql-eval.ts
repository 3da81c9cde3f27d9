/**
 * A small PromQL evaluator for the subset the monitoring of grpc-mesh emits, so tests can run the emitted alert
 * and dashboard expressions on samples a real data plane exported. It parses with the Prometheus project's own
 * grammar (`@prometheus-io/lezer-promql`) and computes from the samples:
 *
 * - instant vector selectors with `=`, `!=`, `=~`, `!~` matchers (on the last scrape);
 * - `rate(<selector>[<range>])` over two scrapes: the increase (a counter reset counts from 0) divided by the time
 *   between them. Prometheus also extrapolates to the edges of the range; with every series scraped at the same
 *   instants that is one common factor, which cancels in every ratio, quantile and comparison we emit. A series
 *   absent from the first scrape has no rate, as in Prometheus (it needs two samples);
 * - `sum`, `max`, `min` with or without `by (...)`;
 * - `histogram_quantile` (Prometheus' linear interpolation inside the bucket, the `+Inf` bucket answering the
 *   highest finite bound);
 * - `/`, `*` (one-to-one on identical label sets, no `on`/`ignoring`), `>`, `<` (filtering), `or`, with scalars.
 *
 * Anything else throws, naming the construct, so an expression outside the subset never passes silently.
 */
import { parser } from '@prometheus-io/lezer-promql';

/** Label names and values of a series, `__name__` included. */
export type Labels = Readonly<Record<string, string>>;
/** One sample of a scrape. */
export interface Sample { readonly labels: Labels; readonly value: number }
/** The samples of one scrape of one or more targets, at one time. */
export interface Scrape { readonly timeSeconds: number; readonly samples: readonly Sample[] }
/** An instant vector. */
export type Vector = Array<{ labels: Labels; value: number }>;

type SyntaxNode = ReturnType<ReturnType<typeof parser.parse>['topNode']['getChild']> & object;

/** Parses the Prometheus text exposition format (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) throw new Error(`cannot read exposition line ${JSON.stringify(line)}`);
    const labels: Record<string, string> = { __name__: match[1] };
    const body = match[3] ?? '';
    for (const pair of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ labels, value: Number(match[4]) });
  }
  return samples;
}

/** Evaluates `expr` at the time of the last scrape; `rate` uses the first and the last. */
export function evaluate(expr: string, scrapes: readonly [Scrape, Scrape]): Vector | number {
  const tree = parser.parse(expr);
  tree.iterate({ enter: (n) => { if (n.type.isError) throw new Error(`PromQL syntax error at ${n.from} in ${expr}`); } });
  const top = tree.topNode.firstChild;
  if (top === null) throw new Error(`empty expression ${expr}`);
  return new Evaluator(expr, scrapes).eval(top as SyntaxNode);
}

class Evaluator {
  public constructor(private readonly expr: string, private readonly scrapes: readonly [Scrape, Scrape]) {}

  public eval(node: SyntaxNode): Vector | number {
    switch (node.type.name) {
      case 'NumberDurationLiteral': return Number(this.text(node));
      case 'ParenExpr': return this.eval(this.children(node)[0]);
      case 'VectorSelector': return this.select(node, this.scrapes[1]).map((s) => ({ labels: s.labels, value: s.value }));
      case 'FunctionCall': return this.call(node);
      case 'AggregateExpr': return this.aggregate(node);
      case 'BinaryExpr': return this.binary(node);
      default: throw new Error(`unsupported PromQL node ${node.type.name}: ${this.text(node)}`);
    }
  }

  private text(node: SyntaxNode): string {
    return this.expr.slice(node.from, node.to);
  }

  private children(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = node.firstChild; c !== null; c = c.nextSibling) out.push(c as SyntaxNode);
    return out;
  }

  private child(node: SyntaxNode, name: string): SyntaxNode | undefined {
    return this.children(node).find((c) => c.type.name === name);
  }

  private select(node: SyntaxNode, scrape: Scrape): Sample[] {
    const metric = this.child(node, 'Identifier');
    const tests: Array<(labels: Labels) => boolean> = [];
    if (metric !== undefined) tests.push((l) => l.__name__ === this.text(metric));
    const matchers = this.child(node, 'LabelMatchers');
    for (const m of matchers === undefined ? [] : this.children(matchers)) {
      const [label, op, literal] = this.children(m);
      const value = JSON.parse(this.text(literal)) as string;
      const name = this.text(label);
      const re = new RegExp(`^(?:${value})$`);
      const ops: Record<string, (v: string) => boolean> = {
        '=': (v) => v === value,
        '!=': (v) => v !== value,
        '=~': (v) => re.test(v),
        '!~': (v) => !re.test(v),
      };
      const test = ops[this.text(op)];
      if (test === undefined) throw new Error(`unsupported matcher ${this.text(m)}`);
      tests.push((l) => test(l[name] ?? ''));
    }
    return scrape.samples.filter((s) => tests.every((t) => t(s.labels)));
  }

  private call(node: SyntaxNode): Vector {
    const fn = this.text(this.child(node, 'FunctionIdentifier')!);
    const args = this.children(this.child(node, 'FunctionCallBody')!);
    if (fn === 'rate') return this.rate(args[0]);
    if (fn === 'histogram_quantile') return histogramQuantile(this.eval(args[0]) as number, this.vector(args[1]));
    throw new Error(`unsupported PromQL function ${fn}`);
  }

  private rate(matrix: SyntaxNode): Vector {
    if (matrix.type.name !== 'MatrixSelector') throw new Error(`rate() needs a range selector: ${this.text(matrix)}`);
    const selector = this.child(matrix, 'VectorSelector')!;
    const [first, last] = this.scrapes;
    const before = new Map(this.select(selector, first).map((s) => [key(s.labels), s.value]));
    const seconds = last.timeSeconds - first.timeSeconds;
    const out: Vector = [];
    for (const s of this.select(selector, last)) {
      const previous = before.get(key(s.labels));
      if (previous === undefined) continue;
      const increase = s.value >= previous ? s.value - previous : s.value;
      out.push({ labels: withoutName(s.labels), value: increase / seconds });
    }
    return out;
  }

  private aggregate(node: SyntaxNode): Vector {
    const op = this.text(this.child(node, 'AggregateOp')!);
    const modifier = this.child(node, 'AggregateModifier');
    if (modifier !== undefined && this.child(modifier, 'By') === undefined) throw new Error(`unsupported modifier ${this.text(modifier)}`);
    const by = modifier === undefined ? [] : this.children(this.child(modifier, 'GroupingLabels')!).map((l) => this.text(l));
    const input = this.vector(this.children(this.child(node, 'FunctionCallBody')!)[0]);
    const groups = new Map<string, { labels: Labels; values: number[] }>();
    for (const s of input) {
      const labels = Object.fromEntries(by.filter((l) => s.labels[l] !== undefined).map((l) => [l, s.labels[l]]));
      const group = groups.get(key(labels)) ?? { labels, values: [] };
      group.values.push(s.value);
      groups.set(key(labels), group);
    }
    const folds: Record<string, (v: number[]) => number> = {
      sum: (v) => v.reduce((a, b) => a + b, 0),
      max: (v) => Math.max(...v),
      min: (v) => Math.min(...v),
    };
    const fold = folds[op];
    if (fold === undefined) throw new Error(`unsupported aggregation ${op}`);
    return [...groups.values()].map((g) => ({ labels: g.labels, value: fold(g.values) }));
  }

  private binary(node: SyntaxNode): Vector | number {
    const [leftNode, opNode, ...rest] = this.children(node);
    if (rest.length !== 1) throw new Error(`unsupported binary modifier in ${this.text(node)}`);
    const op = this.text(opNode);
    const left = this.eval(leftNode);
    const right = this.eval(rest[0]);
    if (op === 'or') {
      const l = left as Vector;
      const seen = new Set(l.map((s) => key(s.labels)));
      return [...l, ...(right as Vector).filter((s) => !seen.has(key(s.labels)))];
    }
    const operators: Record<string, (a: number, b: number) => number | undefined> = {
      '/': (a, b) => a / b,
      '*': (a, b) => a * b,
      '>': (a, b) => (a > b ? a : undefined),
      '<': (a, b) => (a < b ? a : undefined),
    };
    const apply = operators[op];
    if (apply === undefined) throw new Error(`unsupported operator ${op}`);
    if (typeof left === 'number' && typeof right === 'number') return apply(left, right) ?? NaN;
    type Pair = [Labels, number, number];
    let pairs: Pair[];
    if (typeof right === 'number') pairs = (left as Vector).map((s): Pair => [s.labels, s.value, right]);
    else if (typeof left === 'number') pairs = right.map((s): Pair => [s.labels, left, s.value]);
    else pairs = left.flatMap((s) => right.filter((r) => key(r.labels) === key(s.labels)).map((r): Pair => [s.labels, s.value, r.value]));
    return pairs.flatMap(([labels, a, b]) => {
      const value = apply(a, b);
      return value === undefined ? [] : [{ labels, value }];
    });
  }

  private vector(node: SyntaxNode): Vector {
    const value = this.eval(node);
    if (typeof value === 'number') throw new Error(`expected an instant vector: ${this.text(node)}`);
    return value;
  }
}

/** Prometheus' `histogram_quantile` over classic buckets (the `le` label), per label set without `le`. */
function histogramQuantile(q: number, buckets: Vector): Vector {
  const groups = new Map<string, { labels: Labels; buckets: Array<[number, number]> }>();
  for (const b of buckets) {
    const { le, ...labels } = b.labels;
    if (le === undefined) continue;
    const group = groups.get(key(labels)) ?? { labels, buckets: [] };
    group.buckets.push([le === '+Inf' ? Infinity : Number(le), b.value]);
    groups.set(key(labels), group);
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, value: quantileOf(q, g.buckets.sort((a, b) => a[0] - b[0])) }));
}

function quantileOf(q: number, buckets: Array<[number, number]>): number {
  if (buckets.length < 2 || buckets[buckets.length - 1][0] !== Infinity) return NaN;
  const total = buckets[buckets.length - 1][1];
  if (total === 0) return NaN;
  const rank = q * total;
  const i = buckets.findIndex(([, count]) => count >= rank);
  if (i === buckets.length - 1) return buckets[buckets.length - 2][0];
  if (i === 0 && buckets[0][0] <= 0) return buckets[0][0];
  const [start, countBefore] = i === 0 ? [0, 0] : buckets[i - 1];
  const [end, count] = buckets[i];
  return start + (end - start) * ((rank - countBefore) / (count - countBefore));
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).filter(([k]) => k !== '__name__').sort(([a], [b]) => a.localeCompare(b)));
}

function withoutName(labels: Labels): Labels {
  const { __name__: _name, ...rest } = labels;
  return rest;
}

/** A pod as Prometheus' Kubernetes service discovery sees it. */
export interface DiscoveredPod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly container: string;
}

/**
 * The target labels Prometheus gives a pod scraped through a PodMonitor, or undefined when the PodMonitor does not
 * select it: the operator's `namespace`, `pod`, `container`, `endpoint` and `job` (`<namespace>/<name>`), then the
 * endpoint's `replace` relabelings applied to the discovery labels (`__meta_kubernetes_pod_label_<sanitized>`).
 */
export function podMonitorTargetLabels(
  podMonitor: { metadata: { name: string; namespace?: string }; spec?: unknown }, pod: DiscoveredPod,
): Labels | undefined {
  type Endpoint = { port: string; relabelings?: Array<Record<string, any>> };
  const spec = podMonitor.spec as { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Endpoint[] };
  if (podMonitor.metadata.namespace !== pod.namespace) return undefined;
  if (!Object.entries(spec.selector.matchLabels).every(([k, v]) => pod.labels[k] === v)) return undefined;
  const endpoint = spec.podMetricsEndpoints[0];
  const meta: Record<string, string> = Object.fromEntries(
    Object.entries(pod.labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`, v]));
  const labels: Record<string, string> = {
    ...meta, namespace: pod.namespace, pod: pod.name, container: pod.container, endpoint: endpoint.port, job: `${pod.namespace}/${podMonitor.metadata.name}`,
  };
  for (const r of endpoint.relabelings ?? []) {
    if ((r.action ?? 'replace') !== 'replace') throw new Error(`unsupported relabeling action ${r.action}`);
    const source = (r.sourceLabels as string[]).map((l) => labels[l] ?? '').join(r.separator ?? ';');
    const match = new RegExp(`^(?:${r.regex ?? '(.*)'})$`).exec(source);
    if (match === null) continue;
    labels[r.targetLabel] = (r.replacement ?? '$1').replace(/\$(\d+)/g, (_: string, i: string) => match[Number(i)] ?? '');
  }
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith('__')));
}

/** The samples of a scrape with the target's labels attached (a clashing metric label becomes `exported_<name>`). */
export function withTargetLabels(samples: readonly Sample[], target: Labels): Sample[] {
  return samples.map((s) => {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.labels)) labels[k in target && k !== '__name__' ? `exported_${k}` : k] = v;
    return { labels: { ...labels, ...target }, value: s.value };
  });
}
