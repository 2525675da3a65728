// runLocal: run a task or a workflow in this process with no server — the real engine over an in-memory store and
// blob store, tasks called directly through the entrypoint core — and get typed outputs back.
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { getMessage } from "@aloft/core";
import { MemoryBlobStore } from "@aloft/core";
import type { BlobStore } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { Engine } from "@aloft/engine";
import { isTerminalWorkflowPhase } from "@aloft/engine";
import { MemoryWorkflowStore } from "@aloft/engine";
import { executionKey } from "@aloft/engine";
import type { EventSink } from "@aloft/engine";
import type { ExecutionSpec, StoredStatus, WorkflowStatus } from "@aloft/engine";
import type { TaskPlugin } from "@aloft/engine";
import { fromLiteralMap, toLiteralMap } from "@aloft/sdk";
import type { TypeMap, ValuesOf } from "@aloft/sdk";
import { workflow, type TaskDef, type DynamicDef, type LaunchPlanDef, type WorkflowDef } from "@aloft/sdk";
import { nameEntities, Serializer } from "@aloft/sdk";
import { compileAll, launchPlanRefInterfaces } from "@aloft/sdk";
import { InProcessPlugin } from "./in-process-plugin.ts";
import { LocalChildren, localSignals, type LocalLaunchPlan, type SignalValue } from "./local-ports.ts";

export const LOCAL_MODULE = "<runLocal>";

export interface RunLocalOptions {
  /** Blob store for data (default: in memory). */
  blobs?: BlobStore;
  /** Task plugins to use instead of the in-process one (e.g. warm workers); they get `module` in templates. */
  plugins?: (load: (m: string) => Promise<Record<string, unknown>>) => TaskPlugin[];
  /** Module path written into task templates (default `<runLocal>`, resolved in process). */
  module?: string;
  /** Export names for entities, when the module's exports are known (lets other plugins load tasks by name). */
  exports?: Record<string, unknown>;
  /** Event sink (default: discards events). */
  sink?: EventSink;
  executionName?: string;
  /** Values of gate signals by signal id (approvals: booleans). A gate whose signal is absent waits. */
  signals?: Record<string, SignalValue>;
}

/**
 * runLocal's workflow store: in memory, keeping each saved status as the object the engine saved (a round works on a
 * copy; the engine only settles the saved status' node map after the save, and into that map again after the next
 * save, which replaces it here) rather than as JSON — the memory store's stringify of the whole
 * status on every save is O(elements) per round, O(N²) for a map — and telling runLocal when the execution's status
 * is saved terminal, so that it need not read the status every millisecond.
 */
class LocalStore extends MemoryWorkflowStore {
  readonly #statuses = new Map<string, StoredStatus>();
  readonly #ended = new Set<string>();
  readonly #onEnd = new Map<string, () => void>();

  override async create(spec: ExecutionSpec, status: WorkflowStatus): Promise<boolean> {
    if (!(await super.create(spec, status))) return false;
    this.#statuses.set(executionKey(spec.executionId), { status: structuredClone(status), version: 1 });
    return true;
  }

  override async getStatus(key: string): Promise<StoredStatus | undefined> {
    return this.#statuses.get(key);
  }

  override async updateStatus(key: string, status: WorkflowStatus, expectedVersion: number): Promise<number> {
    const e = this.#statuses.get(key);
    if (!e) throw new AloftError(Code.NOT_FOUND, "engine.workflow_not_found", `execution ${key} not found`);
    if (e.version !== expectedVersion)
      throw new AloftError(Code.ABORTED, "engine.workflow_conflict", `execution ${key} was updated concurrently`);
    const version = e.version + 1;
    this.#statuses.set(key, { status, version });
    this.writes += 1;
    if (isTerminalWorkflowPhase(status.phase)) {
      this.#ended.add(key);
      this.#onEnd.get(key)?.();
    }
    return version;
  }

  override async listActive(): Promise<string[]> {
    const out: string[] = [];
    for (const [key, e] of this.#statuses) if (!isTerminalWorkflowPhase(e.status.phase)) out.push(key);
    return out.sort();
  }

  /** Resolves once a terminal status of execution `key` is saved, or after `ms`. */
  waitForEnd(key: string, ms: number): Promise<void> {
    if (this.#ended.has(key)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#onEnd.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#onEnd.set(key, done);
    });
  }
}

