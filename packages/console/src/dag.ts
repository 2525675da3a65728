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
  /** Unique in the whole graph: the node's id, after its parents' (`sub/n0`) inside an expanded node. */
  id: string;
  label: string;
  kind: DagNodeKind;
  /** The phase of the node's execution ("UNDEFINED" before it has one). */
  phase: string;
  /** What the node runs (a task or workflow name), when it runs one. */
  target: string;
  /** The id of the node's execution (what the node detail and expansion use), "" while it has none. */
  execId: string;
  /** A sub-workflow or branch whose inside can be shown in the graph. */
  expandable: boolean;
  /** The inside of an expanded sub-workflow (its own graph) or branch (its cases). */
  children?: Dag;
  /** An array node's sub-nodes by phase. */
  counts?: [string, number][];
}

/** What the graph needs besides the workflow: which nodes are expanded, their children's executions, array counts. */
export interface DagContext {
  /** Execution ids (DagNode.execId) of the expanded nodes. */
  expanded: ReadonlySet<string>;
  /** The node executions under each parent (by the parent's execution id). */
  children: ReadonlyMap<string, NodeExecution[]>;
  /** The compiled sub-workflows of the execution's workflow closure. */
  subWorkflows: readonly CompiledWorkflow[];
  /** Array nodes' sub-nodes by phase (by the array node's execution id). */
  counts: ReadonlyMap<string, [string, number][]>;
}

const NO_CONTEXT: DagContext = { expanded: new Set(), children: new Map(), subWorkflows: [], counts: new Map() };

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

/**
 * The DAG of a compiled workflow with the phases of `nodeExecutions` (matched by their spec node id, so the children
 * of a sub-workflow find their nodes too), expanding the nodes `ctx` names. Inner ids are prefixed with `prefix`.
 */
export function buildDag(
  compiled: CompiledWorkflow | null | undefined,
  nodeExecutions: NodeExecution[] = [],
  ctx: DagContext = NO_CONTEXT,
  prefix = "",
): Dag {
  const byNode = new Map<string, NodeExecution>();
  for (const ne of nodeExecutions) byNode.set(ne.metadata?.spec_node_id || ne.id.node_id, ne);
  const wfNodes = compiled?.template?.nodes ?? [];
  const ids = new Set(wfNodes.map((n) => n.id));
  const nodes: DagNode[] = wfNodes.map((n) => dagNode(n, byNode.get(n.id), ctx, prefix));
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
  const prefixed = edges.map((e) => ({ from: prefix + e.from, to: prefix + e.to }));
  return { nodes: sortTopologically(nodes, prefixed), edges: prefixed };
}

function dagNode(n: WorkflowNode, ne: NodeExecution | undefined, ctx: DagContext, prefix: string): DagNode {
  const kind = nodeKind(n);
  const id = prefix + n.id;
  // Top-level node executions carry the node's own id; inner ones are known only once they ran.
  const execId = ne?.id.node_id ?? (prefix === "" ? n.id : "");
  const sub = kind === "subworkflow" ? subWorkflowOf(n, ctx) : undefined;
  const expandable = (kind === "subworkflow" && sub !== undefined) || kind === "branch";
  const node: DagNode = {
    id,
    label: nodeLabel(n),
    kind,
    phase: ne?.closure?.phase ?? "UNDEFINED",
    target: nodeTarget(n),
    execId,
    expandable,
  };
  const counts = ctx.counts.get(execId);
  if (kind === "array" && counts) node.counts = counts;
  if (expandable && execId !== "" && ctx.expanded.has(execId)) {
    const inner = ctx.children.get(execId) ?? [];
    node.children = sub
      ? buildDag(sub, inner, ctx, `${id}/`)
      : buildDag({ template: { nodes: branchCases(n) } }, inner, ctx, `${id}/`);
  }
  return node;
}

function subWorkflowOf(n: WorkflowNode, ctx: DagContext): CompiledWorkflow | undefined {
  const ref = n.workflow_node?.sub_workflow_ref;
  if (!ref) return undefined;
  return ctx.subWorkflows.find((w) => {
    const id = w.template?.id;
    return (
      id?.name === ref.name && id.version === ref.version && id.project === ref.project && id.domain === ref.domain
    );
  });
}

/** A branch node's cases: the `if` node, each `elif` node and the `else` node. */
export function branchCases(n: WorkflowNode): WorkflowNode[] {
  const ie = n.branch_node?.if_else;
  const cases = [ie?.case?.then_node, ...(ie?.other ?? []).map((o) => o.then_node), ie?.else_node];
  return cases.filter((c): c is WorkflowNode => Boolean(c));
}

const COUNT_ORDER = ["SUCCEEDED", "RUNNING", "QUEUED", "WAITING_FOR_RESOURCES", "INITIALIZING", "FAILED", "ABORTED"];

/** An array node's sub-nodes by phase, from its latest attempt's external resources (most common phases first). */
export function phaseCounts(resources: readonly { phase?: string }[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of resources) {
    const p = r.phase || "UNDEFINED";
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const rank = (p: string) => (COUNT_ORDER.includes(p) ? COUNT_ORDER.indexOf(p) : COUNT_ORDER.length);
  return [...counts].sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

/** Per-phase counts in words: "3 succeeded · 1 running". */
export function countsLabel(counts: readonly [string, number][]): string {
  return counts.map(([p, n]) => `${n} ${p.toLowerCase().replaceAll("_", " ")}`).join(" · ");
}

/** Every node of a graph, inner nodes of expanded ones included, parents before their children. */
export function allNodes(dag: Dag): DagNode[] {
  return dag.nodes.flatMap((n) => [n, ...(n.children ? allNodes(n.children) : [])]);
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
    const list = out.get(e.from);
    if (list) list.push(e.to);
    else out.set(e.from, [e.to]);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const queue = nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const order: DagNode[] = [];
  // A moving head rather than shift(): linear in the graph's size (a start node may feed thousands).
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
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

export interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  layoutOptions?: Record<string, string>;
  children?: ElkNode[];
  edges?: { id: string; sources: string[]; targets: string[] }[];
}

const LAYERED = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.spacing.nodeNode": "24",
  "elk.layered.spacing.nodeNodeBetweenLayers": "48",
  "elk.edgeRouting": "ORTHOGONAL",
};

/** The ELK graph for a DAG: layered, left to right, fixed-size nodes; an expanded node holds its inside's graph. */
export function elkInput(dag: Dag): ElkNode {
  return { id: "root", layoutOptions: LAYERED, ...elkGraph(dag) };
}

function elkGraph(dag: Dag): Pick<ElkNode, "children" | "edges"> {
  return {
    children: dag.nodes.map((n) =>
      n.children && n.children.nodes.length > 0
        ? {
            id: n.id,
            layoutOptions: { ...LAYERED, "elk.padding": "[top=32,left=12,bottom=12,right=12]" },
            ...elkGraph(n.children),
          }
        : { id: n.id, width: n.kind === "start" || n.kind === "end" ? 72 : NODE_WIDTH, height: NODE_HEIGHT },
    ),
    edges: dag.edges.map((e) => ({ id: `${e.from}>${e.to}`, sources: [e.from], targets: [e.to] })),
  };
}
