// Lookups into a compiled closure, built once per execution: tasks and sub-workflows by identifier, and each
// workflow's node map, upstream lists and a topological visiting order.
import type { CompiledWorkflow, CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { START_NODE_ID } from "@aloft/core";

export interface WorkflowGraph {
  workflow: CompiledWorkflow;
  nodes: Map<string, Node>;
  /** Predecessors of every node, including nodes inside branches (which are not in `nodes` or `order`). */
  upstream: Map<string, string[]>;
  /** Every node, upstream before downstream (start-node first). */
  order: string[];
  /** Each node's place in `order`. */
  position: Map<string, number>;
  /** Successors of every node of `order` among the nodes of `order`. */
  downstream: Map<string, string[]>;
}

const identifierKey = (id: Identifier | undefined) =>
  id ? `${id.resourceType}:${id.project}:${id.domain}:${id.name}:${id.version}` : "";

export class ClosureIndex {
  readonly closure: CompiledWorkflowClosure;
  readonly #tasks = new Map<string, TaskTemplate>();
  readonly #subWorkflows = new Map<string, CompiledWorkflow>();
  readonly #graphs = new Map<CompiledWorkflow, WorkflowGraph>();
  /** Per-execution memo for handlers (e.g. an array node's sub-nodes), by a key of their choosing. */
  readonly memo = new Map<string, unknown>();

  constructor(closure: CompiledWorkflowClosure) {
    this.closure = closure;
    for (const t of closure.tasks) if (t.template) this.#tasks.set(identifierKey(t.template.id), t.template);
    for (const w of closure.subWorkflows) this.#subWorkflows.set(identifierKey(w.template?.id), w);
  }

  task(id: Identifier | undefined): TaskTemplate | undefined {
    return this.#tasks.get(identifierKey(id));
  }

  subWorkflow(id: Identifier | undefined): CompiledWorkflow | undefined {
    return this.#subWorkflows.get(identifierKey(id));
  }

  primary(): WorkflowGraph {
    if (!this.closure.primary) throw new Error("closure has no primary workflow");
    return this.graph(this.closure.primary);
  }

  graph(workflow: CompiledWorkflow): WorkflowGraph {
    let g = this.#graphs.get(workflow);
    if (!g) {
      g = buildGraph(workflow);
      this.#graphs.set(workflow, g);
    }
    return g;
  }
}

function buildGraph(workflow: CompiledWorkflow): WorkflowGraph {
  const nodes = new Map<string, Node>();
  for (const n of workflow.template?.nodes ?? []) nodes.set(n.id, n);
  const upstream = new Map<string, string[]>();
  const declared = workflow.connections?.upstream ?? {};
  for (const id of nodes.keys()) {
    if (id === START_NODE_ID) {
      upstream.set(id, []);
      continue;
    }
    const ups = new Set(declared[id]?.ids ?? []);
    for (const u of nodes.get(id)?.upstreamNodeIds ?? []) ups.add(u);
    for (const u of [...ups]) if (!nodes.has(u)) ups.delete(u);
    if (ups.size === 0 && nodes.has(START_NODE_ID)) ups.add(START_NODE_ID);
    upstream.set(id, [...ups]);
  }
  // Nodes inside branches (at any depth) keep their own compiled predecessors, which are nodes of this workflow
  // (`connections.upstream["n1-n1"] = ["n0"]`): the branch child scope waits for them. They get no place in `order`.
  const declaredOf = (id: string, node: Node) =>
    [...new Set([...(declared[id]?.ids ?? []), ...node.upstreamNodeIds])].filter((u) => nodes.has(u));
  const visitBranches = (node: Node) => {
    if (node.target.case !== "branchNode") return;
    const ie = node.target.value.ifElse;
    const inner = [
      ie?.case?.thenNode,
      ...(ie?.other ?? []).map((b) => b.thenNode),
      ie?.default.case === "elseNode" ? ie.default.value : undefined,
    ];
    for (const c of inner) {
      if (!c || nodes.has(c.id)) continue;
      upstream.set(c.id, declaredOf(c.id, c));
      visitBranches(c);
    }
  };
  for (const n of nodes.values()) visitBranches(n);
  const order = topoOrder(nodes, upstream);
  const position = new Map(order.map((id, i) => [id, i]));
  const downstream = new Map<string, string[]>(order.map((id) => [id, []]));
  for (const id of order) for (const u of upstream.get(id) ?? []) downstream.get(u)?.push(id);
  return { workflow, nodes, upstream, order, position, downstream };
}

function topoOrder(nodes: Map<string, Node>, upstream: Map<string, string[]>): string[] {
  const order: string[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (id: string) => {
    if (state.get(id) === 2 || state.get(id) === 1) return;
    state.set(id, 1);
    for (const u of upstream.get(id) ?? []) visit(u);
    state.set(id, 2);
    order.push(id);
  };
  if (nodes.has(START_NODE_ID)) visit(START_NODE_ID);
  for (const id of nodes.keys()) visit(id);
  return order;
}
