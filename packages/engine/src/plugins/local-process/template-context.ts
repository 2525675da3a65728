// The values upstream flyteplugins/go/tasks/pluginmachinery/core/template/template.go's templates stand for, taken from a task execution context.
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { putMessage } from "@aloft/core";
import type { TaskExecutionContext } from "../plugin.ts";
import { readInputs } from "./copilot-download.ts";
import { hostPath, keyOfUri } from "./store-paths.ts";
import type { TemplateParams } from "./template.ts";

export function templateParamsFor(ctx: TaskExecutionContext): TemplateParams {
  const inputPrefix = ctx.inputsUri.replace(/\/[^/]*$/, ""); // the node data dir holding inputs.pb
  const exec = ctx.id.nodeExecutionId?.executionId;
  // Locations in the local store are handed over as plain paths (store-paths.ts says why); S3 URIs as they are.
  return {
    inputsUri: hostPath(ctx.inputsUri),
    inputPrefix: hostPath(inputPrefix),
    outputPrefix: hostPath(ctx.outputPrefix),
    rawOutputPrefix: hostPath(ctx.rawOutputPrefix),
    checkpointPrefix: hostPath(ctx.checkpointPrefix),
    previousCheckpointPrefix: hostPath(ctx.previousCheckpointPrefix),
    generatedName: ctx.generatedName,
    // Upstream's default namespace mapping is `{{ project }}-{{ domain }}`.
    namespace: exec ? `${exec.project}-${exec.domain}` : "",
    taskTemplatePath: async () => {
      const uri = `${inputPrefix}/task.pb`;
      await putMessage(ctx.blobStore, keyOfUri(ctx.blobStore, uri), TaskTemplateSchema, ctx.template);
      return hostPath(uri);
    },
    // `{{.Inputs.x}}` renders this node's own values (an array sub-node's element), as upstream's input reader does.
    inputs: () => readInputs(ctx.blobStore, ctx.inputValuesUri),
  };
}
