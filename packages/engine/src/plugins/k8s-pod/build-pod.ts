// The pod of one attempt (upstream flyteplugins/go/tasks/plugins/k8s/pod/plugin.go BuildResource and
// flyteplugins/go/tasks/pluginmachinery/flytek8s/pod_helper.go, k8s_resource_adds.go; spec §7.1–§7.5).
import { randomBytes } from "node:crypto";
import { toJson } from "@bufbuild/protobuf";
import { K8sPodSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { KubeObject } from "@aloft/kube";
import { namespaceFor } from "@aloft/core";
import type { TaskExecutionContext } from "../plugin.ts";
import { flyteInternalEnv } from "../local-process/environment.ts";
import { renderTemplates } from "../local-process/template.ts";
import { templateParamsFor } from "../local-process/template-context.ts";
import type { PodPluginConfig, PodTemplateSpec } from "./config.ts";
import { addCopilot, COPILOT_UPLOADER_ANNOTATION, COPILOT_UPLOADER_CONTAINER, rawDataConfigOf } from "./copilot.ts";
import { acceleratorOf, applyGpuAccelerator } from "./gpu-accelerator.ts";
import { applySharedMemory, sharedMemoryOf } from "./shared-memory.ts";
import { isDns1123Label, sanitizeLabelValue, sanitizeObjectName } from "./labels.ts";
import { mergeOntoTemplate, templateContainer } from "./pod-template.ts";
import { applyPlatformResources, fromIdl, mergeResources, type ResourceRequirements } from "./resources.ts";
import { INJECT_SECRETS_LABEL, secretAnnotations } from "./secret-annotations.ts";

type Json = Record<string, any>;

/** The annotation naming the primary container, which phase mapping follows (flytek8s PrimaryContainerKey). */
export const PRIMARY_CONTAINER_ANNOTATION = "primary_container_name";

/** A task the plugin cannot turn into a pod: the attempt fails permanently (`BadTaskSpecification`). */
export class PodBuildError extends Error {}

/** The pod of an attempt: its generated name, made a valid object name. */
export function podNameOf(ctx: TaskExecutionContext): string {
  return sanitizeObjectName(ctx.generatedName);
}

/** The namespace of an execution's pods: the launch's, else the configured template (`{{ project }}-{{ domain }}`). */
export function namespaceOf(ctx: TaskExecutionContext, config: PodPluginConfig): string {
  if (ctx.kubernetes?.namespace) return ctx.kubernetes.namespace;
  const exec = ctx.id.nodeExecutionId?.executionId;
  return namespaceFor(config.namespaceTemplate, exec?.project ?? "", exec?.domain ?? "");
}

function configValue(template: TaskTemplate, key: string): string | undefined {
  return template.config[key];
}

/** The task's own pod spec, the name of its primary container, and labels/annotations the task asks for. */
interface TaskPod {
  spec: Json;
  primary: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> {
  return isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};
}

/** The primary container's name from the template's config (upstream getPrimaryContainerNameFromConfig). */
function primaryFromConfig(t: TaskTemplate): string {
  const name = configValue(t, PRIMARY_CONTAINER_ANNOTATION);
  if (!name)
    throw new PodBuildError(
      `invalid TaskSpecification, config needs to be non-empty and include missing [${PRIMARY_CONTAINER_ANNOTATION}] key`,
    );
  return name;
}

/**
 * A pod task of the legacy `sidecar` type (flytekitplugins-pod; upstream flyteplugins/go/tasks/plugins/k8s/pod/sidecar.go):
 * version 0 keeps a SidecarJob in `custom` (`podSpec`, `primaryContainerName`, `annotations`, `labels`), version 1
 * the pod spec itself in `custom` with the primary container named by the config. Version 2 and later use the
 * `k8s_pod` target; undefined for those.
 */
function sidecarCustomPod(t: TaskTemplate): TaskPod | undefined {
  if (t.target.case === "k8sPod" || t.taskTypeVersion > 1) return undefined;
  const custom = t.custom;
  if (t.taskTypeVersion === 0) {
    if (!isObject(custom) || !isObject(custom["podSpec"]))
      throw new PodBuildError("invalid sidecar task (version 0): custom must hold a SidecarJob with a podSpec");
    const primary = custom["primaryContainerName"];
    if (typeof primary !== "string" || primary === "")
      throw new PodBuildError("invalid sidecar task (version 0): the SidecarJob names no primaryContainerName");
    return {
      spec: structuredClone(custom["podSpec"]),
      primary,
      labels: stringMap(custom["labels"]),
      annotations: stringMap(custom["annotations"]),
    };
  }
  if (!isObject(custom) || !Array.isArray(custom["containers"]))
    throw new PodBuildError("invalid sidecar task (version 1): custom must hold a pod spec with containers");
  return { spec: structuredClone(custom), primary: primaryFromConfig(t) };
}

/** The task's own pod spec and the name of its primary container. */
function taskPodSpec(ctx: TaskExecutionContext): TaskPod {
  const t = ctx.template;
  const override = ctx.overrides?.podTemplate;
  if (override?.podSpec) {
    const primary = override.primaryContainerName || configValue(t, "primary_container_name") || "primary";
    return { spec: structuredClone(override.podSpec) as Json, primary };
  }
  if (t.type === "sidecar") {
    const sidecar = sidecarCustomPod(t);
    if (sidecar) return sidecar;
  }
  if (t.target.case === "container") {
    const c = t.target.value;
    const name = isDns1123Label(ctx.generatedName) ? ctx.generatedName : randomBytes(2).toString("hex");
    const container: Json = {
      name,
      image: c.image,
      command: [...c.command],
      args: [...c.args],
      env: c.env.map((kv) => ({ name: kv.key, value: kv.value })),
      ...(c.resources ? { resources: fromIdl(c.resources) } : {}),
    };
    return { spec: { containers: [container] }, primary: name };
  }
  if (t.target.case === "k8sPod") {
    const k8sPod = t.target.value;
    if (!k8sPod.podSpec)
      throw new PodBuildError(
        "Pod tasks with task type version > 1 should specify their target as a K8sPod with a defined pod spec",
      );
    const pod = toJson(K8sPodSchema, k8sPod) as Json;
    const primary = k8sPod.primaryContainerName || primaryFromConfig(t);
    return {
      spec: structuredClone(pod["podSpec"] ?? {}) as Json,
      primary,
      labels: { ...(k8sPod.metadata?.labels ?? {}) },
      annotations: { ...(k8sPod.metadata?.annotations ?? {}) },
    };
  }
  throw new PodBuildError(`task type ${t.type} has no container or pod to run`);
}

function podTemplateOf(ctx: TaskExecutionContext, config: PodPluginConfig): PodTemplateSpec | undefined {
  const name = ctx.template.metadata?.podTemplateName;
  if (name) {
    const t = config.podTemplates[name];
    if (!t) throw new PodBuildError(`pod template "${name}" is not configured`);
    return t;
  }
  return config.defaultPodTemplate;
}

function upsertEnv(env: Json[], name: string, value: string): void {
  const i = env.findIndex((e) => e["name"] === name);
  if (i >= 0) env[i] = { name, value };
  else env.push({ name, value });
}

/** FLYTE_EXECUTION_URL, only for tasks whose config asks for a link (`link_type`) with a console configured. */
function executionUrl(ctx: TaskExecutionContext, config: PodPluginConfig): string | undefined {
  const exec = ctx.id.nodeExecutionId?.executionId;
  if (!config.consoleUrl || configValue(ctx.template, "link_type") === undefined || !exec) return undefined;
  const node = ctx.id.nodeExecutionId?.nodeId ?? "";
  return `${config.consoleUrl.replace(/\/$/, "")}/projects/${exec.project}/domains/${exec.domain}/executions/${exec.name}/nodeId/${node}/nodes`;
}

async function decorateContainer(
  ctx: TaskExecutionContext,
  config: PodPluginConfig,
  c: Json,
  template: PodTemplateSpec | undefined,
  primary: boolean,
): Promise<Json> {
  const params = { ...templateParamsFor(ctx), namespace: namespaceOf(ctx, config) };
  const out: Json = { ...c };
  if (Array.isArray(c["command"])) out["command"] = await renderTemplates(c["command"] as string[], params);
  if (Array.isArray(c["args"])) out["args"] = await renderTemplates(c["args"] as string[], params);
  const env: Json[] = [...((c["env"] ?? []) as Json[])];
  const add = { ...flyteInternalEnv(ctx), ...ctx.environment, ...config.defaultEnvVars };
  const url = executionUrl(ctx, config);
  if (url) add["FLYTE_EXECUTION_URL"] = url;
  for (const [k, v] of Object.entries(add)) upsertEnv(env, k, v);
  out["env"] = env;
  const platform = {
    requests: {
      cpu: config.defaultCpus,
      memory: config.defaultMemory,
      ...(ctx.kubernetes?.taskResources?.requests ?? {}),
    },
    limits: { ...(ctx.kubernetes?.taskResources?.limits ?? {}) },
  };
  const sources: ResourceRequirements[] = [];
  if (primary) {
    const base = templateContainer(template, true)?.["resources"] as ResourceRequirements | undefined;
    if (base) sources.push(base);
  }
  if (c["resources"]) sources.push(c["resources"] as ResourceRequirements);
  if (primary && ctx.overrides?.resources) sources.push(fromIdl(ctx.overrides.resources));
  out["resources"] = applyPlatformResources(mergeResources(...sources), platform, {
    gpuName: config.gpuResourceName,
    assignDefaults: primary,
  });
  if (primary && ctx.overrides?.containerImage) out["image"] = ctx.overrides.containerImage;
  if (config.imagePullPolicy && !out["imagePullPolicy"]) out["imagePullPolicy"] = config.imagePullPolicy;
  if (!out["terminationMessagePolicy"]) out["terminationMessagePolicy"] = "FallbackToLogsOnError";
  return out;
}

/** The pod for this attempt. Throws PodBuildError (or INVALID_ARGUMENT for a bad quantity) for a bad task. */
export async function buildPod(ctx: TaskExecutionContext, config: PodPluginConfig): Promise<KubeObject> {
  const { spec: taskSpec, primary, labels: taskLabels, annotations: taskAnnotations } = taskPodSpec(ctx);
  if (!((taskSpec["containers"] ?? []) as Json[]).some((c) => c["name"] === primary))
    throw new PodBuildError(`the pod has no container named "${primary}" (its primary container)`);
  const template = podTemplateOf(ctx, config);
  const spec = mergeOntoTemplate(template, taskSpec, primary);
  spec["containers"] = await Promise.all(
    (spec["containers"] as Json[]).map((c) => decorateContainer(ctx, config, c, template, c["name"] === primary)),
  );
  if (!spec["restartPolicy"]) spec["restartPolicy"] = "Never";
  const dataConfig = rawDataConfigOf(ctx);
  if (dataConfig) addCopilot(ctx, config, spec, primary, dataConfig);
  const requested = new Set(
    (spec["containers"] as Json[]).flatMap((c) => [
      ...Object.keys(c["resources"]?.["requests"] ?? {}),
      ...Object.keys(c["resources"]?.["limits"] ?? {}),
    ]),
  );
  const tolerations = [
    ...((spec["tolerations"] ?? []) as Json[]),
    ...Object.entries(config.resourceTolerations).flatMap(([name, ts]) => (requested.has(name) ? ts : [])),
    ...config.defaultTolerations,
    ...(ctx.interruptible ? config.interruptibleTolerations : []),
  ];
  if (tolerations.length) spec["tolerations"] = tolerations;
  const nodeSelector = {
    ...config.defaultNodeSelector,
    ...(ctx.interruptible ? config.interruptibleNodeSelector : config.nonInterruptibleNodeSelector),
    ...((spec["nodeSelector"] ?? {}) as Record<string, string>),
  };
  if (Object.keys(nodeSelector).length) spec["nodeSelector"] = nodeSelector;
  const extended = [ctx.template.extendedResources, ctx.overrides?.extendedResources] as const;
  applyGpuAccelerator(spec, acceleratorOf(...extended), config);
  const shmError = applySharedMemory(spec, primary, sharedMemoryOf(...extended));
  if (shmError) throw new PodBuildError(shmError);
  const account = ctx.kubernetes?.serviceAccountName || ctx.template.securityContext?.runAs?.k8sServiceAccount;
  if (account && !spec["serviceAccountName"]) spec["serviceAccountName"] = account;
  if (config.schedulerName && !spec["schedulerName"]) spec["schedulerName"] = config.schedulerName;

  const exec = ctx.id.nodeExecutionId?.executionId;
  const secrets = ctx.template.securityContext?.secrets ?? [];
  const overrideMeta = ctx.overrides?.podTemplate?.metadata;
  const labels: Record<string, string> = {
    ...config.defaultLabels,
    ...(template?.metadata?.labels ?? {}),
    ...(taskLabels ?? {}),
    ...(overrideMeta?.labels ?? {}),
    ...(ctx.kubernetes?.labels ?? {}),
    ...(exec
      ? {
          "execution-id": sanitizeLabelValue(exec.name),
          project: sanitizeLabelValue(exec.project),
          domain: sanitizeLabelValue(exec.domain),
        }
      : {}),
    "node-id": sanitizeLabelValue(ctx.id.nodeExecutionId?.nodeId ?? ""),
    "task-name": sanitizeLabelValue(ctx.id.taskId?.name ?? ""),
    interruptible: String(ctx.interruptible),
  };
  if (secrets.length) labels[INJECT_SECRETS_LABEL] = "true";
  const annotations: Record<string, string> = {
    ...config.defaultAnnotations,
    ...(template?.metadata?.annotations ?? {}),
    ...(taskAnnotations ?? {}),
    ...(overrideMeta?.annotations ?? {}),
    ...(ctx.kubernetes?.annotations ?? {}),
    ...secretAnnotations(secrets),
  };
  annotations[PRIMARY_CONTAINER_ANNOTATION] = primary;
  if (dataConfig) annotations[COPILOT_UPLOADER_ANNOTATION] = COPILOT_UPLOADER_CONTAINER;
  const owner = ctx.kubernetes?.owner;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: podNameOf(ctx),
      namespace: namespaceOf(ctx, config),
      labels,
      annotations,
      ...(owner ? { ownerReferences: [{ ...owner, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec,
  };
}
