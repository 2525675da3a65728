// The engine (FlytePropeller's controller in local mode): a work source (WorkflowStore), a key-deduplicated work
// queue, a worker pool, and per key a streak of rounds — traverse, send events, then save (upstream flytepropeller/pkg/controller/controller.go, upstream flytepropeller/pkg/controller/handler.go).
import { create } from "@bufbuild/protobuf";
import { WorkflowExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { BlobStore } from "@aloft/core";
import { workflowDataDir } from "@aloft/core";
import { systemClock, type Clock } from "@aloft/core";
import { Code } from "@aloft/core";
import { silentLogger, type Logger } from "@aloft/core";
import { engineConfig, type EngineConfig } from "../config.ts";
import { activeSetOf, advanceActiveSet, type ActiveSet } from "../executor/active-set.ts";
import { ClosureIndex } from "../executor/closure-index.ts";
import type { EngineDeps, ExecContext } from "../executor/context.ts";
import { EventRejectedError } from "../executor/events.ts";
import {
  deepCopy,
  isTerminalNodePhase,
  isTerminalWorkflowPhase,
  liveChildren,
  statusError,
  type NodeStatus,
  type WorkflowStatus,
} from "../executor/status.ts";
import { endAfterSystemErrors, executeRound } from "../executor/workflow-executor.ts";
import { isOutage } from "../executor/unreachable.ts";
import { isOverlay, nodeMapLevels, plainNodes, settleNodes } from "../executor/node-map.ts";
import type { CatalogPort, ChildExecutionPort, EventSink, RecoveryPort, SignalPort } from "../ports.ts";
import { NOOP_ENGINE_METRICS, isPanic, labelsOf, type EngineMetrics } from "../metrics/engine-metrics.ts";
import { timedPlugin } from "../metrics/timed-plugin.ts";
import type { TaskPlugin } from "../plugins/plugin.ts";
import { PluginRegistry } from "../plugins/registry.ts";
import {
  executionKey,
  type ExecutionKey,
  type ExecutionSpec,
  type StatusChanges,
  type StoredStatus,
  type WorkflowStore,
} from "../store/workflow-store.ts";
import { WorkQueue } from "./work-queue.ts";
import { compareRound } from "./round-change.ts";
import { launchDocument, writeLaunch, type LaunchRequest } from "./launch-writer.ts";

export type { LaunchRequest } from "./launch-writer.ts";

export interface EngineOptions {
  store: WorkflowStore;
  blobs: BlobStore;
  sink: EventSink;
  plugins: PluginRegistry | readonly TaskPlugin[];
  /** Admin's signals, for approve/signal gate nodes. */
  signals?: SignalPort;
  /** Admin's executions, for launch-plan nodes. */
  children?: ChildExecutionPort;
  /** Admin's node executions of the executions being recovered (upstream flytepropeller/pkg/controller/nodes/executor.go). */
  recovery?: RecoveryPort;
  /** The data catalog behind task caching (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go); without it cacheable tasks run uncached. */
  catalog?: CatalogPort;
  clock?: Clock;
  logger?: Logger;
  config?: Partial<EngineConfig>;
  /** Prometheus metrics (upstream flytepropeller/pkg/controller/nodes/executor.go), e.g. createEngineMetrics(registry); without them nothing is measured. */
  metrics?: EngineMetrics;
}

interface Loaded {
  spec: ExecutionSpec;
  index: ClosureIndex;
  /** The last status this instance read or wrote (one writer per execution), so a streak need not re-read it. */
  stored?: StoredStatus;
  /** The primary workflow's active set for `stored` (rebuilt from the status when absent). */
  active?: ActiveSet;
  /** When `stored` is a round's status saved with the next round's: the nodes it changed since the status written. */
  unsaved?: StatusChanges;
  /**
   * The plain node map this instance made for the execution (`settle`), which later saved rounds are settled into in
   * place; a map read from the store is copied once instead (the store may hold it).
   */
  base?: Record<string, NodeStatus>;
}

export class Engine {
  readonly config: EngineConfig;
  readonly #store: WorkflowStore;
  readonly #deps: EngineDeps;
  readonly #metrics: EngineMetrics | undefined;
  #queue: WorkQueue;
  readonly #loaded = new Map<string, Loaded>();
  /** Abort requests made through this instance (the store is read once per streak for the others). */
  readonly #aborts = new Map<string, string>();
  /** Launches being written (two concurrent launches of one execution create it once). */
  readonly #launching = new Map<string, Promise<boolean>>();
  /** Consecutive rounds per execution that failed only because admin (or the store) could not be reached. */
  readonly #unreachable = new Map<string, number>();
  /** Per execution: the nodes whose QUEUED admin took in rounds not saved since (ExecContext.queuedSent). */
  readonly #queuedUnsaved = new Map<string, Set<string>>();
  #workers: Promise<void>[] = [];
  #running = false;
  #resyncTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(opts: EngineOptions) {
    this.config = engineConfig(opts.config);
    this.#store = opts.store;
    const metrics = (this.#metrics = opts.metrics);
    this.#queue = new WorkQueue(metrics);
    this.#deps = {
      blobs: opts.blobs,
      sink: opts.sink,
      plugins:
        opts.plugins instanceof PluginRegistry
          ? opts.plugins
          : new PluginRegistry(metrics ? opts.plugins.map((p) => timedPlugin(p, metrics)) : opts.plugins),
      clock: opts.clock ?? systemClock,
      logger: opts.logger ?? silentLogger(),
      config: this.config,
      wake: (key) => this.#queue.add(key),
    };
    if (opts.signals) this.#deps.signals = opts.signals;
    if (opts.children) this.#deps.children = opts.children;
    if (opts.recovery) this.#deps.recovery = opts.recovery;
    if (opts.catalog) this.#deps.catalog = opts.catalog;
    if (metrics) {
      this.#deps.metrics = metrics;
      metrics.observe({
        freeWorkers: () => (this.#running ? Math.max(0, this.#workers.length - this.#queue.processingCount) : 0),
        queueDepth: () => this.#queue.length,
        unfinishedWorkSeconds: () => this.#queue.unfinishedWorkSeconds(),
        longestRunningSeconds: () => this.#queue.longestRunningSeconds(),
        activeExecutions: () => this.#store.listActive(),
      });
    }
  }

  /** Accepts an execution; launching one that exists is a no-op. Returns whether it was created. */
  async launch(req: LaunchRequest): Promise<boolean> {
    const spec = launchDocument(req, this.#now());
    const key = executionKey(spec.executionId);
    const inFlight = this.#launching.get(key);
    if (inFlight) {
      await inFlight;
      return false;
    }
    const creating = writeLaunch(this.#store, spec);
    this.#launching.set(key, creating);
    try {
      const created = await creating;
      if (created) {
        this.#deps.logger.info({ execution: key }, "execution accepted");
        // The first round need not read back and decode what was just written (seconds for a huge input, issue 9).
        if (!this.#loaded.has(key)) {
          const t0 = performance.now();
          this.#loaded.set(key, { spec, index: new ClosureIndex(spec.closure) });
          this.#metrics?.closureRead(labelsOf(spec), performance.now() - t0);
        }
      }
      this.#queue.add(key);
      return created;
    } finally {
      this.#launching.delete(key);
    }
  }

  /**
   * Requests the abort of an execution; the next round stops its tasks and ends it ABORTED (safe to repeat; a finished
   * execution stays as it is). Returns false for an execution the engine does not know.
   */
  async abort(executionId: ExecutionKey, cause: string): Promise<boolean> {
    const key = executionKey(executionId);
    try {
      if (!(await this.#store.requestAbort(key, cause))) return false;
    } catch (e) {
      // The request cannot be saved (a full disk): abort from memory, so that an operator can still stop what runs.
      // It is lost if this process stops before the round; a repeated terminate after a restart saves it then.
      if (!isOutage(e) || !(await this.#store.getSpec(key).catch(() => undefined))) throw e;
      this.#deps.logger.warn({ execution: key, err: e }, "cannot save the abort request; aborting from memory");
      this.#aborts.set(key, cause);
      this.#queue.add(key);
      return true;
    }
    if (!this.#aborts.has(key)) this.#aborts.set(key, (await this.#store.getAbortRequest(key)) ?? cause);
    this.#queue.add(key);
    return true;
  }

  /**
   * An execution's status as this engine knows it (tests, diagnostics): the stored one, or ahead of it by the rounds
   * that sent no event, which are saved with the next one (#handle).
   */
  async status(executionId: ExecutionKey): Promise<WorkflowStatus | undefined> {
    const key = executionKey(executionId);
    const kept = this.#loaded.get(key)?.stored?.status;
    // A copy: the kept status' node map may be an overlay, and is settled into by later rounds.
    return kept ? { ...kept, nodes: plainNodes(kept.nodes) } : (await this.#store.getStatus(key))?.status;
  }

  /** Starts the workers and resumes every non-terminal execution. */
  async start(): Promise<void> {
    if (this.#running) return;
    if (this.#stopped) this.#queue = new WorkQueue(this.#metrics);
    this.#stopped = false;
    this.#running = true;
    // What this instance knew before a stop may be stale: another engine (a new leader) may have moved it since.
    this.#loaded.clear();
    for (let i = 0; i < this.config.workers; i++) this.#workers.push(this.#work());
    this.#unsubscribe = this.#store.subscribe?.((key) => this.#queue.add(key));
    this.#metrics?.workersStarted();
    await this.#resync();
    if (this.config.resyncIntervalMs > 0) {
      this.#resyncTimer = setInterval(() => {
        this.#resync().catch((err: unknown) => this.#deps.logger.warn({ err }, "resync failed"));
      }, this.config.resyncIntervalMs);
      this.#resyncTimer.unref();
    }
  }

  /** Queues every unfinished execution in the store (the queue drops keys already queued or in progress). */
  async #resync(): Promise<void> {
    for (const key of await this.#store.listActive()) this.#queue.add(key);
  }

  /** Stops taking work and waits for the rounds in progress. Running tasks are left running (a restart resumes). */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#stopped = true;
    if (this.#resyncTimer) clearInterval(this.#resyncTimer);
    this.#resyncTimer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#queue.shutdown();
    await Promise.all(this.#workers);
    this.#workers = [];
    await this.#store.close?.();
  }

  #now(): number {
    return this.#deps.clock.now().getTime();
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await this.#handle(key);
      } catch (e) {
        this.#deps.logger.error({ execution: key, err: e }, "handling execution failed");
        this.#loaded.delete(key); // re-read the stored status: a write may have been lost
        this.#queue.retryAfter(key, this.config.roundErrorBackoffMs);
      } finally {
        this.#metrics?.handled(performance.now() - t0, ok);
        this.#queue.done(key);
      }
      // Let timers and I/O run between keys (rounds over in-memory stores never leave the microtask queue).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async #load(key: string): Promise<Loaded | undefined> {
    let l = this.#loaded.get(key);
    if (!l) {
      const t0 = performance.now();
      const spec = await this.#store.getSpec(key);
      if (!spec) return undefined;
      l = { spec, index: new ClosureIndex(spec.closure) };
      this.#metrics?.closureRead(labelsOf(spec), performance.now() - t0);
      this.#loaded.set(key, l);
    }
    return l;
  }

  /** One streak: rounds until nothing changes, the execution ends, or the streak limit. False when a round failed. */
  async #handle(key: string): Promise<boolean> {
    const loaded = await this.#load(key);
    const kept = loaded?.stored;
    const stored = loaded && (kept ?? (await this.#store.getStatus(key)));
    if (!loaded || !stored) {
      this.#metrics?.roundNotFound();
      return true;
    }
    const m = this.#metrics ?? NOOP_ENGINE_METRICS;
    const labels = labelsOf(loaded.spec);
    // A closure without a primary workflow fails in its first Running round (executeRound), as it always did.
    const graph = loaded.index.closure.primary ? loaded.index.primary() : NO_GRAPH;
    let { status, version } = stored;
    let active = (kept && loaded.active) || activeSetOf(graph, status.nodes);
    let unsaved = kept ? loaded.unsaved : undefined;
    for (let round = 0; round < this.config.maxStreakLength; round++) {
      if (isTerminalWorkflowPhase(status.phase)) {
        if (round === 0) m.roundSkipped();
        this.#forget(key);
        return true;
      }
      if (!this.#running) return true;
      const t0 = performance.now();
      const abortCause = this.#aborts.get(key) ?? (round === 0 ? await this.#store.getAbortRequest(key) : undefined);
      const copying = performance.now();
      const work = workingCopy(status);
      const traversing = performance.now();
      m.deepCopy(traversing - copying);
      const exec = this.#context(key, loaded, work, countActiveTasks(liveStatuses(status, active)));
      exec.active = active;
      exec.queuedSent = this.#queuedUnsaved.get(key) ?? new Set();
      m.streak(labels, 1);
      try {
        await executeRound(exec, abortCause);
      } catch (e) {
        this.#unsaved(key, exec);
        m.roundFailed(labels, { abort: abortCause !== undefined, panic: isPanic(e) });
        await this.#roundFailed(key, loaded, status, version, e, abortCause);
        return false;
      }
      if (this.#unreachable.delete(key)) this.#deps.logger.info({ execution: key }, "reachable again; events replayed");
      m.roundTraversed(labels, performance.now() - traversing);
      const { next, changed } = advanceActiveSet(active, graph, status.nodes, work.nodes);
      const moved = compareRound(status, work, changed);
      if (moved === "same") {
        m.roundTimed(labels, performance.now() - t0);
        this.#queue.addAfter(key, this.config.pollIntervalMs);
        return true;
      }
      const progressed = moved === "progressed";
      const wasRunning = status.phase === "Running";
      work.lastUpdatedAt = this.#now();
      if (work.failedAttempts > 0) {
        work.failedAttempts = 0;
        delete work.message;
      }
      const changes = roundChanges(unsaved, status, work);
      // A round that sent no event and left the workflow's phase (nodes finalised after their end was reported, a
      // retry's clean-up) is saved with the next round that sends one, not on its own: replayed from the status saved
      // before it, it sends nothing and redoes what it did (a finalize is redone after any lost save), so the replay
      // still sends exactly the events of the last round. A chain node then costs one status write, not two.
      if (!progressed || exec.sent || work.phase !== status.phase) {
        try {
          version = await this.#store.updateStatus(key, work, version, changes);
        } catch (e) {
          this.#unsaved(key, exec);
          throw e;
        }
        settle(loaded, work);
        this.#queuedUnsaved.delete(key);
        unsaved = undefined;
      } else {
        unsaved = changes;
        // Overlays of unsaved rounds stack up until a save settles them; a long run of them is made plain.
        if (isOverlay(work.nodes) && nodeMapLevels(work.nodes).length > MAX_UNSAVED_LEVELS) {
          work.nodes = loaded.base = plainNodes(work.nodes);
        }
      }
      status = work;
      active = next;
      loaded.stored = { status, version };
      loaded.active = active;
      if (unsaved) loaded.unsaved = unsaved;
      else delete loaded.unsaved;
      m.roundTimed(labels, performance.now() - t0);
      // Only plugin state moved (a task still running): save it, but wait for the next poll like an unchanged round.
      if (!progressed && !isTerminalWorkflowPhase(status.phase)) {
        this.#queue.addAfter(key, this.config.pollIntervalMs);
        return true;
      }
      // Progress, but nothing the next round would move without an outside event (a task's exit wakes the
      // execution; timers are the poll's): that round would visit every running node to find nothing new.
      if (!exec.restless && wasRunning && status.phase === "Running") {
        this.#queue.addAfter(key, this.config.pollIntervalMs);
        return true;
      }
    }
    if (isTerminalWorkflowPhase(status.phase)) this.#forget(key);
    else this.#queue.add(key);
    return true;
  }

  /** The round's work is not saved: it is replayed, without the QUEUED events admin took (recordNodeEvent). */
  #unsaved(key: string, exec: ExecContext): void {
    if (exec.queuedSent?.size) this.#queuedUnsaved.set(key, exec.queuedSent);
  }

  #forget(key: string): void {
    this.#queuedUnsaved.delete(key);
    this.#unreachable.delete(key);
    this.#loaded.delete(key);
    this.#aborts.delete(key);
  }

  async #roundFailed(
    key: string,
    loaded: Loaded,
    status: WorkflowStatus,
    version: number,
    e: unknown,
    abortCause: string | undefined,
  ): Promise<void> {
    const message = e instanceof Error ? e.message : String(e);
    if (isOutage(e)) return this.#waitForReachable(key, e);
    this.#unreachable.delete(key);
    this.#deps.logger.warn({ execution: key, err: e }, "round failed");
    const next = workingCopy(status);
    next.failedAttempts = (status.failedAttempts ?? 0) + 1;
    next.message = message;
    // Admin does not know the execution (upstream flytepropeller/events/admin_eventsink.go): fail it; the abort of its nodes tolerates NOT_FOUND answers.
    if (
      e instanceof EventRejectedError &&
      e.code === Code.NOT_FOUND &&
      next.phase !== "Ready" &&
      next.phase !== "Failing"
    ) {
      next.phase = "Failing";
      next.error = statusError("SYSTEM", "ExecutionNotFound", message);
    }
    if (next.failedAttempts > this.config.maxWorkflowRetries) {
      const exec = this.#context(key, loaded, next, 0);
      try {
        await endAfterSystemErrors(exec, next.failedAttempts, this.config.maxWorkflowRetries, message, abortCause);
      } catch (err) {
        this.#deps.logger.error({ execution: key, err }, "failing the execution after system errors failed");
      }
    }
    loaded.stored = { status: next, version: await this.#store.updateStatus(key, next, version) };
    settle(loaded, next);
    delete loaded.active; // the aborts above may have moved nodes: derive it again from the status
    delete loaded.unsaved;
    if (isTerminalWorkflowPhase(next.phase)) return this.#forget(key);
    const backoff = Math.min(
      this.config.roundErrorBackoffMs * 2 ** (next.failedAttempts - 1),
      this.config.roundErrorBackoffMaxMs,
    );
    this.#queue.retryAfter(key, backoff);
  }

  /**
   * Admin (or the store) is unreachable, or the disk is full: the round's work is dropped unsaved and replayed once it answers again —
   * events are idempotent and task processes are adopted from their records, so nothing is lost or run twice. This
   * never counts against the execution's system-retry budget: a task that exited 0 while admin was down still
   * succeeds (issue 9). Backoff doubles up to roundErrorBackoffMaxMs; the wait has no end, like propeller's.
   */
  #waitForReachable(key: string, e: unknown): void {
    const n = (this.#unreachable.get(key) ?? 0) + 1;
    this.#unreachable.set(key, n);
    if (n === 1 || n % 50 === 0) {
      this.#deps.logger.warn(
        { execution: key, err: e, rounds: n },
        "admin or storage unavailable (or full); waiting to replay the round",
      );
    }
    const backoff = Math.min(
      this.config.roundErrorBackoffMs * 2 ** Math.min(n - 1, 20),
      this.config.roundErrorBackoffMaxMs,
    );
    this.#queue.retryAfter(key, backoff);
  }

  #context(key: string, loaded: Loaded, status: WorkflowStatus, activeTasks: number): ExecContext {
    const id = loaded.spec.executionId;
    return {
      deps: this.#deps,
      key,
      spec: loaded.spec,
      executionId: create(WorkflowExecutionIdentifierSchema, id),
      index: loaded.index,
      wfDir: workflowDataDir(id, this.config.metadataPrefix),
      status,
      eventVersion: loaded.spec.spec.eventVersion ?? this.config.eventVersion,
      activeTasks,
      outputsCache: new Map(),
      now: () => this.#now(),
    };
  }
}

const NO_GRAPH = { order: [], upstream: new Map<string, string[]>(), downstream: new Map<string, string[]>() };

/** The started, unfinished top-level nodes (finished statuses are never rewritten). */
function liveStatuses(s: WorkflowStatus, active: ActiveSet): NodeStatus[] {
  const out: NodeStatus[] = [];
  for (const id of active.live) {
    const n = s.nodes[id];
    if (n) out.push(n);
  }
  return out;
}

/**
 * A round's working copy. Node statuses are copied on write by the node executor (dag-executor.ts); the node map is
 * an overlay of the round's own (its writes) over the status' (reads fall through; `node-map.ts`), settled by
 * `settle` only once the round is saved: a round that changes nothing copies nothing. Nothing in a round lists the
 * map's keys.
 */
function workingCopy(s: WorkflowStatus): WorkflowStatus {
  const copy: WorkflowStatus = { ...s, nodes: Object.create(s.nodes) as Record<string, NodeStatus> };
  if (s.failureNode) copy.failureNode = deepCopy(s.failureNode);
  return copy;
}

/**
 * The top-level nodes a round wrote (its overlay's own keys: nested scopes and array elements live inside their
 * top-level status, which the round copied to change them), with those of the unsaved rounds before it, since the
 * status last written; none when the round replaced the node map (the store then compares every node status).
 */
function roundChanges(
  unsaved: StatusChanges | undefined,
  status: WorkflowStatus,
  work: WorkflowStatus,
): StatusChanges | undefined {
  if (Object.getPrototypeOf(work.nodes) !== status.nodes) return undefined;
  const nodes = new Set(unsaved?.nodes);
  for (const id of Object.keys(work.nodes)) nodes.add(id);
  return { since: unsaved?.since ?? status, nodes };
}

/** Unsaved rounds whose overlays may stack before their map is made plain (a save settles them first). */
const MAX_UNSAVED_LEVELS = 8;

/**
 * A saved round's node map made plain: its overlays (the round's, and those of the unsaved rounds before it) are
 * written into the plain map below them in place when this instance made that map — O(nodes written), not O(nodes);
 * the statuses of the rounds before are not used again, and a failed save never gets here, so the status it is
 * replayed from is untouched — else into a new map, which later rounds settle into. A round that ended the execution
 * replaced the map (terminal statuses keep no nodes).
 */
function settle(loaded: Loaded, work: WorkflowStatus): void {
  if (!isOverlay(work.nodes)) return;
  const bottom = nodeMapLevels(work.nodes)[0]!;
  work.nodes = bottom === loaded.base ? settleNodes(work.nodes, bottom) : (loaded.base = plainNodes(work.nodes));
}

/** Task nodes queued or running (bounded by maxParallelism), through nested nodes. */
function countActiveTasks(nodes: Iterable<NodeStatus>): number {
  let n = 0;
  for (const s of nodes) {
    if (s.task && !isTerminalNodePhase(s.phase)) n++;
    else if (s.phase === "Queued" && !s.children) n++;
    if (s.children) n += countActiveTasks(liveChildren(s));
  }
  return n;
}
