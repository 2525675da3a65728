// Raw containers with a data config in a pod (what upstream's flytek8s/copilot.go adds, the Aloft way): an emptyDir
// for the inputs and one for the outputs, mounted at the data config's paths in the primary container and in copilot's; an init
// container `download` (`aloft copilot download`) that writes the inputs there before the primary starts; and a
// container `uploader` (`aloft copilot upload`) that waits, through the Kubernetes API, for the primary container to
// terminate and then uploads its outputs as outputs.pb (or error.pb) to the output prefix. Both run the platform's
// image with the engine's storage settings as ALOFT_STORAGE__* variables (copilotEnv); the uploader finds its pod
// through the downward API. The task succeeds when the primary exits 0 and the uploader has finished (pod-status.ts).
import { create, toBinary } from "@bufbuild/protobuf";
import { VariableMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { TaskExecutionContext } from "../plugin.ts";
import { dataConfigPart, type RawDataConfig } from "../local-process/task-spec.ts";
import type { PodPluginConfig } from "./config.ts";

type Json = Record<string, any>;

/** The annotation naming the uploader container, whose end a successful primary waits for (pod-status.ts). */
export const COPILOT_UPLOADER_ANNOTATION = "aloft.dev/copilot-uploader";
export const COPILOT_DOWNLOAD_CONTAINER = "download";
export const COPILOT_UPLOADER_CONTAINER = "uploader";
const INPUTS_VOLUME = "aloft-copilot-inputs";
const OUTPUTS_VOLUME = "aloft-copilot-outputs";

/** The data config of a container target or `k8s_pod` target with copilot's defaults, or undefined. */
export function rawDataConfigOf(ctx: TaskExecutionContext): RawDataConfig | undefined {
  const t = ctx.template.target;
  return dataConfigPart(t.case === "container" || t.case === "k8sPod" ? t.value.dataConfig : undefined).dataConfig;
}

function copilotContainer(config: PodPluginConfig, name: string, args: string[], mounts: Json[], env: Json[]): Json {
  return {
    name,
    image: config.copilotImage,
    command: [...config.copilotCommand],
    args,
    // The platform's default task environment (where SDK pods get blob store credentials), then the storage settings.
    env: [
      ...Object.entries({ ...config.defaultEnvVars, ...config.copilotEnv }).map(([k, v]) => ({ name: k, value: v })),
      ...env,
    ],
    volumeMounts: mounts,
    ...(config.imagePullPolicy ? { imagePullPolicy: config.imagePullPolicy } : {}),
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

/** Adds copilot's volumes, init container and uploader to `spec`, and the mounts to the primary container. */
export function addCopilot(
  ctx: TaskExecutionContext,
  config: PodPluginConfig,
  spec: Json,
  primary: string,
  dc: RawDataConfig,
): void {
  spec["volumes"] = [
    ...((spec["volumes"] ?? []) as Json[]),
    { name: INPUTS_VOLUME, emptyDir: {} },
    { name: OUTPUTS_VOLUME, emptyDir: {} },
  ];
  const containers = spec["containers"] as Json[];
  const main = containers.find((c) => c["name"] === primary)!;
  main["volumeMounts"] = [
    ...((main["volumeMounts"] ?? []) as Json[]),
    { name: INPUTS_VOLUME, mountPath: dc.inputPath },
    { name: OUTPUTS_VOLUME, mountPath: dc.outputPath },
  ];
  const download = copilotContainer(
    config,
    COPILOT_DOWNLOAD_CONTAINER,
    ["copilot", "download", "--from-remote", ctx.inputsUri, "--to-local-dir", dc.inputPath, "--format", dc.format],
    [{ name: INPUTS_VOLUME, mountPath: dc.inputPath }],
    [],
  );
  const outputs = Buffer.from(
    toBinary(VariableMapSchema, ctx.template.interface?.outputs ?? create(VariableMapSchema)),
  ).toString("base64");
  const uploader = copilotContainer(
    config,
    COPILOT_UPLOADER_CONTAINER,
    [
      "copilot",
      "upload",
      "--primary",
      primary,
      "--from-local-dir",
      dc.outputPath,
      "--to-output-prefix",
      ctx.outputPrefix,
      "--to-raw-output",
      ctx.rawOutputPrefix,
      "--outputs-interface",
      outputs,
    ],
    [{ name: OUTPUTS_VOLUME, mountPath: dc.outputPath }],
    [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    ],
  );
  spec["initContainers"] = [...((spec["initContainers"] ?? []) as Json[]), download];
  containers.push(uploader);
}
