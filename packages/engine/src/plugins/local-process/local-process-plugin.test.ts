import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { ExecutionError_ErrorKind, TaskLog_MessageFormat } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { containerTask, drive, isTerminal, sandbox } from "./testing.ts";
import { LOG_NAME } from "./local-process-plugin.ts";

const repoRoot = join(import.meta.dirname, "../../../../..");
const int = (n: bigint) => ({
  value: {
    case: "scalar" as const,
    value: { value: { case: "primitive" as const, value: { value: { case: "integer" as const, value: n } } } },
  },
});

test("templating and FLYTE_INTERNAL_* environment reach the process; output captured and linked", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const dump = join(sb.root, "dump.json");
  const script =
    "require('fs').writeFileSync(process.argv[1], JSON.stringify({argv: process.argv.slice(2), env: process.env, tmpdir: require('fs').statSync(process.env.TMPDIR).isDirectory()})); console.log('hello from the task')";
  const template = containerTask(["node", "-e", script, dump], {
    target: {
      case: "container",
      value: {
        image: "ignored",
        command: ["node", "-e", script, dump],
        args: [
          "{{.input}}",
          "{{.inputPrefix}}",
          "{{.outputPrefix}}",
          "{{.rawOutputDataPrefix}}",
          "{{.checkpointOutputPrefix}}",
          "{{.prevCheckpointPrefix}}",
          "{{ $taskTemplatePath }}",
          "{{.Inputs.x}}",
        ],
        env: [
          { key: "FROM_CONTAINER", value: "c" },
          { key: "OVERRIDDEN", value: "container" },
        ],
      },
    },
  });
  const plugin = sb.plugin({ extraEnv: { EXTRA: "e" } });
  const ctx = await sb.context({
    template,
    inputs: { literals: { x: int(7n) } },
    environment: { OVERRIDDEN: "execution", FLYTE_INTERNAL_EXECUTION_WORKFLOW: "proj:dev:wf" },
  });

  const first = await plugin.handle(ctx, undefined);
  assert.equal(first.status.phase, "Running");
  const done = await drive(plugin, ctx, isTerminal, first.state);
  assert.equal(done.status.phase, "Success", JSON.stringify(done.status));

  const { argv, env, tmpdir } = JSON.parse(await readFile(dump, "utf8")) as {
    argv: string[];
    env: Record<string, string>;
    tmpdir: boolean;
  };
  // Locations in the local store reach the process as plain absolute paths (flytekit checks Blob URIs with
  // os.path.isfile, which a file:// string fails).
  const path = (uri: string) => uri.slice("file://".length);
  assert.deepEqual(argv, [
    path(ctx.inputsUri),
    path(ctx.inputsUri.replace(/\/inputs\.pb$/, "")),
    path(ctx.outputPrefix),
    path(ctx.rawOutputPrefix),
    path(ctx.checkpointPrefix),
    '""',
    path(ctx.inputsUri.replace(/inputs\.pb$/, "task.pb")),
    "7",
  ]);
  assert.ok(argv[0]!.startsWith(`${sb.store.root}/`), "plain absolute paths under the store's root");
  const taskPb = await sb.store.get(sb.store.keyOf(`file://${argv[6]!}`));
  assert.equal(fromBinary(TaskTemplateSchema, taskPb).type, "container");
  assert.equal(env["FLYTE_INTERNAL_EXECUTION_ID"], "exec1");
  assert.equal(env["FLYTE_INTERNAL_EXECUTION_PROJECT"], "proj");
  assert.equal(env["FLYTE_INTERNAL_EXECUTION_DOMAIN"], "dev");
  assert.equal(env["FLYTE_INTERNAL_EXECUTION_WORKFLOW"], "proj:dev:wf");
  assert.equal(env["FLYTE_ATTEMPT_NUMBER"], "0");
  assert.equal(env["FLYTE_INTERNAL_TASK_PROJECT"], "proj");
  assert.equal(env["FLYTE_INTERNAL_TASK_DOMAIN"], "dev");
  assert.equal(env["FLYTE_INTERNAL_TASK_NAME"], "my.task");
  assert.equal(env["FLYTE_INTERNAL_TASK_VERSION"], "v1");
  assert.equal(env["FLYTE_INTERNAL_NAME"], "my.task");
  assert.equal(env["FROM_CONTAINER"], "c");
  assert.equal(env["OVERRIDDEN"], "execution");
  assert.equal(env["EXTRA"], "e");
  assert.ok(env["PATH"], "the host environment is inherited");
  assert.equal(env["TMPDIR"], join(sb.workDir, ctx.generatedName, "tmp"), "a temporary directory of its own");
  assert.equal(tmpdir, true, "made before the start");
  await plugin.finalize(ctx, done.state);
  await assert.rejects(stat(env["TMPDIR"]!), /ENOENT/, "removed with the attempt");

  assert.match(await readFile(join(sb.logDir, `${ctx.generatedName}.log`), "utf8"), /hello from the task/);
  const log = done.status.logs?.[0];
  assert.equal(log?.uri, `http://localhost:8088/logs/proj/dev/${ctx.generatedName}`);
  assert.equal(log?.name, LOG_NAME);
  assert.equal(log?.messageFormat, TaskLog_MessageFormat.UNKNOWN);
});

