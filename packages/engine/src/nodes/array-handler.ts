// Array nodes (map tasks, upstream flytepropeller/pkg/controller/nodes/array/*.go): one sub-node per element of the input arrays, each with its own attempts, run by the
// ordinary node executor in a silent scope (event-version 0: the array node reports one task execution whose
// external resources are the sub-nodes). Outputs are gathered per variable in index order; a sub-node that did not
// succeed contributes a none literal.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { LiteralMapSchema, LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { CatalogCacheStatus } from "@aloft/idl/flyteidl/core/catalog_pb.js";
import { NodeSchema, type ArrayNode, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { TaskExecutionEventSchema } from "@aloft/idl/flyteidl/event/event_pb.js";
import { getMessage, putMessage } from "@aloft/core";
import { offloadLargeLiterals } from "@aloft/core";
import { childNodeDataDir, inputsKey, joinKey, outputsKey } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { recordTaskEvent } from "../executor/events.ts";
import type { Scope } from "../executor/context.ts";
import {
  isTerminalNodePhase,
  statusError,
  toExecutionError,
  truncateMessage,
  type ArrayNodeStatus,
  type NodePhase,
  type StatusError,
} from "../executor/status.ts";
import { ArrayInputError, arraySize, subNodeBindings } from "./array-inputs.ts";
import { indexOf, type NodeContext, type NodeHandler, type Transition } from "./handler.ts";
import type { NodeExecutor } from "./node-executor-port.ts";
import { generatedName } from "./task-context.ts";

const arrayOf = (n: NodeContext): ArrayNode | undefined =>
  n.node.target.case === "arrayNode" ? n.node.target.value : undefined;

/** The sub-nodes `n0..n<size-1>` (inner node, own id, literal input bindings), memoised per execution. */
async function subNodes(n: NodeContext, an: ArrayNode, size: number): Promise<Node[]> {
  const memoKey = `array:${n.dataDir}`;
  const cached = n.exec.index.memo.get(memoKey) as Node[] | undefined;
  if (cached) return cached;
  const inputs = await getMessage(n.exec.deps.blobs, inputsKey(n.dataDir), LiteralMapSchema);
  const nodes: Node[] = [];
  for (let i = 0; i < size; i++) {
    const sub = create(NodeSchema, {
      ...an.node!,
      id: `n${i}`,
      inputs: subNodeBindings(inputs, an.boundInputs, i),
      upstreamNodeIds: [],
    });
    nodes.push(sub);
  }
  n.exec.index.memo.set(memoKey, nodes);
  return nodes;
}

/** The sub-nodes by id, their (empty) upstream lists and their order: built once per array node, not per round. */
function subNodeMaps(n: NodeContext, nodes: Node[]): Pick<Scope, "nodes" | "upstream" | "order"> {
  const memoKey = `array-maps:${n.dataDir}`;
  const cached = n.exec.index.memo.get(memoKey) as Pick<Scope, "nodes" | "upstream" | "order"> | undefined;
  if (cached) return cached;
  const maps = {
    nodes: new Map(nodes.map((s) => [s.id, s])),
    upstream: new Map(nodes.map((s) => [s.id, []])),
    order: nodes.map((s) => s.id),
  };
  n.exec.index.memo.set(memoKey, maps);
  return maps;
}

function arrayScope(n: NodeContext, an: ArrayNode, nodes: Node[]): Scope {
  const out = n.outputDir();
  const statuses = (n.status.children ??= {});
  const dataDir = (id: string) => childNodeDataDir(out, id.slice(1));
  return {
    ...(n.scope.index ? { index: n.scope.index } : {}),
    ...(n.scope.inDynamic ? { inDynamic: true } : {}),
    exec: n.exec,
    ...subNodeMaps(n, nodes),
    statuses,
    dataDir,
    array: { inputsKey: inputsKey(n.dataDir), indexOf: (id) => Number(id.slice(1)) },
    parent: { uniqueId: n.uniqueId, attempt: n.attempt() },
    failurePolicy: "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE",
    dirty: new Set(),
    // Task elements are reported through the array node's task execution (event-version 0); other elements (launch
    // plans) report their own node events, parented by the array node (as upstream's pass-through recorder does):
    // admin needs their node executions to parent the child executions.
    silent: an.node?.target.case === "taskNode",
    outputDirOf: (id) => (statuses[id] ? joinKey(dataDir(id), statuses[id]?.attempts ?? 0) : undefined),
  };
}

function minSuccesses(an: ArrayNode, size: number): number {
  const c = an.successCriteria;
  if (c.case === "minSuccesses") return c.value;
  if (c.case === "minSuccessRatio") return Math.ceil(c.value * size);
  return size;
}

/** The array handler; the sub-nodes run through the node executor. */
export const arrayHandler = (executor: NodeExecutor): NodeHandler => ({
  finalizeRequired: false,

  async handle(n: NodeContext): Promise<Transition> {
    const an = arrayOf(n);
    if (!an?.node)
      return { phase: "Failed", error: statusError("SYSTEM", "IllegalStateError", "array node without a sub-node") };
    let st = n.status.array;
    if (!st) {
      const inputs = await getMessage(n.exec.deps.blobs, inputsKey(n.dataDir), LiteralMapSchema);
      let size: number;
      try {
        size = arraySize(inputs, an.boundInputs);
      } catch (e) {
        if (!(e instanceof ArrayInputError)) throw e;
        return { phase: "Failed", error: statusError("USER", "InvalidArrayLength", e.message) };
      }
      st = n.status.array = { size, phase: "Executing", version: 0 };
    }
    const nodes = await subNodes(n, an, st.size);
    const scope = arrayScope(n, an, nodes);
    if (st.phase === "Executing") {
      const changed = await visitSubNodes(
        executor,
        scope,
        an.parallelismOption.case === "parallelism" ? an.parallelismOption.value : 0,
      );
      let succeeded = 0;
      let failed = 0;
      const errors: string[] = [];
      let firstError: StatusError | undefined;
      for (const s of nodes) {
        const ph = scope.statuses[s.id]?.phase ?? "NotYetStarted";
        if (ph === "Succeeded" || ph === "Skipped") succeeded++;
        else if (ph === "Failed" || ph === "TimedOut") {
          failed++;
          const e = scope.statuses[s.id]?.error;
          firstError ??= e;
          errors.push(`[${s.id.slice(1)}]: ${e?.code ?? "Unknown"}: ${e?.message ?? ""}`);
        }
      }
      const min = minSuccesses(an, st.size);
      if (st.size - failed < min) {
        st.phase = "Failing";
        st.error = statusError(
          firstError?.kind ?? "USER",
          firstError?.code ?? "ArrayNodeFailed",
          truncateMessage(
            `${failed} of ${st.size} sub-nodes failed (at least ${min} had to succeed):\n${errors.join("\n")}`,
          ),
        );
      } else if (succeeded + failed === st.size) {
        await gatherOutputs(n, an, nodes, scope);
        await report(n, st, nodes, scope, "SUCCEEDED");
        return { phase: "Success" };
      } else {
        if (changed) st.version++;
        await report(n, st, nodes, scope, "RUNNING");
        return { phase: "Running" };
      }
    }
    await executor.abortScope(scope, "array node failed", false);
    const error = st.error ?? statusError("USER", "ArrayNodeFailed", "array node failed");
    await report(n, st, nodes, scope, "FAILED", error);
    return { phase: "Failed", error };
  },

  async abort(n: NodeContext, reason: string): Promise<void> {
    const an = arrayOf(n);
    const st = n.status.array;
    if (!an?.node || !st) return;
    const nodes = await subNodes(n, an, st.size);
    const scope = arrayScope(n, an, nodes);
    await executor.abortScope(scope, reason, false);
    if (st.reported !== "SUCCEEDED" && st.reported !== "FAILED") {
      await report(n, st, nodes, scope, "ABORTED", statusError("UNKNOWN", "Task Aborted", reason));
    }
  },

  finalize: async () => undefined,
});

/** Visits the sub-nodes, starting at most `parallelism` (> 0) at a time. Returns whether any changed phase. */
async function visitSubNodes(executor: NodeExecutor, scope: Scope, parallelism: number): Promise<boolean> {
  const limit = parallelism > 0 ? parallelism : Number.POSITIVE_INFINITY;
  let active = 0;
  for (const id of scope.order) {
    const ph = scope.statuses[id]?.phase;
    if (ph !== undefined && ph !== "NotYetStarted" && !isTerminalNodePhase(ph)) active++;
  }
  let changed = false;
  for (const id of scope.order) {
    const before = scope.statuses[id]?.phase;
    if (before !== undefined && isTerminalNodePhase(before)) continue;
    const notStarted = before === undefined || before === "NotYetStarted";
    if (notStarted && active >= limit) continue;
    await executor.visitNode(scope, id);
    const after = scope.statuses[id]?.phase;
    if (notStarted && after !== undefined && after !== "NotYetStarted") active++;
    if (after !== before) changed = true;
  }
  return changed;
}

async function gatherOutputs(n: NodeContext, an: ArrayNode, nodes: Node[], scope: Scope): Promise<void> {
  const inner = an.node!;
  const template =
    inner.target.case === "taskNode" && inner.target.value.reference.case === "referenceId"
      ? indexOf(n).task(inner.target.value.reference.value)
      : undefined;
  // A task's outputs are its template's; other sub-nodes (launch plans) declare theirs elsewhere: the variables the
  // succeeded sub-nodes wrote.
  const vars = template
    ? Object.keys(template.interface?.outputs?.variables ?? {})
    : await writtenVariables(n, nodes, scope);
  const none = create(LiteralSchema, { value: { case: "scalar", value: { value: { case: "noneType", value: {} } } } });
  const columns: Record<string, Literal[]> = Object.fromEntries(vars.map((v) => [v, []]));
  for (const s of nodes) {
    let outputs: Record<string, Literal> = {};
    if (scope.statuses[s.id]?.phase === "Succeeded" && vars.length > 0) outputs = await subNodeOutputs(n, scope, s.id);
    for (const v of vars) columns[v]!.push(outputs[v] ?? none);
  }
  const literals = Object.fromEntries(
    vars.map((v) => [v, create(LiteralSchema, { value: { case: "collection", value: { literals: columns[v]! } } })]),
  );
  // Gathered outputs are where huge lists arise (one element per sub-node): offloaded above the threshold (upstream flytepropeller/pkg/controller/nodes/common/utils.go).
  const gathered = await offloadLargeLiterals(
    n.exec.deps.blobs,
    create(LiteralMapSchema, { literals }),
    n.outputDir(),
    n.exec.deps.config.literalOffloading,
  );
  await putMessage(n.exec.deps.blobs, outputsKey(n.outputDir()), LiteralMapSchema, gathered);
}

async function subNodeOutputs(n: NodeContext, scope: Scope, id: string): Promise<Record<string, Literal>> {
  const cached = n.exec.outputsCache.get(`array:${scope.outputDirOf(id)}`) as Record<string, Literal> | undefined;
  if (cached) return cached;
  try {
    const literals = (await getMessage(n.exec.deps.blobs, outputsKey(scope.outputDirOf(id)!), LiteralMapSchema))
      .literals;
    n.exec.outputsCache.set(`array:${scope.outputDirOf(id)}`, literals);
    return literals;
  } catch (e) {
    if (!(e instanceof AloftError && e.code === Code.NOT_FOUND)) throw e;
    return {};
  }
}

async function writtenVariables(n: NodeContext, nodes: Node[], scope: Scope): Promise<string[]> {
  const vars = new Set<string>();
  for (const s of nodes) {
    if (scope.statuses[s.id]?.phase !== "Succeeded") continue;
    for (const v of Object.keys(await subNodeOutputs(n, scope, s.id))) vars.add(v);
  }
  return [...vars].sort();
}

const SUB_PHASE: Partial<Record<NodePhase, TaskExecution_Phase>> = {
  Queued: TaskExecution_Phase.QUEUED,
  Running: TaskExecution_Phase.RUNNING,
  RetryableFailure: TaskExecution_Phase.RUNNING,
  Succeeding: TaskExecution_Phase.SUCCEEDED,
  Succeeded: TaskExecution_Phase.SUCCEEDED,
  Skipped: TaskExecution_Phase.SUCCEEDED,
  Failing: TaskExecution_Phase.FAILED,
  Failed: TaskExecution_Phase.FAILED,
  TimingOut: TaskExecution_Phase.FAILED,
  TimedOut: TaskExecution_Phase.FAILED,
};

/** The array node's task execution event (`container_array` / `k8s-array`), sent when its phase or version moves. */
async function report(
  n: NodeContext,
  st: ArrayNodeStatus,
  nodes: Node[],
  scope: Scope,
  phase: "RUNNING" | "SUCCEEDED" | "FAILED" | "ABORTED",
  error?: StatusError,
): Promise<void> {
  const version = phase === "RUNNING" ? st.version : 0;
  if (st.reported === phase && st.reportedVersion === version) return;
  const inner = n.node.target.case === "arrayNode" ? n.node.target.value.node : undefined;
  const taskId =
    inner?.target.case === "taskNode" && inner.target.value.reference.case === "referenceId"
      ? inner.target.value.reference.value
      : undefined;
  if (taskId === undefined) {
    // Sub-nodes that are not tasks (launch plans: child executions) have no task execution to report, as upstream's
    // array event recorder sends none without external resources; admin rejects a task event without a task id.
    st.reported = phase;
    st.reportedVersion = version;
    return;
  }
  const now = n.exec.now();
  const name = generatedName(n, n.attempt());
  const blobs = n.exec.deps.blobs;
  const event = create(TaskExecutionEventSchema, {
    taskId,
    parentNodeExecutionId: { executionId: n.exec.executionId, nodeId: n.uniqueId },
    retryAttempt: 0,
    phase: TaskExecution_Phase[phase],
    phaseVersion: version,
    producerId: n.exec.deps.config.producerId,
    occurredAt: timestampFromMs(now),
    reportedAt: timestampFromMs(now),
    taskType: "container_array",
    eventVersion: 1,
    inputValue: { case: "inputUri", value: blobs.uri(inputsKey(n.dataDir)) },
    metadata: {
      generatedName: name,
      pluginIdentifier: "k8s-array",
      externalResources: nodes.map((s, index) => {
        const sub = scope.statuses[s.id];
        return {
          externalId: `${name}-n${index}-${sub?.attempts ?? 0}`,
          index,
          retryAttempt: sub?.attempts ?? 0,
          phase: SUB_PHASE[sub?.phase ?? "NotYetStarted"] ?? TaskExecution_Phase.UNDEFINED,
          cacheStatus: CatalogCacheStatus.CACHE_DISABLED,
        };
      }),
    },
  });
  if (phase === "SUCCEEDED") event.outputResult = { case: "outputUri", value: blobs.uri(outputsKey(n.outputDir())) };
  else if (error) event.outputResult = { case: "error", value: toExecutionError(error, now) };
  await recordTaskEvent(n.exec, event, phase !== "RUNNING");
  st.reported = phase;
  st.reportedVersion = version;
}
