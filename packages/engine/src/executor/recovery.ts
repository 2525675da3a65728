// Recovery of a previous execution's results (upstream flytepropeller/pkg/controller/nodes/executor.go, upstream nodes/executor.go
// attemptRecovery). In an execution launched by RecoverExecution, a node that is ready to run first asks admin for the
// same node (same unique id) of the original execution. SUCCEEDED or RECOVERED there → its inputs and outputs are
// copied into this node's data locations and the node ends at once with a RECOVERED event (internally: Succeeded, so
// every consumer of a finished node treats it as a success). A dynamic parent whose task finished but whose dynamic
// workflow did not resumes from the original's futures (its sub-nodes are then recovered one by one). Anything else,
// or a node the original never ran (NOT_FOUND), runs as usual; a launch-plan node that runs again has its child
// execution recover the original's child.
import { create } from "@bufbuild/protobuf";
import {
  NodeExecutionIdentifierSchema,
  type NodeExecutionIdentifier,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { NodeExecution, NodeExecutionGetDataResponse } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import {
  DynamicWorkflowNodeMetadataSchema,
  TaskNodeMetadataSchema,
  WorkflowNodeMetadataSchema,
  type NodeExecutionEvent,
} from "@aloft/idl/flyteidl/event/event_pb.js";
import { getMessage, putMessage } from "@aloft/core";
import { END_NODE_ID, START_NODE_ID, futuresKey, inputsKey, outputsKey } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import type { RecoveryPort } from "../ports.ts";
import type { NodeContext } from "../nodes/handler.ts";
import type { NodeResult } from "../nodes/node-executor-port.ts";
import { sendNodeEvent } from "./events.ts";
import { collapseNodeStatus } from "./status.ts";

/**
 * Tries to recover a ready, not yet started node. Returns the node's result when recovery decided its fate (recovered:
 * success; dynamic parent resumed: pending), undefined when the node must run as usual.
 */
export async function attemptRecovery(n: NodeContext): Promise<NodeResult | undefined> {
  const port = n.exec.deps.recovery;
  const from = n.exec.spec.spec.recoverFrom;
  // Array sub-nodes report no node executions to admin, so the original has none to recover; start and end nodes
  // only move data that is already there.
  if (!port || !from || n.scope.silent || n.node.id === START_NODE_ID || n.node.id === END_NODE_ID) return undefined;
  const id = create(NodeExecutionIdentifierSchema, {
    executionId: { project: from.project, domain: from.domain, name: from.name },
    nodeId: n.uniqueId,
  });
  const original = await lookup(n, "node execution", () => port.getNodeExecution(id));
  const phase = original?.closure?.phase;
  if (!original || phase === undefined) return undefined;
  if (phase === NodeExecution_Phase.SUCCEEDED || phase === NodeExecution_Phase.RECOVERED) {
    return recover(n, port, id, original);
  }
  if (original.metadata?.isDynamic && original.closure?.dynamicJobSpecUri && n.node.target.case === "taskNode") {
    return resumeDynamic(n, port, id, original.closure.dynamicJobSpecUri, original);
  }
  return undefined;
}

/**
 * A launch-plan node of a recovery execution that the original did not finish: the child execution the original
 * launched for it, which the new child recovers in turn (upstream passes it to RecoverExecution). Undefined when
 * this execution recovers nothing or the original launched no child for the node.
 */
export async function originalChildExecution(n: NodeContext): Promise<WorkflowExecutionIdentifier | undefined> {
  const port = n.exec.deps.recovery;
  const from = n.exec.spec.spec.recoverFrom;
  if (!port || !from) return undefined;
  const id = create(NodeExecutionIdentifierSchema, {
    executionId: { project: from.project, domain: from.domain, name: from.name },
    nodeId: n.uniqueId,
  });
  const original = await lookup(n, "node execution", () => port.getNodeExecution(id));
  const t = original?.closure?.targetMetadata;
  return t?.case === "workflowNodeMetadata" ? t.value.executionId : undefined;
}

async function recover(
  n: NodeContext,
  port: RecoveryPort,
  id: NodeExecutionIdentifier,
  original: NodeExecution,
): Promise<NodeResult | undefined> {
  const data = await lookup(n, "node execution data", () => port.getNodeExecutionData(id));
  if (!data) return undefined;
  const blobs = n.exec.deps.blobs;
  await putMessage(blobs, inputsKey(n.dataDir), LiteralMapSchema, await recoveredInputs(n, original, data));
  await putMessage(blobs, outputsKey(n.outputDir()), LiteralMapSchema, await recoveredOutputs(n, original, data));
  const deck = original.closure?.deckUri ?? "";
  if (deck !== "" && (await exists(n, deck))) n.deckUri = deck;

  const status = n.status;
  status.phase = "Succeeded";
  await sendNodeEvent(n, NodeExecution_Phase.RECOVERED, targetMetadataOf(original, data));
  status.stoppedAt = n.exec.now();
  n.scope.statuses[n.node.id] = collapseNodeStatus(status);
  n.scope.dirty.add(n.node.id);
  n.exec.restless = true;
  n.exec.deps.logger.info({ execution: n.exec.key, node: n.uniqueId }, "node recovered from the original execution");
  return { state: "success" };
}

/** A dynamic parent whose task succeeded in the original: rerun the dynamic workflow from its futures, not the task. */
async function resumeDynamic(
  n: NodeContext,
  port: RecoveryPort,
  id: NodeExecutionIdentifier,
  futuresUri: string,
  original: NodeExecution,
): Promise<NodeResult | undefined> {
  const data = await lookup(n, "node execution data", () => port.getNodeExecutionData(id));
  if (!data) return undefined;
  const blobs = n.exec.deps.blobs;
  await putMessage(blobs, inputsKey(n.dataDir), LiteralMapSchema, await recoveredInputs(n, original, data));
  await blobs.put(futuresKey(n.outputDir()), await blobs.get(blobs.keyOf(futuresUri)), {
    contentType: "application/octet-stream",
  });
  const status = n.status;
  const now = n.exec.now();
  status.phase = "Running";
  status.queuedAt = now;
  status.startedAt = now;
  status.lastAttemptStartedAt = now;
  status.dynamic = { phase: "ParentFinalizing" };
  await sendNodeEvent(n, NodeExecution_Phase.RUNNING);
  n.scope.dirty.add(n.node.id);
  n.exec.restless = true;
  return { state: "pending" };
}

function targetMetadataOf(
  original: NodeExecution,
  data: NodeExecutionGetDataResponse,
): { targetMetadata?: NodeExecutionEvent["targetMetadata"] } {
  const t = original.closure?.targetMetadata;
  if (t?.case === "taskNodeMetadata") {
    const meta = create(TaskNodeMetadataSchema, {
      cacheStatus: t.value.cacheStatus,
      ...(t.value.catalogKey ? { catalogKey: t.value.catalogKey } : {}),
    });
    const dyn = data.dynamicWorkflow;
    if (dyn?.compiledWorkflow) {
      meta.dynamicWorkflow = create(DynamicWorkflowNodeMetadataSchema, {
        ...(dyn.id ? { id: dyn.id } : {}),
        compiledWorkflow: dyn.compiledWorkflow,
        dynamicJobSpecUri: dyn.dynamicJobSpecUri,
      });
    }
    return { targetMetadata: { case: "taskNodeMetadata", value: meta } };
  }
  if (t?.case === "workflowNodeMetadata" && t.value.executionId) {
    return {
      targetMetadata: {
        case: "workflowNodeMetadata",
        value: create(WorkflowNodeMetadataSchema, { executionId: t.value.executionId }),
      },
    };
  }
  return {};
}

// Admin returns empty full_inputs / full_outputs when the data is too large to inline: read the files then.
async function recoveredInputs(
  n: NodeContext,
  original: NodeExecution,
  data: NodeExecutionGetDataResponse,
): Promise<LiteralMap> {
  if (data.fullInputs && Object.keys(data.fullInputs.literals).length > 0) return data.fullInputs;
  return original.inputUri !== "" ? readMap(n, original.inputUri) : create(LiteralMapSchema);
}

async function recoveredOutputs(
  n: NodeContext,
  original: NodeExecution,
  data: NodeExecutionGetDataResponse,
): Promise<LiteralMap> {
  if (data.fullOutputs && Object.keys(data.fullOutputs.literals).length > 0) return data.fullOutputs;
  const out = original.closure?.outputResult;
  if (out?.case === "outputData") return out.value;
  if (out?.case === "outputUri" && out.value !== "") return readMap(n, out.value);
  return create(LiteralMapSchema);
}

async function readMap(n: NodeContext, uri: string): Promise<LiteralMap> {
  const blobs = n.exec.deps.blobs;
  try {
    return await getMessage(blobs, blobs.keyOf(uri), LiteralMapSchema);
  } catch (e) {
    // An empty map is never written by admin's readers: a missing file means the original produced no data.
    if (e instanceof AloftError && e.code === Code.NOT_FOUND) return create(LiteralMapSchema);
    throw e;
  }
}

async function exists(n: NodeContext, uri: string): Promise<boolean> {
  const blobs = n.exec.deps.blobs;
  try {
    return (await blobs.head(blobs.keyOf(uri))) !== undefined;
  } catch (e) {
    if (e instanceof AloftError && e.code === Code.INVALID_ARGUMENT) return false;
    throw e;
  }
}

/**
 * One lookup in the original execution. NOT_FOUND (the original never ran the node) → undefined; admin unreachable →
 * the round fails and is retried (rerunning a node because admin blinked would be costly); anything else is logged and
 * the node runs as usual (as upstream).
 */
async function lookup<T>(n: NodeContext, what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof AloftError)) throw e;
    if (e.code === Code.NOT_FOUND) return undefined;
    if (e.code === Code.UNAVAILABLE || e.code === Code.DEADLINE_EXCEEDED || e.code === Code.RESOURCE_EXHAUSTED) throw e;
    n.exec.deps.logger.warn(
      { execution: n.exec.key, node: n.uniqueId, err: e },
      `cannot read the original ${what}; running the node`,
    );
    return undefined;
  }
}
