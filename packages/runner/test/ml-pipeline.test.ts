// The ML example end to end with runLocal: the real engine, the example's tasks called in process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runLocal } from "../src/local/run-local.ts";
import * as ml from "../../../examples/ml-pipeline/pipeline.ts";

const data = { n: 60, seed: 3, noise: 0.1 };

test("fixed kinds: load → train ×3 → pick the quadratic model → the branch publishes it", async () => {
  const out = await runLocal(ml.pipelineFixedKinds, { ...data, threshold: 0.5 }, { exports: ml });
  assert.equal(out.best.kind, "quadratic");
  assert.equal(out.best.coefficients.length, 3);
  assert.ok(Math.abs(out.best.coefficients[2]! - 3) < 0.3, `fitted ${out.best.coefficients.join(", ")}`);
  assert.match(out.report, /^PUBLISHED quadratic model/);
});

test("fixed kinds: a threshold no model reaches takes the other branch", async () => {
  const out = await runLocal(ml.pipelineFixedKinds, { ...data, threshold: 1.01 }, { exports: ml });
  assert.match(out.report, /^NOT PUBLISHED: best model quadratic/);
});

test("the pipeline: train as a map over model kinds (array node), in input order", async () => {
  const out = await runLocal(
    ml.pipeline,
    { ...data, kinds: ["mean", "linear", "quadratic"], threshold: 0.5 },
    { exports: ml },
  );
  assert.equal(out.best.kind, "quadratic");
  assert.match(out.report, /^PUBLISHED quadratic model/);
  const linearOnly = await runLocal(
    ml.pipeline,
    { ...data, kinds: ["mean", "linear"], threshold: 0.5 },
    { exports: ml },
  );
  assert.equal(linearOnly.best.kind, "linear");
});

test("the nightly launch plan's defaults run the pipeline", async () => {
  const d = ml.pipelineNightly.options.defaults as Parameters<
    typeof runLocal<typeof ml.pipeline.inputs, typeof ml.pipeline.outputs>
  >[1];
  const out = await runLocal(ml.pipeline, d, { exports: ml });
  assert.match(out.report, /^PUBLISHED quadratic/);
});
