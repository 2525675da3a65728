// Branch nodes (upstream flytepropeller/pkg/controller/nodes/branch/handler.go): on the first visit evaluate if / else-if / else and remember the chosen child; then run the
// child inside the branch (its own events, parent = the branch) and finish with its outcome and outputs.
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { IfElseBlock, Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { getMessage } from "@aloft/core";
import { inputsKey, outputsKey } from "@aloft/core";
import { branchChildScope } from "../executor/scopes.ts";
import { statusError } from "../executor/status.ts";
import { ConditionError, evaluateBoolean } from "./condition.ts";
import type { NodeContext, NodeHandler, Transition } from "./handler.ts";
import type { NodeExecutor } from "./node-executor-port.ts";
import { copyBlob } from "./start-end.ts";

function ifElseOf(n: NodeContext): IfElseBlock | undefined {
  return n.node.target.case === "branchNode" ? n.node.target.value.ifElse : undefined;
}

function candidates(b: IfElseBlock): Node[] {
  const out: Node[] = [];
  for (const blk of [b.case, ...b.other]) if (blk?.thenNode) out.push(blk.thenNode);
  if (b.default.case === "elseNode") out.push(b.default.value);
  return out;
}

function choose(b: IfElseBlock, inputs: Parameters<typeof evaluateBoolean>[1]): Node | undefined {
  for (const blk of [b.case, ...b.other]) {
    if (!blk?.condition) continue;
    if (evaluateBoolean(blk.condition, inputs)) return blk.thenNode;
  }
  return b.default.case === "elseNode" ? b.default.value : undefined;
}

/** The branch handler; the chosen child runs through the node executor. */
export const branchHandler = (executor: NodeExecutor): NodeHandler => ({
  finalizeRequired: false,

  async handle(n: NodeContext): Promise<Transition> {
    const b = ifElseOf(n);
    if (!b)
      return { phase: "Failed", error: statusError("SYSTEM", "IllegalStateError", "branch node without if-else") };
    if (n.status.branchChild === undefined) {
      const inputs = await getMessage(n.exec.deps.blobs, inputsKey(n.dataDir), LiteralMapSchema);
      let chosen: Node | undefined;
      try {
        chosen = choose(b, inputs);
      } catch (e) {
        if (!(e instanceof ConditionError)) throw e;
        const user = e.code === "MalformedBranchUserError";
        return {
          phase: "Failed",
          error: statusError(user ? "USER" : "SYSTEM", user ? e.code : "IllegalStateError", e.message),
        };
      }
      if (!chosen) {
        if (b.default.case === "error") {
          return { phase: "Failed", error: statusError("USER", "UserProvidedError", b.default.value.message) };
        }
        return { phase: "Failed", error: statusError("USER", "MalformedBranchUserError", "No branch satisfied") };
      }
      n.status.branchChild = chosen.id;
    }
    const child = candidates(b).find((c) => c.id === n.status.branchChild);
    if (!child)
      return { phase: "Failed", error: statusError("SYSTEM", "IllegalStateError", "chosen branch node not found") };
    const scope = branchChildScope(n, child);
    const r = await executor.visitNode(scope, child.id);
    if (r.state === "pending") return { phase: "Running" };
    if (r.state === "failed") return { phase: "Failed", error: r.error };
    const childOut = scope.outputDirOf(child.id);
    if (childOut !== undefined) await copyBlob(n, outputsKey(childOut), outputsKey(n.outputDir()));
    return { phase: "Success" };
  },

  async abort(n: NodeContext, reason: string): Promise<void> {
    const b = ifElseOf(n);
    const child = b && candidates(b).find((c) => c.id === n.status.branchChild);
    if (child) await executor.abortScope(branchChildScope(n, child), reason, true);
  },

  finalize: async () => undefined,
});
