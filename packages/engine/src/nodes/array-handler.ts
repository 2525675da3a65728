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
import { sendTaskEventOf } from "../executor/events.ts";
import type { Scope } from "../executor/context.ts";
import {
  isTerminalNodePhase,
  statusError,
  toExecutionError,
  truncateMessage,
  type ArrayNodeStatus,
  type NodePhase,
  type NodeStatus,
  type StatusError,
} from "../executor/status.ts";
import { ArrayInputError, arraySize, subNodeBindings } from "./array-inputs.ts";
import { indexOf, type NodeContext, type NodeHandler, type Transition } from "./handler.ts";
import type { NodeExecutor } from "./node-executor-port.ts";
import { sameJson } from "./same-json.ts";
import { generatedName } from "./task-context.ts";

const arrayOf = (n: NodeContext): ArrayNode | undefined =>
  n.node.target.case === "arrayNode" ? n.node.target.value : undefined;

/** Sub-nodes kept made at most (then forgotten all at once): about those a round visits, not the whole array. */
const MAX_MADE = 1024;

/**
 * The sub-nodes `n0..n<size-1>` (inner node, own id, literal input bindings), made when looked up rather than all held:
 * a round looks up the few it visits. The last ones made are kept: a running sub-node is visited round after round.
 */
class SubNodes extends Map<string, Node> {
  readonly #make: (index: number) => Node;
  readonly #size: number;
  readonly #made = new Map<number, Node>();
  constructor(size: number, make: (index: number) => Node) {
    super();
    this.#size = size;
    this.#make = make;
  }
  override get(id: string): Node | undefined {
    const i = this.#index(id);
    if (i < 0) return undefined;
    let node = this.#made.get(i);
    if (!node) {
      if (this.#made.size >= MAX_MADE) this.#made.clear();
      node = this.#make(i);
      this.#made.set(i, node);
    }
    return node;
  }
  override has(id: string): boolean {
    return this.#index(id) >= 0;
  }
  #index(id: string): number {
    const i = /^n\d+$/.test(id) ? Number(id.slice(1)) : -1;
    return i < this.#size ? i : -1;
  }
}

type SubNodeMaps = Pick<Scope, "nodes" | "upstream" | "order">;

/** The sub-nodes by id (made on demand), their (no) upstream nodes and their order: once per array node. */
async function subNodeMaps(n: NodeContext, an: ArrayNode, size: number): Promise<SubNodeMaps> {
  const memoKey = `array-maps:${n.dataDir}`;
  const cached = n.exec.index.memo.get(memoKey) as SubNodeMaps | undefined;
  if (cached) return cached;
  const inputs = await getMessage(n.exec.deps.blobs, inputsKey(n.dataDir), LiteralMapSchema);
  const make = (i: number) =>
    create(NodeSchema, {
      ...an.node!,
      id: `n${i}`,
      inputs: subNodeBindings(inputs, an.boundInputs, i),
      upstreamNodeIds: [],
    });
  const maps = {
    nodes: new SubNodes(size, make),
    upstream: new Map<string, string[]>(),
    order: Array.from({ length: size }, (_, i) => `n${i}`),
  };
  n.exec.index.memo.set(memoKey, maps);
  return maps;
}

