// Mutable state of one workflow (primary or sub-workflow) while it is being compiled: its node index, the
// adjacency sets that become `connections`, and the references it may use.
import { create } from "@bufbuild/protobuf";
import { ConnectionSetSchema, type CompiledWorkflow } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { ParameterMap, TypedInterface, VariableMap } from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { CompileErrors } from "./errors.ts";
import { identifierText } from "./proto-text.ts";

export const START_NODE_ID = "start-node";
export const END_NODE_ID = "end-node";

/** What a launch-plan reference node needs to know about the launch plan (upstream `InterfaceProvider`). */
export interface LaunchPlanInterface {
  id: Identifier;
  expectedInputs?: ParameterMap | undefined;
  expectedOutputs?: VariableMap | undefined;
}

export type EdgeDirection = "bidirectional" | "downstream" | "upstream";

/** A node plus what compilation learned about it. The node itself is edited in place (ids, bindings). */
export interface NodeBuilder {
  node: Node;
  iface?: TypedInterface | undefined;
  task?: TaskTemplate | undefined;
  subWorkflow?: CompiledWorkflow | undefined;
}

/** Everything handed to the compiler, indexed by identifier text. Shared by a workflow and its sub-workflows. */
export interface CompileIndex {
  tasks: Map<string, TaskTemplate>;
  launchPlans: Map<string, LaunchPlanInterface>;
  subWorkflows: Map<string, CompiledWorkflow>;
}

export type ValidateWorkflowFn = (wf: CompiledWorkflow, errs: CompileErrors) => WorkflowBuilder | undefined;

export class WorkflowBuilder {
  readonly workflow: CompiledWorkflow;
  readonly index: CompileIndex;
  readonly validateWorkflow: ValidateWorkflowFn;
  /** Top-level nodes (plus start and end), in insertion order. */
  readonly nodes = new Map<string, NodeBuilder>();
  /** The tasks and launch plans this workflow references directly. */
  tasks = new Map<string, TaskTemplate>();
  launchPlans = new Map<string, LaunchPlanInterface>();
  readonly downstream = new Map<string, Set<string>>();
  readonly upstream = new Map<string, Set<string>>();
  private readonly builders = new Map<Node, NodeBuilder>();
  private readonly compiledSubWorkflows = new Map<string, CompiledWorkflow>();

  constructor(workflow: CompiledWorkflow, index: CompileIndex, validateWorkflow: ValidateWorkflowFn) {
    this.workflow = workflow;
    this.index = index;
    this.validateWorkflow = validateWorkflow;
  }

  /** One builder per node object, so that renames and derived interfaces stick. */
  nodeBuilder(node: Node): NodeBuilder {
    let b = this.builders.get(node);
    if (!b) {
      b = { node };
      this.builders.set(node, b);
    }
    return b;
  }

  /** Adds a node unless one with the same id is already there (then it is silently ignored, as upstream). */
  addNode(b: NodeBuilder): void {
    if (this.nodes.has(b.node.id)) return;
    this.nodes.set(b.node.id, b);
    this.workflow.template?.nodes.push(b.node);
  }

  getNode(id: string): NodeBuilder | undefined {
    return this.nodes.get(id);
  }

  getTask(id: Identifier): TaskTemplate | undefined {
    return this.tasks.get(identifierText(id));
  }

  getLaunchPlan(id: Identifier): LaunchPlanInterface | undefined {
    return this.launchPlans.get(identifierText(id));
  }

  getSubWorkflow(id: Identifier): CompiledWorkflow | undefined {
    return this.index.subWorkflows.get(identifierText(id));
  }

  getCompiledSubWorkflow(id: Identifier): CompiledWorkflow | undefined {
    return this.compiledSubWorkflows.get(identifierText(id));
  }

  storeCompiledSubWorkflow(id: Identifier, wf: CompiledWorkflow): void {
    this.compiledSubWorkflows.set(identifierText(id), wf);
  }

  addUpstreamEdge(from: string, to: string): void {
    addTo(this.upstream, to, from || START_NODE_ID);
  }

  addDownstreamEdge(from: string, to: string): void {
    addTo(this.downstream, from || START_NODE_ID, to);
  }

  addExecutionEdge(from: string, to: string): void {
    this.addDownstreamEdge(from, to);
    this.addUpstreamEdge(from, to);
  }

  /** Writes the adjacency sets into the workflow's `connections` (sorted id lists). */
  writeConnections(): void {
    const toLists = (m: Map<string, Set<string>>) =>
      Object.fromEntries([...m].map(([k, ids]) => [k, { ids: [...ids].sort(compareStrings) }]));
    this.workflow.connections = create(ConnectionSetSchema, {
      downstream: toLists(this.downstream),
      upstream: toLists(this.upstream),
    });
  }
}

function addTo(m: Map<string, Set<string>>, key: string, value: string): void {
  let s = m.get(key);
  if (!s) {
    s = new Set();
    m.set(key, s);
  }
  s.add(value);
}

/** Go's string order (bytewise for the ASCII ids we see). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
