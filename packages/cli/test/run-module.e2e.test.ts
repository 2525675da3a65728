// `aloft run <module.ts> <export>` and `aloft register code` against the sandbox (admin + engine in this process, the
// SDK's tasks in warm workers): the ML example pipeline registers, runs to SUCCEEDED and `aloft get execution` shows
// its outputs. The CLI runs as a separate process, asynchronously (the server under test lives in this process).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";

const bin = fileURLToPath(new URL("../bin/aloft-cli.mjs", import.meta.url));
const PIPELINE = fileURLToPath(new URL("../../../examples/ml-pipeline/pipeline.ts", import.meta.url));
let platform: TestPlatform;

function aloft(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: platform.config.dataDir };
  const all = [bin, ...args, "-p", "flytesnacks", "-d", "development", "--endpoint", platform.grpcAddress];
  return new Promise((resolve) => {
    execFile(process.execPath, all, { encoding: "utf8", env, timeout: 120_000 }, (err, out, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, out, err: stderr }),
    );
  });
}

before(async () => {
  platform = await startTestPlatform({ engine: true });
});

after(async () => {
  await platform?.close();
});

/** An output literal from `aloft get execution <name> --data -o json`. */
function outputOf(exec: Record<string, any>, name: string): any {
  assert.ok(exec.outputs?.literals?.[name], `no output ${name} in ${JSON.stringify(exec.outputs)}`);
  return exec.outputs.literals[name];
}

test("aloft run <module.ts> <workflow> registers the module, runs it to SUCCEEDED, and the outputs are readable", async () => {
  const inputs = [
    "-i",
    "n=20",
    "-i",
    "seed=3",
    "-i",
    "noise=0.1",
    "-i",
    'kinds=["mean","quadratic"]',
    "-i",
    "threshold=0.5",
  ];
  const r = await aloft("run", PIPELINE, "pipeline", ...inputs, "--name", "mlrun1", "--watch", "--interval", "100");
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /registered .*pipeline\.ts as version [0-9a-f]{20} \(\d+ new, 0 already present\)/, r.out);
  assert.match(r.out, /launched \(launch plan ml\.pipeline:[0-9a-f]{20}\)/, r.out);
  assert.match(r.out, /SUCCEEDED/, r.out);

  const g = await aloft("get", "execution", "mlrun1", "--data", "-o", "json");
  assert.equal(g.code, 0, g.err);
  const exec = JSON.parse(g.out);
  assert.equal(exec.closure.phase, "SUCCEEDED");
  const report = outputOf(exec, "report").scalar.primitive.stringValue as string;
  assert.match(report, /^PUBLISHED quadratic model/, report);
  const best = outputOf(exec, "best").scalar.generic;
  assert.equal(best.kind, "quadratic");
  assert.equal(best.coefficients.length, 3);
  assert.equal(exec.inputs.literals.n.scalar.primitive.integer, "20");
  // Serialized as warm-worker tasks (the sandbox runs them in its WarmWorkerPlugin pool).
  const task = await aloft("get", "task", "ml.train", "-o", "json");
  assert.equal((JSON.parse(task.out) as any[])[0].closure.compiledTask.template.type, "aloft-ts", task.out);
  // What a warm task prints is its log, linked from its attempt and served by admin (as a process's log is).
  const http = async (path: string) =>
    (await fetch(`${platform.httpUrl}${path}`, { headers: { accept: "application/json" } })).json() as Promise<any>;
  const nodes = (await http("/api/v1/node_executions/flytesnacks/development/mlrun1?limit=50"))
    .node_executions as any[];
  const load = nodes.find((n) => n.metadata.spec_node_id !== "start-node" && /load/.test(JSON.stringify(n)));
  const attempts = await http(
    `/api/v1/task_executions/flytesnacks/development/mlrun1/${load?.id.node_id ?? "n0"}?limit=5`,
  );
  const link = attempts.task_executions?.[0]?.closure?.logs?.[0];
  assert.equal(link?.name, "Local process logs", JSON.stringify(attempts));
  assert.match(await (await fetch(link.uri)).text(), /^generated 20 rows \(seed 3, noise 0\.1\)\n/);
  const table = await aloft("get", "execution", "mlrun1", "--data");
  assert.match(table.out, /output\s+report\s+.*PUBLISHED quadratic/, table.out);

  // Same module, same content: the same version, everything already present; a launch plan by its registered name.
  const again = await aloft(
    "run",
    PIPELINE,
    "ml.pipeline.nightly",
    "-i",
    "n=10",
    "-i",
    'kinds=["linear"]',
    "--watch",
    "--interval",
    "100",
  );
  assert.equal(again.code, 0, again.err + again.out);
  assert.match(again.out, /\(0 new, \d+ already present\)/, again.out);
  assert.match(again.out, /launch plan ml\.pipeline\.nightly:/, again.out);
  assert.match(again.out, /SUCCEEDED/, again.out);
});

test("aloft register code registers tasks, workflows and launch plans in order; an unknown export is a usage error", async () => {
  const r = await aloft("register", "code", PIPELINE, "-v", "explicit1", "-o", "json");
  assert.equal(r.code, 0, r.err + r.out);
  const results = JSON.parse(r.out) as { kind: string; name: string; status: string }[];
  const kinds = results.map((x) => x.kind);
  assert.deepEqual(
    [...kinds].sort(
      (a, b) => ["task", "workflow", "launch plan"].indexOf(a) - ["task", "workflow", "launch plan"].indexOf(b),
    ),
    kinds,
  );
  assert.ok(results.some((x) => x.kind === "task" && x.name === "ml.train"));
  assert.ok(results.some((x) => x.kind === "launch plan" && x.name === "ml.pipeline.nightly"));
  assert.ok(
    results.every((x) => x.status === "registered"),
    r.out,
  );

  const twice = await aloft("register", "code", PIPELINE, "-v", "explicit1", "-o", "json");
  assert.equal(twice.code, 0, twice.err);
  assert.ok((JSON.parse(twice.out) as { status: string }[]).every((x) => x.status === "already exists"));

  const bad = await aloft("run", PIPELINE, "nope");
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /exports no task, workflow or launch plan named nope \(it exports: .*pipeline/);
  const missing = await aloft("run", "no/such/module.ts", "pipeline");
  assert.equal(missing.code, 2, missing.err);
  assert.match(missing.err, /no such module file/);
});
