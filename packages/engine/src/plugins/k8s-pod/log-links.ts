// Task log links of a pod (upstream flyteplugins/go/tasks/logs/logging_utils.go and pluginmachinery/tasklog/template.go;
// spec §7.6): each configured template rendered for each container, display name suffixed " (User)".
import { create } from "@bufbuild/protobuf";
import { type TaskLog, TaskLogSchema, TaskLog_MessageFormat } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { KubeObject } from "@aloft/kube";
import type { TaskExecutionContext } from "../plugin.ts";
import type { LogTemplate, PodPluginConfig } from "./config.ts";

type Json = Record<string, any>;

function vars(
  ctx: TaskExecutionContext,
  pod: KubeObject,
  container: Json,
  status: Json | undefined,
): Record<string, string> {
  const exec = ctx.id.nodeExecutionId?.executionId;
  const start = status?.["state"]?.["running"]?.["startedAt"] ?? status?.["state"]?.["terminated"]?.["startedAt"];
  const finish = status?.["state"]?.["terminated"]?.["finishedAt"];
  const unix = (s: unknown) => (typeof s === "string" ? String(Math.floor(Date.parse(s) / 1000)) : "");
  return {
    podName: pod.metadata.name ?? "",
    podUID: pod.metadata.uid ?? "",
    namespace: pod.metadata.namespace ?? "",
    containerName: String(container["name"] ?? ""),
    containerId: String(status?.["containerID"] ?? ""),
    hostname: String(pod["status"]?.["hostIP"] ?? ""),
    nodeName: String(pod["spec"]?.["nodeName"] ?? ""),
    podRFC3339StartTime: typeof start === "string" ? start : "",
    podRFC3339FinishTime: typeof finish === "string" ? finish : "",
    podUnixStartTime: unix(start),
    podUnixFinishTime: unix(finish),
    taskID: ctx.id.taskId?.name ?? "",
    taskVersion: ctx.id.taskId?.version ?? "",
    taskProject: ctx.id.taskId?.project ?? "",
    taskDomain: ctx.id.taskId?.domain ?? "",
    taskRetryAttempt: String(ctx.id.retryAttempt),
    nodeID: ctx.id.nodeExecutionId?.nodeId ?? "",
    executionName: exec?.name ?? "",
    executionProject: exec?.project ?? "",
    executionDomain: exec?.domain ?? "",
    generatedName: ctx.generatedName,
  };
}

/** `{{ .podName }}` / `{{ $podName }}` (case-insensitive) replaced; unknown variables are left as they are. */
export function renderLogTemplate(uri: string, values: Record<string, string>): string {
  const lower = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  return uri.replace(/\{\{\s*[.$]([A-Za-z0-9_]+)\s*\}\}/g, (all, name: string) => lower.get(name.toLowerCase()) ?? all);
}

function templatesOf(config: PodPluginConfig): LogTemplate[] {
  const out: LogTemplate[] = [];
  if (config.logs.kubernetesUrl) {
    out.push({
      displayName: "Kubernetes Logs",
      templateUri: `${config.logs.kubernetesUrl.replace(/\/$/, "")}/#!/log/{{ .namespace }}/{{ .podName }}/pod?namespace={{ .namespace }}`,
    });
  }
  return [...out, ...config.logs.templates];
}

/** The links of a pod that has been scheduled (none before: there is nothing to read yet). */
export function podLogLinks(ctx: TaskExecutionContext, pod: KubeObject, config: PodPluginConfig): TaskLog[] {
  const templates = templatesOf(config);
  if (templates.length === 0 || !pod["spec"]?.["nodeName"]) return [];
  const statuses = (pod["status"]?.["containerStatuses"] ?? []) as Json[];
  const links: TaskLog[] = [];
  const containers = (pod["spec"]?.["containers"] ?? []) as Json[];
  for (const c of containers) {
    const values = vars(
      ctx,
      pod,
      c,
      statuses.find((s) => s["name"] === c["name"]),
    );
    for (const t of templates) {
      links.push(
        create(TaskLogSchema, {
          uri: renderLogTemplate(t.templateUri, values),
          name: containers.length > 1 ? `${t.displayName} (${c["name"]}) (User)` : `${t.displayName} (User)`,
          messageFormat: TaskLog_MessageFormat.JSON,
        }),
      );
    }
  }
  return links;
}
