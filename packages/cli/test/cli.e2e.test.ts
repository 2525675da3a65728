// The `aloft` CLI as a user runs it, against the in-process platform on SQLite: every noun and verb, output formats,
// config file / flag / env precedence, and the one-line errors with their exit codes (1 server, 2 usage, 3 down).
// The CLI runs as a separate process with async child_process APIs (a sync spawn would block the server under test).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { createAloftClient } from "@aloft/client";
import { EventingExecutor, registerSquare } from "../../client/test/fixtures.ts";
import { cliRunner } from "./cli-runner.ts";

// The client-only entry point starts twice as fast as the server's `aloft` (which also loads admin and engine); the
// server binary is checked once to carry the same commands.
const cliBin = new URL("../bin/aloft-cli.mjs", import.meta.url).pathname;
const serverBin = new URL("../../server/bin/aloft.mjs", import.meta.url).pathname;
let bin = cliBin;
const home = mkdtempSync(join(tmpdir(), "aloft-cli-home-"));
let platform: TestPlatform;
const executor = new EventingExecutor();

const { ok, fails } = cliRunner(() => bin, home);

const json = (s: string) => JSON.parse(s) as Record<string, unknown> & Array<Record<string, unknown>>;

before(async () => {
  platform = await startTestPlatform({ configurePlugins: (p) => void (p.workflowExecutor = executor) });
  executor.client = createAloftClient({ endpoint: platform.grpcAddress, insecure: true });
  await registerSquare(executor.client);
  mkdirSync(join(home, ".aloft"));
  writeFileSync(
    join(home, ".aloft", "config.yaml"),
    `admin:\n  endpoint: dns:///${platform.grpcAddress}\n  insecure: true\nproject: flytesnacks\ndomain: development\n`,
  );
});

after(async () => {
  await executor.settle();
  executor.client?.close();
  await platform?.close();
  rmSync(home, { recursive: true, force: true });
});

describe("get", () => {
  test("projects as a table, JSON and YAML; one project; the HTTP gateway", async () => {
    bin = serverBin;
    try {
      assert.match(await ok("get", "project"), /^ID\s+NAME\s+STATE\s+DESCRIPTION\nflytesnacks\s+flytesnacks\s+ACTIVE/m);
    } finally {
      bin = cliBin;
    }
    const list = json(await ok("get", "projects", "-o", "json"));
    assert.deepEqual(
      list.map((p) => p.id),
      ["flytesnacks"],
    );
    assert.match(await ok("get", "project", "flytesnacks", "-o", "yaml"), /^id: flytesnacks$/m);
    const viaHttp = json(
      await ok("get", "project", "flytesnacks", "-o", "json", "--protocol", "http", "--endpoint", platform.httpUrl),
    );
    assert.equal(viaHttp.id, "flytesnacks");
  });

  test("tasks, workflows and launch plans: lists, one version, filters, limits", async () => {
    assert.match(
      await ok("get", "task"),
      /^VERSION\s+NAME\s+TYPE\s+INPUTS\s+OUTPUTS\s+CREATED\nv1\s+square\s+container\s+label, x\s+y\s+\d{4}-/m,
    );
    const task = json(await ok("get", "task", "square", "-v", "v1", "-o", "json"));
    assert.deepEqual((task.id as Record<string, unknown>).name, "square");
    const wfs = json(await ok("get", "workflow", "--filter", "name=square_wf", "--limit", "1", "-o", "json"));
    assert.equal(wfs.length, 1);
    assert.match(await ok("get", "lp", "square_lp"), /v1\s+square_lp\s+ACTIVE\s+square_wf:v1/);
    assert.equal(json(await ok("get", "launchplan", "--active", "-o", "json")).length, 1);
  });

  test("unknown names, bad flags and no project are one-line errors", async () => {
    await fails(1, /^aloft: not found: .*square_nope/m, "get", "workflow", "square_nope", "-v", "v1");
    await fails(2, /unknown output format "xml"/, "get", "task", "-o", "xml");
    await fails(2, /--limit "zero": expected a positive integer/, "get", "task", "--limit", "zero");
    await fails(2, /unknown option '--bogus'/, "get", "task", "--bogus");
    await fails(2, /unknown command 'nouns'/, "get", "nouns");
    await fails(2, /config file .*absent\.yaml does not exist/, "get", "task", "--config", join(home, "absent.yaml"));
    const bare = join(home, "bare.yaml");
    writeFileSync(bare, `endpoint: ${platform.grpcAddress}\n`);
    await fails(2, /no project: pass -p\/--project/, "get", "task", "--config", bare);
    // Flags beat the config file.
    assert.match(await ok("get", "task", "--config", bare, "-p", "flytesnacks", "-d", "development"), /square/);
  });
});

test("a server that is down: exit 3 and a hint", async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  await fails(
    3,
    /cannot reach the admin server at 127\.0\.0\.1:\d+ .*is it running\? check --endpoint/,
    "get",
    "project",
    "--endpoint",
    `127.0.0.1:${port}`,
  );
});

