// Test support: workflow `dyn`, whose one node n0 runs the dynamic task `gen`; gen's script writes futures.pb with
// inc(a) → inc, so the node's output o is the second inc's.
import { create } from "@bufbuild/protobuf";
import { DynamicJobSpecSchema } from "@aloft/idl/flyteidl/core/dynamic_job_pb.js";
import { futuresKey, putMessage } from "@aloft/core";
import { harness } from "@aloft/core/testing";
import { queued, type Script } from "./fake-plugin.ts";
import { TASKS, b } from "./workflows.ts";

const gen = b.task("gen", { a: b.INT }, { o: b.INT });
const compile = harness([...TASKS, gen]);

/** The dynamic task gen: queued on its first call, then writes futures.pb with inc(a) → inc → outputs o. */
export const writesFutures: Script = async (a) => {
  if (a.call === 1) return queued();
  const spec = create(DynamicJobSpecSchema, {
    nodes: [
      b.taskNode("d0", "inc", [b.bind("a", b.promise("start-node", "a"))]),
      b.taskNode("d1", "inc", [b.bind("a", b.promise("d0", "o"))]),
    ],
    outputs: [b.bind("o", b.promise("d1", "o"))],
    tasks: [TASKS[0]!.template!],
  });
  const blobs = a.ctx.blobStore;
  await putMessage(blobs, futuresKey(blobs.keyOf(a.ctx.outputPrefix)), DynamicJobSpecSchema, spec);
  return { phase: "Success", version: 0 };
};

/** Workflow dyn, compiled: x → n0 = gen(a: x) → y = n0.o. */
export const dynamicWorkflow = () =>
  compile.ok(
    b.workflow(
      "dyn",
      [b.taskNode("n0", "gen", [b.bind("a", b.promise("start-node", "x"))])],
      { x: b.INT },
      { y: b.INT },
      [b.bind("y", b.promise("n0", "o"))],
    ),
  );
