// Raw containers (data_config) on the host: copilot's two halves run in-process around the task's own process.
// The pod's input and output volumes become `<workBase>/inputs` and `<workBase>/outputs`, and the command is pointed
// at them (see rewriteDataPaths).
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { TaskExecutionContext } from "../plugin.ts";
import { downloadInputs } from "./copilot-download.ts";
import { uploadOutputs } from "./copilot-upload.ts";
import { rewriteDataPaths, type RawDataConfig } from "./task-spec.ts";

/** Writes the inputs as files and returns the command rewritten to the local directories. */
export async function prepareRawContainer(
  ctx: TaskExecutionContext,
  dc: RawDataConfig,
  workBase: string,
  argv: string[],
): Promise<string[]> {
  const [inDir, outDir] = [join(workBase, "inputs"), join(workBase, "outputs")];
  await rm(outDir, { recursive: true, force: true }); // a restarted attempt starts from an empty output volume
  await mkdir(outDir, { recursive: true });
  await downloadInputs(ctx.blobStore, ctx.inputsUri, inDir, dc.format);
  return rewriteDataPaths(argv, [
    [dc.inputPath, inDir],
    [dc.outputPath, outDir],
  ]);
}

/** After exit 0: outputs.pb from the output directory; the error message (error.pb written) when that fails. */
export async function collectRawOutputs(ctx: TaskExecutionContext, workBase: string): Promise<string | undefined> {
  const target = { store: ctx.blobStore, outputPrefix: ctx.outputPrefix, rawOutputPrefix: ctx.rawOutputPrefix };
  const { error } = await uploadOutputs(target, ctx.template.interface?.outputs, join(workBase, "outputs"));
  return error;
}
