// The warm-worker task plugin: TypeScript tasks of type `aloft-ts` run in a WorkerPool instead of a fresh process.
// The composition root registers it next to the local-process plugin (which keeps running `container` tasks).
// Data must be reachable by URI from the workers: the local blob store (file://) or S3 — not the in-memory store.
import type { TaskExecutionContext } from "@aloft/engine";
import type { ExecuteArgs, Outcome } from "@aloft/sdk";
import { WARM_TASK_TYPE } from "@aloft/sdk";
import { JobPlugin } from "../local/job-plugin.ts";
import { WorkerPool, type WorkerPoolOptions } from "./worker-pool.ts";

export interface WarmWorkerPluginOptions extends WorkerPoolOptions {
  /** Task types served (default `["aloft-ts"]`; add "container" to run every SDK task warm). */
  taskTypes?: readonly string[];
  /** Use this pool instead of creating one. */
  pool?: WorkerPool;
}

export class WarmWorkerPlugin extends JobPlugin {
  readonly id = "aloft-ts-warm";
  readonly taskTypes: readonly string[];
  readonly pool: WorkerPool;

  constructor(options: WarmWorkerPluginOptions = {}) {
    super();
    this.taskTypes = options.taskTypes ?? [WARM_TASK_TYPE];
    this.pool = options.pool ?? new WorkerPool(options);
  }

  protected run(ctx: TaskExecutionContext, args: ExecuteArgs, env: Record<string, string>): Promise<Outcome> {
    return this.pool.run(ctx.generatedName, args, env);
  }

  protected async stop(ctx: TaskExecutionContext): Promise<void> {
    this.pool.abort(ctx.generatedName);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
