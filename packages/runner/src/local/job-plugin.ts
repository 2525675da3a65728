// A task plugin for TypeScript tasks that run as asynchronous jobs of this process (in-process functions, or
// invocations sent to warm workers). handle() starts the job on first sight and never blocks on it; later calls
// report Running until it settles. The job writes outputs.pb / error.pb / futures.pb itself, so Success here means
// "the entrypoint finished" and the engine reads the result files, exactly as after a process exits 0.
// A settled job wakes its execution (ctx.wake), so that the engine need not poll to notice it.
// After an engine restart a job unknown to this process is judged from the files it left: outputs.pb or error.pb
// present → Success; otherwise it is started again (the entrypoint is idempotent for deterministic tasks).
import { create } from "@bufbuild/protobuf";
import { ExecutionErrorSchema, ExecutionError_ErrorKind } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { joinUri } from "@aloft/core";
import type { TaskLog } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { PluginState, PluginStatus, TaskExecutionContext, TaskPlugin } from "@aloft/engine";
import type { ExecuteArgs, Outcome } from "@aloft/sdk";
import { blobStoreIo } from "@aloft/sdk";

/**
 * How a job ended: the entrypoint's outcome and, when the runtime saw its writes, the files it wrote to the output
 * prefix (name → bytes; reported to the engine with Success so that it need not probe for them).
 */
export interface JobResult {
  outcome: Outcome;
  outputFiles?: Record<string, number>;
}

interface Job {
  settled: boolean;
  outcome?: Outcome;
  outputFiles?: Record<string, number>;
  error?: Error;
  aborted: boolean;
}

/** What the entrypoint would have been called with, taken from the context and the template's custom fields. */
export function executeArgsOf(ctx: TaskExecutionContext): ExecuteArgs {
  const custom = (ctx.template.custom ?? {}) as { module?: unknown; task?: unknown };
  const module = typeof custom.module === "string" ? custom.module : argAfter(ctx, "--module");
  const task = typeof custom.task === "string" ? custom.task : argAfter(ctx, "--task");
  return {
    inputs: ctx.inputsUri,
    outputPrefix: ctx.outputPrefix,
    rawOutputPrefix: ctx.rawOutputPrefix,
    checkpointPath: ctx.checkpointPrefix,
    prevCheckpoint: ctx.previousCheckpointPrefix,
    module: module ?? "",
    task: task ?? "",
    // An array element reads its own resolved inputs, not the array node's full lists (same values, O(1) per element).
    ...(ctx.inputValuesUri !== ctx.inputsUri ? { elementInputs: ctx.inputValuesUri } : {}),
  };
}

function argAfter(ctx: TaskExecutionContext, flag: string): string | undefined {
  const c = ctx.template.target.case === "container" ? ctx.template.target.value : undefined;
  const all = [...(c?.command ?? []), ...(c?.args ?? [])];
  const i = all.indexOf(flag);
  return i >= 0 ? all[i + 1] : undefined;
}

/** The FLYTE_INTERNAL_* variables a pod would get (upstream flyteplugins/go/tasks/pluginmachinery/flytek8s/k8s_resource_adds.go), then the execution's environment. */
export function taskEnvironment(ctx: TaskExecutionContext): Record<string, string> {
  const e = ctx.id.nodeExecutionId?.executionId;
  const tid = ctx.id.taskId;
  const c = ctx.template.target.case === "container" ? ctx.template.target.value : undefined;
  const env: Record<string, string> = {};
  for (const kv of c?.env ?? []) env[kv.key] = kv.value;
  Object.assign(env, {
    FLYTE_INTERNAL_EXECUTION_ID: e?.name ?? "",
    FLYTE_INTERNAL_EXECUTION_PROJECT: e?.project ?? "",
    FLYTE_INTERNAL_EXECUTION_DOMAIN: e?.domain ?? "",
    FLYTE_INTERNAL_EXECUTION_WORKFLOW: "",
    FLYTE_ATTEMPT_NUMBER: String(ctx.attempt),
    FLYTE_INTERNAL_TASK_PROJECT: tid?.project ?? "",
    FLYTE_INTERNAL_TASK_DOMAIN: tid?.domain ?? "",
    FLYTE_INTERNAL_TASK_NAME: tid?.name ?? "",
    FLYTE_INTERNAL_TASK_VERSION: tid?.version ?? "",
  });
  return { ...env, ...ctx.environment };
}

