// The flytekit compatibility suite: a real platform (in-process, port 0, engine running tasks as host processes),
// driven only by the unmodified flytekit 1.16 client from ../shared/clients/flytekit: fast `pyflyte register` of the
// aloft_compat package, `pyflyte run --remote --wait`, then FlyteRemote (workflows/remote_checks.py) executes the
// cases of ./cases.ts, reads entities and executions, terminates and relaunches.
// Without python3 or flytekit's Debian packages the suite is skipped loudly — under CI=true it fails instead.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { postgresAvailability } from "@aloft/testkit";
import { startS3, type TestS3 } from "@aloft/testkit";
import { createBlobStore } from "@aloft/platform";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { flytekitCases, PYFLYTE_RUN } from "./cases.ts";

const REPO = resolve(import.meta.dirname, "../../../..");
const FLYTEKIT = process.env.ALOFT_FLYTEKIT_DIR ?? resolve(REPO, "../shared/clients/flytekit");
const FLYTEKIT_BIN = join(FLYTEKIT, "bin");
/** flytekit's wrappers run Debian's interpreter; FlyteRemote scripts must use the same one. */
const PYTHON = process.env.ALOFT_FLYTEKIT_PYTHON ?? "/usr/bin/python3";
const WORKFLOWS = join(import.meta.dirname, "workflows");
const PROJECT = "flytesnacks";
const DOMAIN = "development";

