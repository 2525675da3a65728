// End to end: the real flytekit registers a launch plan with a one-minute cron schedule and activates it
// (`pyflyte register --activate-launchplans`); the sandbox's scheduler fires it and the engine runs it. The scheduler
// runs on a fast clock (20 scheduler minutes per real minute: a fire every ~3 s) so the test takes seconds, not
// minutes; everything else runs on real time. Two executions must SUCCEED with mode SCHEDULED, upstream's names and
// their scheduled time as the kickoff input (the task echoes it).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { flytekitAvailability } from "../flytekit/flytekit-suite.ts";

const REPO = resolve(import.meta.dirname, "../../../..");
const FLYTEKIT = process.env.ALOFT_FLYTEKIT_DIR ?? resolve(REPO, "../shared/clients/flytekit");
const FLYTEKIT_BIN = join(FLYTEKIT, "bin");
const WORKFLOWS = join(import.meta.dirname, "workflows");
const P = "flytesnacks";
const D = "development";
const SPEED = 20;

function pyflyte(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((res, rej) => {
    const child = spawn(join(FLYTEKIT_BIN, "pyflyte"), args, {
      cwd: WORKFLOWS,
      env: {
        ...process.env,
        PATH: `${FLYTEKIT_BIN}:${process.env.PATH ?? ""}`,
        PYTHONPATH: join(FLYTEKIT, "site"),
        PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("error", rej);
    child.on("close", (code) => {
      clearTimeout(timer);
      res({ code, out });
    });
  });
}

interface ExecutionJson {
  id: { name: string };
  spec: { launch_plan: { name: string }; metadata: { mode: string; scheduled_at: string } };
  closure: { phase: string };
}

describe("scheduler end to end with flytekit", { skip: flytekitAvailability() }, () => {
  let platform: TestPlatform;
  let dir: string;
  before(async () => {
    const realStart = Date.now();
    platform = await startTestPlatform({
      engine: true,
      schedulerClock: { now: () => new Date(realStart + (Date.now() - realStart) * SPEED) },
      overrides: {
        engine: { taskPath: [FLYTEKIT_BIN], pollIntervalMs: 50 },
        scheduler: { reloadIntervalSeconds: 5 },
      },
    });
    dir = mkdtempSync(join(tmpdir(), "aloft-sched-"));
    writeFileSync(join(dir, "config.yaml"), `admin:\n  endpoint: dns:///${platform.grpcAddress}\n  insecure: true\n`);
  });
  after(async () => {
    await platform?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a one-minute schedule registered and activated by pyflyte runs twice, each with its kickoff time", async () => {
    const reg = await pyflyte([
      "-c",
      join(dir, "config.yaml"),
      "register",
      "--project",
      P,
      "--domain",
      D,
      "--version",
      "v1",
      "--image",
      "any:tag",
      "--activate-launchplans",
      "aloft_sched",
    ]);
    assert.equal(reg.code, 0, reg.out);
    const list = async () => {
      const res = await fetch(
        `${platform.httpUrl}/api/v1/executions/${P}/${D}?limit=100&filters=${encodeURIComponent("eq(launch_plan.name,aloft_sched.every_minute)")}`,
        { headers: { accept: "application/json" } },
      );
      assert.equal(res.status, 200);
      return ((await res.json()) as { executions: ExecutionJson[] }).executions;
    };
    let done: ExecutionJson[] = [];
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      const all = await list();
      const failed = all.filter((e) => e.closure.phase === "FAILED");
      assert.deepEqual(failed, [], "no scheduled execution fails");
      done = all.filter((e) => e.closure.phase === "SUCCEEDED");
      if (done.length >= 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(done.length >= 2, `two scheduled executions succeeded (got ${done.length})`);
    for (const e of done.slice(0, 2)) {
      assert.equal(e.spec.metadata.mode, "SCHEDULED");
      assert.match(e.id.name, /^f[0-9a-f]{19}$/);
      const scheduledAt = new Date(e.spec.metadata.scheduled_at);
      assert.equal(scheduledAt.getUTCSeconds(), 0, "fires on the minute");
      const res = await fetch(`${platform.httpUrl}/api/v1/data/executions/${P}/${D}/${e.id.name}`, {
        headers: { accept: "application/json" },
      });
      const data = (await res.json()) as {
        full_inputs: { literals: { t: { scalar: { primitive: { datetime: string } } } } };
        full_outputs: { literals: { o0: { scalar: { primitive: { string_value: string } } } } };
      };
      assert.equal(new Date(data.full_inputs.literals.t.scalar.primitive.datetime).getTime(), scheduledAt.getTime());
      assert.equal(
        new Date(data.full_outputs.literals.o0.scalar.primitive.string_value).getTime(),
        scheduledAt.getTime(),
        "the task saw the kickoff time",
      );
    }
    // The schedules route shows it, with its last fire time.
    const res = await fetch(`${platform.httpUrl}/api/v1/aloft/schedules?project=${P}&domain=${D}`);
    const { schedules } = (await res.json()) as {
      schedules: Array<{ launchPlan: { name: string }; lastFireTime: string | null; nextFireTime: string | null }>;
    };
    assert.equal(schedules[0]?.launchPlan.name, "aloft_sched.every_minute");
    assert.ok(schedules[0]?.lastFireTime && schedules[0].nextFireTime);
  });
});
