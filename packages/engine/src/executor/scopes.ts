// The DAG scopes of a round: the primary workflow, a sub-workflow under its node, a branch's chosen child, and a
// failure node (whose lookups all resolve to itself except start-node, upstream flytepropeller/pkg/controller/executors/failure_node_lookup.go).
import type { CompiledWorkflow } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { WorkflowMetadata_OnFailurePolicy, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { START_NODE_ID, childNodeDataDir, joinKey, nodeDataDir, nodeOutputDir } from "@aloft/core";
import type { NodeContext } from "../nodes/handler.ts";
import type { ExecContext, FailurePolicy, ParentInfo, Scope } from "./context.ts";
import { newNodeStatus, type NodeStatus, type StatusError } from "./status.ts";

export function failurePolicyOf(wf: CompiledWorkflow): FailurePolicy {
  return wf.template?.metadata?.onFailure === WorkflowMetadata_OnFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
    ? "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE"
    : "FAIL_IMMEDIATELY";
}

export function primaryScope(exec: ExecContext): Scope {
  const g = exec.index.primary();
  const statuses = exec.status.nodes;
  const dataDir = (id: string) => nodeDataDir(exec.wfDir, id);
  const scope: Scope = {
    exec,
    nodes: g.nodes,
    upstream: g.upstream,
    order: g.order,
    statuses,
    dataDir,
    failurePolicy: failurePolicyOf(g.workflow),
    dirty: new Set(),
    outputDirOf: (id) => (g.nodes.has(id) ? nodeOutputDir(dataDir(id), statuses[id]?.attempts ?? 0) : undefined),
  };
  if (exec.active) scope.active = { set: exec.active, graph: g };
  return scope;
}

/** What nested scopes inherit from the scope of their parent node. */
function inherited(n: NodeContext): Pick<Scope, "index" | "inDynamic"> {
  const out: Pick<Scope, "index" | "inDynamic"> = {};
  if (n.scope.index) out.index = n.scope.index;
  if (n.scope.inDynamic) out.inDynamic = true;
  return out;
}

export function subWorkflowScope(n: NodeContext, wf: CompiledWorkflow): Scope {
  const g = (n.scope.index ?? n.exec.index).graph(wf);
  const out = n.outputDir();
  const statuses = (n.status.children ??= {});
  const dataDir = (id: string) => childNodeDataDir(out, id);
  return {
    ...inherited(n),
    exec: n.exec,
    nodes: g.nodes,
    upstream: g.upstream,
    order: g.order,
    statuses,
    dataDir,
    parent: { uniqueId: n.uniqueId, attempt: n.attempt() },
    failurePolicy: failurePolicyOf(wf),
    dirty: new Set(),
    outputDirOf: (id) => (g.nodes.has(id) ? nodeOutputDir(dataDir(id), statuses[id]?.attempts ?? 0) : undefined),
  };
}

/** The scope holding predecessor `u` of a node of `scope` (a branch child's predecessors live outside the branch). */
export function upstreamScope(scope: Scope, u: string): Scope {
  return scope.nodes.has(u) || !scope.outer ? scope : scope.outer.scope;
}

export function branchChildScope(n: NodeContext, child: Node): Scope {
  const outer = n.scope;
  const out = n.outputDir();
  const statuses = (n.status.children ??= {});
  const dataDir = (id: string) => childNodeDataDir(out, id);
  // The child waits for its own compiled predecessors (nodes of the enclosing workflow, e.g. a sibling of the branch
  // whose output it reads), as upstream's branch handler builds its leaf DAG from the outer lookup's ToNode.
  const dag = outer.outer?.scope ?? outer;
  const branches = [...(outer.outer?.branches ?? []), n.node.id];
  const preds = (dag.upstream.get(child.id) ?? []).filter((u) => !branches.includes(u) && dag.nodes.has(u));
  const scope: Scope = {
    ...inherited(n),
    exec: n.exec,
    nodes: new Map([[child.id, child]]),
    upstream: new Map([[child.id, preds]]),
    outer: { scope: dag, branches },
    order: [child.id],
    statuses,
    dataDir,
    parent: { uniqueId: n.uniqueId, attempt: n.attempt() },
    failurePolicy: outer.failurePolicy,
    dirty: new Set(),
    outputDirOf: (id) =>
      id === child.id ? nodeOutputDir(dataDir(id), statuses[id]?.attempts ?? 0) : outer.outputDirOf(id),
  };
  if (outer.injectError) scope.injectError = outer.injectError;
  return scope;
}

interface FailureNodeHolder {
  failureNode?: NodeStatus;
}

/** A scope holding only the failure node; its status lives in `holder.failureNode` (write back with `syncFailureNode`). */
export function failureNodeScope(
  exec: ExecContext,
  node: Node,
  holder: FailureNodeHolder,
  dataDir: (id: string) => string,
  startOutputDir: string,
  error: StatusError,
  parent?: ParentInfo,
): Scope {
  const statuses: Record<string, NodeStatus> = { [node.id]: (holder.failureNode ??= newNodeStatus()) };
  const scope: Scope = {
    exec,
    nodes: new Map([[node.id, node]]),
    upstream: new Map([[node.id, []]]),
    order: [node.id],
    statuses,
    dataDir,
    failurePolicy: "FAIL_IMMEDIATELY",
    dirty: new Set(),
    injectError: error,
    outputDirOf: (id) =>
      id === START_NODE_ID ? startOutputDir : joinKey(dataDir(node.id), statuses[node.id]?.attempts ?? 0),
  };
  if (parent) scope.parent = parent;
  return scope;
}

export function syncFailureNode(scope: Scope, holder: FailureNodeHolder): void {
  const id = scope.order[0];
  if (id !== undefined && scope.statuses[id]) holder.failureNode = scope.statuses[id];
}