/** `false` when flytekit can run here, else why not (node:test's `skip`); under CI a missing flytekit is an error. */
export function flytekitAvailability(): string | false {
  let reason: string | undefined;
  if (!existsSync(join(FLYTEKIT_BIN, "pyflyte"))) reason = `flytekit is not at ${FLYTEKIT} (set ALOFT_FLYTEKIT_DIR)`;
  else if (!existsSync(PYTHON))
    reason = `${PYTHON} is missing (apt-get install python3 and ${FLYTEKIT}/debian-packages.txt)`;
  else {
    const probe = spawnSync(PYTHON, ["-c", "import flytekit, grpc, google.protobuf, fsspec, click, rich"], {
      env: pythonEnv(),
      encoding: "utf8",
      timeout: 60_000,
    });
    if (probe.status !== 0) {
      reason = `flytekit cannot be imported by ${PYTHON} (install the Debian packages in ${FLYTEKIT}/debian-packages.txt): ${probe.stderr.trim().split("\n").pop() ?? ""}`;
    }
  }
  if (reason === undefined) return false;
  if (process.env.CI) throw new Error(`CI requires flytekit for the compatibility suite: ${reason}`);
  process.stderr.write(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!!! WARNING: ${reason}\n!!! The flytekit compatibility suite is SKIPPED.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`,
  );
  return reason;
}

function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${FLYTEKIT_BIN}:${process.env.PATH ?? ""}`,
    PYTHONPATH: join(FLYTEKIT, "site"),
    PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
    // No progress bars or colour in captured output.
    FLYTE_SDK_RICH_TRACEBACKS: "0",
    ...extra,
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: WORKFLOWS, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function explain(what: string, r: Run): string {
  return `${what} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** The task logs of one execution (the local runtime names them after the attempt), for failure messages. */
function taskLogs(platform: TestPlatform, execution: string): string {
  const dir = join(platform.config.dataDir, platform.config.engine.logDir);
  if (!existsSync(dir)) return "";
  return readdirSync(dir)
    .filter((f) => f.startsWith(execution) && f.endsWith(".log"))
    .map((f) => `--- ${f}\n${readFileSync(join(dir, f), "utf8").slice(-6000)}`)
    .join("\n");
}

interface RemoteReport {
  cases: Array<{
    launch_plan: string;
    execution: string;
    phase: string;
    outputs?: Record<string, unknown>;
    error?: string;
    nodes: string[];
  }>;
  fetched: { workflow: string; workflow_nodes: number; tasks: string[]; recent_executions: number };
  get_data: { node_inputs: string[]; one_output: number; attempt_outputs: string[] };
  terminate: string;
  terminate_seen_before: string;
  relaunch: { execution: string; phase: string; outputs: Record<string, unknown> | null };
  features: {
    cache: { phases: string[]; outputs: unknown[]; statuses: Array<string | null>; runs: string[] };
    cache_serialize: { phases: string[]; outputs: unknown[]; runs: string[] };
    gates_signals_listed: string[];
    gates_phase_while_waiting: string;
    gates: { phase: string; outputs: Record<string, unknown> | null; nodes: Record<string, string> };
    recover: {
      failed_phase: string;
      failed_error: string | null;
      phase: string;
      outputs: Record<string, unknown> | null;
      nodes: Record<string, string>;
      first_step_runs: number;
    };
  };
}

export async function flytekitSuite(kind: "sqlite" | "postgres"): Promise<void> {
  const skip = flytekitAvailability() || (kind === "postgres" ? await postgresAvailability() : false);
  describe(`flytekit 1.16 against Aloft (${kind})`, { skip }, () => {
    let platform: TestPlatform;
    let dir: string;
    let configFile: string;
    const version = `compat-${kind}-${Date.now().toString(36)}`;
    const cases = flytekitCases(kind);

    before(async () => {
      platform = await startTestPlatform({
        database: kind,
        engine: true,
        overrides: { engine: { taskPath: [FLYTEKIT_BIN], pollIntervalMs: 50 } },
      });
      dir = mkdtempSync(join(tmpdir(), "aloft-flytekit-"));
      configFile = join(dir, "config.yaml");
      writeFileSync(configFile, `admin:\n  endpoint: dns:///${platform.grpcAddress}\n  insecure: true\n`);
    });
    after(async () => {
      await platform?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test("pyflyte register (fast registration: the code goes up through DataProxy)", async () => {
      const r = await run(
        join(FLYTEKIT_BIN, "pyflyte"),
        [
          "-c",
          configFile,
          "register",
          "--project",
          PROJECT,
          "--domain",
          DOMAIN,
          "--version",
          version,
          "--image",
          "any:tag",
          "aloft_compat",
        ],
        pythonEnv(),
        180_000,
      );
      assert.equal(r.code, 0, explain("pyflyte register", r));
      assert.match(r.stdout, /Successfully registered \d+ entities/);
      for (const c of cases)
        assert.ok(r.stdout.includes(`Launch Plan: ${c.launchPlan}`), `${c.launchPlan} not registered\n${r.stdout}`);
    });

    // `pyflyte run` stores nothing the registration and FlyteRemote runs do not: on SQLite only (the default start).
    if (kind === "sqlite")
      test("pyflyte run --remote --wait uploads, registers, runs and reports success", async () => {
        const r = await run(
          join(FLYTEKIT_BIN, "pyflyte"),
          [
            "-c",
            configFile,
            "run",
            "--remote",
            "--project",
            PROJECT,
            "--domain",
            DOMAIN,
            "--wait",
            PYFLYTE_RUN.file,
            PYFLYTE_RUN.workflow,
            ...PYFLYTE_RUN.args,
          ],
          pythonEnv(),
          180_000,
        );
        assert.equal(r.code, 0, explain("pyflyte run --remote", r));
        const name = /Execution (\S+) has succeeded/.exec(r.stdout)?.[1];
        assert.ok(name, explain("pyflyte run --remote (no success line)", r));
        const res = await fetch(`${platform.httpUrl}/api/v1/data/executions/${PROJECT}/${DOMAIN}/${name}`, {
          headers: { Accept: "application/json" },
        });
        assert.equal(res.status, 200);
        const body = (await res.json()) as {
          full_outputs: { literals: Record<string, { scalar: { primitive: { integer: string } } }> };
        };
        for (const [k, v] of Object.entries(PYFLYTE_RUN.outputs))
          assert.equal(Number(body.full_outputs.literals[k]?.scalar.primitive.integer), v);
      });

    test("FlyteRemote: execute every case, read outputs and nodes, fetch entities, terminate, relaunch", async () => {
      const casesFile = join(dir, "cases.json");
      writeFileSync(
        casesFile,
        JSON.stringify(cases.map((c) => ({ launch_plan: c.launchPlan, inputs: c.inputs ?? {} }))),
      );
      const r = await run(
        PYTHON,
        ["remote_checks.py", configFile, PROJECT, DOMAIN, version, casesFile],
        pythonEnv(),
        600_000,
      );
      assert.equal(r.code, 0, explain("remote_checks.py", r));
      const report = JSON.parse(r.stdout) as RemoteReport;
      for (const [i, c] of cases.entries()) {
        const got = report.cases[i];
        assert.equal(got?.launch_plan, c.launchPlan, `no result for ${c.launchPlan}`);
        assert.equal(
          got.phase,
          c.phase ?? "SUCCEEDED",
          `${c.launchPlan}: ${got.error ?? ""}\n${taskLogs(platform, got.execution)}`,
        );
        if (c.outputs) assert.deepEqual(got.outputs, c.outputs, c.launchPlan);
        if (c.error) {
          const matches = typeof c.error === "string" ? got.error?.includes(c.error) : c.error.test(got.error ?? "");
          assert.ok(matches, `${c.launchPlan}: error ${got.error}`);
        }
        const nodes = got.phase === "SUCCEEDED" ? ["start-node", "end-node"] : ["start-node"];
        for (const n of nodes) assert.ok(got.nodes.includes(n), `${c.launchPlan} nodes ${got.nodes.join(",")}`);
      }
      assert.equal(report.fetched.workflow, cases[0]!.launchPlan);
      assert.ok(report.fetched.workflow_nodes > 0);
      assert.ok(report.fetched.recent_executions >= cases.length);
      // chain's n0 is add(a, b) = 11 for the first case.
      assert.deepEqual(report.get_data, { node_inputs: ["a", "b"], one_output: 11, attempt_outputs: ["o0"] });
      assert.equal(report.terminate_seen_before, "RUNNING");
      assert.equal(report.terminate, "ABORTED");
      assert.equal(report.relaunch.phase, "SUCCEEDED");
      assert.deepEqual(report.relaunch.outputs, cases[0]!.outputs);

      const f = report.features;
      // cache=True + cache_version: the second execution is a cache hit and the task body ran once.
      assert.deepEqual(f.cache.phases, ["SUCCEEDED", "SUCCEEDED"]);
      assert.deepEqual(f.cache.outputs, [{ o0: 49 }, { o0: 49 }]);
      assert.deepEqual(f.cache.statuses, ["CACHE_POPULATED", "CACHE_HIT"]);
      assert.deepEqual(f.cache.runs, ["cached_square 7"]);
      // cache_serialize: two concurrent executions of the same inputs, one run of the body.
      assert.deepEqual(f.cache_serialize.phases, ["SUCCEEDED", "SUCCEEDED"]);
      assert.deepEqual(f.cache_serialize.outputs, [{ o0: 25 }, { o0: 25 }]);
      assert.deepEqual(f.cache_serialize.runs, ["serialized_square 5"]);
      // Gates: list_signals shows both gates' signals while the execution waits; approve + set_signal release it.
      assert.ok(f.gates_signals_listed.includes("approve-y"), f.gates_signals_listed.join(","));
      assert.equal(f.gates_phase_while_waiting, "RUNNING");
      assert.equal(f.gates.phase, "SUCCEEDED", JSON.stringify(f.gates));
      assert.deepEqual(f.gates.outputs, { o0: "8+5:ok" });
      assert.ok(
        Object.values(f.gates.nodes).every((p) => p === "SUCCEEDED"),
        JSON.stringify(f.gates.nodes),
      );
      // Recovery: the failed node reruns, the succeeded one is RECOVERED (its task did not run again).
      assert.equal(f.recover.failed_phase, "FAILED");
      assert.match(f.recover.failed_error ?? "", /ValueError: \S+poison exists/);
      assert.equal(f.recover.phase, "SUCCEEDED", JSON.stringify(f.recover));
      assert.deepEqual(f.recover.outputs, { o0: 20 });
      assert.deepEqual(f.recover.nodes, { n0: "RECOVERED", n1: "SUCCEEDED" });
      assert.equal(f.recover.first_step_runs, 1);
    });
  });
}

