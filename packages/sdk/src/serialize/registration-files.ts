// Serialized entities as `pyflyte package`-style registration files: `<i>_<name>_1.pb` (admin.TaskSpec),
// `_2.pb` (admin.WorkflowSpec with its sub-workflows), `_3.pb` (admin.LaunchPlan) — what `aloft register files`
// reads, in dependency order.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { TaskSpecSchema } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { LaunchPlanSchema } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import type { Serialized } from "./serialize.ts";

export interface RegistrationFileData {
  name: string;
  data: Uint8Array;
}

/**
 * The registration files of a serialized module, in memory: `<i>_<name>_1.pb` (TaskSpec), `_2.pb` (WorkflowSpec),
 * `_3.pb` (LaunchPlan), tasks first, as `aloft register files` and flytectl read them.
 * @example
 * ```ts
 * for (const f of registrationFiles(serializeModule(mod, settings))) console.log(f.name, f.data.byteLength);
 * ```
 */
export function registrationFiles(s: Serialized): RegistrationFileData[] {
  const out: RegistrationFileData[] = [];
  let i = 0;
  const file = (name: string, kind: 1 | 2 | 3, data: Uint8Array) =>
    out.push({ name: `${i++}_${name.replace(/[^A-Za-z0-9_.-]/g, "_")}_${kind}.pb`, data });
  for (const t of s.tasks) file(t.id!.name, 1, toBinary(TaskSpecSchema, create(TaskSpecSchema, { template: t })));
  for (const w of s.workflows) {
    file(
      w.template.id!.name,
      2,
      toBinary(WorkflowSpecSchema, create(WorkflowSpecSchema, { template: w.template, subWorkflows: w.subWorkflows })),
    );
  }
  for (const lp of s.launchPlans) {
    // The closure is computed by admin; only id and spec are registered.
    file(lp.id!.name, 3, toBinary(LaunchPlanSchema, create(LaunchPlanSchema, { id: lp.id, spec: lp.spec })));
  }
  return out;
}

/**
 * Writes the registration files of a serialized module into `dir` (created if needed); returns their paths.
 * @example
 * ```ts
 * const paths = await writeRegistrationFiles(serializeModule(mod, settings), "out/");
 * ```
 */
export async function writeRegistrationFiles(s: Serialized, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = registrationFiles(s);
  for (const f of files) await writeFile(join(dir, f.name), f.data);
  return files.map((f) => join(dir, f.name));
}
