// Inline sub-workflow nodes (upstream flytepropeller/pkg/controller/nodes/subworkflow/handler.go): the node's inputs become the sub-workflow's start-node outputs, the sub-DAG runs
// under the node (nested data dirs, unique ids `<node>-<attempt>-<child>`); on failure the sub-DAG is aborted, its
// failure node (if any) runs, and the node fails with the original error.
import type { CompiledWorkflow } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { END_NODE_ID, START_NODE_ID, childNodeDataDir, inputsKey, nodeOutputDir, outputsKey } from "@aloft/core";
import { failureNodeScope, subWorkflowScope, syncFailureNode } from "../executor/scopes.ts";
import { statusError, type StatusError, type SubWorkflowStatus } from "../executor/status.ts";
import type { Scope } from "../executor/context.ts";
import { indexOf, type NodeContext, type NodeHandler, type Transition } from "./handler.ts";
import type { NodeExecutor } from "./node-executor-port.ts";
import { copyBlob } from "./start-end.ts";

const TIMEOUT_ERROR = statusError("USER", "Timeout", "Timeout in node");

function subWorkflowOf(n: NodeContext): CompiledWorkflow | StatusError {
  const t = n.node.target;
  if (t.case !== "workflowNode") return statusError("SYSTEM", "IllegalStateError", "not a workflow node");
  const ref = t.value.reference;
  if (ref.case !== "subWorkflowRef") {
    return statusError("SYSTEM", "UnsupportedNodeKind", "launch plan nodes are not supported by the local engine");
  }
  return (
    indexOf(n).subWorkflow(ref.value) ??
    statusError("SYSTEM", "SubWorkflowExecutionFailed", `sub-workflow of node ${n.node.id} is not in the closure`)
  );
}

const isError = (x: CompiledWorkflow | StatusError): x is StatusError => !("$typeName" in x);

function failureScope(n: NodeContext, wf: CompiledWorkflow, sub: SubWorkflowStatus): Scope | undefined {
  const node = wf.template?.failureNode;
  if (!node) return undefined;
  const out = n.outputDir();
  const startOut = nodeOutputDir(childNodeDataDir(out, START_NODE_ID), 0);
  return failureNodeScope(n.exec, node, sub, (id) => childNodeDataDir(out, id), startOut, sub.error ?? TIMEOUT_ERROR, {
    uniqueId: n.uniqueId,
    attempt: n.attempt(),
  });
}

/** The sub-workflow handler; the sub-DAG and its failure node run through the node executor. */
export const subWorkflowHandler = (executor: NodeExecutor): NodeHandler => ({
  finalizeRequired: false,

  async handle(n: NodeContext): Promise<Transition> {
    const wf = subWorkflowOf(n);
    if (isError(wf)) return { phase: "Failed", error: wf };
    const out = n.outputDir();
    let sub = n.status.sub;
    if (!sub) {
      const startOutputs = outputsKey(nodeOutputDir(childNodeDataDir(out, START_NODE_ID), 0));
      await copyBlob(n, inputsKey(n.dataDir), startOutputs);
      sub = n.status.sub = { phase: "Running" };
    }
    const scope = subWorkflowScope(n, wf);
    if (sub.phase === "Running") {
      const r = await executor.executeDag(scope);
      if (r.state === "pending") return { phase: "Running" };
      if (r.state === "failed") {
        sub.phase = "Failing";
        sub.error = r.timedOut ? TIMEOUT_ERROR : r.error;
        return { phase: "Running" };
      }
      const endOut = scope.outputDirOf(END_NODE_ID);
      const copied = endOut !== undefined && (await copyBlob(n, outputsKey(endOut), outputsKey(out)));
      if (!copied && (wf.template?.outputs.length ?? 0) > 0) {
        return {
          phase: "Failed",
          error: statusError(
            "SYSTEM",
            "SubWorkflowExecutionFailed",
            `outputs of sub-workflow node ${n.node.id} not found`,
          ),
        };
      }
      return { phase: "Success" };
    }
    const error = sub.error ?? TIMEOUT_ERROR;
    if (sub.phase === "Failing") {
      await executor.abortScope(scope, "Some node execution failed, auto-abort.", true);
      if (!wf.template?.failureNode) return { phase: "Failed", error };
      sub.phase = "FailureNode";
      return { phase: "Running" };
    }
    const fscope = failureScope(n, wf, sub);
    if (!fscope) return { phase: "Failed", error };
    const r = await executor.visitNode(fscope, fscope.order[0]!);
    syncFailureNode(fscope, sub);
    if (r.state === "pending") return { phase: "Running" };
    if (r.state === "failed") return { phase: "Failed", error: r.timedOut ? TIMEOUT_ERROR : r.error };
    return { phase: "Failed", error };
  },

  async abort(n: NodeContext, reason: string): Promise<void> {
    const wf = subWorkflowOf(n);
    const sub = n.status.sub;
    if (isError(wf) || !sub) return;
    await executor.abortScope(subWorkflowScope(n, wf), reason, true);
    const fscope = sub.phase === "FailureNode" ? failureScope(n, wf, sub) : undefined;
    if (fscope) await executor.abortScope(fscope, reason, true);
  },

  finalize: async () => undefined,
});
