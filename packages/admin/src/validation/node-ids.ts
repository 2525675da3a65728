// Node ids become path segments of blob keys (`.../<node-id>/data/<attempt>/outputs.pb`) and of generated names, so
// one that cannot be a key segment registers fine and then fails every attempt at run time. Upstream's compiler only
// requires a non-empty id; flytekit generates `n0`, `n0-n1`, `start-node`, `end-node` or a dnsified `node_name`.
// We refuse, at registration and naming the node, what no blob key can hold: "/", a "." or ".." segment, backslash,
// control characters, or more than 255 bytes.
import type { Node, WorkflowTemplate } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { invalidArgument } from "@aloft/core";

const MAX_NODE_ID_BYTES = 255;
const UNUSABLE = /[\u0000-\u001f\u007f/\\]/;

/** Why `id` cannot be a node id, or undefined when it can. Empty ids are the compiler's to report. */
function nodeIdProblem(id: string): string | undefined {
  if (id === "") return undefined;
  if (id === "." || id === "..") return "must not be . or ..";
  const bad = UNUSABLE.exec(id);
  if (bad) return `must not contain ${JSON.stringify(bad[0])}`;
  if (Buffer.byteLength(id) > MAX_NODE_ID_BYTES) return `must be at most ${MAX_NODE_ID_BYTES} bytes`;
  return undefined;
}

/** Every node of the templates, nested branch, array and else nodes included; INVALID_ARGUMENT naming the first bad one. */
export function validateNodeIds(templates: readonly (WorkflowTemplate | undefined)[]): void {
  for (const t of templates) for (const n of t?.nodes ?? []) visit(n);
}

function visit(node: Node | undefined): void {
  if (!node) return;
  const problem = nodeIdProblem(node.id);
  if (problem)
    throw invalidArgument("workflow.invalid_node_id", `invalid node id ${JSON.stringify(node.id)}: ${problem}`);
  const t = node.target;
  if (t.case === "branchNode") {
    const ie = t.value.ifElse;
    visit(ie?.case?.thenNode);
    for (const other of ie?.other ?? []) visit(other.thenNode);
    if (ie?.default.case === "elseNode") visit(ie.default.value);
  } else if (t.case === "arrayNode") {
    visit(t.value.node);
  }
}
