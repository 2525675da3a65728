// EngineMetrics on a prom-client Registry, named as flytepropeller names them on the wire (scope `flyte:propeller:all:`,
// colons kept; labeled metrics carry project/domain/wf and, where upstream emits one, an `_unlabeled` twin). Timings
// are histograms (upstream: summaries) under upstream's names and units, so that they aggregate across engines.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { EngineMetrics, EngineView, EventKind, WorkflowLabels } from "./engine-metrics.ts";
import { FastHistogram } from "./fast-histogram.ts";

export const ENGINE_METRICS_PREFIX = "flyte:propeller:all:";

const LABELS = ["project", "domain", "wf"] as const;
type Label = (typeof LABELS)[number];

/** Milliseconds, for steps of a round (traversal, event recording, input resolution). */
const MS_STEP = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/** Milliseconds, for phases of executions and nodes (queueing, durations): up to a day. */
const MS_PHASE = [
  10, 50, 100, 500, 1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 43_200_000,
  86_400_000,
];
/** Microseconds, for one node visit or one plugin call. */
const US = [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, 5_000_000];
/** Seconds, for the work queue (client-go observes seconds despite the `_us` names). */
const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const NO_LABELS = {};

/**
 * A labeled timing (upstream labeled.StopWatch): `<name>_<unit>` by project/domain/wf, and `<name>_unlabeled_<unit>`.
 * Observed several times per node, so on FastHistogram (the labels are labelsOf's one object per execution).
 */
class Watch {
  readonly #labeled: FastHistogram;
  readonly #unlabeled: FastHistogram | undefined;
  constructor(r: Registry, name: string, unit: string, help: string, buckets: number[], unlabeled = true) {
    this.#labeled = new FastHistogram({
      name: `${ENGINE_METRICS_PREFIX}${name}_${unit}`,
      help,
      labelNames: LABELS,
      buckets,
      registers: [r],
    });
    if (unlabeled) {
      this.#unlabeled = new FastHistogram({
        name: `${ENGINE_METRICS_PREFIX}${name}_unlabeled_${unit}`,
        help,
        buckets,
        registers: [r],
      });
    }
  }
  observe(l: WorkflowLabels, v: number): void {
    this.#labeled.observe(l as unknown as Record<Label, string>, v);
    this.#unlabeled?.observe(NO_LABELS, v);
  }
}

/** A labeled counter (upstream labeled.Counter): `<name>` by project/domain/wf, and `<name>_unlabeled`. */
class Count {
  readonly #labeled: Counter<Label>;
  readonly #unlabeled: Counter | undefined;
  constructor(r: Registry, name: string, help: string, unlabeled = true) {
    this.#labeled = new Counter({ name: `${ENGINE_METRICS_PREFIX}${name}`, help, labelNames: LABELS, registers: [r] });
    if (unlabeled)
      this.#unlabeled = new Counter({ name: `${ENGINE_METRICS_PREFIX}${name}_unlabeled`, help, registers: [r] });
  }
  inc(l: WorkflowLabels, v = 1): void {
    this.#labeled.inc(l as unknown as Record<Label, string>, v);
    this.#unlabeled?.inc(v);
  }
}

const counter = (r: Registry, name: string, help: string) =>
  new Counter({ name: ENGINE_METRICS_PREFIX + name, help, registers: [r] });
const histogram = (r: Registry, name: string, help: string, buckets: number[]) =>
  new Histogram({ name: ENGINE_METRICS_PREFIX + name, help, buckets, registers: [r] });

const created = new WeakMap<Registry, EngineMetrics>();

/**
 * The engine's metrics on `registry` (admin's in `aloft start`, its own in `aloft engine`). One set per registry: a
 * second call returns the first set (an engine restarted in the same process), its gauges then read the newest engine.
 */
export function createEngineMetrics(registry: Registry): EngineMetrics {
  let m = created.get(registry);
  if (!m) {
    m = register(registry);
    created.set(registry, m);
  }
  return m;
}

