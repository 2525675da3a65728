// A histogram for the engine's hot paths, registered on a prom-client Registry like any metric. prom-client's own
// observe validates and hashes the label set on every call (about a microsecond); the engine observes several times per
// node with the same few label objects (one per execution, see labelsOf), so here a series is found by the identity of
// the label object and the label set is rendered once, when the series is created.
import type { Registry } from "prom-client";

interface Series {
  labels: Readonly<Record<string, string>>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export class FastHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #bounds: readonly number[];
  readonly #labelNames: readonly string[];
  /** By rendered label set (two label objects with equal values share a series). */
  readonly #series = new Map<string, Series>();
  #byObject = new WeakMap<object, Series>();

  constructor(o: {
    name: string;
    help: string;
    buckets: readonly number[];
    labelNames?: readonly string[];
    registers: Registry[];
  }) {
    this.name = o.name;
    this.help = o.help;
    this.#bounds = [...o.buckets].sort((a, b) => a - b);
    this.#labelNames = o.labelNames ?? [];
    if (this.#labelNames.length === 0) this.#seriesFor({});
    for (const r of o.registers) r.registerMetric(this as unknown as Parameters<Registry["registerMetric"]>[0]);
  }

  /** Records `value` in the series of `labels` (keep passing the same object for the same series; {} when unlabeled). */
  observe(labels: Readonly<Record<string, string>>, value: number): void {
    let s = this.#byObject.get(labels);
    if (!s) {
      s = this.#seriesFor(labels);
      this.#byObject.set(labels, s);
    }
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    s.buckets[i]! += 1;
    s.sum += value;
    s.count += 1;
  }

  #seriesFor(labels: Readonly<Record<string, string>>): Series {
    const picked: Record<string, string> = {};
    for (const n of this.#labelNames) picked[n] = String(labels[n] ?? "");
    const key = JSON.stringify(this.#labelNames.map((n) => picked[n]));
    let s = this.#series.get(key);
    if (!s) {
      s = { labels: picked, buckets: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    return s;
  }

  /** What the registry renders (prom-client's histogram shape: cumulative `_bucket`s with `le`, `_sum`, `_count`). */
  get(): { name: string; help: string; type: string; aggregator: string; values: Value[] } {
    const values: Value[] = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
    this.#byObject = new WeakMap();
    if (this.#labelNames.length === 0) this.#seriesFor({});
  }
}