/**
 * Fast registration against an S3 store (s3rver): flytekit PUTs the code to the presigned URL with the headers
 * CreateUploadLocation returned. (Tasks are not run: flytekit reads s3:// through s3fs, which Debian does not package.)
 */
export function flytekitS3RegistrationSuite(): void {
  describe("flytekit 1.16 fast registration against an S3 store (s3rver)", { skip: flytekitAvailability() }, () => {
    let s3: TestS3;
    let platform: TestPlatform;
    let dir: string;
    before(async () => {
      s3 = await startS3();
      platform = await startTestPlatform({ overrides: { storage: s3.config } });
      dir = mkdtempSync(join(tmpdir(), "aloft-flytekit-s3-"));
    });
    after(async () => {
      await platform?.close();
      await s3?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test("pyflyte register uploads the package to S3 and the tasks point at it", async () => {
      const configFile = join(dir, "config.yaml");
      writeFileSync(configFile, `admin:\n  endpoint: dns:///${platform.grpcAddress}\n  insecure: true\n`);
      const r = await run(
        join(FLYTEKIT_BIN, "pyflyte"),
        [
          "-c",
          configFile,
          "register",
          "--project",
          PROJECT,
          "--domain",
          DOMAIN,
          "--version",
          "s3v1",
          "--image",
          "any:tag",
          "aloft_compat",
        ],
        pythonEnv(),
        180_000,
      );
      assert.equal(r.code, 0, explain("pyflyte register", r));
      const res = await fetch(`${platform.httpUrl}/api/v1/tasks/${PROJECT}/${DOMAIN}/aloft_compat.basics.add/s3v1`, {
        headers: { Accept: "application/json" },
      });
      const task = (await res.json()) as {
        closure: { compiled_task: { template: { container: { args: string[] } } } };
      };
      const args = task.closure.compiled_task.template.container.args;
      const dist = args[args.indexOf("--additional-distribution") + 1] ?? "";
      assert.ok(dist.startsWith(`s3://${s3.bucket}/${PROJECT}/${DOMAIN}/`), args.join(" "));
      const store = await createBlobStore({ dataDir: dir, storage: s3.config });
      try {
        const head = await store.head(store.keyOf(dist));
        assert.ok(head && head.size > 0, `${dist} was not uploaded`);
      } finally {
        await store.close();
      }
    });
  });
}
