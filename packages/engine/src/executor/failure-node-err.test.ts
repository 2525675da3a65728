import { test } from "node:test";
import assert from "node:assert/strict";
import { create, toJson } from "@bufbuild/protobuf";
import { BindingDataSchema, LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { harness } from "@aloft/core/testing";
import { engineHarness } from "../testing/harness.ts";
import { permanentFailure, succeed } from "../testing/fake-plugin.ts";
import { TASKS, b } from "../testing/workflows.ts";

test("a failure node's `err` input carries the workflow error as a union of an Error scalar", async () => {
  const onFail = b.task("onfail", { err: b.unionOf(b.simple(SimpleType.ERROR), b.NONE) }, {});
  const wf = b.workflow("fe", [b.taskNode("n0", "noop")]);
  const none = create(BindingDataSchema, {
    value: { case: "scalar", value: { value: { case: "noneType", value: {} } } },
  });
  wf.failureNode = b.taskNode("fn", "onfail", [b.bind("err", none)]);
  const closure = harness([...TASKS, onFail]).ok(wf);
  const h = engineHarness();
  let seen: unknown;
  h.plugin.script("noop", permanentFailure()).script("onfail", async (a) => {
    seen = a.inputs.literals["err"];
    return succeed()(a);
  });
  await h.engine.start();
  try {
    await h.launch("fe1", closure);
    const s = await h.waitTerminal("fe1");
    assert.equal(s.phase, "Failed");
    assert.deepEqual(toJson(LiteralSchema, seen as Literal), {
      scalar: {
        union: {
          value: { scalar: { error: { failedNodeId: "fn", message: "boom" } } },
          type: { simple: "ERROR", structure: { tag: "FlyteError" } },
        },
      },
    });
  } finally {
    await h.engine.stop();
  }
});
