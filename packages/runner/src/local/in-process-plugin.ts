// runLocal's task plugin: TypeScript task functions called directly in this process, through the same entrypoint
// core the container command runs (so inputs, outputs and errors travel through inputs.pb / outputs.pb / error.pb).
import type { TaskExecutionContext } from "@aloft/engine";
import { blobStoreIo } from "@aloft/sdk";
import { executeTask, type ExecuteArgs, type Outcome } from "@aloft/sdk";
import { WARM_TASK_TYPE } from "@aloft/sdk";
import { JobPlugin } from "./job-plugin.ts";

export interface InProcessPluginOptions {
  /** Module path → exports (runLocal passes its entities under their export names). */
  load(module: string): Promise<Record<string, unknown>>;
}

export class InProcessPlugin extends JobPlugin {
  readonly id = "aloft-ts-in-process";
  readonly taskTypes = ["container", WARM_TASK_TYPE] as const;
  readonly #load: InProcessPluginOptions["load"];

  constructor(options: InProcessPluginOptions) {
    super();
    this.#load = options.load;
  }

  protected run(ctx: TaskExecutionContext, args: ExecuteArgs, env: Record<string, string>): Promise<Outcome> {
    return executeTask(args, { io: blobStoreIo(ctx.blobStore), env: { ...process.env, ...env }, load: this.#load });
  }

  protected async stop(): Promise<void> {
    // A function call cannot be interrupted; its result is ignored once aborted.
  }
}
