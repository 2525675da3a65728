// The task entrypoint as the engine runs it: the real `aloft-execute` command line, through the engine's
// local-process plugin (moved here from the SDK's entrypoint tests, which no longer load the engine).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { getMessage } from "@aloft/core";
import { drive, isTerminal, sandbox } from "@aloft/engine/testing";
import { index as t } from "@aloft/sdk/testing";
import { FIXTURE_TASKS_FILE, fixtureTasks as fixtures } from "@aloft/sdk/testing";
import { serializeModule } from "@aloft/sdk";

const MODULE = FIXTURE_TASKS_FILE;

test("the real command line through the local-process plugin: templated paths, a process per attempt, outputs.pb", async () => {
  const sb = await sandbox();
  try {
    const ser = serializeModule(fixtures, { project: "proj", domain: "dev", version: "v1", module: MODULE });
    const template = ser.tasks.find((x) => x.id?.name === "add")!;
    const ctx = await sb.context({ template, inputs: t.toLiteralMap(fixtures.add.inputs, { a: 20, b: 22 }) });
    const r = await drive(sb.plugin(), ctx, isTerminal);
    assert.equal(r.status.phase, "Success", JSON.stringify(r.status));
    const out = await getMessage(sb.store, sb.store.keyOf(`${ctx.outputPrefix}/outputs.pb`), LiteralMapSchema);
    assert.deepEqual(t.fromLiteralMap(fixtures.add.outputs, out), { sum: 42 });
  } finally {
    await sb.cleanup();
  }
});
