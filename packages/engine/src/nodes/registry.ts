// Node kind → handler. The handlers that run nested nodes (array, branch, dynamic, sub-workflow) are built with the
// node executor they are handed, as upstream's handler factory is at setup; none of them imports the executor.
import { END_NODE_ID, START_NODE_ID } from "@aloft/core";
import { statusError } from "../executor/status.ts";
import { arrayHandler } from "./array-handler.ts";
import { branchHandler } from "./branch-handler.ts";
import { gateHandler } from "./gate-handler.ts";
import { launchPlanHandler } from "./launch-plan-handler.ts";
import type { NodeContext, NodeHandler } from "./handler.ts";
import type { NodeExecutor } from "./node-executor-port.ts";
import { endHandler, startHandler } from "./start-end.ts";
import { subWorkflowHandler } from "./subworkflow-handler.ts";
import { dynamicTaskHandler } from "./dynamic-handler.ts";
import { withTaskCache } from "../cache/caching-handler.ts";

const unsupported = (kind: string): NodeHandler => ({
  finalizeRequired: false,
  handle: async () => ({
    phase: "Failed",
    error: statusError("SYSTEM", "UnsupportedNodeKind", `${kind} nodes are not supported by the local engine yet`),
  }),
  abort: async () => undefined,
  finalize: async () => undefined,
});

const empty = unsupported("empty");

/** The handler lookup of one node executor: node kind → handler, the nested-node handlers bound to `executor`. */
export function nodeHandlers(executor: NodeExecutor): (n: NodeContext) => NodeHandler {
  const taskNodeHandler = withTaskCache(dynamicTaskHandler(executor));
  const branch = branchHandler(executor);
  const subWorkflow = subWorkflowHandler(executor);
  const array = arrayHandler(executor);
  return (n) => {
    if (n.node.id === START_NODE_ID && n.scope.nodes.has(START_NODE_ID) && n.node.target.case === undefined)
      return startHandler;
    if (n.node.id === END_NODE_ID && n.node.target.case === undefined) return endHandler;
    switch (n.node.target.case) {
      case "taskNode":
        return taskNodeHandler;
      case "branchNode":
        return branch;
      case "workflowNode":
        return n.node.target.value.reference.case === "launchplanRef" ? launchPlanHandler : subWorkflow;
      case "gateNode":
        return gateHandler;
      case "arrayNode":
        return array;
      default:
        return empty;
    }
  };
}
