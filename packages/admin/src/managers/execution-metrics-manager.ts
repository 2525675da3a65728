// GetExecutionMetrics (upstream flyteadmin/pkg/manager/impl/metrics_manager.go): the execution as a tree of spans. The
// workflow span (created_at → updated_at) holds operation spans for platform overhead and reference spans for each node
// execution (matched to the workflow's node by metadata.spec_node_id, or by its node id when the event carried no spec
// node id — upstream keys them all under "" and then fails the whole request), each task attempt, and each launch-plan
// child execution; sub-workflow and dynamic children appear inline under their parent node. `depth` bounds the
// recursion (0: the workflow span alone; negative: unbounded).
// Cost is linear in the execution's size: node executions are read in pages of METRICS_PAGE_SIZE (only the columns
// spans use), the task executions
// of an execution in one paged read the first time a node needs its attempts (not one read per node), and a
// workflow's nodes are looked up by id in a map built once per closure.
// The answer for a finished execution (it and every node, task attempt and child execution read for it terminal) is
// kept in a bounded cache by execution id, depth and updated_at, marked immutable so the API layers encode it once;
// an answer that read anything still running is never cached (the next event changes it). Within a running
// execution, the span of a finished node (with everything read for it terminal) is kept too, per execution and depth
// by node execution, updated_at and the update time of the node before it, marked immutable like the answers: a big
// running execution is mostly finished nodes, whose spans (and their JSON, see api/http/span-json.ts) are then built
// once. Each read keeps what it used, so spans of nodes that moved on are dropped.
import { create } from "@bufbuild/protobuf";
import {
  WorkflowExecutionGetMetricsResponseSchema,
  WorkflowExecutionGetRequestSchema,
  type Execution,
  type WorkflowExecutionGetMetricsRequest,
  type WorkflowExecutionGetMetricsResponse,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import {
  GetDynamicNodeWorkflowRequestSchema,
  type NodeExecution,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import type { TaskExecution } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { CompiledWorkflowClosureSchema, type CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type {
  Identifier,
  NodeExecutionIdentifier,
  WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { Span } from "@aloft/idl/flyteidl/core/metrics_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { BranchNode, Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { Logger } from "@aloft/core";
import { AloftError, NODE_TERMINAL, TASK_TERMINAL, WORKFLOW_TERMINAL, internal } from "@aloft/core";
import { BoundedCache, markImmutable } from "./immutable-messages.ts";
import type { ExecutionQueryManager } from "./execution-query-manager.ts";
import type { NodeExecutionManager } from "./node-execution-manager.ts";
import type { TaskExecutionManager } from "./task-execution-manager.ts";
import {
  END_NODE,
  METRICS_PAGE_SIZE,
  Operation,
  START_NODE,
  branchTarget,
  byCreatedAt,
  gateNodeSpans,
  isBefore,
  isUnset,
  latestUpstream,
  operationSpan,
  span,
  taskAttemptSpans,
} from "./execution-spans.ts";

export interface ExecutionMetricsManagerDeps {
  executions: Pick<ExecutionQueryManager, "get">;
  nodeExecutions: Pick<NodeExecutionManager, "listForSpans" | "getDynamicNodeWorkflow">;
  taskExecutions: Pick<TaskExecutionManager, "listForExecution">;
  /** The compiled closure of a registered workflow (NOT_FOUND when it is not registered). */
  compiledWorkflow(id: Identifier): Promise<CompiledWorkflowClosure>;
  logger: Logger;
  /**
   * Bound of what is kept, in estimated bytes, for each of: finished executions' answers, finished nodes' spans of running
   * executions (METRICS_CACHE_BYTES; 0: none kept).
   */
  cacheBytes?: number;
}

/** 16 MiB of span trees: ≈ 100,000 spans (a 5,000-node execution's tree is ≈ 13,500). */
export const METRICS_CACHE_BYTES = 16 * 1024 * 1024;
/** Estimated bytes of one span kept in the cache (its object, id and two timestamps). */
const SPAN_BYTES = 160;
/** Estimated bytes of one span of a finished node kept: the span and its JSON in both of the gateway's formats. */
const NODE_SPAN_BYTES = SPAN_BYTES + 2 * 160;

type NodesBySpecId = Map<string, NodeExecution>;

export class ExecutionMetricsManager {
  /** Answers for finished executions, shared between requests (markImmutable). */
  private readonly finished: BoundedCache<WorkflowExecutionGetMetricsResponse>;
  /** Spans of finished nodes of running executions, per execution and depth (KeptNodes); immutable. */
  private readonly finishedNodes: BoundedCache<KeptNodes>;

  constructor(private readonly deps: ExecutionMetricsManagerDeps) {
    const bytes = deps.cacheBytes ?? METRICS_CACHE_BYTES;
    this.finished = new BoundedCache(bytes);
    this.finishedNodes = new BoundedCache(bytes);
  }

  /** INVALID_ARGUMENT and NOT_FOUND as GetExecution (it is the first read). */
  async getExecutionMetrics(req: WorkflowExecutionGetMetricsRequest): Promise<WorkflowExecutionGetMetricsResponse> {
    const execution = await this.deps.executions.get(create(WorkflowExecutionGetRequestSchema, { id: req.id }));
    const key = WORKFLOW_TERMINAL.has(execution.closure?.phase ?? 0) ? cacheKey(execution, req.depth) : undefined;
    const known = key === undefined ? undefined : this.finished.get(key);
    if (known) return known;
    const scope = `${executionKey(execution.id)}#${req.depth}`;
    const tree = new SpanTree(this.deps, this.finishedNodes.get(scope));
    const span = await tree.executionSpan(execution, req.depth);
    const res = create(WorkflowExecutionGetMetricsResponseSchema, { span });
    if (key !== undefined && tree.finished) {
      this.finished.set(key, markImmutable(res), countSpans(span) * SPAN_BYTES);
      this.finishedNodes.set(scope, new Map(), 0);
    } else {
      this.finishedNodes.set(scope, tree.keptNodes, tree.keptSpans * NODE_SPAN_BYTES);
    }
    return res;
  }
}

/** Execution id, depth and updated_at: an execution updated again (it should not be, once terminal) is read anew. */
function cacheKey(execution: Execution, depth: number): string {
  const at = execution.closure?.updatedAt;
  return `${executionKey(execution.id)}#${depth}@${at?.seconds ?? 0n}.${at?.nanos ?? 0}`;
}

function executionKey(id: WorkflowExecutionIdentifier | undefined): string {
  return `${id?.org}/${id?.project}/${id?.domain}/${id?.name}`;
}

/**
 * Finished nodes' spans by node execution (rows read unchanged are the same objects, see NodeExecutionManager), each
 * with what it was built from besides: the node's updated_at and that of the node its NODE_TRANSITION starts from.
 */
type KeptNodes = Map<NodeExecution, KeptNode>;

interface KeptNode {
  span: Span;
  /** How many spans it holds. */
  spans: number;
  updatedAt: Timestamp | undefined;
  previousUpdatedAt: Timestamp | undefined;
}

/** The same instant, or both absent (a node updated again has a later updated_at). */
function sameTime(a: Timestamp | undefined, b: Timestamp | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.seconds === b.seconds && a.nanos === b.nanos);
}

function countSpans(root: Span): number {
  let n = 0;
  const stack = [root];
  for (let s = stack.pop(); s; s = stack.pop()) {
    n++;
    for (const child of s.spans) stack.push(child);
  }
  return n;
}

/**
 * A closure's nodes by id, built once per closure object: registered workflows' closures are shared between requests
 * (WorkflowManager's cache), so a 5,000-node map is not rebuilt on every GetExecutionMetrics.
 */
const nodesById = new WeakMap<CompiledWorkflowClosure, Map<string, Node>>();

/** The span tree of one request, with what it read once: each execution's task executions. */
class SpanTree {
  /** Attempts by node id (sorted by created_at), per execution (launch-plan children are executions of their own). */
  private readonly attempts = new Map<string, Promise<Map<string, TaskExecution[]>>>();
  /** Whether everything read so far was terminal (execution, node and task phases): the tree will not change. */
  finished = true;
  /** As `finished`, for what was read since the node span being built started (in nodeSpans). */
  private subtreeFinished = true;
  /** Finished nodes' spans this read used or built, for the next read; and how many spans they hold. */
  readonly keptNodes: KeptNodes = new Map();
  keptSpans = 0;

  constructor(
    private readonly deps: ExecutionMetricsManagerDeps,
    /** What the previous read of the same execution and depth kept. */
    private readonly previous: KeptNodes | undefined,
  ) {}

  /** Something read is not terminal: neither the answer nor the node span being built may be kept. */
  private running(): void {
    this.finished = false;
    this.subtreeFinished = false;
  }

  async executionSpan(execution: Execution, depth: number): Promise<Span> {
    const c = execution.closure;
    if (!WORKFLOW_TERMINAL.has(c?.phase ?? 0)) this.running();
    const spans: Span[] = [];
    if (depth !== 0) {
      const workflowId = c?.workflowId;
      if (!workflowId)
        throw internal("execution_metrics.no_workflow", `execution ${execution.id?.name} has no workflow id`);
      const closure = await this.deps.compiledWorkflow(workflowId);
      const nodes = await this.nodeExecutions(execution.id!, "");
      const start = nodes.get(START_NODE);
      if (isUnset(start?.closure?.updatedAt)) {
        spans.push(operationSpan(c?.createdAt, c?.updatedAt, Operation.WORKFLOW_SETUP));
      } else {
        spans.push(operationSpan(c?.createdAt, start?.closure?.updatedAt, Operation.WORKFLOW_SETUP));
        spans.push(...(await this.nodeSpans(nodes, closure, depth - 1)));
        const last = latestUpstream(END_NODE, closure.primary?.connections?.upstream, nodes);
        if (last && !isBefore(c?.updatedAt, last.closure?.updatedAt)) {
          spans.push(operationSpan(last.closure?.updatedAt, c?.updatedAt, Operation.WORKFLOW_TEARDOWN));
        }
      }
    }
    return span(c?.createdAt, c?.updatedAt, { case: "workflowId", value: execution.id! }, spans);
  }

  /** One span per node execution (start and end nodes left out) in created_at order, each led by NODE_TRANSITION. */
  private async nodeSpans(nodes: NodesBySpecId, closure: CompiledWorkflowClosure, depth: number): Promise<Span[]> {
    const upstream = closure.primary?.connections?.upstream;
    const defined = nodesOf(closure);
    const spans: Span[] = [];
    for (const ne of byCreatedAt(nodes.values())) {
      const specId = specNodeId(ne);
      if (specId === START_NODE || specId === END_NODE) continue;
      const node = defined.get(specId);
      if (!node) {
        const wf = closure.primary?.template?.id;
        throw internal(
          "execution_metrics.unknown_node",
          `failed to discover workflow node '${specId}' in workflow ${wf?.name ?? ""}:${wf?.version ?? ""}`,
        );
      }
      const previous = latestUpstream(specId, upstream, nodes);
      const updatedAt = ne.closure?.updatedAt;
      const previousUpdatedAt = previous?.closure?.updatedAt;
      const terminal = NODE_TERMINAL.has(ne.closure?.phase ?? 0);
      const known = terminal ? this.previous?.get(ne) : undefined;
      if (known && sameTime(known.updatedAt, updatedAt) && sameTime(known.previousUpdatedAt, previousUpdatedAt)) {
        this.keep(ne, known);
        spans.push(known.span);
        continue;
      }
      const outer = this.subtreeFinished;
      this.subtreeFinished = true;
      const span = await this.nodeSpan(ne, node, closure, depth);
      if (previous)
        span.spans.unshift(
          operationSpan(previous.closure?.updatedAt, ne.closure?.createdAt, Operation.NODE_TRANSITION),
        );
      if (terminal && this.subtreeFinished)
        this.keep(ne, { span: markImmutable(span), spans: countSpans(span), updatedAt, previousUpdatedAt });
      this.subtreeFinished &&= outer;
      spans.push(span);
    }
    return spans;
  }

  private async nodeSpan(
    ne: NodeExecution,
    node: Node,
    closure: CompiledWorkflowClosure,
    depth: number,
  ): Promise<Span> {
    const spans: Span[] = [];
    if (depth !== 0) {
      const target = node.target;
      switch (target.case) {
        case "branchNode":
          spans.push(...(await this.branchSpans(ne, target.value, closure, depth - 1)));
          break;
        case "gateNode":
          spans.push(...gateNodeSpans(ne));
          break;
        case "taskNode":
          spans.push(
            ...(ne.metadata?.isParentNode
              ? await this.dynamicSpans(ne, depth - 1)
              : await this.taskNodeSpans(ne, depth - 1)),
          );
          break;
        case "workflowNode": {
          const ref = target.value.reference;
          if (ref.case === "launchplanRef") spans.push(...(await this.launchPlanSpans(ne, depth - 1)));
          else if (ref.case === "subWorkflowRef")
            spans.push(...(await this.subWorkflowSpans(ne, ref.value, closure, depth - 1)));
          else
            throw internal(
              "execution_metrics.workflow_node",
              `failed to identify workflow node type for node ${node.id}`,
            );
          break;
        }
        case "arrayNode":
          // A map task: the array node's own attempts (their sub-tasks are external resources, not node executions).
          spans.push(...(await this.taskNodeSpans(ne, depth - 1)));
          break;
        default:
          // Other kinds get no breakdown, so the rest of the tree still answers.
          this.deps.logger.warn({ node: ne.id?.nodeId, kind: target.case }, "execution metrics: unsupported node type");
      }
    }
    const c = ne.closure;
    return span(c?.createdAt, c?.updatedAt, { case: "nodeId", value: ne.id! }, spans);
  }

  /** NODE_SETUP until the first attempt, the attempts, NODE_TEARDOWN after the last one. */
  private async taskNodeSpans(ne: NodeExecution, depth: number): Promise<Span[]> {
    const c = ne.closure;
    const attempts = await this.taskExecutions(ne.id!);
    const first = attempts[0];
    const last = attempts.at(-1);
    if (!first || !last) return [operationSpan(c?.createdAt, c?.updatedAt, Operation.NODE_SETUP)];
    const spans = [
      operationSpan(c?.createdAt, first.closure?.createdAt, Operation.NODE_SETUP),
      ...taskAttemptSpans(attempts, depth),
    ];
    if (!isBefore(c?.updatedAt, last.closure?.updatedAt))
      spans.push(operationSpan(last.closure?.updatedAt, c?.updatedAt, Operation.NODE_TEARDOWN));
    return spans;
  }

  /** The generating task's attempts, NODE_RESET until the generated workflow starts, its nodes inline, NODE_TEARDOWN. */
  private async dynamicSpans(ne: NodeExecution, depth: number): Promise<Span[]> {
    const c = ne.closure;
    const attempts = await this.taskExecutions(ne.id!);
    const first = attempts[0];
    const last = attempts.at(-1);
    if (!first || !last) return [operationSpan(c?.createdAt, c?.updatedAt, Operation.NODE_SETUP)];
    const spans = [
      operationSpan(c?.createdAt, first.closure?.createdAt, Operation.NODE_SETUP),
      ...taskAttemptSpans(attempts, depth),
    ];
    const children = await this.nodeExecutions(ne.id!.executionId!, ne.id!.nodeId);
    if (children.size === 0) {
      if (!isBefore(c?.updatedAt, last.closure?.updatedAt))
        spans.push(operationSpan(last.closure?.updatedAt, c?.updatedAt, Operation.NODE_RESET));
      return spans;
    }
    spans.push(
      operationSpan(last.closure?.updatedAt, children.get(START_NODE)?.closure?.updatedAt, Operation.NODE_RESET),
    );
    const generated = await this.dynamicWorkflow(ne.id!);
    spans.push(...(await this.nodeSpans(children, generated, depth)));
    spans.push(...teardown(ne, latestUpstream(END_NODE, generated.primary?.connections?.upstream, children)));
    return spans;
  }

  /** NODE_SETUP until the taken branch's node was created, that node's span, NODE_TEARDOWN. */
  private async branchSpans(
    ne: NodeExecution,
    branch: BranchNode,
    closure: CompiledWorkflowClosure,
    depth: number,
  ): Promise<Span[]> {
    const c = ne.closure;
    const children = await this.nodeExecutions(ne.id!.executionId!, ne.id!.nodeId);
    if (children.size === 0) return [operationSpan(c?.createdAt, c?.updatedAt, Operation.NODE_SETUP)];
    if (children.size !== 1) {
      throw internal(
        "execution_metrics.branch",
        `invalid branch node execution: expected 1 but found ${children.size} node execution(s)`,
      );
    }
    const taken = [...children.values()][0]!;
    const specId = specNodeId(taken);
    const node = branchTarget(specId, branch);
    if (!node)
      throw internal(
        "execution_metrics.branch",
        `failed to identify branch node final node definition for nodeID '${specId}'`,
      );
    const spans = [
      operationSpan(c?.createdAt, taken.closure?.createdAt, Operation.NODE_SETUP),
      await this.nodeSpan(taken, node, closure, depth),
    ];
    spans.push(...teardown(ne, taken));
    return spans;
  }

  /** NODE_SETUP until the child execution was created, the child's workflow span, NODE_TEARDOWN. */
  private async launchPlanSpans(ne: NodeExecution, depth: number): Promise<Span[]> {
    const c = ne.closure;
    const meta = c?.targetMetadata.case === "workflowNodeMetadata" ? c.targetMetadata.value : undefined;
    if (!meta) return [operationSpan(c?.createdAt, c?.updatedAt, Operation.NODE_SETUP)];
    const child = await this.deps.executions.get(create(WorkflowExecutionGetRequestSchema, { id: meta.executionId }));
    const spans = [
      operationSpan(c?.createdAt, child.closure?.createdAt, Operation.NODE_SETUP),
      await this.executionSpan(child, depth),
    ];
    if (!isBefore(c?.updatedAt, child.closure?.updatedAt))
      spans.push(operationSpan(child.closure?.updatedAt, c?.updatedAt, Operation.NODE_TEARDOWN));
    return spans;
  }

  /** NODE_SETUP until the sub-workflow's start node, its nodes inline, NODE_TEARDOWN. */
  private async subWorkflowSpans(
    ne: NodeExecution,
    ref: Identifier,
    closure: CompiledWorkflowClosure,
    depth: number,
  ): Promise<Span[]> {
    const c = ne.closure;
    const children = await this.nodeExecutions(ne.id!.executionId!, ne.id!.nodeId);
    if (children.size === 0) return [operationSpan(c?.createdAt, c?.updatedAt, Operation.NODE_SETUP)];
    const spans = [operationSpan(c?.createdAt, children.get(START_NODE)?.closure?.updatedAt, Operation.NODE_SETUP)];
    const sub = await this.subWorkflow(ref, closure);
    spans.push(...(await this.nodeSpans(children, sub, depth)));
    spans.push(...teardown(ne, latestUpstream(END_NODE, sub.primary?.connections?.upstream, children)));
    return spans;
  }

  private keep(ne: NodeExecution, node: KeptNode): void {
    this.keptNodes.set(ne, node);
    this.keptSpans += node.spans;
  }

  /** Node executions of an execution (top level) or of one parent node, keyed by spec node id; later ones win. */
  private async nodeExecutions(
    executionId: WorkflowExecutionIdentifier,
    uniqueParentId: string,
  ): Promise<NodesBySpecId> {
    const nodes: NodesBySpecId = new Map();
    for (const ne of await this.deps.nodeExecutions.listForSpans(executionId, uniqueParentId, METRICS_PAGE_SIZE)) {
      if (!NODE_TERMINAL.has(ne.closure?.phase ?? 0)) this.running();
      nodes.set(specNodeId(ne), ne);
    }
    return nodes;
  }

  /** All attempts of a node execution, in created_at order (the execution's attempts are read on first use). */
  private async taskExecutions(nodeExecutionId: NodeExecutionIdentifier): Promise<TaskExecution[]> {
    const execution = nodeExecutionId.executionId!;
    const key = `${execution.org}/${execution.project}/${execution.domain}/${execution.name}`;
    let byNode = this.attempts.get(key);
    if (!byNode) {
      byNode = this.deps.taskExecutions.listForExecution(execution, METRICS_PAGE_SIZE).then((all) => {
        if (!all.every((te) => TASK_TERMINAL.has(te.closure?.phase ?? 0))) this.finished = false;
        return groupByNode(all);
      });
      this.attempts.set(key, byNode);
    }
    const attempts = (await byNode).get(nodeExecutionId.nodeId) ?? [];
    if (!attempts.every((te) => TASK_TERMINAL.has(te.closure?.phase ?? 0))) this.subtreeFinished = false;
    return attempts;
  }

  private async dynamicWorkflow(id: NodeExecutionIdentifier): Promise<CompiledWorkflowClosure> {
    try {
      const res = await this.deps.nodeExecutions.getDynamicNodeWorkflow(
        create(GetDynamicNodeWorkflowRequestSchema, { id }),
      );
      if (res.compiledWorkflow) return res.compiledWorkflow;
    } catch (err) {
      // A parent node without its generated workflow is an inconsistency of this execution, not a missing request target.
      throw internal(
        "execution_metrics.dynamic_workflow",
        `dynamic node ${id.nodeId}: ${err instanceof AloftError ? err.message : String(err)}`,
        err,
      );
    }
    throw internal("execution_metrics.dynamic_workflow", `dynamic node ${id.nodeId} has no compiled workflow`);
  }

  /**
   * The sub-workflow's compiled closure: from the enclosing closure's sub_workflows when it is there (it always is for
   * a compiled workflow), else the registered workflow of that id (as upstream always does).
   */
  private async subWorkflow(ref: Identifier, enclosing: CompiledWorkflowClosure): Promise<CompiledWorkflowClosure> {
    const inline = enclosing.subWorkflows.find((w) => sameWorkflow(w.template?.id, ref));
    if (!inline) return this.deps.compiledWorkflow(ref);
    return create(CompiledWorkflowClosureSchema, {
      primary: inline,
      subWorkflows: enclosing.subWorkflows,
      tasks: enclosing.tasks,
    });
  }
}

/** The nodes of the workflow's template by id; the failure node counts too (upstream errors on it). */
function nodesOf(closure: CompiledWorkflowClosure): ReadonlyMap<string, Node> {
  let nodes = nodesById.get(closure);
  if (!nodes) {
    const template = closure.primary?.template;
    nodes = new Map();
    for (const n of template?.nodes ?? []) if (!nodes.has(n.id)) nodes.set(n.id, n);
    const failure = template?.failureNode;
    if (failure && !nodes.has(failure.id)) nodes.set(failure.id, failure);
    nodesById.set(closure, nodes);
  }
  return nodes;
}

/** NODE_TEARDOWN from the last inner node's update to the node's, when the node was updated after it. */
function teardown(ne: NodeExecution, last: NodeExecution | undefined): Span[] {
  if (!last || isBefore(ne.closure?.updatedAt, last.closure?.updatedAt)) return [];
  return [operationSpan(last.closure?.updatedAt, ne.closure?.updatedAt, Operation.NODE_TEARDOWN)];
}

/** The workflow node a node execution runs: its spec node id, else (events that carried none) its own node id. */
function specNodeId(ne: NodeExecution): string {
  return ne.metadata?.specNodeId || ne.id?.nodeId || "";
}

/** Attempts by node id, each node's in created_at order (the read order among equal times). */
function groupByNode(all: readonly TaskExecution[]): Map<string, TaskExecution[]> {
  const byNode = new Map<string, TaskExecution[]>();
  for (const te of all) {
    const nodeId = te.id?.nodeExecutionId?.nodeId ?? "";
    const list = byNode.get(nodeId);
    if (list) list.push(te);
    else byNode.set(nodeId, [te]);
  }
  for (const [nodeId, list] of byNode) byNode.set(nodeId, byCreatedAt(list));
  return byNode;
}

function sameWorkflow(a: Identifier | undefined, b: Identifier): boolean {
  return (
    a !== undefined && a.project === b.project && a.domain === b.domain && a.name === b.name && a.version === b.version
  );
}
