// An ML-flavoured pipeline: load a dataset → train several models with a map → pick the best → branch on its score
// (publish a report, or a warning) → report. Pure TypeScript, no dependencies: the "models" are small regressors.
// Loadable by `aloft run` / registration: the workflow and its launch plan are exported, as is every task.
import { launchPlan, t, task, when, workflow } from "@aloft/sdk";

const Row = { x: t.float(), y: t.float() };
export const ModelKind = t.enumOf(["mean", "linear", "quadratic"]);
export const Model = t.record({ kind: ModelKind, coefficients: t.list(t.float()), mse: t.float() }, { name: "Model" });

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export const loadData = task(
  {
    name: "ml.load_data",
    inputs: { n: t.int(), seed: t.int(), noise: t.float() },
    outputs: { data: t.dataset(Row) },
    retries: 1,
    cache: true,
    cacheVersion: "1",
  },
  async ({ n, seed, noise }, ctx) => {
    const r = rng(seed);
    const rows = Array.from({ length: n }, (_, i) => {
      const x = i / Math.max(1, n - 1);
      return { x, y: 3 * x * x + 2 * x + 1 + (r() - 0.5) * noise };
    });
    console.log(`generated ${rows.length} rows (seed ${seed}, noise ${noise})`);
    return { data: await ctx.writeRows("data.jsonl", rows) };
  },
);

/** Least squares on a polynomial basis of the given degree (normal equations, Gaussian elimination). */
function fit(rows: { x: number; y: number }[], degree: number): number[] {
  const k = degree + 1;
  const a = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  for (const { x, y } of rows) {
    const p = Array.from({ length: k }, (_, i) => x ** i);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) a[i]![j]! += p[i]! * p[j]!;
      a[i]![k]! += p[i]! * y;
    }
  }
  for (let c = 0; c < k; c++) {
    for (let r = c + 1; r < k; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let j = c; j <= k; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  const w = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let s = a[r]![k]!;
    for (let j = r + 1; j < k; j++) s -= a[r]![j]! * w[j]!;
    w[r] = s / a[r]![r]!;
  }
  return w;
}

const DEGREE = { mean: 0, linear: 1, quadratic: 2 } as const;

export const train = task(
  {
    name: "ml.train",
    inputs: { data: t.dataset(Row), kind: ModelKind },
    outputs: { model: Model },
    requests: { cpu: "500m", memory: "256Mi" },
  },
  async ({ data, kind }, ctx) => {
    const rows = await ctx.readRows(data);
    const coefficients = fit(rows, DEGREE[kind]);
    const predict = (x: number) => coefficients.reduce((s, c, i) => s + c * x ** i, 0);
    const mse = rows.reduce((s, r) => s + (predict(r.x) - r.y) ** 2, 0) / rows.length;
    return { model: { kind, coefficients, mse } };
  },
);

export const pickBest = task(
  { name: "ml.pick_best", inputs: { models: t.list(Model) }, outputs: { best: Model, score: t.float() } },
  async ({ models }) => {
    const best = [...models].sort((a, b) => a.mse - b.mse)[0];
    if (!best) throw new Error("no models were trained");
    return { best, score: 1 / (1 + best.mse) };
  },
);

export const publish = task(
  { name: "ml.publish", inputs: { best: Model, score: t.float() }, outputs: { report: t.string() } },
  async ({ best, score }) => ({
    report: `PUBLISHED ${best.kind} model (score ${score.toFixed(3)}, mse ${best.mse.toFixed(4)}): y = ${best.coefficients.map((c, i) => `${c.toFixed(2)}·x^${i}`).join(" + ")}`,
  }),
);

export const warn = task(
  { name: "ml.warn", inputs: { best: Model, score: t.float() }, outputs: { report: t.string() } },
  async ({ best, score }) => ({
    report: `NOT PUBLISHED: best model ${best.kind} scored ${score.toFixed(3)}, under the threshold`,
  }),
);

/** Publish the best model if it scores at least `threshold`, else warn (a sub-workflow holding the branch). */
export const decide = workflow(
  {
    name: "ml.decide",
    inputs: { best: Model, score: t.float(), threshold: t.float() },
    outputs: { report: t.string() },
  },
  (b, { best, score, threshold }) => {
    const decided = b.branch({
      id: "publish-or-warn",
      cases: [[when(score, ">=", threshold), (b) => b.call(publish, { best, score })]],
      otherwise: (b) => b.call(warn, { best, score }),
    });
    return { report: decided.report };
  },
);

/** The pipeline: one training task per model kind, run as a map (an array node). */
export const pipeline = workflow(
  {
    name: "ml.pipeline",
    inputs: { n: t.int(), seed: t.int(), noise: t.float(), kinds: t.list(ModelKind), threshold: t.float() },
    outputs: { report: t.string(), best: Model },
  },
  (b, { n, seed, noise, kinds, threshold }) => {
    const { data } = b.call(loadData, { n, seed, noise });
    const trained = b.map(train, { data, kind: kinds }, { bound: ["data"], minSuccessRatio: 1 });
    const picked = b.call(pickBest, { models: trained.model });
    const { report } = b.call(decide, { best: picked.best, score: picked.score, threshold });
    return { report, best: picked.best };
  },
);

/** The same pipeline with the three model kinds as three explicit task nodes (no map). */
export const pipelineFixedKinds = workflow(
  {
    name: "ml.pipeline_fixed_kinds",
    inputs: { n: t.int(), seed: t.int(), noise: t.float(), threshold: t.float() },
    outputs: { report: t.string(), best: Model },
  },
  (b, { n, seed, noise, threshold }) => {
    const { data } = b.call(loadData, { n, seed, noise });
    const models = (["mean", "linear", "quadratic"] as const).map((kind) => b.call(train, { data, kind }).model);
    const picked = b.call(pickBest, { models });
    const { report } = b.call(decide, { best: picked.best, score: picked.score, threshold });
    return { report, best: picked.best };
  },
);

export const pipelineNightly = launchPlan(pipeline, {
  name: "ml.pipeline.nightly",
  defaults: { n: 200, seed: 7, noise: 0.2, kinds: ["mean", "linear", "quadratic"], threshold: 0.9 },
  schedule: { cron: "0 2 * * *" },
});
