// runLocal's task plugin: TypeScript task functions called directly in this process, through the same entrypoint
// core the container command runs (so inputs, outputs and errors travel through inputs.pb / outputs.pb / error.pb).
import type { TaskExecutionContext } from "@aloft/engine";
import { blobStoreIo } from "@aloft/sdk";
import { executeTask, type ExecuteArgs } from "@aloft/sdk";
import { WARM_TASK_TYPE } from "@aloft/sdk";
import { JobPlugin, type JobResult } from "./job-plugin.ts";
import { recordingWrites } from "./written-files.ts";

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

  protected async run(ctx: TaskExecutionContext, args: ExecuteArgs, env: Record<string, string>): Promise<JobResult> {
    const { io, files } = recordingWrites(blobStoreIo(ctx.blobStore), args.outputPrefix);
    const outcome = await executeTask(args, { io, env: { ...process.env, ...env }, load: this.#load });
    return { outcome, outputFiles: files };
  }

  protected async stop(): Promise<void> {
    // A function call cannot be interrupted; its result is ignored once aborted.
  }
}
