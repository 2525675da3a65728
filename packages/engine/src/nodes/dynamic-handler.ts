// Task nodes with dynamic parents (upstream flytepropeller/pkg/controller/nodes/dynamic/handler.go): the task runs as usual; if it succeeds having written `futures.pb` (a
// DynamicJobSpec), the parent task is finalized, the spec is compiled into a workflow (cached in the output dir as
// dynamic_compiled.pb), DYNAMIC_RUNNING is reported, and the workflow runs under the node like a sub-workflow.
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  CompiledTaskSchema,
  CompiledWorkflowClosureSchema,
  type CompiledWorkflowClosure,
} from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { DynamicJobSpecSchema } from "@aloft/idl/flyteidl/core/dynamic_job_pb.js";
import { NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { IdentifierSchema, ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { WorkflowTemplateSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { DynamicWorkflowNodeMetadataSchema } from "@aloft/idl/flyteidl/event/event_pb.js";
import { getMessage, putMessage } from "@aloft/core";
import {
  END_NODE_ID,
  START_NODE_ID,
  childNodeDataDir,
  dynamicCompiledKey,
  futuresKey,
  inputsKey,
  nodeOutputDir,
  outputsKey,
} from "@aloft/core";
import { tryCompileWorkflow, formatCompileErrors } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { ClosureIndex } from "../executor/closure-index.ts";
import { sendNodeEvent } from "../executor/events.ts";
import { failurePolicyOf } from "../executor/scopes.ts";
import type { Scope } from "../executor/context.ts";
import { statusError, truncateMessage } from "../executor/status.ts";
import { indexOf, type NodeContext, type NodeHandler, type Transition } from "./handler.ts";
import type { NodeExecutor } from "./node-executor-port.ts";
import { copyBlob } from "./start-end.ts";
import { taskHandler } from "./task-handler.ts";

const TIMEOUT_ERROR = statusError("USER", "Timeout", "Timeout in node");

function compileFutures(n: NodeContext, specBytes: Uint8Array): CompiledWorkflowClosure | string {
  const spec = fromBinary(DynamicJobSpecSchema, specBytes);
  const parentTask =
    n.node.target.case === "taskNode" && n.node.target.value.reference.case === "referenceId"
      ? indexOf(n).task(n.node.target.value.reference.value)
      : undefined;
  const version = n.uniqueId.replace(/[^a-z0-9]/gi, "").slice(0, 10) || "v";
  const template = create(WorkflowTemplateSchema, {
    id: create(IdentifierSchema, {
      resourceType: ResourceType.WORKFLOW,
      project: n.exec.executionId.project,
      domain: n.exec.executionId.domain,
      name: `dynamic_${n.node.id}`,
      version,
    }),
    ...(parentTask?.interface ? { interface: parentTask.interface } : {}),
    nodes: spec.nodes,
    outputs: spec.outputs,
  });
  const known = new Map(indexOf(n).closure.tasks.map((t) => [JSON.stringify(t.template?.id), t]));
  for (const t of spec.tasks) known.set(JSON.stringify(t.id), create(CompiledTaskSchema, { template: t }));
  const r = tryCompileWorkflow(template, spec.subworkflows, [...known.values()], []);
  return r.ok ? r.value : formatCompileErrors(r.errors);
}

async function loadClosure(n: NodeContext): Promise<ClosureIndex | undefined> {
  const key = `dynamic:${n.outputDir()}`;
  const memo = n.exec.index.memo.get(key) as ClosureIndex | undefined;
  if (memo) return memo;
  try {
    const closure = await getMessage(
      n.exec.deps.blobs,
      dynamicCompiledKey(n.outputDir()),
      CompiledWorkflowClosureSchema,
    );
    const index = new ClosureIndex(closure);
    n.exec.index.memo.set(key, index);
    return index;
  } catch (e) {
    if (e instanceof AloftError && e.code === Code.NOT_FOUND) return undefined;
    throw e;
  }
}

function dynamicScope(n: NodeContext, index: ClosureIndex): Scope {
  const g = index.primary();
  const out = n.outputDir();
  const statuses = (n.status.children ??= {});
  const dataDir = (id: string) => childNodeDataDir(out, id);
  return {
    exec: n.exec,
    index,
    inDynamic: true,
    nodes: g.nodes,
    upstream: g.upstream,
    order: g.order,
    statuses,
    dataDir,
    parent: { uniqueId: n.uniqueId, attempt: n.attempt() },
    failurePolicy: failurePolicyOf(g.workflow),
    dirty: new Set(),
    outputDirOf: (id) => (g.nodes.has(id) ? nodeOutputDir(dataDir(id), statuses[id]?.attempts ?? 0) : undefined),
  };
}

/** The task handler that runs a dynamic parent's workflow through the node executor. */
export const dynamicTaskHandler = (executor: NodeExecutor): NodeHandler => ({
  finalizeRequired: true,

  async handle(n: NodeContext): Promise<Transition> {
    const d = n.status.dynamic;
    if (!d) {
      const t = await taskHandler.handle(n);
      if (t.phase !== "Success" || !t.futures) return t;
      n.status.dynamic = { phase: "ParentFinalizing" };
      return { phase: "Running" };
    }
    const blobs = n.exec.deps.blobs;
    const out = n.outputDir();
    if (d.phase === "ParentFinalizing") {
      await taskHandler.finalize(n);
      const compiled = compileFutures(n, await blobs.get(futuresKey(out)));
      if (typeof compiled === "string") {
        return { phase: "Failed", error: statusError("USER", "DynamicWorkflowBuildFailed", truncateMessage(compiled)) };
      }
      await putMessage(blobs, dynamicCompiledKey(out), CompiledWorkflowClosureSchema, compiled);
      await copyBlob(n, inputsKey(n.dataDir), outputsKey(nodeOutputDir(childNodeDataDir(out, START_NODE_ID), 0)));
      d.phase = "Executing";
      // The node stays Running whatever admin answers: the round need not wait (a refusal fails it at its end), and the
      // workflow's nodes, which start next round, follow the answer (executor/round-events.ts).
      await sendNodeEvent(
        n,
        NodeExecution_Phase.DYNAMIC_RUNNING,
        {
          dynamicWorkflow: create(DynamicWorkflowNodeMetadataSchema, {
            id: compiled.primary?.template?.id,
            compiledWorkflow: compiled,
            dynamicJobSpecUri: blobs.uri(futuresKey(out)),
          }),
        },
        { later: true },
      );
      return { phase: "Running" };
    }
    const index = await loadClosure(n);
    if (!index)
      return {
        phase: "Failed",
        error: statusError("SYSTEM", "DynamicWorkflowBuildFailed", "compiled dynamic workflow missing"),
      };
    const scope = dynamicScope(n, index);
    if (d.phase === "Executing") {
      const r = await executor.executeDag(scope);
      if (r.state === "pending") return { phase: "Running" };
      if (r.state === "failed") {
        d.phase = "Failing";
        d.error = r.timedOut ? TIMEOUT_ERROR : r.error;
        return { phase: "Running" };
      }
      const endOut = scope.outputDirOf(END_NODE_ID);
      if (endOut !== undefined) await copyBlob(n, outputsKey(endOut), outputsKey(out));
      return { phase: "Success" };
    }
    await executor.abortScope(scope, "dynamic workflow failed", true);
    return {
      phase: "Failed",
      error: d.error ?? statusError("USER", "DynamicWorkflowFailed", "dynamic workflow failed"),
    };
  },

  async abort(n: NodeContext, reason: string): Promise<void> {
    const d = n.status.dynamic;
    if (!d || d.phase === "ParentFinalizing") return taskHandler.abort(n, reason);
    const index = await loadClosure(n);
    if (index) await executor.abortScope(dynamicScope(n, index), reason, true);
  },

  async finalize(n: NodeContext): Promise<void> {
    if (!n.status.dynamic) await taskHandler.finalize(n);
  },
});