function register(r: Registry): EngineMetrics {
  let view: EngineView | undefined;
  const gauge = (name: string, help: string, read: (v: EngineView) => number) =>
    new Gauge({
      name: ENGINE_METRICS_PREFIX + name,
      help,
      registers: [r],
      collect() {
        this.set(view ? read(view) : 0);
      },
    });
  gauge("free_workers_count", "Number of workers free", (v) => v.freeWorkers());
  gauge("main_depth", "Current depth of workqueue: main", (v) => v.queueDepth());
  gauge("main_unfinished_work_s", "How many seconds of work in progress in workqueue: main", (v) =>
    v.unfinishedWorkSeconds(),
  );
  gauge(
    "main_longest_running_processor_us",
    "How long the longest running processor of workqueue main has run (seconds)",
    (v) => v.longestRunningSeconds(),
  );
  new Gauge({
    name: `${ENGINE_METRICS_PREFIX}collector:flyteworkflow`,
    help: "Executions not finished yet, by project and domain",
    labelNames: ["project", "domain"],
    registers: [r],
    async collect() {
      this.reset();
      if (!view) return;
      const counts = new Map<string, number>();
      for (const key of await view.activeExecutions()) {
        const [project = "", domain = ""] = key.split("/");
        const k = `${project}/${domain}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      for (const [k, n] of counts) {
        const [project = "", domain = ""] = k.split("/");
        this.set({ project, domain }, n);
      }
    },
  });

  const workersRestarted = counter(r, "workers_restarted", "Propeller worker-pool was restarted");
  const adds = counter(r, "main_adds", "Total number of adds handled by workqueue: main");
  const retries = counter(r, "main_retries", "Total number of retries handled by workqueue: main");
  const queueLatency = histogram(
    r,
    "main_queue_latency_us",
    "How long an item stays in workqueue main before being requested (seconds)",
    SECONDS,
  );
  const workDuration = histogram(
    r,
    "main_work_duration_us",
    "How long processing an item from workqueue main takes (seconds)",
    SECONDS,
  );

  const roundTotal = histogram(
    r,
    "round:round_total_ms",
    "Latency per round (one handling of a key: a streak of rounds)",
    MS_STEP,
  );
  const roundSuccess = counter(r, "round:success_count", "Round succeeded");
  const roundError = counter(r, "round:error_count", "Round failed");
  const skipped = counter(r, "round:skipped", "Round skipped because the workflow already terminated");
  const notFound = counter(r, "round:not_found", "Workflow not found in the store");
  const deepCopy = histogram(r, "round:deepcopy_ms", "Total time to copy the workflow status for a round", MS_STEP);
  const raw = new Watch(r, "round:raw", "ms", "Total time to traverse the workflow", MS_STEP);
  const roundTime = new Watch(
    r,
    "round:round_time",
    "ms",
    "Total time taken by one round traversing, copying and storing a workflow",
    MS_STEP,
  );
  const closureRead = new Watch(
    r,
    "round:closure_read",
    "ms",
    "Total time taken to read the workflow closure",
    MS_STEP,
  );
  const streak = new Count(r, "round:streak_length", "Number of consecutive rounds used in fast follow mode");
  const systemError = new Count(r, "round:system_error", "Failure to reconcile a workflow, system error");
  const abortError = new Count(r, "round:abort_error", "Failure to abort a workflow, system error");
  const panic = new Count(r, "round:panic", "Programming error (upstream: panic) during handling or aborting workflow");

  const accepted = new Count(r, "workflow:accepted", "Number of workflows accepted by propeller", false);
  const acceptance = new Watch(
    r,
    "workflow:acceptance_latency",
    "ms",
    "Delay between workflow creation and moving it to running state.",
    MS_PHASE,
  );
  const completion = new Watch(
    r,
    "workflow:completion_latency",
    "ms",
    "Time between the end node finishing and the workflow moving to a terminal state",
    MS_PHASE,
  );
  const wfSuccess = new Watch(
    r,
    "workflow:success_duration",
    "ms",
    "Indicates the total execution time of a successful workflow.",
    MS_PHASE,
  );
  const wfFailure = new Watch(
    r,
    "workflow:failure_duration",
    "ms",
    "Indicates the total execution time of a failed workflow.",
    MS_PHASE,
  );
  const wfAborted = new Count(r, "workflow:workflow_aborted", "Indicates an inprogress execution was aborted");
  const wfCompleted = new Counter({
    name: `${ENGINE_METRICS_PREFIX}workflow:completed`,
    help: "Executions ended, by terminal phase (Aloft)",
    labelNames: ["project", "domain", "phase"],
    registers: [r],
  });

  const nodeExec = new Watch(
    r,
    "node:node_exec_latency",
    "us",
    "Measures the time taken to execute one node, a node can be complex so it may encompass sub-node latency.",
    US,
  );
  const nodeInput = new Watch(
    r,
    "node:node_input_latency",
    "ms",
    "Measures the latency to aggregate inputs and check readiness of a node",
    MS_STEP,
  );
  const resolveFail = new Count(r, "node:input_resolve_fail", "Indicates failure in resolving node inputs", false);
  const transition = new Watch(
    r,
    "node:transition_latency",
    "ms",
    "Measures the latency between the last parent node stoppedAt time and current node's queued time.",
    MS_PHASE,
  );
  const queueing = new Watch(
    r,
    "node:queueing_latency",
    "ms",
    "Measures the latency between the time a node's been queued to the time the handler reported the executable moved to running state",
    MS_PHASE,
  );
  const nodeSuccess = new Watch(
    r,
    "node:success_duration",
    "ms",
    "Indicates the total execution time of a successful node.",
    MS_PHASE,
  );
  const nodeFailure = new Watch(
    r,
    "node:failure_duration",
    "ms",
    "Indicates the total execution time of a failed node.",
    MS_PHASE,
  );
  const recovery = new Watch(
    r,
    "node:recovery_duration",
    "ms",
    "Indicates the total execution time of a recovered node.",
    MS_PHASE,
  );
  const timeoutFail = new Count(r, "node:timeout_fail", "Indicates failure due to timeout", false);
  const errorDuration = {
    USER: new Watch(
      r,
      "node:user_error_duration",
      "ms",
      "Indicates the total execution time before user error",
      MS_PHASE,
    ),
    SYSTEM: new Watch(
      r,
      "node:system_error_duration",
      "ms",
      "Indicates the total execution time before system error",
      MS_PHASE,
    ),
    UNKNOWN: new Watch(
      r,
      "node:unknown_error_duration",
      "ms",
      "Indicates the total execution time before unknown error",
      MS_PHASE,
    ),
  };
  const permaErrorDuration = {
    USER: new Watch(
      r,
      "node:perma_user_error_duration",
      "ms",
      "Indicates the total execution time before non recoverable user error",
      MS_PHASE,
    ),
    SYSTEM: new Watch(
      r,
      "node:perma_system_error_duration",
      "ms",
      "Indicates the total execution time before non recoverable system error",
      MS_PHASE,
    ),
    UNKNOWN: new Watch(
      r,
      "node:perma_unknown_error_duration",
      "ms",
      "Indicates the total execution time before non recoverable unknown error",
      MS_PHASE,
    ),
  };
  const nodeCompleted = new Counter({
    name: `${ENGINE_METRICS_PREFIX}node:completed`,
    help: "Nodes ended, by outcome (Aloft)",
    labelNames: ["project", "domain", "phase"],
    registers: [r],
  });
  const discovery = {
    HIT: new Count(r, "discovery_hit_count", "Task cached in Discovery", false),
    MISS: new Count(r, "discovery_miss_count", "Task not cached in Discovery", false),
    SKIPPED: new Count(r, "discovery_skip_count", "Task cached skipped in Discovery", false),
    POPULATED: new Count(r, "discovery_put_success_count", "Discovery Put success count", false),
    PUT_FAILURE: new Count(r, "discovery_put_failure_count", "Discovery Put failure count", false),
  };

  const recording = (kind: EventKind) => ({
    success: new Watch(
      r,
      `${kind}:event_recording:success_duration`,
      "ms",
      "The time it took for a successful event recording to occur",
      MS_STEP,
      false,
    ),
    failure: new Watch(
      r,
      `${kind}:event_recording:failure_duration`,
      "ms",
      "The time it took the failed event recording to occur",
      MS_STEP,
      false,
    ),
    alreadyExists: new Count(
      r,
      `${kind}:event_recording:already_exists`,
      "The count that a recorded event already exists",
      false,
    ),
  });
  const events = { workflow: recording("workflow"), node: recording("node"), task: recording("task") };
  const pluginLatency = new Histogram({
    name: `${ENGINE_METRICS_PREFIX}plugin_exec_latency_us`,
    help: "Time taken to invoke plugin for one round, by plugin and result",
    labelNames: ["plugin", "ok"],
    buckets: US,
    registers: [r],
  });

  return {
    observe: (v) => {
      view = v;
    },
    workersStarted: () => workersRestarted.inc(),
    queueAdded: () => adds.inc(),
    queueRetried: () => retries.inc(),
    queueLatency: (s) => queueLatency.observe(s),
    queueWorkDuration: (s) => workDuration.observe(s),
    handled: (ms, ok) => {
      roundTotal.observe(ms);
      (ok ? roundSuccess : roundError).inc();
    },
    streak: (l, n) => streak.inc(l, n),
    roundSkipped: () => skipped.inc(),
    roundNotFound: () => notFound.inc(),
    closureRead: (l, ms) => closureRead.observe(l, ms),
    deepCopy: (ms) => deepCopy.observe(ms),
    roundTraversed: (l, ms) => raw.observe(l, ms),
    roundTimed: (l, ms) => roundTime.observe(l, ms),
    roundFailed: (l, f) => {
      systemError.inc(l);
      if (f.abort) abortError.inc(l);
      if (f.panic) panic.inc(l);
    },
    workflowAccepted: (l, ms) => {
      accepted.inc(l);
      acceptance.observe(l, ms);
    },
    workflowCompleting: (l, ms) => completion.observe(l, ms),
    workflowAborted: (l) => wfAborted.inc(l),
    workflowEnded: (l, outcome, ms) => {
      wfCompleted.inc({ project: l.project, domain: l.domain, phase: outcome });
      if (ms === undefined) return;
      if (outcome === "Success") wfSuccess.observe(l, ms);
      else if (outcome === "Failed") wfFailure.observe(l, ms);
    },
    nodeVisited: (l, us) => nodeExec.observe(l, us),
    nodeInputsResolved: (l, ms, ok) => {
      nodeInput.observe(l, ms);
      if (!ok) resolveFail.inc(l);
    },
    nodeQueued: (l, ms) => {
      if (ms !== undefined) transition.observe(l, ms);
    },
    nodeStarted: (l, ms) => queueing.observe(l, ms),
    nodeAttemptFailed: (l, kind, permanent, ms) => {
      if (ms !== undefined) (permanent ? permaErrorDuration : errorDuration)[kind].observe(l, ms);
    },
    nodeEnded: (l, outcome, ms, cache) => {
      nodeCompleted.inc({ project: l.project, domain: l.domain, phase: outcome });
      if (outcome === "TimedOut") timeoutFail.inc(l);
      if (cache && cache !== "DISABLED") discovery[cache].inc(l);
      if (ms === undefined) return;
      if (outcome === "Succeeded") nodeSuccess.observe(l, ms);
      else if (outcome === "Failed") nodeFailure.observe(l, ms);
      else if (outcome === "Recovered") recovery.observe(l, ms);
    },
    eventRecorded: (l, kind, ok, ms, alreadyExists) => {
      const e = events[kind];
      (ok ? e.success : e.failure).observe(l, ms);
      if (alreadyExists) e.alreadyExists.inc(l);
    },
    pluginHandled: (plugin, us, ok) => pluginLatency.observe({ plugin, ok: ok ? "true" : "false" }, us),
  };
}
