// In-memory read side for ExecutionMetricsManager tests: executions, node executions (top level or by parent, paged
// by offset tokens like the real managers), task attempts, registered workflows and dynamic workflows; plus builders
// for hand-written closures and a compact rendering of a span tree.
import { create } from "@bufbuild/protobuf";
import { DurationSchema, TimestampSchema, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  ExecutionSchema,
  type Execution,
  type WorkflowExecutionGetRequest,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import {
  DynamicNodeWorkflowResponseSchema,
  NodeExecutionSchema,
  type DynamicNodeWorkflowResponse,
  type GetDynamicNodeWorkflowRequest,
  type NodeExecution,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { TaskExecutionSchema, type TaskExecution } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import {
  CompiledWorkflowClosureSchema,
  CompiledWorkflowSchema,
  type CompiledWorkflow,
  type CompiledWorkflowClosure,
} from "@aloft/idl/flyteidl/core/compiler_pb.js";
import {
  IdentifierSchema,
  ResourceType,
  type Identifier,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { Span } from "@aloft/idl/flyteidl/core/metrics_pb.js";
import { NodeSchema, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { notFound } from "@aloft/core";
import { silentLogger } from "@aloft/core";
import type { ExecutionMetricsManagerDeps } from "./execution-metrics-manager.ts";

export const BASE = 643852800n;
export const P = "p";
export const D = "d";

/** BASE + s seconds (fractions allowed, to the millisecond). */
export function ts(s: number): Timestamp {
  const ms = Math.round(s * 1000);
  return create(TimestampSchema, { seconds: BASE + BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
}
export const dur = (s: number) => create(DurationSchema, { seconds: BigInt(s) });

export interface Times {
  created: number;
  updated: number;
  started?: number;
  duration?: number;
}

function closureTimes(t: Times) {
  return {
    createdAt: ts(t.created),
    updatedAt: ts(t.updated),
    ...(t.started !== undefined ? { startedAt: ts(t.started) } : {}),
    ...(t.duration !== undefined ? { duration: dur(t.duration) } : {}),
  };
}

export const wfId = (name: string, version = "v1"): Identifier =>
  create(IdentifierSchema, { resourceType: ResourceType.WORKFLOW, project: P, domain: D, name, version });
export const lpId = (name: string): Identifier =>
  create(IdentifierSchema, { resourceType: ResourceType.LAUNCH_PLAN, project: P, domain: D, name, version: "v1" });
const taskId = create(IdentifierSchema, {
  resourceType: ResourceType.TASK,
  project: P,
  domain: D,
  name: "t",
  version: "v1",
});

export const taskNodeDef = (id: string): Node =>
  create(NodeSchema, {
    id,
    target: { case: "taskNode", value: { reference: { case: "referenceId", value: taskId } } },
  });
export const subWorkflowNodeDef = (id: string, ref: Identifier): Node =>
  create(NodeSchema, {
    id,
    target: { case: "workflowNode", value: { reference: { case: "subWorkflowRef", value: ref } } },
  });
export const launchPlanNodeDef = (id: string, ref: Identifier): Node =>
  create(NodeSchema, {
    id,
    target: { case: "workflowNode", value: { reference: { case: "launchplanRef", value: ref } } },
  });
export const arrayNodeDef = (id: string): Node =>
  create(NodeSchema, { id, target: { case: "arrayNode", value: { node: taskNodeDef(`${id}-inner`) } } });
export const gateNodeDef = (id: string): Node =>
  create(NodeSchema, {
    id,
    target: { case: "gateNode", value: { condition: { case: "sleep", value: { duration: dur(5) } } } },
  });
export const branchNodeDef = (id: string, thenNode: Node, elseNode: Node): Node =>
  create(NodeSchema, {
    id,
    target: {
      case: "branchNode",
      value: { ifElse: { case: { thenNode }, default: { case: "elseNode", value: elseNode } } },
    },
  });

export function compiledWorkflow(id: Identifier, nodes: Node[], upstream: Record<string, string[]>): CompiledWorkflow {
  return create(CompiledWorkflowSchema, {
    template: { id, nodes },
    connections: { upstream: Object.fromEntries(Object.entries(upstream).map(([k, ids]) => [k, { ids }])) },
  });
}

export function closureOf(primary: CompiledWorkflow, subWorkflows: CompiledWorkflow[] = []): CompiledWorkflowClosure {
  return create(CompiledWorkflowClosureSchema, { primary, subWorkflows });
}

export class FakeReads {
  readonly executions = new Map<string, Execution>();
  readonly nodes: { parent: string; ne: NodeExecution }[] = [];
  readonly tasks = new Map<string, TaskExecution[]>();
  readonly workflows = new Map<string, CompiledWorkflowClosure>();
  readonly dynamic = new Map<string, CompiledWorkflowClosure>();
  /** One per read of the node executions under one parent ("": top level). */
  readonly nodeListCalls: { execution: string; parent: string; pageSize: number }[] = [];
  /** One per read of an execution's task executions. */
  readonly taskListCalls: { execution: string; pageSize: number }[] = [];

  execution(name: string, workflow: CompiledWorkflowClosure, t: Times): this {
    this.workflows.set(workflow.primary!.template!.id!.name, workflow);
    this.executions.set(
      name,
      create(ExecutionSchema, {
        id: { project: P, domain: D, name },
        closure: { ...closureTimes(t), workflowId: workflow.primary!.template!.id },
      }),
    );
    return this;
  }

  /**
   * A node execution; `nodeId` defaults to the spec id, `parent` is the unique id of its parent node ("" = top level);
   * `noSpecId`: recorded without a spec node id (events that carried none).
   */
  node(
    execution: string,
    specId: string,
    t: Times,
    o: { nodeId?: string; parent?: string; isParent?: boolean; childExecution?: string; noSpecId?: boolean } = {},
  ): this {
    const ne = create(NodeExecutionSchema, {
      id: { executionId: { project: P, domain: D, name: execution }, nodeId: o.nodeId ?? specId },
      metadata: { specNodeId: o.noSpecId ? "" : specId, isParentNode: o.isParent ?? false },
      closure: {
        ...closureTimes(t),
        ...(o.childExecution
          ? {
              targetMetadata: {
                case: "workflowNodeMetadata" as const,
                value: { executionId: { project: P, domain: D, name: o.childExecution } },
              },
            }
          : {}),
      },
    });
    this.nodes.push({ parent: `${execution}/${o.parent ?? ""}`, ne });
    return this;
  }

  /** Attempts of a node execution (by its unique id), retry_attempt in the given order. */
  attempts(execution: string, nodeId: string, attempts: Times[]): this {
    this.tasks.set(
      `${execution}/${nodeId}`,
      attempts.map((t, retryAttempt) =>
        create(TaskExecutionSchema, {
          id: {
            taskId,
            retryAttempt,
            nodeExecutionId: { nodeId, executionId: { project: P, domain: D, name: execution } },
          },
          closure: closureTimes(t),
        }),
      ),
    );
    return this;
  }

  deps(): ExecutionMetricsManagerDeps {
    return {
      executions: {
        get: async (req: WorkflowExecutionGetRequest) => {
          const ex = this.executions.get(req.id?.name ?? "");
          if (!ex) throw notFound("execution.not_found", `missing entity of type execution ${req.id?.name}`);
          return ex;
        },
      },
      nodeExecutions: {
        listForSpans: async (id: WorkflowExecutionIdentifier, parent: string, pageSize?: number) => {
          this.nodeListCalls.push({ execution: id.name, parent, pageSize: pageSize ?? 0 });
          return this.nodes.filter((n) => n.parent === `${id.name}/${parent}`).map((n) => n.ne);
        },
        getDynamicNodeWorkflow: async (req: GetDynamicNodeWorkflowRequest): Promise<DynamicNodeWorkflowResponse> => {
          const wf = this.dynamic.get(`${req.id?.executionId?.name}/${req.id?.nodeId}`);
          if (!wf) throw notFound("node_execution.no_dynamic_workflow", "node does not contain dynamic workflow");
          return create(DynamicNodeWorkflowResponseSchema, { compiledWorkflow: wf });
        },
      },
      taskExecutions: {
        listForExecution: async (id: WorkflowExecutionIdentifier, pageSize?: number): Promise<TaskExecution[]> => {
          this.taskListCalls.push({ execution: id.name, pageSize: pageSize ?? 0 });
          return [...this.tasks.entries()].filter(([k]) => k.startsWith(`${id.name}/`)).flatMap(([, v]) => v);
        },
      },
      compiledWorkflow: async (id: Identifier) => {
        const wf = this.workflows.get(id.name);
        if (!wf) throw notFound("workflow.not_found", `missing entity of type WORKFLOW ${id.name}`);
        return wf;
      },
      logger: silentLogger(),
    };
  }
}

/** One line per span, indented by nesting: `<label> <start>..<end>` in seconds after BASE ("-" when absent). */
export function render(span: Span | undefined, indent = ""): string[] {
  if (!span) return [];
  const t = (x: Timestamp | undefined) => (x ? String(Number(x.seconds - BASE) + x.nanos / 1e9) : "-");
  const id = span.id;
  const label =
    id.case === "operationId"
      ? id.value
      : id.case === "nodeId"
        ? `node ${id.value.nodeId}`
        : id.case === "taskId"
          ? `task ${id.value.nodeExecutionId?.nodeId}#${id.value.retryAttempt}`
          : id.case === "workflowId"
            ? `workflow ${id.value.name}`
            : "?";
  return [
    `${indent}${label} ${t(span.startTime)}..${t(span.endTime)}`,
    ...span.spans.flatMap((s) => render(s, `${indent}  `)),
  ];
}
