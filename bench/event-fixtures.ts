// What the event benchmarks send (events.bench.ts, events-split.bench.ts): a one-task workflow registered in a test
// platform that accepts executions without running them, and the six events each of its task nodes produces.
import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { WorkflowExecutionEventRequestSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  type Identifier,
  ResourceType,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { WorkflowExecutor } from "@aloft/admin";
import type { EventSink } from "@aloft/engine";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { inProcessEventSink } from "@aloft/server/testing";
import {
  id,
  intLiteral,
  nodeEventRequest,
  registerOneTask,
  shellTask,
  startTestPlatform,
  taskEventRequest,
} from "@aloft/testkit";

export const P = "flytesnacks";
export const D = "development";

/** Accepts every execution and runs nothing: the benchmarks send the events themselves. */
export const accepting: WorkflowExecutor = {
  name: "bench",
  execute: async () => ({ cluster: "bench" }),
  abort: async () => undefined,
};

/** Registers the one-task workflow; its launch plan and task. */
export async function registerNoop(admin: Client<typeof AdminService>) {
  const task = shellTask(id(ResourceType.TASK, P, D, "noop", "v1"), ["a"], ["o"], "true");
  const lp = await registerOneTask(admin, { project: P, domain: D, name: "noop", task });
  return { lp, taskId: task.id! };
}

/**
 * A test platform that accepts executions without running them, its gRPC client, the sandbox's in-process event sink
 * into its admin, and the one-task workflow registered.
 */
export async function acceptingPlatform(database: "sqlite" | "postgres" = "sqlite") {
  const platform = await startTestPlatform({
    database,
    configurePlugins: (p) => {
      p.workflowExecutor = accepting;
    },
  });
  const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  const sink = inProcessEventSink(platform.admin.executions);
  return { platform, admin, sink, ...(await registerNoop(admin)) };
}

/** Launches the workflow of `lp` and reports it RUNNING through `sink`: the execution the node events go to. */
export async function startExecution(
  admin: Client<typeof AdminService>,
  sink: EventSink,
  lp: Identifier,
  at: () => Timestamp,
): Promise<WorkflowExecutionIdentifier> {
  const { id: exec } = await admin.createExecution({
    project: P,
    domain: D,
    spec: { launchPlan: lp },
    inputs: { literals: { x: intLiteral(1) } },
  });
  await sink.workflowEvent(
    create(WorkflowExecutionEventRequestSchema, {
      event: { executionId: exec, producerId: "propeller", phase: WorkflowExecution_Phase.RUNNING, occurredAt: at() },
    }),
  );
  return exec!;
}

/** The events one task node produces: node QUEUED/RUNNING/SUCCEEDED and task QUEUED/RUNNING/SUCCEEDED. */
export function nodeEvents(exec: WorkflowExecutionIdentifier, nodeId: string, taskId: Identifier, at: () => Timestamp) {
  const node = (phase: NodeExecution_Phase) => ({
    kind: "node" as const,
    req: nodeEventRequest(exec, nodeId, phase, at()),
  });
  const taskEv = (phase: TaskExecution_Phase) => ({
    kind: "task" as const,
    req: taskEventRequest(exec, taskId, nodeId, phase, at()),
  });
  return [
    node(NodeExecution_Phase.QUEUED),
    taskEv(TaskExecution_Phase.QUEUED),
    node(NodeExecution_Phase.RUNNING),
    taskEv(TaskExecution_Phase.RUNNING),
    taskEv(TaskExecution_Phase.SUCCEEDED),
    node(NodeExecution_Phase.SUCCEEDED),
  ];
}

export type BenchEvent = ReturnType<typeof nodeEvents>[number];