describe("projects and launch plans", () => {
  test("create, archive, activate a project", async () => {
    assert.match(
      await ok("create", "project", "mlteam", "--name", "ML team", "--label", "team=ml"),
      /project mlteam created/,
    );
    assert.equal(json(await ok("get", "project", "mlteam", "-o", "json")).name, "ML team");
    await fails(1, /already exists/i, "create", "project", "mlteam");
    await ok("update", "project", "mlteam", "--archive");
    assert.doesNotMatch(await ok("get", "project"), /mlteam/);
    await ok("update", "project", "mlteam", "--activate");
    assert.match(await ok("get", "project"), /mlteam/);
    await fails(2, /exclude each other/, "update", "project", "mlteam", "--archive", "--activate");
  });

  test("deactivate and activate a launch plan", async () => {
    assert.match(await ok("update", "launchplan", "square_lp", "--deactivate"), /square_lp:v1 deactivated/);
    await fails(1, /not found/, "get", "launchplan", "square_lp", "--active");
    assert.match(await ok("update", "launchplan", "square_lp", "-v", "v1", "--activate"), /activated/);
  });

  test("attributes: update from a file, get, delete", async () => {
    const file = join(home, "tr.yaml");
    writeFileSync(file, "defaults:\n  cpu: '1'\n  memory: 1Gi\n");
    await ok("update", "attributes", "task-resource", "--attr-file", file);
    const got = json(await ok("get", "attributes", "task-resource", "-o", "json"));
    assert.deepEqual((got.attributes as Record<string, unknown>).taskResourceAttributes, {
      defaults: { cpu: "1", memory: "1Gi" },
    });
    const queue = join(home, "eq.json");
    writeFileSync(queue, JSON.stringify({ executionQueueAttributes: { tags: ["gpu"] } }));
    await ok("update", "attributes", "execution-queue", "--workflow", "square_wf", "--attr-file", queue);
    const wf = json(await ok("get", "attributes", "execution-queue", "--workflow", "square_wf", "-o", "json"));
    assert.deepEqual([wf.workflow, wf.attributes], ["square_wf", { executionQueueAttributes: { tags: ["gpu"] } }]);
    await ok("delete", "attributes", "task-resource");
    await fails(1, /not found/, "get", "attributes", "task-resource");
    await fails(2, /unknown attribute type "colour"/, "get", "attributes", "colour");
  });
});

describe("executions", () => {
  test("run a launch plan by name with typed inputs and watch it node by node", async () => {
    const out = await ok(
      "run",
      "square_lp",
      "--input",
      "x=3",
      "-i",
      "label=hi",
      "--name",
      "first",
      "--watch",
      "--interval",
      "10",
    );
    assert.match(out, /^execution flytesnacks\/development\/first launched \(launch plan square_lp:v1\)$/m);
    assert.match(out, /^\[n0\] SUCCEEDED \d/m);
    assert.match(out, /^execution flytesnacks\/development\/first SUCCEEDED in \d/m);
    assert.doesNotMatch(out, /start-node|end-node/);
    const launched = executor.launched.find((l) => l.executionId.name === "first");
    const x = launched?.inputs.literals.x?.value;
    assert.ok(
      x?.case === "scalar" && x.value.value.case === "primitive" && x.value.value.value.value.value === 3n,
      "x is the integer 3",
    );
  });

  test("get execution, node executions and task executions", async () => {
    const e = json(await ok("get", "execution", "first", "-o", "json"));
    assert.equal((e.closure as Record<string, unknown>).phase, "SUCCEEDED");
    assert.match(await ok("get", "execution"), /^first\s+square_lp:v1\s+SUCCEEDED/m);
    assert.match(await ok("get", "execution", "--filter", "phase=SUCCEEDED", "-o", "yaml"), /name: first/);
    assert.match(await ok("get", "nodeexecution", "first"), /^n0\s+SUCCEEDED/m);
    assert.match(await ok("get", "taskexecution", "first", "n0"), /^square:v1\s+0\s+SUCCEEDED/m);
  });

  test("bad, unknown and missing inputs; unknown launch plans", async () => {
    await fails(
      2,
      /^aloft: input x \(integer\): "abc" is not an integer$/m,
      "run",
      "square_lp",
      "--input",
      "x=abc",
      "--input",
      "label=a",
    );
    await fails(2, /^aloft: unknown input y \(expected inputs: label, x\)$/m, "run", "square_lp", "--input", "y=1");
    await fails(2, /^aloft: missing required input: label \(string\); pass --input name=value$/m, "run", "square_lp");
    await fails(2, /--input "x": expected name=value/, "run", "square_lp", "--input", "x");
    await fails(1, /^aloft: not found: no launch plan or task named nope in flytesnacks\/development$/m, "run", "nope");
    await fails(
      1,
      /^aloft: not found: launch plan nope not found in flytesnacks\/development$/m,
      "create",
      "execution",
      "nope",
    );
    await fails(
      2,
      /inputs file .*missing.yaml does not exist/,
      "run",
      "square_lp",
      "--inputs-file",
      join(home, "missing.yaml"),
    );
  });

  test("create execution of a task from an inputs file, then watch it", async () => {
    const file = join(home, "inputs.yaml");
    writeFileSync(file, "x: 4\nlabel: from-file\n");
    const out = await ok(
      "create",
      "execution",
      "square",
      "--task",
      "--inputs-file",
      file,
      "--name",
      "bytask",
      "-o",
      "json",
    );
    assert.deepEqual(json(out), { project: "flytesnacks", domain: "development", name: "bytask" });
    const watched = await ok("watch", "bytask", "--interval", "10");
    assert.match(watched, /^execution flytesnacks\/development\/bytask SUCCEEDED/m);
  });

  test("terminate a running execution; watch reports ABORTED with exit 1", async () => {
    await ok("run", "square_lp", "-i", "label=x", "--name", "hold-1");
    assert.match(await ok("terminate", "hold-1", "--cause", "enough"), /hold-1 terminating/);
    await fails(
      1,
      /^aloft: execution flytesnacks\/development\/hold-1 ABORTED.*: enough$/m,
      "watch",
      "hold-1",
      "--interval",
      "10",
    );
    // Terminating it again succeeds and changes nothing (idempotent; upstream answers FAILED_PRECONDITION).
    assert.match(await ok("terminate", "hold-1", "--cause", "again"), /hold-1 terminating/);
    await fails(
      1,
      /^aloft: execution flytesnacks\/development\/hold-1 ABORTED.*: enough$/m,
      "watch",
      "hold-1",
      "--interval",
      "10",
    );
  });

  test("a failed execution exits 1 with its error; recover and relaunch launch new ones", async () => {
    await fails(
      1,
      /^aloft: execution flytesnacks\/development\/fail-1 FAILED.*: boom$/m,
      "run",
      "square_lp",
      "-i",
      "label=x",
      "--name",
      "fail-1",
      "--watch",
      "--interval",
      "10",
    );
    assert.match(
      await ok("recover", "fail-1", "--name", "recovered-1"),
      /execution flytesnacks\/development\/recovered-1 launched \(recover of fail-1\)/,
    );
    const out = await ok("relaunch", "first", "--watch", "--interval", "10");
    assert.match(out, /^execution flytesnacks\/development\/a[a-z0-9]{19} SUCCEEDED/m);
  });
});

