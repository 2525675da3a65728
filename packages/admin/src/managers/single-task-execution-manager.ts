// Single-task executions (upstream flyteadmin/pkg/manager/impl/execution_manager.go, flyteadmin util/single_task_execution.go): launching a task wraps it in a
// generated workflow `.flytegen.<task>` with one node and a launch plan of the same name and version, registered on
// first use (both marked SYSTEM_GENERATED so that named-entity lists hide them).
import { create } from "@bufbuild/protobuf";
import type { ExecutionSpec } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import {
  LaunchPlanCreateRequestSchema,
  type LaunchPlan,
  type LaunchPlanCreateRequest,
} from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { NamedEntityIdentifierSchema, type NamedEntityIdentifier } from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { Task } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { WorkflowCreateRequestSchema, type WorkflowCreateRequest } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { IdentifierSchema, ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { BindingSchema, type Binding } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { VariableMap } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { AloftError, Code, internal } from "@aloft/core";

/** What wrapping a task needs from the registry (tasks, workflows, launch plans, named entities). */
export interface SingleTaskRegistry {
  /** NOT_FOUND when the task is not registered. */
  getTask(id: Identifier): Promise<Task>;
  createWorkflow(req: WorkflowCreateRequest): Promise<unknown>;
  createLaunchPlan(req: LaunchPlanCreateRequest): Promise<unknown>;
  /** NOT_FOUND when absent. */
  getLaunchPlan(id: Identifier): Promise<LaunchPlan>;
  setSystemGenerated(resourceType: ResourceType, id: NamedEntityIdentifier): Promise<void>;
}

const FLYTEGEN_PREFIX = ".flytegen.";
const DEFAULT_RETRIES = 3;
const MAX_NODE_NAME_LENGTH = 63;

/** The generated node id: the task name restricted to [-A-Za-z0-9], at most its last 63 characters. */
export function nodeNameFromTask(taskName: string): string {
  const cleaned = taskName.replace(/[^-A-Za-z0-9]/g, "");
  return cleaned.length > MAX_NODE_NAME_LENGTH ? cleaned.slice(cleaned.length - MAX_NODE_NAME_LENGTH) : cleaned;
}

export const workflowNameFromTask = (taskName: string): string => `${FLYTEGEN_PREFIX}${taskName}`;

function bindings(vars: VariableMap | undefined, nodeId: string): Binding[] {
  return Object.keys(vars?.variables ?? {})
    .sort()
    .map((name) =>
      create(BindingSchema, { var: name, binding: { value: { case: "promise", value: { nodeId, var: name } } } }),
    );
}

export class SingleTaskExecutions {
  constructor(private readonly registry: SingleTaskRegistry) {}

  /** The launch plan that runs `taskId` alone, registering its workflow and launch plan when needed. */
  async prepare(taskId: Identifier, spec: ExecutionSpec): Promise<LaunchPlan> {
    const task = await this.registry.getTask(taskId);
    const template = task.closure?.compiledTask?.template;
    if (!template) throw internal("single_task.no_template", `task ${taskId.name} has no compiled template`);
    const name = workflowNameFromTask(taskId.name);
    const workflowId = create(IdentifierSchema, { ...plainId(taskId), resourceType: ResourceType.WORKFLOW, name });
    const launchPlanId = create(IdentifierSchema, { ...plainId(taskId), resourceType: ResourceType.LAUNCH_PLAN, name });
    const nodeId = nodeNameFromTask(taskId.name);
    const retries = template.metadata?.retries?.retries ?? DEFAULT_RETRIES;
    await ignoreExists(() =>
      this.registry.createWorkflow(
        create(WorkflowCreateRequestSchema, {
          id: workflowId,
          spec: {
            template: {
              id: workflowId,
              interface: template.interface,
              nodes: [
                {
                  id: nodeId,
                  metadata: { name: nodeId, retries: { retries } },
                  inputs: bindings(template.interface?.inputs, ""),
                  target: {
                    case: "taskNode",
                    value: {
                      reference: {
                        case: "referenceId",
                        value: create(IdentifierSchema, { ...plainId(taskId), resourceType: ResourceType.TASK }),
                      },
                    },
                  },
                },
              ],
              outputs: bindings(template.interface?.outputs, nodeId),
            },
          },
        }),
      ),
    );
    // An existing wrapper launch plan is used as it is (a later launch with another security context must not clash).
    const existing = await this.registry.getLaunchPlan(launchPlanId).catch((err: unknown) => {
      if (err instanceof AloftError && err.code === Code.NOT_FOUND) return undefined;
      throw err;
    });
    if (!existing) {
      await ignoreExists(() =>
        this.registry.createLaunchPlan(
          create(LaunchPlanCreateRequestSchema, {
            id: launchPlanId,
            spec: {
              workflowId,
              entityMetadata: {},
              defaultInputs: {},
              fixedInputs: {},
              labels: {},
              annotations: {},
              authRole: spec.authRole,
              securityContext: spec.securityContext,
            },
          }),
        ),
      );
    }
    const ne = create(NamedEntityIdentifierSchema, { project: taskId.project, domain: taskId.domain, name });
    await this.registry.setSystemGenerated(ResourceType.WORKFLOW, ne);
    await this.registry.setSystemGenerated(ResourceType.LAUNCH_PLAN, ne);
    return this.registry.getLaunchPlan(launchPlanId);
  }
}

function plainId(id: Identifier) {
  return { project: id.project, domain: id.domain, name: id.name, version: id.version, org: id.org };
}

async function ignoreExists(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AloftError && err.code === Code.ALREADY_EXISTS) return;
    throw err;
  }
}
