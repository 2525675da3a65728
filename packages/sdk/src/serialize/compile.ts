// Compiles serialized entities with the platform's compiler (what registration does), e.g. for runLocal and tests.
import { create } from "@bufbuild/protobuf";
import { IdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ParameterMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { CompiledTask, CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { LaunchPlan } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { compileTask, compileWorkflow, launchPlanInterfaceOf, type LaunchPlanInterface } from "@aloft/core";
import type { Entity } from "../authoring/entities.ts";
import { variableMap } from "../types/index.ts";
import type { SerializedWorkflow } from "./serialize.ts";
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";

/** Launch-plan interfaces of references to launch plans registered elsewhere (every input required). */
export function launchPlanRefInterfaces(
  entities: Iterable<Entity>,
  project: string,
  domain: string,
): LaunchPlanInterface[] {
  const out: LaunchPlanInterface[] = [];
  for (const e of entities) {
    if (e.kind !== "launch-plan-ref") continue;
    const parameters: Record<string, object> = {};
    for (const [k, v] of Object.entries(variableMap(e.inputs).variables))
      parameters[k] = { var: v, behavior: { case: "required", value: true } };
    out.push({
      id: create(IdentifierSchema, {
        resourceType: 3,
        project: e.id.project ?? project,
        domain: e.id.domain ?? domain,
        name: e.id.name,
        version: e.id.version,
      }),
      expectedInputs: create(ParameterMapSchema, { parameters }),
      expectedOutputs: variableMap(e.outputs),
    });
  }
  return out;
}

export function compileAll(
  wf: SerializedWorkflow,
  tasks: readonly TaskTemplate[],
  launchPlans: readonly LaunchPlan[],
  extraLaunchPlans: readonly LaunchPlanInterface[] = [],
): CompiledWorkflowClosure {
  const compiled: CompiledTask[] = tasks.map((t) => compileTask(t));
  return compileWorkflow(wf.template, wf.subWorkflows, compiled, [
    ...launchPlans.map(launchPlanInterfaceOf),
    ...extraLaunchPlans,
  ]);
}
