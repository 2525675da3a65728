// The values §7.2's templates stand for, taken from a task execution context.
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { putMessage } from "@aloft/core/blob/blob-store.ts";
import type { TaskExecutionContext } from "../plugin.ts";
import { readInputs } from "./copilot-download.ts";
import { keyOfUri } from "./store-paths.ts";
import type { TemplateParams } from "./template.ts";

export function templateParamsFor(ctx: TaskExecutionContext): TemplateParams {
  const inputPrefix = ctx.inputsUri.replace(/\/[^/]*$/, ""); // the node data dir holding inputs.pb
  const exec = ctx.id.nodeExecutionId?.executionId;
  return {
    inputsUri: ctx.inputsUri,
    inputPrefix,
    outputPrefix: ctx.outputPrefix,
    rawOutputPrefix: ctx.rawOutputPrefix,
    checkpointPrefix: ctx.checkpointPrefix,
    previousCheckpointPrefix: ctx.previousCheckpointPrefix,
    generatedName: ctx.generatedName,
    // Upstream's default namespace mapping is `{{ project }}-{{ domain }}`.
    namespace: exec ? `${exec.project}-${exec.domain}` : "",
    taskTemplatePath: async () => {
      const uri = `${inputPrefix}/task.pb`;
      await putMessage(ctx.blobStore, keyOfUri(ctx.blobStore, uri), TaskTemplateSchema, ctx.template);
      return uri;
    },
    // `{{.Inputs.x}}` renders this node's own values (an array sub-node's element), as upstream's input reader does.
    inputs: () => readInputs(ctx.blobStore, ctx.inputValuesUri),
  };
}
