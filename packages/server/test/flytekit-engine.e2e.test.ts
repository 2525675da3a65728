// The engine's task contract judged by the real flytekit: the sandbox (admin + engine + local processes) started
// in-process, the compatibility suite's `aloft_compat` package (./flytekit/workflows) registered with
// `pyflyte register --copy none`, and executed through FlyteRemote; `pyflyte-execute` / `pyflyte-map-execute` run on the host as the engine's tasks.
// Covers map tasks (array nodes: the array node's inputs file and the index in the environment), a branch whose
// chosen node reads a sibling's output, FlyteFile and FlyteDirectory between tasks, checkpoints across retries, and
// what a task sees of its execution. Skips loudly without python3 + flytekit; fails under CI=true.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { findFlytekit, registerWorkflows, runRemote, writeFlytekitConfig, type RemoteResult } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";

const fk = findFlytekit();
const VERSION = "e2e-v1";

const sumOfSquares = (n: number) => Array.from({ length: n }, (_, i) => i * i).reduce((a, b) => a + b, 0);

if ("skip" in fk) test("flytekit against the engine's local runtime", { skip: fk.skip }, () => {});
else
  describe("flytekit against the engine's local runtime", () => {
    let platform: TestPlatform;
    let config: string;
    const results = new Map<string, RemoteResult>();

    before(async () => {
      // The engine's task processes inherit this process's environment (this test file runs in a process of its own).
      Object.assign(process.env, fk.taskEnvironment());
      platform = await startTestPlatform({ engine: true });
      config = await writeFlytekitConfig(join(platform.config.dataDir, "flytekit.yaml"), platform.grpcAddress);
      await registerWorkflows(fk, config, VERSION);
      // Everything at once: the executions run concurrently on the engine.
      const cases = {
        squares: { workflow: "aloft_compat.map_tasks.squares", inputs: { xs: [1, 2, 3] } },
        scaled: { workflow: "aloft_compat.map_tasks.scaled", inputs: { xs: [1, 2, 3], factor: 10 } },
        tolerant: { workflow: "aloft_compat.map_tasks.tolerant", inputs: { xs: [1, 2, 3, 4, 5, 6, 7, 8] } },
        intolerable: { workflow: "aloft_compat.map_tasks.tolerant", inputs: { xs: [4, 8, 1] } },
        byLaunchPlan: { workflow: "aloft_compat.map_tasks.squares_by_launch_plan", inputs: { xs: [1, 2, 3] } },
        // Three times the engine's eight process slots: elements wait their turn and the outputs still come in order.
        // (Every element is a Python process importing flytekit, ~1.5 s of CPU: 100 of them cost minutes of CI.)
        manyElements: { workflow: "aloft_compat.map_tasks.squares_sum", inputs: { n: 24 }, timeout: 900 },
        branchHigh: { workflow: "aloft_compat.conditionals.branch_reads_sibling", inputs: { a: 5 } },
        branchLow: { workflow: "aloft_compat.conditionals.branch_reads_sibling", inputs: { a: 1 } },
        file: { workflow: "aloft_compat.files.file_roundtrip", inputs: { text: "hello from a FlyteFile" } },
        dir: { workflow: "aloft_compat.files.dir_roundtrip", inputs: { n: 4 } },
        checkpoint: { workflow: "aloft_compat.contract.checkpoint_resume", inputs: { n: 10 } },
        contract: { workflow: "aloft_compat.contract.task_contract" },
        deck: { workflow: "aloft_compat.contract.deck_written", inputs: { text: "a deck" }, nodes: true },
      };
      const out = await runRemote(fk, config, VERSION, Object.values(cases));
      for (const [i, k] of Object.keys(cases).entries()) results.set(k, out[i]!);
    });

    after(async () => {
      await platform?.close();
    });

    const result = (name: string) => {
      const r = results.get(name);
      assert.ok(r, `no result for ${name}`);
      return r;
    };
    const succeeded = (name: string) => {
      const r = result(name);
      assert.equal(r.phase, "SUCCEEDED", `${r.workflow} (${r.execution}): ${r.error ?? ""}`);
      return r.outputs ?? {};
    };

    test("map_task: each element runs on its own element of the lists; outputs gathered in order", () => {
      assert.deepEqual(succeeded("squares")["o0"], [1, 4, 9]);
      assert.deepEqual(
        succeeded("scaled")["o0"],
        [10, 20, 30],
        "a bound input (functools.partial) reaches every element whole",
      );
    });

    test("map_task with min_success_ratio: failed elements become None; below the ratio the map fails", () => {
      assert.deepEqual(succeeded("tolerant")["o0"], [2, 3, 4, null, 6, 7, 8, null]);
      const r = result("intolerable");
      assert.equal(r.phase, "FAILED");
      assert.match(r.error ?? "", /2 of 3 sub-nodes failed/);
      assert.match(r.error ?? "", /is a multiple of 4/, "the element's Python error is in the message");
    });

    test("map_task over a launch plan: one child execution per element", () => {
      assert.deepEqual(succeeded("byLaunchPlan")["o0"], [1, 4, 9]);
    });

    test("map_task over more elements than process slots succeeds with the right outputs", () => {
      assert.equal(succeeded("manyElements")["o0"], sumOfSquares(24));
    });

    test("conditional: the chosen node waits for the top-level node whose output it reads", () => {
      assert.equal(succeeded("branchHigh")["o0"], 11);
      assert.equal(succeeded("branchLow")["o0"], -2);
    });

    test("FlyteFile and FlyteDirectory pass from one task to the next", () => {
      assert.equal(succeeded("file")["o0"], "hello from a FlyteFile");
      assert.equal(succeeded("dir")["o0"], 0 + 1 + 2 + 3);
    });

    test("checkpoints: each retry reads what the previous attempt wrote", () => {
      assert.equal(succeeded("checkpoint")["o0"], 4, "attempt 0 stops at 2, attempt 1 at 4, attempt 2 resumes from 4");
    });

    test("what a task sees: execution and task ids, the workflow, a plain raw output path, its own temporary directory", () => {
      const r = result("contract");
      const seen = succeeded("contract")["o0"] as Record<string, string>;
      assert.equal(seen["execution_id"], r.execution);
      assert.equal(seen["execution_project"], "flytesnacks");
      assert.equal(seen["execution_domain"], "development");
      assert.equal(seen["task_name"], "aloft_compat.contract.whoami");
      assert.equal(seen["task_version"], VERSION);
      assert.equal(seen["workflow"], "flytesnacks:development:aloft_compat.contract.task_contract");
      assert.equal(seen["attempt"], "0");
      assert.ok(seen["raw_output_prefix"]?.startsWith(`${platform.config.dataDir}/`), seen["raw_output_prefix"]);
      assert.ok(
        seen["working_directory"]?.startsWith(`${platform.config.dataDir}/`),
        `flytekit's sandbox under the attempt's TMPDIR: ${seen["working_directory"]}`,
      );
    });

    test("a deck written to the output prefix is reported on the node execution", async () => {
      assert.equal(succeeded("deck")["o0"], "a deck");
      const uri = result("deck").decks?.["n0"];
      assert.match(uri ?? "", /^file:\/\/\/.*\/n0\/data\/0\/deck\.html$/);
      assert.match(await readFile(uri!.slice("file://".length), "utf8"), /a deck/);
    });
  });