function arrayScope(n: NodeContext, an: ArrayNode, maps: SubNodeMaps): Scope {
  const out = n.outputDir();
  const statuses = (n.status.children ??= {});
  const dataDir = (id: string) => childNodeDataDir(out, id.slice(1));
  return {
    ...(n.scope.index ? { index: n.scope.index } : {}),
    ...(n.scope.inDynamic ? { inDynamic: true } : {}),
    exec: n.exec,
    ...maps,
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
    const scope = arrayScope(n, an, await subNodeMaps(n, an, st.size));
    if (st.phase === "Executing") {
      const changed = await visitSubNodes(
        executor,
        scope,
        st,
        an.parallelismOption.case === "parallelism" ? an.parallelismOption.value : 0,
      );
      const succeeded = st.succeeded ?? 0;
      const failed = st.failed ?? 0;
      const min = minSuccesses(an, st.size);
      if (st.size - failed < min) {
        st.phase = "Failing";
        const { first, lines } = failures(scope);
        st.error = statusError(
          first?.kind ?? "USER",
          first?.code ?? "ArrayNodeFailed",
          truncateMessage(
            `${failed} of ${st.size} sub-nodes failed (at least ${min} had to succeed):\n${lines.join("\n")}`,
          ),
        );
      } else if (succeeded + failed === st.size) {
        await gatherOutputs(n, an, scope);
        await report(n, st, scope, "SUCCEEDED");
        return { phase: "Success" };
      } else {
        await reportProgress(n, st, scope, changed);
        // Its sub-nodes' visits set `restless` themselves (visitSubNodes).
        return { phase: "Running", quiet: true };
      }
    }
    await executor.abortScope(scope, "array node failed", false);
    const error = st.error ?? statusError("USER", "ArrayNodeFailed", "array node failed");
    await report(n, st, scope, "FAILED", undefined, error);
    return { phase: "Failed", error };
  },

  async abort(n: NodeContext, reason: string): Promise<void> {
    const an = arrayOf(n);
    const st = n.status.array;
    if (!an?.node || !st) return;
    const scope = arrayScope(n, an, await subNodeMaps(n, an, st.size));
    await executor.abortScope(scope, reason, false);
    if (st.reported !== "SUCCEEDED" && st.reported !== "FAILED") {
      await report(n, st, scope, "ABORTED", undefined, statusError("UNKNOWN", "Task Aborted", reason));
    }
  },

  finalize: async () => undefined,
});

/** The failed sub-nodes: the first one's error and one line per failure, in index order (read once, when failing). */
function failures(scope: Scope): { first: StatusError | undefined; lines: string[] } {
  const lines: string[] = [];
  let first: StatusError | undefined;
  for (const id of scope.order) {
    const st = scope.statuses[id];
    if (st?.phase !== "Failed" && st?.phase !== "TimedOut") continue;
    first ??= st.error;
    lines.push(`[${id.slice(1)}]: ${st.error?.code ?? "Unknown"}: ${st.error?.message ?? ""}`);
  }
  return { first, lines };
}

const started = (s: NodeStatus | undefined) => s !== undefined && s.phase !== "NotYetStarted";

/** Fills in the progress an older status (written before it was kept) lacks, by one pass over the sub-nodes. */
function tracked(st: ArrayNodeStatus, scope: Scope): Required<Pick<ArrayNodeStatus, "next" | "active">> {
  if (st.next !== undefined && st.active !== undefined) return { next: st.next, active: st.active };
  let next = st.size;
  const active: number[] = [];
  st.succeeded = 0;
  st.failed = 0;
  for (let i = 0; i < st.size; i++) {
    const s = scope.statuses[`n${i}`];
    if (!started(s)) next = Math.min(next, i);
    else if (s!.phase === "Succeeded" || s!.phase === "Skipped") st.succeeded++;
    else if (isTerminalNodePhase(s!.phase)) st.failed++;
    else active.push(i);
  }
  return { next, active };
}

/**
 * With no parallelism set, sub-nodes start in waves: at least this many, else as many as are already running or twice
 * as many as ended in the round.
 */
const FIRST_WAVE = 16;

/**
 * One round over the sub-nodes that can move: the started, unfinished ones, then not-started ones in index order while
 * there is room (`parallelism`, > 0, or a wave as large as those running) and none of them waits for resources (a
 * plugin at its limit: later ones would wait too). Counts those that finish, bumps `rev`/`stateRev` for the engine's
 * comparison, and returns the indices whose external resource (phase, attempt) changed. Per round the work is that of
 * the sub-nodes visited, not of the array.
 */
