// A probe (not a test): engine overhead per node on a 1,000-node chain and a 1,000-wide fan-out of tasks that succeed
// at once (fake plugin), over the in-memory store and over the blob store on a local directory.
// Run: node --import tsx packages/engine/src/testing/engine-overhead.ts [nodes]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalBlobStore } from "@aloft/core";
import { MemoryBlobStore } from "@aloft/core";
import { BlobWorkflowStore } from "../store/blob-workflow-store.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import { FakePlugin, type Script } from "./fake-plugin.ts";
import { engineHarness } from "./harness.ts";
import { b, compiler } from "./workflows.ts";

const n = Number(process.argv[2] ?? 1000);
const instant: Script = async (a) => {
  await a.writeOutputs({});
  return { phase: "Success", version: 0 };
};
const shapes = {
  chain: Array.from({ length: n }, (_, i) => b.taskNode(`n${i}`, "noop", [], i ? [`n${i - 1}`] : [])),
  fanout: Array.from({ length: n }, (_, i) => b.taskNode(`n${i}`, "noop")),
};
const dir = await mkdtemp(join(tmpdir(), "aloft-engine-overhead-"));
try {
  for (const storage of ["memory", "local-dir"] as const) {
    for (const [label, nodes] of Object.entries(shapes)) {
      const blobs = storage === "memory" ? new MemoryBlobStore() : new LocalBlobStore({ root: join(dir, label) });
      const store = storage === "memory" ? new MemoryWorkflowStore() : new BlobWorkflowStore(blobs);
      const h = engineHarness({
        blobs,
        store,
        plugin: new FakePlugin().script("noop", instant),
        config: { pollIntervalMs: 1 },
      });
      await h.engine.start();
      const t0 = performance.now();
      await h.launch(label, compiler.ok(b.workflow(label, nodes)));
      const s = await h.waitTerminal(label);
      const ms = performance.now() - t0;
      console.log(
        `${storage.padEnd(9)} ${label.padEnd(6)} ${s.phase} ${ms.toFixed(0)} ms total, ${(ms / n).toFixed(2)} ms/node`,
      );
      await h.engine.stop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
