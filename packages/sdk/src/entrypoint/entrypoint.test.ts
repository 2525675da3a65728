import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { ErrorDocumentSchema, ContainerError_Kind } from "@aloft/idl/flyteidl/core/errors_pb.js";
import { ExecutionError_ErrorKind } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { DynamicJobSpecSchema } from "@aloft/idl/flyteidl/core/dynamic_job_pb.js";
import * as t from "../types/index.ts";
import * as fixtures from "../testing/fixture-tasks.ts";
import { executeTask, type ExecuteArgs } from "./execute.ts";
import { uriIo } from "./data-io.ts";
import { importModule, parseArgs } from "./main.ts";

const MODULE = fileURLToPath(new URL("../testing/fixture-tasks.ts", import.meta.url));

async function inTemp(f: (dir: string, args: (task: string, attempt?: number) => ExecuteArgs) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "aloft-sdk-ep-"));
  try {
    const args = (task: string, attempt = 0): ExecuteArgs => ({
      inputs: pathToFileURL(join(dir, "inputs.pb")).href,
      outputPrefix: pathToFileURL(join(dir, String(attempt))).href,
      rawOutputPrefix: pathToFileURL(join(dir, "raw", String(attempt))).href,
      checkpointPath: pathToFileURL(join(dir, "raw", String(attempt), "_flytecheckpoints")).href,
      prevCheckpoint:
        attempt > 0 ? pathToFileURL(join(dir, "raw", String(attempt - 1), "_flytecheckpoints")).href : '""',
      module: MODULE,
      task,
    });
    await f(dir, args);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const io = uriIo();
const deps = (attempt = 0) => ({ io, env: { FLYTE_ATTEMPT_NUMBER: String(attempt) }, load: importModule });

async function errorDoc(args: ExecuteArgs) {
  const bytes = await io.read(`${args.outputPrefix}/error.pb`);
  assert.ok(bytes, "error.pb written");
  return fromBinary(ErrorDocumentSchema, bytes).error!;
}

test("argument parsing: every flag, and a missing one is reported", () => {
  const a = parseArgs([
    "--inputs",
    "i",
    "--output-prefix",
    "o",
    "--module",
    "m",
    "--task",
    "t",
    "--prev-checkpoint",
    '""',
  ]);
  assert.equal(a.inputs, "i");
  assert.equal(a.prevCheckpoint, '""');
  assert.throws(() => parseArgs(["--inputs", "i"]), /missing --output-prefix/);
  assert.throws(() => parseArgs(["--bogus", "x"]), /unexpected argument --bogus/);
});

test("success: inputs.pb in, outputs.pb out", async () => {
  await inTemp(async (_dir, args) => {
    const a = args("add");
    await io.write(a.inputs, toBinary(LiteralMapSchema, t.toLiteralMap(fixtures.add.inputs, { a: 2, b: 40 })));
    assert.equal(await executeTask(a, deps()), "success");
    const out = fromBinary(LiteralMapSchema, (await io.read(`${a.outputPrefix}/outputs.pb`))!);
    assert.deepEqual(t.fromLiteralMap(fixtures.add.outputs, out), { sum: 42 });
  });
});

test("an array element with its own inputs reads them as they are, not its element of the array's lists", async () => {
  await inTemp(async (dir, args) => {
    const elementUri = pathToFileURL(join(dir, "element-inputs.pb")).href;
    const a: ExecuteArgs = { ...args("add"), elementInputs: elementUri };
    // The array's inputs hold lists (element 1 would be 20 + 200); the element's own inputs are what it runs with.
    const lists = t.toLiteralMap({ a: t.list(t.int()), b: t.list(t.int()) }, { a: [10, 20], b: [100, 200] });
    await io.write(a.inputs, toBinary(LiteralMapSchema, lists));
    await io.write(elementUri, toBinary(LiteralMapSchema, t.toLiteralMap(fixtures.add.inputs, { a: 2, b: 40 })));
    const env = { BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX", FLYTE_K8S_ARRAY_INDEX: "1" };
    assert.equal(await executeTask(a, { ...deps(), env }), "success");
    const out = fromBinary(LiteralMapSchema, (await io.read(`${a.outputPrefix}/outputs.pb`))!);
    assert.deepEqual(t.fromLiteralMap(fixtures.add.outputs, out), { sum: 42 });
    // Without them, the same element picks its values out of the lists.
    const b = { ...args("add", 1) };
    assert.equal(await executeTask(b, { ...deps(), env }), "success");
    const outB = fromBinary(LiteralMapSchema, (await io.read(`${b.outputPrefix}/outputs.pb`))!);
    assert.deepEqual(t.fromLiteralMap(fixtures.add.outputs, outB), { sum: 220 });
  });
});

test("a throwing task writes a USER, NON_RECOVERABLE error.pb; RecoverableError is RECOVERABLE; bad outputs are USER", async () => {
  await inTemp(async (_dir, args) => {
    const a = args("boom");
    assert.equal(await executeTask(a, deps()), "user-error");
    const e = await errorDoc(a);
    assert.equal(e.origin, ExecutionError_ErrorKind.USER);
    assert.equal(e.kind, ContainerError_Kind.NON_RECOVERABLE);
    assert.equal(e.code, "USER:TypeError");
    assert.match(e.message, /boom went the task/);

    const f = args("flaky", 0);
    assert.equal(await executeTask(f, deps(0)), "user-error");
    assert.equal((await errorDoc(f)).kind, ContainerError_Kind.RECOVERABLE);

    const b = args("badOutput", 2);
    assert.equal(await executeTask(b, deps()), "user-error");
    assert.equal((await errorDoc(b)).code, "USER:BadOutputs");
  });
});

test("a missing task or module is a SYSTEM error", async () => {
  await inTemp(async (_dir, args) => {
    const a = { ...args("nope"), outputPrefix: `${args("nope").outputPrefix}x` };
    assert.equal(await executeTask(a, deps()), "system-error");
    const e = await errorDoc(a);
    assert.equal(e.origin, ExecutionError_ErrorKind.SYSTEM);
    assert.equal(e.code, "SYSTEM:TaskNotFound");
    const m = { ...args("add"), module: "/nonexistent/module.ts" };
    assert.equal(await executeTask(m, deps()), "system-error");
    assert.equal((await errorDoc(m)).code, "SYSTEM:ModuleLoadError");
  });
});

test("checkpoints: attempt 0 saves one, attempt 1 reads it from the previous checkpoint prefix", async () => {
  await inTemp(async (_dir, args) => {
    assert.equal(await executeTask(args("resumable", 0), deps(0)), "user-error");
    const a1 = args("resumable", 1);
    assert.equal(await executeTask(a1, deps(1)), "success");
    const out = fromBinary(LiteralMapSchema, (await io.read(`${a1.outputPrefix}/outputs.pb`))!);
    assert.deepEqual(t.fromLiteralMap(fixtures.resumable.outputs, out), { resumedFrom: "step-41" });
  });
});

test("a dynamic task writes futures.pb: a DynamicJobSpec of its nodes, the tasks they use and its output bindings", async () => {
  await inTemp(async (_dir, args) => {
    const a = args("fanOut");
    await io.write(a.inputs, toBinary(LiteralMapSchema, t.toLiteralMap(fixtures.fanOut.inputs, { n: 3 })));
    assert.equal(
      await executeTask(a, {
        ...deps(),
        env: { FLYTE_INTERNAL_TASK_PROJECT: "p", FLYTE_INTERNAL_TASK_DOMAIN: "d", FLYTE_INTERNAL_TASK_VERSION: "v9" },
      }),
      "dynamic",
    );
    const spec = fromBinary(DynamicJobSpecSchema, (await io.read(`${a.outputPrefix}/futures.pb`))!);
    assert.deepEqual(
      spec.nodes.map((n) => n.id),
      ["dn0", "dn1", "dn2"],
    );
    assert.equal(spec.minSuccesses, 3n);
    assert.deepEqual(
      spec.tasks.map((x) => `${x.id?.project}/${x.id?.name}@${x.id?.version}`),
      ["p/add@v9"],
    );
    assert.equal(spec.outputs[0]?.binding?.value.case, "collection");
  });
});

test("local files and directories returned by a task are uploaded under the raw output prefix", async () => {
  await inTemp(async (dir, args) => {
    const a = args("localOutputs");
    await io.write(
      a.inputs,
      toBinary(LiteralMapSchema, t.toLiteralMap(fixtures.localOutputs.inputs, { dir: join(dir, "work") })),
    );
    assert.equal(await executeTask(a, deps()), "success");
    const out = t.fromLiteralMap(
      fixtures.localOutputs.outputs,
      fromBinary(LiteralMapSchema, (await io.read(`${a.outputPrefix}/outputs.pb`))!),
    );
    assert.equal(out.f.uri, `${a.rawOutputPrefix}/f/note.txt`);
    assert.equal(out.d.uri, `${a.rawOutputPrefix}/d`);
    assert.equal(Buffer.from((await io.read(out.f.uri))!).toString(), "note");
    assert.equal(Buffer.from((await io.read(`${out.d.uri}/sub/b.txt`))!).toString(), "b");
  });
});