describe("schedules", () => {
  test("get schedules lists the active schedule; backfill launches each fire time once (dry run first)", async () => {
    const client = executor.client!;
    const lp = { resourceType: 3, project: "flytesnacks", domain: "development", name: "square_hourly", version: "v1" };
    const literal = (v: { case: "integer"; value: bigint } | { case: "stringValue"; value: string }) => ({
      value: { case: "scalar" as const, value: { value: { case: "primitive" as const, value: { value: v } } } },
    });
    await client.createLaunchPlan({
      id: lp,
      spec: {
        workflowId: { ...lp, resourceType: 2, name: "square_wf" },
        fixedInputs: {
          literals: {
            x: literal({ case: "integer", value: 3n }),
            label: literal({ case: "stringValue", value: "s" }),
          },
        },
        entityMetadata: {
          schedule: { ScheduleExpression: { case: "cronSchedule", value: { schedule: "0 * * * *" } } },
        },
      },
    });
    await client.updateLaunchPlan({ id: lp, state: 1 });
    const http = ["--http-endpoint", platform.httpUrl];
    const listed = json(await ok("get", "schedules", ...http, "-o", "json")) as unknown as {
      schedules: Array<{ launchPlan: { name: string }; schedule: string; nextFireTime: string; lastError: null }>;
    };
    assert.deepEqual(
      listed.schedules.map((s) => [s.launchPlan.name, s.schedule, s.lastError]),
      [["square_hourly", "0 * * * *", null]],
    );
    assert.match(listed.schedules[0]?.nextFireTime ?? "", /T\d\d:00:00.000Z$/);
    assert.match(await ok("get", "schedules", ...http), /^LAUNCH PLAN\s+VERSION\s+SCHEDULE\s+NEXT FIRE/im);
    const range = ["--from", "2024-01-01T00:00:00Z", "--to", "2024-01-01T02:30:00Z"];
    const dry = await ok("backfill", "square_hourly", ...range, "--dry-run", ...http);
    assert.equal(dry.match(/dry run/g)?.length, 3, dry);
    const first = json(await ok("backfill", "square_hourly", ...range, ...http, "-o", "json")) as unknown as {
      launches: Array<{ scheduledTime: string; execution: string; outcome: string }>;
    };
    assert.deepEqual(
      first.launches.map((l) => [l.scheduledTime, l.outcome]),
      [0, 1, 2].map((h) => [`2024-01-01T0${h}:00:00.000Z`, "launched"]),
    );
    const again = await ok("backfill", "square_hourly", ...range, ...http);
    assert.equal(again.match(/exists \(skipped\)/g)?.length, 3, again);
    const exec = await client.getExecution({
      id: { project: "flytesnacks", domain: "development", name: first.launches[0]!.execution },
    });
    assert.equal(exec.spec?.metadata?.mode, 1, "SCHEDULED");
    await fails(
      1,
      /No active launch plan could be found: flytesnacks:development:nope/,
      "backfill",
      "nope",
      ...range,
      ...http,
    );
  });
});
