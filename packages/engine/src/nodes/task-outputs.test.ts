import { test } from "node:test";
import assert from "node:assert/strict";
import { engineHarness } from "../testing/harness.ts";
import type { Script } from "../testing/fake-plugin.ts";
import { b, compiler, incOutputs } from "../testing/workflows.ts";

/** One task node `inc` run to the end with `script` as its plugin. */
async function run(name: string, script: Script) {
  const h = engineHarness();
  h.plugin.script("inc", script);
  await h.engine.start();
  try {
    await h.launch(name, compiler.ok(b.workflow("w", [b.taskNode("n0", "inc", [b.bind("a", b.int(1))])])));
    return await h.waitTerminal(name);
  } finally {
    await h.engine.stop();
  }
}

test("a plugin that reports the files the task wrote is taken at its word: the engine does not probe the store", async () => {
  // outputs.pb is written but the plugin says nothing was: the engine believes the plugin (OutputsNotFound).
  const s = await run("w1", async (a) => {
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0, outputFiles: {} };
  });
  assert.equal(s.phase, "Failed");
  assert.equal(s.error?.code, "RetriesExhausted|OutputsNotFound");
  // Reported as written, with its size: read and checked as usual; a reported size over the limit fails for good.
  const written =
    (size?: number): Script =>
    async (a) => {
      await a.writeOutputs(incOutputs(a.inputs));
      const head = await a.ctx.blobStore.head(a.ctx.blobStore.keyOf(`${a.ctx.outputPrefix}/outputs.pb`));
      return { phase: "Success", version: 0, outputFiles: { "outputs.pb": size ?? head!.size } };
    };
  assert.equal((await run("w2", written())).phase, "Success");
  const big = await run("w3", written(Number.MAX_SAFE_INTEGER));
  assert.equal(big.phase, "Failed");
  assert.equal(big.error?.code, "OutputSizeExceeded");
});
