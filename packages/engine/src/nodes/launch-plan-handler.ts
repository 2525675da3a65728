// Launch-plan nodes (upstream flytepropeller/pkg/controller/nodes/subworkflow/launchplan.go): a child execution in the parent's project and domain, named deterministically
// (fnv64a of parent execution, unique node id, attempt), polled each visit; its outputs become the node's outputs.
import { create } from "@bufbuild/protobuf";
import {
  ExecutionCreateRequestSchema,
  ExecutionMetadata_ExecutionMode,
  type Execution,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { getMessage, putMessage } from "@aloft/core";
import { inputsKey, outputsKey } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { childExecutionId } from "../executor/child-execution-id.ts";
import { originalChildExecution } from "../executor/recovery.ts";
import { fromExecutionError, statusError } from "../executor/status.ts";
import type { NodeContext, NodeHandler, Transition } from "./handler.ts";

const RETRY_CODES = new Set([
  Code.DATA_LOSS,
  Code.DEADLINE_EXCEEDED,
  Code.INTERNAL,
  Code.UNKNOWN,
  Code.CANCELLED,
  Code.UNAVAILABLE,
]);

export const launchPlanHandler: NodeHandler = {
  finalizeRequired: false,

  async handle(n: NodeContext): Promise<Transition> {
    const t = n.node.target;
    const port = n.exec.deps.children;
    if (t.case !== "workflowNode" || t.value.reference.case !== "launchplanRef") {
      return { phase: "Failed", error: statusError("SYSTEM", "IllegalStateError", "not a launch plan node") };
    }
    if (!port)
      return {
        phase: "Failed",
        error: statusError("SYSTEM", "UnsupportedNodeKind", "child executions are not available to this engine"),
      };
    const id = childExecutionId(n);
    if (n.status.phase === "Queued") {
      const ls = n.exec.spec.spec;
      const inputs = await getMessage(n.exec.deps.blobs, inputsKey(n.dataDir), LiteralMapSchema);
      const recoverChild = await originalChildExecution(n);
      const req = create(ExecutionCreateRequestSchema, {
        project: id.project,
        domain: id.domain,
        name: id.name,
        inputs,
        spec: {
          launchPlan: t.value.reference.value,
          metadata: {
            mode: recoverChild
              ? ExecutionMetadata_ExecutionMode.RECOVERED
              : ExecutionMetadata_ExecutionMode.CHILD_WORKFLOW,
            nesting: 1,
            parentNodeExecution: { executionId: n.exec.executionId, nodeId: n.uniqueId },
            ...(recoverChild ? { referenceExecution: recoverChild } : {}),
          },
          maxParallelism: ls.maxParallelism ?? 0,
          ...(ls.rawOutputPrefix ? { rawOutputDataConfig: { outputLocationPrefix: ls.rawOutputPrefix } } : {}),
          ...(ls.interruptible !== undefined ? { interruptible: ls.interruptible } : {}),
          overwriteCache: ls.overwriteCache ?? false,
          envs: { values: Object.entries(ls.envs ?? {}).map(([key, value]) => ({ key, value })) },
        },
      });
      try {
        await port.createExecution(req);
      } catch (e) {
        if (e instanceof AloftError && e.code === Code.ALREADY_EXISTS) return { phase: "Running" };
        if (e instanceof AloftError && !RETRY_CODES.has(e.code)) {
          return { phase: "Failed", error: statusError("USER", "LaunchPlanExecutionFailed", e.message) };
        }
        throw e;
      }
      return { phase: "Running" };
    }
    let child: Execution;
    try {
      child = await port.getExecution(id);
    } catch (e) {
      if (e instanceof AloftError && e.code === Code.NOT_FOUND) {
        return {
          phase: "Failed",
          error: statusError("SYSTEM", "RemoteChildWorkflowExecutionFailed", `child execution ${id.name} not found`),
        };
      }
      throw e;
    }
    const closure = child.closure;
    switch (closure?.phase) {
      case WorkflowExecution_Phase.SUCCEEDED: {
        const outputs = await port.getOutputs(id);
        await putMessage(n.exec.deps.blobs, outputsKey(n.outputDir()), LiteralMapSchema, outputs);
        return { phase: "Success" };
      }
      case WorkflowExecution_Phase.FAILED:
      case WorkflowExecution_Phase.TIMED_OUT: {
        const err = closure.outputResult.case === "error" ? fromExecutionError(closure.outputResult.value) : undefined;
        return {
          phase: "Failed",
          error: err ?? statusError("USER", "LaunchPlanExecutionFailed", `child execution ${id.name} failed`),
        };
      }
      case WorkflowExecution_Phase.ABORTED:
        return {
          phase: "Failed",
          error: statusError("USER", "RemoteChildWorkflowExecutionFailed", `child execution ${id.name} aborted`),
        };
      default:
        return { phase: "Running" };
    }
  },

  async abort(n: NodeContext, reason: string): Promise<void> {
    const port = n.exec.deps.children;
    if (!port || n.status.phase === "NotYetStarted") return;
    const cause = `cascading abort as parent execution id [${n.exec.executionId.name}] aborted, reason [${reason}]`;
    try {
      await port.terminateExecution(childExecutionId(n), cause);
    } catch (e) {
      if (e instanceof AloftError && (e.code === Code.NOT_FOUND || e.code === Code.FAILED_PRECONDITION)) return;
      throw e;
    }
  },

  finalize: async () => undefined,
};
