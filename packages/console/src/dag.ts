// The execution page's graph: nodes and edges of a workflow's compiled closure, each node with the phase of its node
// execution, and the ELK input that lays them out. Pure: elkjs itself runs in components/dag-view.tsx.
import type { CompiledWorkflow, NodeExecution, WorkflowNode } from "./types.ts";

export type DagNodeKind =
  | "start"
  | "end"
  | "task"
  | "subworkflow"
  | "launchplan"
  | "branch"
  | "gate"
  | "array"
  | "node";

export interface DagNode {
  id: string;
  label: string;
  kind: DagNodeKind;
  /** The phase of the node's execution ("UNDEFINED" before it has one). */
  phase: string;
  /** What the node runs (a task or workflow name), when it runs one. */
  target: string;
}

export interface DagEdge {
  from: string;
  to: string;
}

export interface Dag {
  nodes: DagNode[];
  edges: DagEdge[];
}

export const START = "start-node";
export const END = "end-node";

/** The DAG of a compiled workflow with the phases of `nodeExecutions` (by node id). */
export function buildDag(compiled: CompiledWorkflow | null | undefined, nodeExecutions: NodeExecution[] = []): Dag {
  const phases = new Map<string, string>();
  for (const ne of nodeExecutions) phases.set(ne.id.node_id, ne.closure?.phase ?? "UNDEFINED");
  const wfNodes = compiled?.template?.nodes ?? [];
  const ids = new Set(wfNodes.map((n) => n.id));
  const nodes: DagNode[] = wfNodes.map((n) => ({
    id: n.id,
    label: nodeLabel(n),
    kind: nodeKind(n),
    phase: phases.get(n.id) ?? "UNDEFINED",
    target: nodeTarget(n),
  }));
  const edges: DagEdge[] = [];
  const seen = new Set<string>();
  const add = (from: string, to: string) => {
    const key = `${from}\u0000${to}`;
    if (from === to || seen.has(key) || !ids.has(from) || !ids.has(to)) return;
    seen.add(key);
    edges.push({ from, to });
  };
  const upstream = compiled?.connections?.upstream;
  if (upstream && Object.keys(upstream).length > 0) {
    for (const [to, list] of Object.entries(upstream)) for (const from of list.ids ?? []) add(from, to);
  } else {
    // No connections (an uncompiled template): explicit upstream ids and the nodes that bindings read from.
    for (const n of wfNodes) {
      for (const from of n.upstream_node_ids ?? []) add(from, n.id);
      for (const input of n.inputs ?? []) for (const from of promiseSources(input.binding)) add(from, n.id);
    }
  }
  // Nodes nothing feeds hang off the start node, nodes that feed nothing lead to the end node, as the engine runs them.
  if (ids.has(START) && ids.has(END)) {
    const hasIn = new Set(edges.map((e) => e.to));
    const hasOut = new Set(edges.map((e) => e.from));
    for (const n of wfNodes) {
      if (n.id !== START && n.id !== END && !hasIn.has(n.id)) add(START, n.id);
      if (n.id !== START && n.id !== END && !hasOut.has(n.id)) add(n.id, END);
    }
  }
  return { nodes: sortTopologically(nodes, edges), edges };
}

function promiseSources(b: NonNullable<WorkflowNode["inputs"]>[number]["binding"]): string[] {
  if (!b) return [];
  if (b.promise?.node_id) return [b.promise.node_id];
  if (b.collection) return (b.collection.bindings ?? []).flatMap(promiseSources);
  if (b.map) return Object.values(b.map.bindings ?? {}).flatMap(promiseSources);
  return [];
}

function nodeKind(n: WorkflowNode): DagNodeKind {
  if (n.id === START) return "start";
  if (n.id === END) return "end";
  if (n.task_node) return "task";
  if (n.workflow_node?.launchplan_ref) return "launchplan";
  if (n.workflow_node) return "subworkflow";
  if (n.branch_node) return "branch";
  if (n.gate_node) return "gate";
  if (n.array_node) return "array";
  return "node";
}

function nodeLabel(n: WorkflowNode): string {
  if (n.id === START) return "start";
  if (n.id === END) return "end";
  return n.metadata?.name || n.id;
}

function nodeTarget(n: WorkflowNode): string {
  const ref = n.task_node?.reference_id ?? n.workflow_node?.sub_workflow_ref ?? n.workflow_node?.launchplan_ref;
  return ref?.name ?? "";
}

/** Kahn's order (start first, end last); nodes of a cycle keep their original order at the end. */
function sortTopologically(nodes: DagNode[], edges: DagEdge[]): DagNode[] {
  const indeg = new Map(nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>();
  for (const e of edges) {
    indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
    out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const queue = nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const order: DagNode[] = [];
  while (queue.length > 0) {
    const id = queue.shift()!;
    order.push(byId.get(id)!);
    for (const next of out.get(id) ?? []) {
      const d = (indeg.get(next) ?? 0) - 1;
      indeg.set(next, d);
      if (d === 0) queue.push(next);
    }
  }
  const placed = new Set(order.map((n) => n.id));
  return [...order, ...nodes.filter((n) => !placed.has(n.id))];
}

export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 44;

export interface ElkInput {
  id: string;
  layoutOptions: Record<string, string>;
  children: { id: string; width: number; height: number }[];
  edges: { id: string; sources: string[]; targets: string[] }[];
}

/** The ELK graph for a DAG: layered, left to right, fixed-size nodes. */
export function elkInput(dag: Dag): ElkInput {
  return {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.spacing.nodeNode": "24",
      "elk.layered.spacing.nodeNodeBetweenLayers": "48",
      "elk.edgeRouting": "ORTHOGONAL",
    },
    children: dag.nodes.map((n) => ({
      id: n.id,
      width: n.kind === "start" || n.kind === "end" ? 72 : NODE_WIDTH,
      height: NODE_HEIGHT,
    })),
    edges: dag.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  };
}
