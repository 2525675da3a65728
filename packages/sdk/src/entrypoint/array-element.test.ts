import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import * as t from "../types/index.ts";
import { arrayElementInputs, arrayIndexOf } from "./array-element.ts";
import { executeTask } from "./execute.ts";
import { uriIo } from "./data-io.ts";
import { importModule } from "./main.ts";

const MODULE = fileURLToPath(new URL("../testing/fixture-tasks.ts", import.meta.url));
const env = (i: number, offset?: number) => ({
  BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX",
  FLYTE_K8S_ARRAY_INDEX: String(i),
  ...(offset === undefined ? {} : { BATCH_JOB_ARRAY_INDEX_OFFSET: String(offset) }),
});

test("array index: read through the variable BATCH_JOB_ARRAY_INDEX_VAR_NAME names, plus the offset; absent outside arrays", () => {
  assert.equal(arrayIndexOf({}), undefined);
  assert.equal(arrayIndexOf(env(3)), 3);
  assert.equal(arrayIndexOf(env(3, 10)), 13);
  assert.equal(
    arrayIndexOf({ BATCH_JOB_ARRAY_INDEX_VAR_NAME: "AWS_BATCH_JOB_ARRAY_INDEX", AWS_BATCH_JOB_ARRAY_INDEX: "2" }),
    2,
  );
  assert.throws(() => arrayIndexOf({ BATCH_JOB_ARRAY_INDEX_VAR_NAME: "X", X: "minus one" }), /bad array index/);
});

test("array element: mapped inputs (one list deeper than declared) give their element, bound ones stay whole", () => {
  const types = { x: t.int(), weights: t.list(t.float()), rows: t.list(t.int()) };
  // As the array node's inputs file holds them: x and rows mapped, weights bound.
  const file = t.toLiteralMap(
    { x: t.list(t.int()), weights: t.list(t.float()), rows: t.list(t.list(t.int())) },
    { x: [1, 2, 3], weights: [0.5, 0.25], rows: [[1], [], [2, 3]] },
  );
  const second = t.fromLiteralMap(types, arrayElementInputs(types, file, 1));
  assert.deepEqual(second, { x: 2, weights: [0.5, 0.25], rows: [] });
  assert.deepEqual(t.fromLiteralMap(types, arrayElementInputs(types, file, 2)), {
    x: 3,
    weights: [0.5, 0.25],
    rows: [2, 3],
  });
  assert.throws(() => arrayElementInputs(types, file, 3), /input x has 3 elements, no element 3/);
});

test("the entrypoint of an array sub-node reads the full lists and runs on its own element", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aloft-sdk-array-"));
  try {
    const io = uriIo();
    const args = {
      inputs: join(dir, "inputs.pb"),
      outputPrefix: join(dir, "n1", "0"),
      rawOutputPrefix: join(dir, "raw"),
      checkpointPath: join(dir, "raw", "_flytecheckpoints"),
      prevCheckpoint: '""',
      module: MODULE,
      task: "add",
    };
    const lists = { a: t.list(t.int()), b: t.int() };
    await io.write(args.inputs, toBinary(LiteralMapSchema, t.toLiteralMap(lists, { a: [10, 20, 30], b: 1 })));
    assert.equal(await executeTask(args, { io, env: env(1), load: importModule }), "success");
    const out = fromBinary(LiteralMapSchema, (await io.read(join(args.outputPrefix, "outputs.pb")))!);
    assert.deepEqual(t.fromLiteralMap({ sum: t.int() }, out), { sum: 21 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
