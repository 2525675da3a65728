// Task nodes (upstream flytepropeller/pkg/controller/nodes/task/handler.go): drive the plugin of the task type, report task events on every phase/version change, check the
// outputs after success, and map plugin phases to node transitions.
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { deckKey, futuresKey } from "@aloft/core";
import { fromExecutionError, statusError, type StatusError } from "../executor/status.ts";
import { isOutage } from "../executor/unreachable.ts";
import type { PluginPhase, PluginStatus, TaskPlugin } from "../plugins/plugin.ts";
import { indexOf, type NodeContext, type NodeHandler, type Transition } from "./handler.ts";
import { taskExecutionContext } from "./task-context.ts";
import { sendTaskEvent } from "./task-events.ts";
import { validateTaskOutputs } from "./task-outputs.ts";

const FINISHED: ReadonlySet<PluginPhase> = new Set(["Success", "RetryableFailure", "PermanentFailure", "Aborted"]);
/** Phases after which a RUNNING task event has been (or never needs to be) sent. */
const SEEN_RUNNING: ReadonlySet<PluginPhase> = new Set(["Running", ...FINISHED]);

type Resolved = { template: TaskTemplate; plugin: TaskPlugin } | { error: StatusError };

function resolveTask(n: NodeContext): Resolved {
  const target = n.node.target;
  if (target.case !== "taskNode" || target.value.reference.case !== "referenceId") {
    return { error: statusError("SYSTEM", "BadSpecificationError", `node ${n.node.id} has no task reference`) };
  }
  const template = indexOf(n).task(target.value.reference.value);
  if (!template) {
    return { error: statusError("SYSTEM", "BadSpecificationError", `task of node ${n.node.id} is not in the closure`) };
  }
  const plugin = n.exec.deps.plugins.resolve(template.type, n.exec.spec.spec.taskPluginImpls);
  if (!plugin) {
    return { error: statusError("SYSTEM", "UnsupportedTaskType", `no plugin handles task type [${template.type}]`) };
  }
  return { template, plugin };
}

export const taskHandler: NodeHandler = {
  finalizeRequired: true,

  async handle(n: NodeContext): Promise<Transition> {
    const r = resolveTask(n);
    if ("error" in r) return { phase: "Failed", error: r.error };
    const ctx = taskExecutionContext(n, r.template);
    const prev = n.status.task ?? { phase: "Undefined" as PluginPhase, version: 0 };
    let ps: PluginStatus;
    let state = prev.state;
    try {
      const out = await r.plugin.handle(ctx, prev.state);
      ps = out.status;
      state = out.state;
    } catch (e) {
      // Admin or storage away, or the disk full: the round waits and replays; the attempt is not the task's failure.
      if (isOutage(e)) throw e;
      ps = { phase: "RetryableFailure", version: 0, reason: "plugin error" };
      return finishHandle(n, r, ctx, prev, ps, state, statusError("SYSTEM", "PluginError", (e as Error).message));
    }
    let error = ps.error ? fromExecutionError(ps.error) : undefined;
    if (ps.phase === "Success") {
      const blobs = n.exec.deps.blobs;
      const written = ps.outputFiles;
      const exists = (key: string, name: string) => (written ? Promise.resolve(name in written) : blobs.exists(key));
      const deck = deckKey(n.outputDir());
      if (await exists(deck, "deck.html")) n.deckUri = blobs.uri(deck);
      if (await exists(futuresKey(n.outputDir()), "futures.pb")) {
        const t = await finishHandle(n, r, ctx, prev, ps, state, undefined);
        return { ...t, futures: true };
      }
      const check = await validateTaskOutputs(n, r.template, written);
      if (!check.ok) {
        ps = { ...ps, phase: check.recoverable ? "RetryableFailure" : "PermanentFailure" };
        error = check.error;
      }
    }
    if (ps.version > n.exec.deps.config.maxPluginPhaseVersions) {
      ps = { ...ps, phase: "PermanentFailure" };
      error = statusError(
        "SYSTEM",
        "TooManyPluginPhaseVersions",
        `plugin phase version ${ps.version} exceeds the maximum`,
      );
    }
    return finishHandle(n, r, ctx, prev, ps, state, error);
  },

  async abort(n: NodeContext, reason: string): Promise<void> {
    const st = n.status.task;
    if (!st || FINISHED.has(st.phase)) return;
    const r = resolveTask(n);
    if ("error" in r) return;
    const ctx = taskExecutionContext(n, r.template);
    await r.plugin.abort(ctx, st.state, reason);
    const aborted: PluginStatus = { phase: "Aborted", version: 0, reason };
    await sendTaskEvent(n, ctx, r.plugin.id, aborted, statusError("UNKNOWN", "Task Aborted", reason));
    st.phase = "Aborted";
    st.version = 0;
  },

  async finalize(n: NodeContext): Promise<void> {
    const st = n.status.task;
    if (!st) return;
    const r = resolveTask(n);
    if ("error" in r) return;
    await r.plugin.finalize(taskExecutionContext(n, r.template), st.state);
  },
};

async function finishHandle(
  n: NodeContext,
  r: { template: TaskTemplate; plugin: TaskPlugin },
  ctx: ReturnType<typeof taskExecutionContext>,
  prev: { phase: PluginPhase; version: number },
  ps: PluginStatus,
  state: Record<string, unknown> | undefined,
  error: StatusError | undefined,
): Promise<Transition> {
  const failed = ps.phase === "RetryableFailure" || ps.phase === "PermanentFailure";
  if (failed && !error) error = statusError("UNKNOWN", "UnknownError", ps.reason ?? "task failed");
  if (ps.phase !== prev.phase || ps.version !== prev.version) {
    if (FINISHED.has(ps.phase) && ps.startedAt && !SEEN_RUNNING.has(prev.phase)) {
      // The task ran and ended between two looks: report the RUNNING we missed, at the time it started.
      await sendTaskEvent(n, ctx, r.plugin.id, {
        phase: "Running",
        version: 0,
        reason: "task started",
        occurredAt: ps.startedAt,
      });
    }
    await sendTaskEvent(n, ctx, r.plugin.id, ps, error);
  }
  n.status.task =
    state === undefined ? { phase: ps.phase, version: ps.version } : { phase: ps.phase, version: ps.version, state };
  switch (ps.phase) {
    case "Success":
      return { phase: "Success" };
    case "RetryableFailure":
      return { phase: "RetryableFailure", ...(error ? { error } : {}) };
    case "PermanentFailure":
      return { phase: "Failed", ...(error ? { error } : {}) };
    default:
      return r.plugin.wakes ? { phase: "Running", quiet: true } : { phase: "Running" };
  }
}
