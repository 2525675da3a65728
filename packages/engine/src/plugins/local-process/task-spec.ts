// What the local plugin takes from a task template: the primary container's command, args, env, resources and
// data_config. Either the `container` target, or a `k8s_pod` target whose pod spec names a primary container.
// The image is ignored: the command runs on the host, so whatever it names must be installed there.
import type { TaskTemplate, DataLoadingConfig, Resources } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { DataLoadingConfig_LiteralMapFormat, Resources_ResourceName } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { isValidQuantity } from "@aloft/core";

export interface ContainerSpec {
  image: string;
  command: string[];
  args: string[];
  env: { name: string; value: string }[];
  /** Parsed but not enforced locally (no cgroups); kept so a bad quantity is still a bad task. */
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  dataConfig?: RawDataConfig;
}

/** data_config with copilot's defaults applied (flytek8s config: /var/flyte/inputs, /var/flyte/outputs). */
export interface RawDataConfig {
  inputPath: string;
  outputPath: string;
  format: "JSON" | "YAML" | "PROTO";
}

const DEFAULT_INPUT_PATH = "/var/flyte/inputs";
const DEFAULT_OUTPUT_PATH = "/var/flyte/outputs";

export class TaskSpecError extends Error {}

export function containerSpecOf(template: TaskTemplate): ContainerSpec {
  const target = template.target;
  if (target.case === "container") {
    const c = target.value;
    return {
      image: c.image,
      command: [...c.command],
      args: [...c.args],
      env: c.env.map((kv) => ({ name: kv.key, value: kv.value })),
      resources: resourcesOf(c.resources),
      ...dataConfigPart(c.dataConfig),
    };
  }
  if (target.case === "k8sPod") {
    const pod = target.value;
    const primary = pod.primaryContainerName || template.config["primary_container_name"] || "";
    const containers = (pod.podSpec?.["containers"] ?? []) as unknown[];
    const found = containers.find((c) => isObject(c) && c["name"] === primary);
    if (!isObject(found)) throw new TaskSpecError(`primary container [${primary}] not found in the task's pod spec`);
    const env = Array.isArray(found["env"]) ? found["env"] : [];
    return {
      image: typeof found["image"] === "string" ? found["image"] : "",
      command: strings(found["command"]),
      args: strings(found["args"]),
      env: env.filter(isObject).map((e) => ({ name: String(e["name"] ?? ""), value: String(e["value"] ?? "") })),
      resources: { requests: {}, limits: {} },
      ...dataConfigPart(pod.dataConfig),
    };
  }
  throw new TaskSpecError(`task type [${template.type}] has no container to run (target ${target.case ?? "unset"})`);
}

export function dataConfigPart(dc: DataLoadingConfig | undefined): { dataConfig?: RawDataConfig } {
  if (dc === undefined || !dc.enabled) return {};
  const format =
    dc.format === DataLoadingConfig_LiteralMapFormat.YAML
      ? "YAML"
      : dc.format === DataLoadingConfig_LiteralMapFormat.PROTO
        ? "PROTO"
        : "JSON";
  return {
    dataConfig: {
      inputPath: dc.inputPath || DEFAULT_INPUT_PATH,
      outputPath: dc.outputPath || DEFAULT_OUTPUT_PATH,
      format,
    },
  };
}

const RESOURCE_NAMES: Record<number, string> = {
  [Resources_ResourceName.CPU]: "cpu",
  [Resources_ResourceName.GPU]: "gpu",
  [Resources_ResourceName.MEMORY]: "memory",
  [Resources_ResourceName.STORAGE]: "storage",
  [Resources_ResourceName.EPHEMERAL_STORAGE]: "ephemeral-storage",
};

function resourcesOf(r: Resources | undefined): ContainerSpec["resources"] {
  const out: ContainerSpec["resources"] = { requests: {}, limits: {} };
  for (const [kind, entries] of [
    ["requests", r?.requests ?? []],
    ["limits", r?.limits ?? []],
  ] as const) {
    for (const e of entries) {
      const name = RESOURCE_NAMES[e.name];
      if (name === undefined) continue; // UNKNOWN: upstream skips it too
      if (!isValidQuantity(e.value))
        throw new TaskSpecError(`invalid ${name} ${kind.slice(0, -1)} quantity [${e.value}]`);
      out[kind][name] = e.value;
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/**
 * Points a raw container's command at the local directories that stand in for the pod's input and output volumes:
 * every occurrence of the data_config paths as a whole path (followed by "/", a non-path character or the end) is
 * replaced, so `sh -c "cat /var/inputs/a > /var/outputs/b"` works on the host.
 */
export function rewriteDataPaths(argv: readonly string[], mapping: readonly [from: string, to: string][]): string[] {
  return argv.map((arg) => {
    let out = arg;
    for (const [from, to] of mapping) {
      const trimmed = from.replace(/\/+$/, "");
      if (trimmed === "") continue;
      const re = new RegExp(
        `(?<![A-Za-z0-9_./-])${trimmed.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9_.-])`,
        "g",
      );
      out = out.replace(re, () => to);
    }
    return out;
  });
}
