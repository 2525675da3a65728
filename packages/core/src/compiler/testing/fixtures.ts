// Test support (not part of the compiler, which does no I/O): loads the flytesnacks registration fixtures
// (/work/shared/fixtures/flytesnacks/README.md): task specs, workflow specs, launch plans, compiled goldens.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBinary, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { LaunchPlanSchema, type LaunchPlan } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema, type TaskSpec } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema, type WorkflowSpec } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import {
  CompiledTaskSchema,
  CompiledWorkflowClosureSchema,
  type CompiledTask,
  type CompiledWorkflowClosure,
} from "@aloft/idl/flyteidl/core/compiler_pb.js";

/** `shared/` sits beside the repository (as on the development machines and in CI). */
export const DEFAULT_FIXTURES_DIR = fileURLToPath(
  new URL("../../../../../../shared/fixtures/flytesnacks", import.meta.url),
);

/**
 * The fixture directory (ALOFT_FLYTESNACKS_DIR overrides). Missing fixtures are a failure under CI=true — a
 * conformance suite that silently skips proves nothing — and a loud skip elsewhere.
 */
export function fixturesDir(): string | undefined {
  const dir = process.env["ALOFT_FLYTESNACKS_DIR"] ?? DEFAULT_FIXTURES_DIR;
  if (existsSync(dir)) return dir;
  if (process.env["CI"]) throw new Error(`flytesnacks fixtures not found at ${dir} (set ALOFT_FLYTESNACKS_DIR)`);
  return undefined;
}

export interface Fixture<T, G> {
  /** File base name without `.pb`, e.g. `026_core.control_flow.conditions.multiplier_2`. */
  name: string;
  spec: T;
  golden: G | undefined;
}

export interface FixtureSet {
  tasks: Fixture<TaskSpec, CompiledTask>[];
  workflows: Fixture<WorkflowSpec, CompiledWorkflowClosure>[];
  launchPlans: LaunchPlan[];
}

export function loadFixtures(dir: string): FixtureSet {
  const set: FixtureSet = { tasks: [], workflows: [], launchPlans: [] };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".pb"))
    .sort();
  for (const file of files) {
    const name = file.slice(0, -3);
    const bytes = readFileSync(join(dir, file));
    if (name.endsWith("_1")) {
      const golden = readGolden(join(dir, "compiled", `${name}_task.json`));
      set.tasks.push({
        name,
        spec: fromBinary(TaskSpecSchema, bytes),
        golden: golden === undefined ? undefined : fromJson(CompiledTaskSchema, golden),
      });
    } else if (name.endsWith("_2")) {
      const golden = readGolden(join(dir, "compiled", `${name}_wf.json`));
      set.workflows.push({
        name,
        spec: fromBinary(WorkflowSpecSchema, bytes),
        golden: golden === undefined ? undefined : fromJson(CompiledWorkflowClosureSchema, golden),
      });
    } else if (name.endsWith("_3")) {
      set.launchPlans.push(fromBinary(LaunchPlanSchema, bytes));
    }
  }
  return set;
}

function readGolden(path: string): JsonValue | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as JsonValue) : undefined;
}