export abstract class JobPlugin implements TaskPlugin {
  abstract readonly id: string;
  abstract readonly taskTypes: readonly string[];
  /** A settled job wakes its execution (`#start`). */
  readonly wakes = true;
  readonly #jobs = new Map<string, Job>();

  /** Runs the attempt to completion (the entrypoint's outcome). */
  protected abstract run(ctx: TaskExecutionContext, args: ExecuteArgs, env: Record<string, string>): Promise<JobResult>;
  /** Stops a running attempt, if the runtime can. */
  protected abstract stop(ctx: TaskExecutionContext): Promise<void>;
  /** Why a started attempt is not running yet (waiting for a worker…), or undefined when it runs. */
  protected waiting(_ctx: TaskExecutionContext): string | undefined {
    return undefined;
  }
  /** The attempt's log links (none by default). */
  protected async logs(_ctx: TaskExecutionContext): Promise<TaskLog[]> {
    return [];
  }

  async handle(
    ctx: TaskExecutionContext,
    state: PluginState | undefined,
  ): Promise<{ status: PluginStatus; state: PluginState }> {
    let job = this.#jobs.get(ctx.generatedName);
    if (!job) {
      if (state?.started && (await this.#finishedOnDisk(ctx)))
        return { status: { phase: "Success", version: 0 }, state: { started: true } };
      job = this.#start(ctx);
    }
    const started = { started: true };
    if (!job.settled) {
      const reason = this.waiting(ctx);
      if (reason !== undefined) return { status: { phase: "WaitingForResources", version: 0, reason }, state: started };
    }
    // The log links once there is something to read (a new version of the same phase when they appear).
    const logs = await this.logs(ctx);
    const withLogs = logs.length > 0 ? { logs } : {};
    if (!job.settled)
      return { status: { phase: "Running", version: logs.length > 0 ? 1 : 0, ...withLogs }, state: started };
    if (job.aborted) return { status: { phase: "Aborted", version: 0, ...withLogs }, state: started };
    if (job.error) {
      const error = create(ExecutionErrorSchema, {
        code: "EntrypointFailed",
        message: `[${ctx.generatedName}] ${job.error.message}`,
        kind: ExecutionError_ErrorKind.SYSTEM,
      });
      return { status: { phase: "RetryableFailure", version: 0, error, ...withLogs }, state: started };
    }
    const files = job.outputFiles ? { outputFiles: job.outputFiles } : {};
    return { status: { phase: "Success", version: 0, ...withLogs, ...files }, state: started };
  }

  async abort(ctx: TaskExecutionContext, _state?: PluginState, _reason?: string): Promise<void> {
    const job = this.#jobs.get(ctx.generatedName);
    if (!job || job.settled) return;
    job.aborted = true;
    await this.stop(ctx);
  }

  async finalize(ctx: TaskExecutionContext): Promise<void> {
    const job = this.#jobs.get(ctx.generatedName);
    if (job?.settled) this.#jobs.delete(ctx.generatedName);
  }

  #start(ctx: TaskExecutionContext): Job {
    const job: Job = { settled: false, aborted: false };
    this.#jobs.set(ctx.generatedName, job);
    // Settled: the engine looks again now rather than at its next poll.
    this.run(ctx, executeArgsOf(ctx), taskEnvironment(ctx)).then(
      (result) => {
        job.outcome = result.outcome;
        if (result.outputFiles) job.outputFiles = result.outputFiles;
        job.settled = true;
        ctx.wake?.();
      },
      (e: unknown) => {
        job.error = e instanceof Error ? e : new Error(String(e));
        job.settled = true;
        ctx.wake?.();
      },
    );
    return job;
  }

  async #finishedOnDisk(ctx: TaskExecutionContext): Promise<boolean> {
    const io = blobStoreIo(ctx.blobStore);
    for (const f of ["outputs.pb", "error.pb", "futures.pb"])
      if (await io.read(joinUri(ctx.outputPrefix, f))) return true;
    return false;
  }
}
