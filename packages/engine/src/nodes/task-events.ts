// TaskExecutionEvents (upstream flyteplugins/go/tasks/pluginmachinery/core/phase.go, flytepropeller/pkg/controller/nodes/task/transformer.go phase mapping, upstream flytepropeller/pkg/controller/nodes/transformers.go contents).
import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TaskExecutionEventSchema, TaskExecutionMetadata_InstanceClass } from "@aloft/idl/flyteidl/event/event_pb.js";
import { TaskExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { outputsKey } from "@aloft/core";
import { TASK_TERMINAL } from "@aloft/core";
import { sendTaskEventOf } from "../executor/events.ts";
import { toExecutionError, type StatusError } from "../executor/status.ts";
import type { PluginPhase, PluginStatus, TaskExecutionContext } from "../plugins/plugin.ts";
import type { NodeContext } from "./handler.ts";

const TASK_EVENT_VERSION = 1;

function taskEventPhase(p: PluginPhase): TaskExecution_Phase {
  switch (p) {
    case "Queued":
      return TaskExecution_Phase.QUEUED;
    case "Initializing":
      return TaskExecution_Phase.INITIALIZING;
    case "WaitingForResources":
      return TaskExecution_Phase.WAITING_FOR_RESOURCES;
    case "Running":
      return TaskExecution_Phase.RUNNING;
    case "Success":
      return TaskExecution_Phase.SUCCEEDED;
    case "RetryableFailure":
    case "PermanentFailure":
      return TaskExecution_Phase.FAILED;
    case "Aborted":
      return TaskExecution_Phase.ABORTED;
    default:
      return TaskExecution_Phase.UNDEFINED;
  }
}

export async function sendTaskEvent(
  n: NodeContext,
  ctx: TaskExecutionContext,
  pluginId: string,
  ps: PluginStatus,
  error?: StatusError,
): Promise<void> {
  if (n.scope.silent) return;
  const exec = n.exec;
  const now = exec.now();
  const phase = taskEventPhase(ps.phase);
  const event = create(TaskExecutionEventSchema, {
    taskId: ctx.template.id,
    parentNodeExecutionId: { executionId: exec.executionId, nodeId: n.uniqueId },
    retryAttempt: ctx.attempt,
    phase,
    phaseVersion: ps.version,
    producerId: exec.deps.config.producerId,
    occurredAt: ps.occurredAt ? timestampFromDate(ps.occurredAt) : timestampFromMs(now),
    reportedAt: timestampFromMs(now),
    logs: ps.logs ?? [],
    taskType: ctx.template.type,
    reason: ps.reason ?? "",
    reasons: [
      // The phase reason first, unless it is one of the new reasons already (a pod event saying why it waits).
      ...(ps.reason && !ps.reasons?.some((r) => r.reason === ps.reason)
        ? [{ reason: ps.reason, occurredAt: timestampFromMs(now) }]
        : []),
      ...(ps.reasons ?? []).map((r) => ({ reason: r.reason, occurredAt: timestampFromDate(r.occurredAt) })),
    ],
    eventVersion: TASK_EVENT_VERSION,
    inputValue: { case: "inputUri", value: ctx.inputsUri },
    metadata: {
      generatedName: ctx.generatedName,
      pluginIdentifier: pluginId,
      instanceClass: ctx.interruptible
        ? TaskExecutionMetadata_InstanceClass.INTERRUPTIBLE
        : TaskExecutionMetadata_InstanceClass.DEFAULT,
    },
  });
  if (phase === TaskExecution_Phase.SUCCEEDED) {
    event.outputResult = { case: "outputUri", value: exec.deps.blobs.uri(outputsKey(n.outputDir())) };
  } else if (error) {
    event.outputResult = { case: "error", value: toExecutionError(error, now) };
  }
  await sendTaskEventOf(n, event, TASK_TERMINAL.has(phase));
}
