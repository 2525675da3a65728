// Links between a parent execution and the child executions its launch-plan nodes start: the child's id is in the
// node execution's closure (`workflow_node_metadata.executionId`), the parent node in the child's spec
// (`metadata.parent_node_execution`). Pure: no DOM.
import type { Route } from "./routes.ts";
import type { Execution, NodeExecution } from "./types.ts";

/** The page of the execution a node started (a launch-plan node), or undefined for any other node. */
export function childExecutionRoute(ne: NodeExecution | undefined): Extract<Route, { page: "execution" }> | undefined {
  const id = ne?.closure?.workflow_node_metadata?.executionId;
  if (!id?.project || !id.domain || !id.name) return undefined;
  return { page: "execution", project: id.project, domain: id.domain, name: id.name };
}

/** The parent execution's page with the node that started this one selected, or undefined for a top-level run. */
export function parentExecutionRoute(ex: Execution | undefined): Extract<Route, { page: "execution" }> | undefined {
  const parent = ex?.spec?.metadata?.parent_node_execution;
  const id = parent?.execution_id;
  if (!id?.project || !id.domain || !id.name) return undefined;
  return {
    page: "execution",
    project: id.project,
    domain: id.domain,
    name: id.name,
    ...(parent?.node_id ? { node: parent.node_id } : {}),
  };
}
