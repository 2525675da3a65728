// The node a page shows (`?node=…`): from the page's cache of node executions when it is there, else from
// GetNodeExecution asked for it alone (a deep link into a big execution comes before the node's page arrives; nodes
// inside sub-workflows and branches are not in the top-level cache at all). "Has not run yet" only when the API says
// NOT_FOUND; until it answers, loading. Pure: no DOM.
import type { ApiError } from "./api.ts";
import type { NodeExecution } from "./types.ts";

export type SelectedNode =
  | { state: "found"; node: NodeExecution }
  | { state: "loading" }
  | { state: "not-run" }
  | { state: "error"; error: ApiError };

/** How long after GetNodeExecution answered it is asked again while the execution runs and the node is not cached. */
export const NODE_RETRY_MS = 3000;

/** What to show for the selected node: the cached row first, then the direct answer, its NOT_FOUND, or its failure. */
export function selectedNode(
  cached: NodeExecution | undefined,
  direct: { data?: NodeExecution | undefined; error?: ApiError | undefined },
): SelectedNode {
  if (cached) return { state: "found", node: cached };
  if (direct.data) return { state: "found", node: direct.data };
  if (direct.error) return direct.error.status === 404 ? { state: "not-run" } : { state: "error", error: direct.error };
  return { state: "loading" };
}
