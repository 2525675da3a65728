// Test fixtures shared by the client and CLI end-to-end tests: a registered task → workflow → launch plan
// ("square": x:int → y:int), and a fake WorkflowExecutor that plays the engine by sending events through the client.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import { ResourceType, type WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { LaunchPlanState } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import type { ExecuteInput, WorkflowExecutor } from "@aloft/admin";
import type { AloftClient } from "../src/client.ts";

export const P = "flytesnacks";
export const D = "development";
export const id = (resourceType: ResourceType, name: string, version = "v1") => ({
  resourceType,
  project: P,
  domain: D,
  name,
  version,
});
const INT = { type: { case: "simple" as const, value: SimpleType.INTEGER } };
const STR = { type: { case: "simple" as const, value: SimpleType.STRING } };

/** Integers (numbers) and strings as a LiteralMap. */
export function ints(m: Record<string, number | string>): LiteralMap {
  const primitive = (v: number | string) =>
    typeof v === "number" ? { case: "integer" as const, value: BigInt(v) } : { case: "stringValue" as const, value: v };
  return create(LiteralMapSchema, {
    literals: Object.fromEntries(
      Object.entries(m).map(([k, v]) => [
        k,
        {
          value: {
            case: "scalar" as const,
            value: { value: { case: "primitive" as const, value: { value: primitive(v) } } },
          },
        },
      ]),
    ),
  });
}

/** Registers task `square` (x:int, label:str? → y:int), workflow `square_wf`, launch plan `square_lp` (x defaults to 7), at `version`. */
export async function registerSquare(client: AloftClient, version = "v1"): Promise<void> {
  const iface = {
    inputs: { variables: { x: { type: INT }, label: { type: STR } } },
    outputs: { variables: { y: { type: INT } } },
  };
  const task = id(ResourceType.TASK, "square", version);
  await client.createTask({
    id: task,
    spec: {
      template: {
        id: task,
        type: "container",
        metadata: {},
        interface: iface,
        target: { case: "container", value: { image: "alpine", command: ["true"] } },
      },
    },
  });
  const wf = id(ResourceType.WORKFLOW, "square_wf", version);
  await client.createWorkflow({
    id: wf,
    spec: {
      template: {
        id: wf,
        interface: iface,
        nodes: [
          {
            id: "n0",
            inputs: ["x", "label"].map((v) => ({
              var: v,
              binding: { value: { case: "promise" as const, value: { nodeId: "start-node", var: v } } },
            })),
            target: { case: "taskNode", value: { reference: { case: "referenceId", value: task } } },
          },
        ],
        outputs: [{ var: "y", binding: { value: { case: "promise", value: { nodeId: "n0", var: "y" } } } }],
      },
    },
  });
  const lp = id(ResourceType.LAUNCH_PLAN, "square_lp", version);
  await client.createLaunchPlan({
    id: lp,
    spec: {
      workflowId: wf,
      defaultInputs: {
        parameters: {
          x: { var: { type: INT }, behavior: { case: "default", value: ints({ x: 7 }).literals.x! } },
          label: { var: { type: STR }, behavior: { case: "required", value: true } },
        },
      },
    },
  });
  await client.updateLaunchPlan({ id: lp, state: LaunchPlanState.ACTIVE });
}

/**
 * Plays the engine: on launch it reports RUNNING, start-node, n0 (queued, running, succeeded), end-node and SUCCEEDED
 * with y = 49. Executions named `hold-*` stay RUNNING until aborted; `fail-*` end FAILED.
 */
export class EventingExecutor implements WorkflowExecutor {
  readonly name = "eventing-fake";
  client?: AloftClient;
  launched: ExecuteInput[] = [];
  private t = Date.UTC(2024, 0, 1);
  private pending: Promise<void>[] = [];

  private at() {
    return timestampFromMs((this.t += 1500));
  }

  async execute(input: ExecuteInput) {
    this.launched.push(input);
    this.pending.push(
      new Promise<void>((resolve) => setImmediate(() => void this.play(input.executionId).finally(resolve))),
    );
    return { cluster: "local" };
  }

  async abort(input: { executionId: WorkflowExecutionIdentifier }) {
    const run = async () => {
      await this.node(input.executionId, "n0", NodeExecution_Phase.ABORTED);
      await this.wf(input.executionId, WorkflowExecution_Phase.ABORTED);
    };
    this.pending.push(
      new Promise<void>((resolve) =>
        setImmediate(
          () =>
            void run()
              .catch(() => {})
              .finally(resolve),
        ),
      ),
    );
  }

  /** Waits for every event sequence started so far. */
  async settle() {
    await Promise.all(this.pending);
  }

  private wf(exec: WorkflowExecutionIdentifier, phase: WorkflowExecution_Phase, extra: Record<string, unknown> = {}) {
    return this.client!.createWorkflowEvent({
      requestId: "r",
      event: { executionId: exec, producerId: "propeller", phase, occurredAt: this.at(), ...extra },
    });
  }
  private node(exec: WorkflowExecutionIdentifier, nodeId: string, phase: NodeExecution_Phase) {
    return this.client!.createNodeEvent({
      requestId: "r",
      event: {
        id: { executionId: exec, nodeId },
        producerId: "propeller",
        phase,
        occurredAt: this.at(),
        specNodeId: nodeId,
        eventVersion: 2,
      },
    });
  }
  private task(exec: WorkflowExecutionIdentifier, phase: TaskExecution_Phase) {
    return this.client!.createTaskEvent({
      requestId: "r",
      event: {
        taskId: id(ResourceType.TASK, "square"),
        parentNodeExecutionId: { executionId: exec, nodeId: "n0" },
        retryAttempt: 0,
        producerId: "propeller",
        phase,
        occurredAt: this.at(),
        taskType: "container",
        eventVersion: 1,
      },
    });
  }

  private async play(exec: WorkflowExecutionIdentifier) {
    await this.wf(exec, WorkflowExecution_Phase.RUNNING);
    await this.node(exec, "start-node", NodeExecution_Phase.SUCCEEDED);
    await this.node(exec, "n0", NodeExecution_Phase.QUEUED);
    await this.node(exec, "n0", NodeExecution_Phase.RUNNING);
    await this.task(exec, TaskExecution_Phase.RUNNING);
    if (exec.name.startsWith("hold-")) return;
    await this.task(exec, TaskExecution_Phase.SUCCEEDED);
    await this.node(exec, "n0", NodeExecution_Phase.SUCCEEDED);
    await this.node(exec, "end-node", NodeExecution_Phase.SUCCEEDED);
    if (exec.name.startsWith("fail-")) {
      await this.wf(exec, WorkflowExecution_Phase.FAILED, {
        outputResult: { case: "error", value: { code: "USER", message: "boom", kind: 1 } },
      });
      return;
    }
    await this.wf(exec, WorkflowExecution_Phase.SUCCEEDED, {
      outputResult: { case: "outputData", value: ints({ y: 49 }) },
    });
  }
}
