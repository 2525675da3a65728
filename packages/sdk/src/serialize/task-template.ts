// TaskDef → flyteidl TaskTemplate: a container task whose command runs the SDK entrypoint on the user's module.
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { TypedInterfaceSchema, type TypedInterface } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  Resources_ResourceName as RN,
  RuntimeMetadata_RuntimeType,
  TaskTemplateSchema,
  type TaskTemplate,
} from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { Secret_MountType } from "@aloft/idl/flyteidl/core/security_pb.js";
import { invalidArgument } from "@aloft/core";
import { variableMap } from "../types/index.ts";
import type { TypeMap } from "../types/type.ts";
import { durationInit } from "../authoring/builder.ts";
import type { DynamicDef, Resources, TaskDef } from "../authoring/entities.ts";

export const SDK_VERSION = "0.1.0";
/** Task type of tasks run by warm workers (WarmWorkerPlugin). */
export const WARM_TASK_TYPE = "aloft-ts";
export const DEFAULT_IMAGE = "aloft/sdk-ts:latest";
/** The entrypoint script shipped with the SDK. */
export const ENTRYPOINT_BIN = fileURLToPath(new URL("../../bin/aloft-execute.mjs", import.meta.url));

export interface TaskSerializeSettings {
  project: string;
  domain: string;
  version: string;
  /** The module file the entrypoint loads (an absolute path, or one the task's working directory resolves). */
  module: string;
  /** Default image for tasks that name none. */
  image?: string;
  /** The command prefix running the entrypoint (default `node <sdk>/bin/aloft-execute.mjs`). */
  entrypoint?: readonly string[];
  /** Serialize tasks that do not say `warm` as warm-worker tasks (`aloft-ts`), e.g. for the sandbox. Default false. */
  warm?: boolean;
}

export function interfaceOf(inputs: TypeMap, outputs: TypeMap): TypedInterface {
  return create(TypedInterfaceSchema, { inputs: variableMap(inputs), outputs: variableMap(outputs) });
}

/** The entrypoint arguments (upstream flyteplugins/go/tasks/pluginmachinery/core/template/template.go templates); `exportName` is how the entrypoint finds the task in the module. */
export function entrypointArgs(module: string, exportName: string): string[] {
  return [
    "--inputs",
    "{{.input}}",
    "--output-prefix",
    "{{.outputPrefix}}",
    "--raw-output-data-prefix",
    "{{.rawOutputDataPrefix}}",
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
    "--module",
    module,
    "--task",
    exportName,
  ];
}

export function taskTemplate(
  def: TaskDef | DynamicDef,
  name: string,
  exportName: string,
  s: TaskSerializeSettings,
): TaskTemplate {
  const o = def.options;
  if (o.cache && !o.cacheVersion)
    throw invalidArgument("sdk.cache_version", `task ${name}: cache needs a cacheVersion`);
  const command = [...(s.entrypoint ?? ["node", ENTRYPOINT_BIN]), ...entrypointArgs(s.module, exportName)];
  return create(TaskTemplateSchema, {
    id: { resourceType: ResourceType.TASK, project: s.project, domain: s.domain, name, version: s.version },
    type: (o.warm ?? s.warm ?? false) ? WARM_TASK_TYPE : "container",
    metadata: {
      discoverable: o.cache === true,
      discoveryVersion: o.cache ? (o.cacheVersion ?? "") : "",
      cacheSerializable: o.cache === true && o.cacheSerialize === true,
      cacheIgnoreInputVars: o.cacheIgnoreInputs ?? [],
      runtime: { type: RuntimeMetadata_RuntimeType.OTHER, version: SDK_VERSION, flavor: "aloft-ts" },
      ...(o.timeoutMs !== undefined && { timeout: durationInit(o.timeoutMs) }),
      retries: { retries: o.retries ?? 0 },
      ...(o.interruptible !== undefined && { interruptibleValue: { case: "interruptible", value: o.interruptible } }),
    },
    interface: interfaceOf(def.inputs, def.outputs),
    target: {
      case: "container",
      value: {
        image: o.image ?? s.image ?? DEFAULT_IMAGE,
        command,
        args: [],
        env: Object.entries(o.env ?? {}).map(([key, value]) => ({ key, value })),
        resources: { requests: resourceEntries(o.requests), limits: resourceEntries(o.limits) },
      },
    },
    securityContext: {
      secrets: (o.secrets ?? []).map((x) => ({
        group: x.group,
        key: x.key ?? "",
        mountRequirement: x.mountAs === "file" ? Secret_MountType.FILE : Secret_MountType.ENV_VAR,
      })),
    },
    custom: { module: s.module, task: exportName, sdk: "aloft-ts", dynamic: def.kind === "dynamic" },
  });
}

function resourceEntries(r: Resources | undefined) {
  if (!r) return [];
  const out: { name: RN; value: string }[] = [];
  if (r.cpu !== undefined) out.push({ name: RN.CPU, value: r.cpu });
  if (r.gpu !== undefined) out.push({ name: RN.GPU, value: r.gpu });
  if (r.memory !== undefined) out.push({ name: RN.MEMORY, value: r.memory });
  if (r.ephemeralStorage !== undefined) out.push({ name: RN.EPHEMERAL_STORAGE, value: r.ephemeralStorage });
  return out;
}