test("Running carries the log link with a version bump once the log has content", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const gate = join(sb.root, "gate");
  const ctx = await sb.context({
    template: containerTask(["sh", "-c", `while [ ! -f ${gate} ]; do sleep 0.02; done; echo now-logging; sleep 30`]),
  });
  const plugin = sb.plugin();
  const started = await drive(plugin, ctx, (s) => s.phase === "Running");
  assert.equal(started.status.version, 0);
  assert.equal(started.status.logs, undefined);
  await writeFile(gate, "");
  const withLogs = await drive(plugin, ctx, (s) => s.version === 1, started.state);
  assert.equal(withLogs.status.phase, "Running");
  assert.equal(withLogs.status.logs?.length, 1);
  await plugin.abort(ctx, withLogs.state, "test over");
});

test("a task that reads inputs.pb and writes outputs.pb", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const script = [
    "import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';",
    "import { fromBinary, toBinary, create } from '@bufbuild/protobuf';",
    "import { LiteralMapSchema } from '@aloft/idl/flyteidl/core/literals_pb.js';",
    "const [input, out] = process.argv.slice(1);",
    "const m = fromBinary(LiteralMapSchema, readFileSync(input));",
    "const a = m.literals.a.value.value.value.value.value.value;",
    "const res = create(LiteralMapSchema, { literals: { b: { value: { case: 'scalar', value: { value: { case: 'primitive', value: { value: { case: 'integer', value: a * 2n } } } } } } } });",
    "mkdirSync(out, { recursive: true });",
    "writeFileSync(out + '/outputs.pb', toBinary(LiteralMapSchema, res));",
  ].join("\n");
  const template = containerTask(["node", "--input-type=module", "-e", script, "{{.input}}", "{{.outputPrefix}}"]);
  const ctx = await sb.context({ template, inputs: { literals: { a: int(21n) } } });
  const plugin = sb.plugin({ cwd: repoRoot });
  const done = await drive(plugin, ctx, isTerminal);
  assert.equal(done.status.phase, "Success", done.status.error?.message);
  const outputs = fromBinary(LiteralMapSchema, await sb.store.get(`${sb.store.keyOf(ctx.outputPrefix)}/outputs.pb`));
  const b = outputs.literals["b"]?.value;
  assert.ok(b?.case === "scalar" && b.value.value.case === "primitive" && b.value.value.value.value.case === "integer");
  assert.equal(b.value.value.value.value.value, 42n);
});

test("exit codes: non-zero is a retryable USER error with the log tail; SIGKILL is SYSTEM Interrupted", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const plugin = sb.plugin();
  const failing = await sb.context({
    nodeId: "n1",
    template: containerTask(["sh", "-c", "echo first line; echo boom >&2; exit 3"]),
  });
  const r = await drive(plugin, failing, isTerminal);
  assert.equal(r.status.phase, "RetryableFailure");
  assert.equal(r.status.error?.code, "Error");
  assert.equal(r.status.error?.kind, ExecutionError_ErrorKind.USER);
  assert.match(r.status.error?.message ?? "", /terminated with exit code \(3\)/);
  assert.match(r.status.error?.message ?? "", /first line\nboom/);
  assert.equal(r.status.logs?.length, 1);

  const killed = await sb.context({ nodeId: "n2", template: containerTask(["sh", "-c", "kill -9 $$"]) });
  const k = await drive(plugin, killed, isTerminal);
  assert.equal(k.status.phase, "RetryableFailure");
  assert.equal(k.status.error?.code, "Interrupted");
  assert.equal(k.status.error?.kind, ExecutionError_ErrorKind.SYSTEM);
});

test("permanent failures: command not on the host, no container, unrenderable input", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const plugin = sb.plugin();
  const missing = await plugin.handle(
    await sb.context({ nodeId: "a", template: containerTask(["no-such-command-aloft", "x"]) }),
    undefined,
  );
  assert.equal(missing.status.phase, "PermanentFailure");
  assert.equal(missing.status.error?.code, "CommandNotFound");
  const noContainer = await plugin.handle(
    await sb.context({ nodeId: "b", template: { type: "container" } }),
    undefined,
  );
  assert.equal(noContainer.status.phase, "PermanentFailure");
  assert.equal(noContainer.status.error?.code, "BadTaskSpecification");
  const badInput = await sb.context({
    nodeId: "c",
    template: containerTask(["echo", "{{.Inputs.nope}}"]),
    inputs: { literals: { x: int(1n) } },
  });
  const bad = await plugin.handle(badInput, undefined);
  assert.equal(bad.status.phase, "PermanentFailure");
  assert.match(bad.status.error?.message ?? "", /requested input is not found \[nope\]/);
  assert.equal(plugin.runningCount, 0, "failed starts hold no slot");
});

test("k8s_pod target: the primary container runs", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const template = create(TaskTemplateSchema, {
    type: "sidecar",
    target: {
      case: "k8sPod",
      value: {
        primaryContainerName: "main",
        podSpec: {
          containers: [
            { name: "side", command: ["false"] },
            { name: "main", command: ["sh", "-c", "echo $X"], env: [{ name: "X", value: "pod-env" }] },
          ],
        },
      },
    },
  });
  const ctx = await sb.context({ template });
  const done = await drive(sb.plugin(), ctx, isTerminal);
  assert.equal(done.status.phase, "Success");
  assert.match(await readFile(join(sb.logDir, `${ctx.generatedName}.log`), "utf8"), /pod-env/);
});
