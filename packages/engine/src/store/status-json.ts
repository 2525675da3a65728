// The status document's JSON, built from per-node pieces: a finished node's status never changes (a round replaces
// the status object of a node it moves, and collapses it once when the node finishes), so its JSON is encoded once and
// kept by the object's identity; a round's encoding is then the few nodes still moving plus string concatenation,
// instead of the whole document (O(nodes) per round, O(nodes²) per execution). The text is byte for byte what
// JSON.stringify gives (same key order, same omissions), so the format on disk is unchanged.
import { isTerminalNodePhase, type NodeStatus, type WorkflowStatus } from "../executor/status.ts";

const finished = new WeakMap<NodeStatus, string>();

/** `JSON.stringify({ status, version })`, reusing the encoding of finished node statuses. */
export function encodeStoredStatus(status: WorkflowStatus, version: number): string {
  return `{"status":${encodeFields(status as unknown as Record<string, unknown>, "nodes")},"version":${JSON.stringify(version)}}`;
}

/** An object's JSON, with the node map under `mapKey` encoded node by node. */
function encodeFields(o: Record<string, unknown>, mapKey: string): string {
  let out = "";
  for (const k of Object.keys(o)) {
    const v = o[k];
    const json =
      k === mapKey && isObject(v)
        ? encodeNodeMap(v as Record<string, NodeStatus>)
        : k === "failureNode" && isObject(v)
          ? encodeNode(v as unknown as NodeStatus)
          : JSON.stringify(v);
    if (json === undefined) continue; // undefined, functions: omitted as JSON.stringify omits them
    out += `${out === "" ? "" : ","}${JSON.stringify(k)}:${json}`;
  }
  return `{${out}}`;
}

function encodeNodeMap(nodes: Record<string, NodeStatus>): string {
  let out = "";
  for (const id of Object.keys(nodes)) {
    const n = nodes[id];
    if (n === undefined) continue;
    out += `${out === "" ? "" : ","}${JSON.stringify(id)}:${encodeNode(n)}`;
  }
  return `{${out}}`;
}

function encodeNode(n: NodeStatus): string {
  if (!isObject(n) || typeof n.phase !== "string") return JSON.stringify(n);
  if (isTerminalNodePhase(n.phase)) {
    let json = finished.get(n);
    if (json === undefined) {
      json = n.children ? encodeFields(n as unknown as Record<string, unknown>, "children") : JSON.stringify(n);
      finished.set(n, json);
    }
    return json;
  }
  // A moving node with nested statuses (sub-workflow, branch, an array's sub-nodes): its finished ones are reused.
  return n.children ? encodeFields(n as unknown as Record<string, unknown>, "children") : JSON.stringify(n);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== "function"
  );
}