async function visitSubNodes(
  executor: NodeExecutor,
  scope: Scope,
  st: ArrayNodeStatus,
  parallelism: number,
): Promise<number[]> {
  const progress = tracked(st, scope);
  const active = progress.active;
  let next = progress.next;
  const changed: number[] = [];
  const stillActive: number[] = [];
  let waiting = false;
  const visit = async (i: number): Promise<NodeStatus | undefined> => {
    const id = `n${i}`;
    const before = scope.statuses[id];
    let after = before;
    const restless = scope.exec.restless;
    // A task element that moved to a phase the next visit moves on at once (Queued: its attempt starts; Succeeding:
    // it ends) is visited again now, rather than a round later: a round per phase made every other element of the
    // array visited once more per phase.
    for (let visits = 0; visits < MAX_VISITS; visits++) {
      const last = after;
      scope.exec.restless = false; // what the last visit left decides, not the phases it passed through
      await executor.visitNode(scope, id);
      after = scope.statuses[id];
      if (!scope.silent || !movesOn(last, after)) break;
      // The executor moves a node once per round (`dirty`); an element has no dependents to hold back.
      scope.dirty.delete(id);
    }
    if (restless) scope.exec.restless = true;
    if (after !== before) {
      if (resourceOf(before) !== resourceOf(after)) changed.push(i);
      if (!sameJson(before ?? null, after ?? null, "state")) st.rev = (st.rev ?? 0) + 1;
      else if (!sameJson(before ?? null, after ?? null)) st.stateRev = (st.stateRev ?? 0) + 1;
    }
    if (!started(after)) return after;
    const ph = after!.phase;
    if (ph === "Succeeded" || ph === "Skipped") st.succeeded = (st.succeeded ?? 0) + 1;
    else if (isTerminalNodePhase(ph)) st.failed = (st.failed ?? 0) + 1;
    else stillActive.push(i);
    if (after!.task?.phase === "WaitingForResources") waiting = true;
    return after;
  };
  for (const i of active) await visit(i);
  // Without parallelism the wave grows with what is running, and doubles what ended this round: elements that end in
  // a round or two (run in the engine's process) would otherwise start FIRST_WAVE at a time, a round each.
  const ended = active.length - stillActive.length;
  let room = parallelism > 0 ? parallelism - stillActive.length : Math.max(FIRST_WAVE, stillActive.length, 2 * ended);
  while (room > 0 && !waiting && next < st.size) {
    // An older status may hold started sub-nodes past the first not-started one: already active or counted.
    if (started(scope.statuses[`n${next}`])) {
      next++;
      continue;
    }
    const after = await visit(next);
    // Not started (the workflow's max parallelism reached): it is first in line next round.
    if (!started(after)) break;
    next++;
    // One that ended in its first visits (a task run in the engine's process, a cache hit) takes no room.
    if (!isTerminalNodePhase(after!.phase)) room--;
  }
  // Sub-nodes left to start: without parallelism each round starts a wave; with it, when there is room.
  if (next < st.size && !waiting && (parallelism <= 0 || stillActive.length < parallelism)) scope.exec.restless = true;
  st.next = next;
  st.active = stillActive.sort((a, b) => a - b);
  return changed;
}

/** Visits of one sub-node in a round at most: NotYetStarted → Queued → Running, or Running → Succeeding → Succeeded. */
const MAX_VISITS = 3;

/** Whether a sub-node's last visit left it in a phase its next visit moves on without waiting for anything. */
const movesOn = (before: NodeStatus | undefined, after: NodeStatus | undefined) =>
  after !== undefined && after.phase !== before?.phase && (after.phase === "Queued" || after.phase === "Succeeding");

/** What an external resource shows of a sub-node: its task phase and attempt. */
const resourceOf = (s: NodeStatus | undefined) =>
  `${SUB_PHASE[s?.phase ?? "NotYetStarted"] ?? TaskExecution_Phase.UNDEFINED}/${s?.attempts ?? 0}`;

