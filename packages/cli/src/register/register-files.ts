// `aloft register files`: registers a `pyflyte package` output in order — TaskSpec (`_1.pb`), WorkflowSpec (`_2.pb`),
// LaunchPlan (`_3.pb`) — treating ALREADY_EXISTS as success, as flytectl does.
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { TaskSpecSchema } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { LaunchPlanSchema, LaunchPlanState } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { invalidArgument } from "@aloft/core";
import type { AdminClient } from "../client.ts";
import type { RegistrationFile } from "./archive.ts";
import { hydrateLaunchPlan, hydrateTaskSpec, hydrateWorkflowSpec, type RegistrationTarget } from "./hydrate.ts";

export type RegistrationStatus = "registered" | "already exists" | "failed";

export interface RegistrationResult {
  file: string;
  kind: "task" | "workflow" | "launch plan";
  name: string;
  status: RegistrationStatus;
  message: string;
}

export interface RegisterOptions extends RegistrationTarget {
  /** Stop at the first failure (default) or go on and report every file. */
  continueOnError: boolean;
  activateLaunchPlans?: boolean;
}

function kindOf(name: string): RegistrationResult["kind"] {
  if (name.endsWith("_1.pb")) return "task";
  if (name.endsWith("_2.pb")) return "workflow";
  if (name.endsWith("_3.pb")) return "launch plan";
  throw invalidArgument(
    "register.unknown_file",
    `${name}: not a registration file (expected *_1.pb, *_2.pb or *_3.pb)`,
  );
}

async function registerOne(
  client: AdminClient,
  file: RegistrationFile,
  o: RegisterOptions,
): Promise<RegistrationResult> {
  const kind = kindOf(file.name);
  let name = "";
  try {
    if (kind === "task") {
      const spec = fromBinary(TaskSpecSchema, file.data);
      hydrateTaskSpec(spec, o);
      name = spec.template?.id?.name ?? "";
      await client.createTask({ id: spec.template?.id, spec });
    } else if (kind === "workflow") {
      const spec = fromBinary(WorkflowSpecSchema, file.data);
      hydrateWorkflowSpec(spec, o);
      name = spec.template?.id?.name ?? "";
      await client.createWorkflow({ id: spec.template?.id, spec });
    } else {
      const lp = fromBinary(LaunchPlanSchema, file.data);
      hydrateLaunchPlan(lp, o);
      name = lp.id?.name ?? "";
      let existed: ConnectError | undefined;
      try {
        await client.createLaunchPlan({ id: lp.id, spec: lp.spec });
      } catch (err) {
        if (!(err instanceof ConnectError && err.code === Code.AlreadyExists)) throw err;
        existed = err;
      }
      if (o.activateLaunchPlans) await client.updateLaunchPlan({ id: lp.id, state: LaunchPlanState.ACTIVE });
      if (existed) throw existed;
    }
    return { file: file.name, kind, name, status: "registered", message: "" };
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.AlreadyExists) {
      return { file: file.name, kind, name, status: "already exists", message: err.rawMessage };
    }
    const message =
      err instanceof ConnectError
        ? `${Code[err.code]}: ${err.rawMessage}`
        : err instanceof Error
          ? err.message
          : String(err);
    return { file: file.name, kind, name, status: "failed", message };
  }
}

export async function registerFiles(
  client: AdminClient,
  files: RegistrationFile[],
  o: RegisterOptions,
): Promise<RegistrationResult[]> {
  if (files.length === 0) throw invalidArgument("register.empty", "no registration files (*.pb) found");
  const results: RegistrationResult[] = [];
  for (const f of files) {
    const r = await registerOne(client, f, o);
    results.push(r);
    if (r.status === "failed" && !o.continueOnError) break;
  }
  return results;
}
