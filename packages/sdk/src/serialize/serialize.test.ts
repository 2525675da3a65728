import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { Resources_ResourceName } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { LaunchPlanSchema } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { WorkflowSpecSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { compileTask, tryCompileWorkflow, getRequirements, launchPlanInterfaceOf } from "@aloft/core";
import { t, task, workflow } from "../index.ts";
import { serializeModule, type Serialized } from "./serialize.ts";
import { compileAll, launchPlanRefInterfaces } from "./compile.ts";
import { registrationFiles } from "./registration-files.ts";
import { ENTRYPOINT_BIN, WARM_TASK_TYPE } from "./task-template.ts";

const EXAMPLES = fileURLToPath(new URL("../../../../examples/", import.meta.url));
const settings = (module: string) => ({ project: "flytesnacks", domain: "development", version: "v1", module });

function exampleModules(dir = EXAMPLES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? exampleModules(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

function compileEverything(s: Serialized) {
  for (const task of s.tasks) compileTask(task);
  const refs = launchPlanRefInterfaces(s.names.keys(), "flytesnacks", "development");
  return s.workflows.map((w) => {
    const req = getRequirements(w.template, w.subWorkflows);
    for (const id of req.taskIds)
      assert.ok(
        s.tasks.some((x) => x.id?.name === id.name),
        `task ${id.name} serialized`,
      );
    return compileAll(w, s.tasks, s.launchPlans, refs);
  });
}

test("every example module serializes and every workflow compiles with the platform's compiler", async () => {
  const modules = exampleModules();
  assert.ok(modules.length >= 2, `examples found: ${modules.join(", ")}`);
  for (const path of modules) {
    const exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const s = serializeModule(exports, settings(path));
    assert.ok(s.workflows.length > 0, `${path} exports a workflow`);
    const closures = compileEverything(s);
    for (const c of closures) assert.ok(c.primary?.connections, `${path}: compiled`);
    for (const lp of s.launchPlans)
      assert.ok(s.workflows.some((w) => w.template.id?.name === lp.spec?.workflowId?.name));
  }
});

test("task templates: the entrypoint command with upstream flyteplugins/go/tasks/pluginmachinery/core/template/template.go templates, and every task setting", async () => {
  const path = join(EXAMPLES, "features/features.ts");
  const s = serializeModule(await import(pathToFileURL(path).href), settings(path));
  const sq = s.tasks.find((x) => x.id?.name === "features.square")!;
  assert.equal(sq.type, WARM_TASK_TYPE);
  const c = sq.target.case === "container" ? sq.target.value : assert.fail("container task");
  assert.deepEqual(c.command, [
    "node",
    ENTRYPOINT_BIN,
    "--inputs",
    "{{.input}}",
    "--output-prefix",
    "{{.outputPrefix}}",
    "--raw-output-data-prefix",
    "{{.rawOutputDataPrefix}}",
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
    "--module",
    path,
    "--task",
    "square",
  ]);
  assert.deepEqual(
    c.env.map((e) => [e.key, e.value]),
    [["LOG_LEVEL", "debug"]],
  );
  assert.deepEqual(
    c.resources?.requests.map((r) => [r.name, r.value]),
    [
      [Resources_ResourceName.CPU, "250m"],
      [Resources_ResourceName.MEMORY, "128Mi"],
    ],
  );
  assert.equal(sq.metadata?.retries?.retries, 3);
  assert.equal(sq.metadata?.timeout?.seconds, 60n);
  assert.equal(sq.metadata?.discoverable, true);
  assert.equal(sq.metadata?.discoveryVersion, "1.0");
  assert.deepEqual(sq.metadata?.interruptibleValue, { case: "interruptible", value: true });
  assert.equal(sq.securityContext?.secrets[0]?.group, "db");
  assert.ok(sq.interface?.inputs?.variables.x);
  assert.equal(sq.id?.project, "flytesnacks");
});

test("workflow nodes: gates, a launch-plan reference, a dynamic task, explicit ordering, failure policy", async () => {
  const path = join(EXAMPLES, "features/features.ts");
  const s = serializeModule(await import(pathToFileURL(path).href), settings(path));
  const wf = s.workflows.find((w) => w.template.id?.name === "features.gated")!.template;
  const kinds = wf.nodes.map((n) =>
    n.target.case === "gateNode" ? `gate:${n.target.value.condition.case}` : n.target.case,
  );
  assert.deepEqual(kinds, ["taskNode", "gate:approve", "gate:signal", "gate:sleep", "taskNode", "workflowNode"]);
  const totalNode = wf.nodes[4]!;
  assert.deepEqual(totalNode.upstreamNodeIds, [wf.nodes[3]!.id]);
  const lpNode = wf.nodes[5]!;
  assert.equal(lpNode.target.case === "workflowNode" && lpNode.target.value.reference.case, "launchplanRef");
  assert.equal(wf.metadata?.onFailure, 1);
  const closure = compileEverything(s).find((c) => c.primary?.template?.id?.name === "features.gated")!;
  assert.ok(closure.primary?.connections?.upstream[totalNode.id]?.ids.includes(wf.nodes[3]!.id));
});

test("launch plans: defaults and fixed inputs, expected inputs, cron and fixed-rate schedules, a default plan per workflow", async () => {
  const path = join(EXAMPLES, "ml-pipeline/pipeline.ts");
  const s = serializeModule(await import(pathToFileURL(path).href), settings(path));
  assert.deepEqual(s.launchPlans.map((l) => l.id?.name).sort(), [
    "ml.decide",
    "ml.pipeline",
    "ml.pipeline.nightly",
    "ml.pipeline_fixed_kinds",
  ]);
  const nightly = s.launchPlans.find((l) => l.id?.name === "ml.pipeline.nightly")!;
  const params = nightly.spec!.defaultInputs!.parameters;
  assert.equal(params.n?.behavior.case, "default");
  assert.equal(nightly.spec?.entityMetadata?.schedule?.ScheduleExpression.case, "cronSchedule");
  const plain = s.launchPlans.find((l) => l.id?.name === "ml.pipeline")!;
  assert.deepEqual(
    Object.values(plain.spec!.defaultInputs!.parameters).map((p) => p.behavior.case),
    ["required", "required", "required", "required", "required"],
  );
  assert.deepEqual(Object.keys(launchPlanInterfaceOf(nightly).expectedInputs!.parameters).sort(), [
    "kinds",
    "n",
    "noise",
    "seed",
    "threshold",
  ]);

  const fpath = join(EXAMPLES, "features/features.ts");
  const f = serializeModule(await import(pathToFileURL(fpath).href), settings(fpath));
  const daily = f.launchPlans.find((l) => l.id?.name === "features.gated.daily")!;
  assert.deepEqual(Object.keys(daily.spec!.fixedInputs!.literals), ["n"]);
  assert.deepEqual(Object.keys(daily.spec!.defaultInputs!.parameters), []);
  assert.equal(daily.spec?.entityMetadata?.schedule?.ScheduleExpression.case, "rate");
});

test("registration files: _1 task specs, _2 workflow specs, _3 launch plans, in that order", async () => {
  const path = join(EXAMPLES, "ml-pipeline/pipeline.ts");
  const files = registrationFiles(serializeModule(await import(pathToFileURL(path).href), settings(path)));
  const kinds = files.map((f) => f.name.slice(-4, -3));
  assert.deepEqual(kinds, [...kinds].sort());
  const wf = fromBinary(WorkflowSpecSchema, files.find((f) => f.name.endsWith("ml.pipeline_2.pb"))!.data);
  assert.equal(wf.template?.id?.name, "ml.pipeline");
  assert.deepEqual(
    wf.subWorkflows.map((w) => w.id?.name),
    ["ml.decide"],
  );
  const lp = fromBinary(LaunchPlanSchema, files.find((f) => f.name.endsWith("_3.pb"))!.data);
  assert.equal(lp.closure, undefined);
});

test("a mis-wired workflow that gets past tsc (casts) is still refused: by the builder or by the compiler", () => {
  const inc = task({ inputs: { a: t.int() }, outputs: { b: t.int() } }, ({ a }) => ({ b: a + 1 }));
  const bad = workflow({ inputs: { s: t.string() }, outputs: { b: t.int() } }, (b, { s }) => ({
    b: b.call(inc, { a: s as never }).b,
  }));
  const s = serializeModule({ inc, bad }, settings("/m.ts"));
  const r = tryCompileWorkflow(
    s.workflows[0]!.template,
    [],
    s.tasks.map((x) => compileTask(x)),
    [],
  );
  assert.equal(r.ok, false);
  assert.match(JSON.stringify(r), /MismatchingTypes/);
  const unknown = workflow({ inputs: {}, outputs: {} }, (b) => (b.call(inc, { a: 1, z: 2 } as never), {}));
  assert.throws(() => serializeModule({ inc, unknown }, settings("/m.ts")), /z is not an input/);
  const unexported = workflow({ inputs: {}, outputs: {} }, (b) => (b.call(inc, { a: 1 }), {}));
  assert.throws(() => serializeModule({ unexported }, settings("/m.ts")), /not exported/);
});

test("aloft-package: a module to registration files with registration placeholders (hydrated by `aloft register files`)", async () => {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { packageMain } = await import("./package-main.ts");
  const dir = await mkdtemp(join(tmpdir(), "aloft-sdk-pkg-"));
  try {
    const files = await packageMain([join(EXAMPLES, "ml-pipeline/pipeline.ts"), dir]);
    assert.ok(files.some((f) => f.endsWith("_ml.pipeline_2.pb")));
    const { readFileSync } = await import("node:fs");
    const lp = fromBinary(LaunchPlanSchema, readFileSync(files.find((f) => f.endsWith("_ml.pipeline.nightly_3.pb"))!));
    assert.equal(lp.id?.project, "{{ registration.project }}");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