async function gatherOutputs(n: NodeContext, an: ArrayNode, scope: Scope): Promise<void> {
  const inner = an.node!;
  const template =
    inner.target.case === "taskNode" && inner.target.value.reference.case === "referenceId"
      ? indexOf(n).task(inner.target.value.reference.value)
      : undefined;
  // A task's outputs are its template's; other sub-nodes (launch plans) declare theirs elsewhere: the variables the
  // succeeded sub-nodes wrote.
  const vars = template ? Object.keys(template.interface?.outputs?.variables ?? {}) : await writtenVariables(n, scope);
  const none = create(LiteralSchema, { value: { case: "scalar", value: { value: { case: "noneType", value: {} } } } });
  const columns: Record<string, Literal[]> = Object.fromEntries(vars.map((v) => [v, []]));
  for (const id of scope.order) {
    let outputs: Record<string, Literal> = {};
    if (scope.statuses[id]?.phase === "Succeeded" && vars.length > 0) outputs = await subNodeOutputs(n, scope, id);
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

async function writtenVariables(n: NodeContext, scope: Scope): Promise<string[]> {
  const vars = new Set<string>();
  for (const id of scope.order) {
    if (scope.statuses[id]?.phase !== "Succeeded") continue;
    for (const v of Object.keys(await subNodeOutputs(n, scope, id))) vars.add(v);
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

/**
 * A RUNNING event with the sub-nodes changed since the previous one, once `arrayEventIntervalMs` has passed since it
 * (the first at once); until then they wait in `pending`. A later round (at the latest the next poll) sends them.
 */
async function reportProgress(n: NodeContext, st: ArrayNodeStatus, scope: Scope, changed: number[]): Promise<void> {
  const pending = st.pending ? [...new Set([...st.pending, ...changed])].sort((a, b) => a - b) : changed;
  const now = n.exec.now();
  const due = st.reported !== "RUNNING" || now - (st.reportedAt ?? 0) >= n.exec.deps.config.arrayEventIntervalMs;
  if (!due) {
    if (pending.length > 0) st.pending = pending;
    return;
  }
  if (pending.length === 0 && st.reported === "RUNNING") return;
  if (pending.length > 0) st.version++;
  await report(n, st, scope, "RUNNING", pending);
  delete st.pending;
  st.reportedAt = now;
}

/**
 * The array node's task execution event (`container_array` / `k8s-array`), sent when its phase or version moves. A
 * RUNNING event carries the external resources of the sub-nodes that changed since the previous one (`changed`), as
 * upstream's event recorder sends those that had events in the round; admin merges them by (index, retry attempt).
 * The final event carries every sub-node, so that what admin keeps ends complete even if a replayed round's event was
 * taken as already recorded.
 */
async function report(
  n: NodeContext,
  st: ArrayNodeStatus,
  scope: Scope,
  phase: "RUNNING" | "SUCCEEDED" | "FAILED" | "ABORTED",
  changed?: readonly number[],
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
  const resource = (index: number) => {
    const sub = scope.statuses[`n${index}`];
    return {
      externalId: `${name}-n${index}-${sub?.attempts ?? 0}`,
      index,
      retryAttempt: sub?.attempts ?? 0,
      phase: SUB_PHASE[sub?.phase ?? "NotYetStarted"] ?? TaskExecution_Phase.UNDEFINED,
      cacheStatus: CatalogCacheStatus.CACHE_DISABLED,
    };
  };
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
      externalResources: changed ? changed.map(resource) : Array.from({ length: st.size }, (_, i) => resource(i)),
    },
  });
  if (phase === "SUCCEEDED") event.outputResult = { case: "outputUri", value: blobs.uri(outputsKey(n.outputDir())) };
  else if (error) event.outputResult = { case: "error", value: toExecutionError(error, now) };
  await sendTaskEventOf(n, event, phase !== "RUNNING");
  st.reported = phase;
  st.reportedVersion = version;
}
