// The warm-worker task plugin: TypeScript tasks of type `aloft-ts` run in a WorkerPool instead of a fresh process.
// The composition root registers it next to the local-process plugin (which keeps running `container` tasks).
// Data must be reachable by URI from the workers: the local blob store (file://) or S3 — not the in-memory store.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { type TaskLog, TaskLog_MessageFormat, TaskLogSchema } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { type TaskExecutionContext, taskLogPath } from "@aloft/engine";
import type { ExecuteArgs } from "@aloft/sdk";
import { WARM_TASK_TYPE } from "@aloft/sdk";
import { JobPlugin, type JobResult } from "../local/job-plugin.ts";
import { WorkerPool, type WorkerPoolOptions } from "./worker-pool.ts";

export interface WarmWorkerPluginOptions extends WorkerPoolOptions {
  /** Task types served (default `["aloft-ts"]`; add "container" to run every SDK task warm). */
  taskTypes?: readonly string[];
  /** Use this pool instead of creating one. */
  pool?: WorkerPool;
  /**
   * Where task logs go and how they are linked, as for the local-process plugin: `<logDir>/<project>/<domain>/
   * <generatedName>.log`, linked as `logUrl("<project>/<domain>/<generatedName>")`. Without them a task's output is the
   * worker's (and no link is reported).
   */
  logDir?: string;
  logUrl?: (logPath: string) => string;
}

/** The log link's name, the local-process plugin's: the console and flyteconsole show both kinds alike. */
const LOG_NAME = "Local process logs";

export class WarmWorkerPlugin extends JobPlugin {
  readonly id = "aloft-ts-warm";
  readonly taskTypes: readonly string[];
  readonly pool: WorkerPool;
  readonly #logDir: string | undefined;
  readonly #logUrl: ((logPath: string) => string) | undefined;
  /** Attempts whose log file is known to hold something (until finalized). */
  readonly #printed = new Set<string>();

  constructor(options: WarmWorkerPluginOptions = {}) {
    super();
    this.taskTypes = options.taskTypes ?? [WARM_TASK_TYPE];
    this.pool = options.pool ?? new WorkerPool(options);
    this.#logDir = options.logDir;
    this.#logUrl = options.logUrl;
  }

  protected run(ctx: TaskExecutionContext, args: ExecuteArgs, env: Record<string, string>): Promise<JobResult> {
    return this.pool.run(ctx.generatedName, args, env, this.#logFile(ctx));
  }

  /** Every worker is busy: the attempt waits in line, as a pod waits for a node (WAITING_FOR_RESOURCES). */
  protected override waiting(ctx: TaskExecutionContext): string | undefined {
    const place = this.pool.placeInLine(ctx.generatedName);
    if (place === undefined) return undefined;
    return `waiting for a free warm worker (${this.pool.busy} of ${this.pool.size} busy; number ${place} in line)`;
  }

  /**
   * The attempt's log, once it has printed something. The file is looked at only until it has: a log is only appended
   * to, so from then on the link stands without a stat per visit.
   */
  protected override async logs(ctx: TaskExecutionContext): Promise<TaskLog[]> {
    const file = this.#logFile(ctx);
    if (!file || !this.#logUrl) return [];
    if (!this.#printed.has(ctx.generatedName)) {
      const size = await stat(file).then(
        (s) => s.size,
        () => 0,
      );
      if (size === 0) return [];
      this.#printed.add(ctx.generatedName);
    }
    return [
      create(TaskLogSchema, {
        uri: this.#logUrl(taskLogPath(ctx)),
        name: LOG_NAME,
        messageFormat: TaskLog_MessageFormat.UNKNOWN,
      }),
    ];
  }

  #logFile(ctx: TaskExecutionContext): string | undefined {
    return this.#logDir ? `${join(this.#logDir, taskLogPath(ctx))}.log` : undefined;
  }

  protected async stop(ctx: TaskExecutionContext): Promise<void> {
    this.pool.abort(ctx.generatedName);
  }

  override finalize(ctx: TaskExecutionContext): Promise<void> {
    this.#printed.delete(ctx.generatedName);
    return super.finalize(ctx);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