/**
 * The engine's poll: tasks wake their execution when they end (JobPlugin), so polling only paces what nothing wakes
 * (sleeps, child executions). At 1 ms the engine ran a round over every running task each millisecond, as much work
 * again as a map's tasks.
 */
const POLL_MS = 10;

/** At the latest this often runLocal reads the status anyway (a terminal status written some other way). */
const STATUS_POLL_MS = 100;

const discard: EventSink = { workflowEvent: async () => {}, nodeEvent: async () => {}, taskEvent: async () => {} };

export async function runLocal<I extends TypeMap, O extends TypeMap>(
  entity: WorkflowDef<I, O> | TaskDef<I, O> | DynamicDef<I, O>,
  inputs: ValuesOf<I>,
  options: RunLocalOptions = {},
): Promise<ValuesOf<O>> {
  const wf: WorkflowDef<I, O> =
    entity.kind === "workflow"
      ? entity
      : workflow(
          { name: `${entity.options.name ?? "task"}-wf`, inputs: entity.inputs, outputs: entity.outputs },
          (b, ins) => b.call(entity, ins as never) as never,
        );
  const names = nameEntities(options.exports ?? {});
  const ser = new Serializer(
    names,
    { project: "local", domain: "local", version: "local", module: options.module ?? LOCAL_MODULE },
    { autoName: true },
  );
  const serialized = ser.workflow(wf as unknown as WorkflowDef);
  const refs = launchPlanRefInterfaces(names.keys(), "local", "local");
  const lpDefs = () => [...names.keys()].filter((e): e is LaunchPlanDef => e.kind === "launch-plan");
  const closure = compileAll(
    serialized,
    [...ser.tasks.values()],
    lpDefs().map((lp) => ser.launchPlan(lp)),
    refs,
  );
  const localLaunchPlan = (name: string): LocalLaunchPlan | undefined => {
    const def = lpDefs().find((lp) => ser.nameOf(lp) === name);
    if (!def) return undefined;
    const lp = ser.launchPlan(def);
    const sw = ser.workflow(def.workflow as unknown as WorkflowDef);
    const defaults = create(LiteralMapSchema);
    for (const [k, p] of Object.entries(lp.spec?.defaultInputs?.parameters ?? {}))
      if (p.behavior.case === "default") defaults.literals[k] = p.behavior.value;
    return {
      closure: compileAll(
        sw,
        [...ser.tasks.values()],
        lpDefs().map((x) => ser.launchPlan(x)),
        refs,
      ),
      defaults,
      fixed: lp.spec?.fixedInputs ?? create(LiteralMapSchema),
    };
  };
  // Live: child launch plans name the entities they use when they start.
  const load = async () => {
    const byExport: Record<string, unknown> = {};
    for (const [e, n] of names) byExport[n.exportName] = e;
    return byExport;
  };

  const blobs = options.blobs ?? new MemoryBlobStore({ container: "local" });
  const children = new LocalChildren(localLaunchPlan, blobs);
  const store = new LocalStore();
  const engine = new Engine({
    signals: localSignals(options.signals ?? {}),
    children,
    store,
    blobs,
    sink: options.sink ?? discard,
    plugins: options.plugins ? options.plugins(load) : [new InProcessPlugin({ load })],
    config: { pollIntervalMs: POLL_MS, roundErrorBackoffMs: 5, workers: 1 },
  });
  children.bind(engine);
  const id = { project: "local", domain: "local", name: options.executionName ?? `local-${Date.now().toString(36)}` };
  await engine.start();
  try {
    await engine.launch({
      executionId: id,
      closure,
      inputs: toLiteralMap(wf.inputs, inputs, "input"),
      spec: { rawOutputPrefix: "raw" },
    });
    for (;;) {
      const s = await engine.status(id);
      if (s && isTerminalWorkflowPhase(s.phase)) {
        if (s.phase !== "Success") {
          const e = s.error;
          throw new AloftError(
            Code.FAILED_PRECONDITION,
            "sdk.run_failed",
            `${wf.options.name ?? "workflow"} ${s.phase}: ${e ? `[${e.kind}] ${e.code}: ${e.message}` : (s.message ?? "")}`,
          );
        }
        const outs = s.outputRef
          ? await getMessage(blobs, blobs.keyOf(s.outputRef), LiteralMapSchema)
          : create(LiteralMapSchema);
        return fromLiteralMap(wf.outputs, outs, "output");
      }
      await store.waitForEnd(executionKey(id), STATUS_POLL_MS);
    }
  } finally {
    await engine.stop();
  }
}
