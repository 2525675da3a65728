// Pod status → plugin phase (upstream flyteplugins/go/tasks/plugins/k8s/pod/plugin.go GetTaskPhase and
// flyteplugins/go/tasks/pluginmachinery/flytek8s/pod_helper.go DemystifyPending / DemystifyFailure /
// DeterminePrimaryContainerPhase; spec §7.4). Pure: the pod, the time and the grace periods in, a phase out.
import type { KubeObject } from "@aloft/kube";
import type { PluginPhase } from "../plugin.ts";
import { PRIMARY_CONTAINER_ANNOTATION } from "./build-pod.ts";
import { COPILOT_UPLOADER_ANNOTATION } from "./copilot.ts";

type Json = Record<string, any>;

export interface PodPhaseInfo {
  phase: PluginPhase;
  reason?: string;
  /** On failures: the error code, message and whether it is the platform's fault (SYSTEM) or the task's (USER). */
  error?: { code: string; message: string; kind: "USER" | "SYSTEM" };
  /** Latest container start or finish time (upstream GetLastTransitionOccurredAt). */
  occurredAt?: Date;
  /** When the primary container started, if it has. */
  startedAt?: Date;
}

export interface PendingGrace {
  createContainerErrorGraceMs: number;
  imagePullBackoffGraceMs: number;
  podPendingTimeoutMs: number;
}

const WAITING_TO_BE_SCHEDULED = "waiting to be scheduled";
const CONTAINERS_BEING_CREATED = "containers are being created";
/** The reasons of a pending pod that say nothing specific (its events may say more). */
export const GENERIC_PENDING_REASONS: ReadonlySet<string> = new Set([
  WAITING_TO_BE_SCHEDULED,
  CONTAINERS_BEING_CREATED,
]);

const OOM = "OOMKilled";
const INTERRUPTED = "Interrupted";
const SIGKILL = [137, 247];
/** Pod reasons of node shutdowns, preemptions and evictions: the platform's fault. */
const SYSTEM_REASONS = new Set(["Shutdown", "Terminated", "NodeShutdown", "NodeAffinity", "Evicted", "Preempting"]);

function statuses(pod: KubeObject): Json[] {
  const s = (pod["status"] ?? {}) as Json;
  return [...(s["initContainerStatuses"] ?? []), ...(s["containerStatuses"] ?? [])] as Json[];
}

function terminatedOf(c: Json): Json | undefined {
  return (c["lastState"]?.["terminated"] ?? c["state"]?.["terminated"]) as Json | undefined;
}

function date(s: unknown): Date | undefined {
  return typeof s === "string" ? new Date(s) : undefined;
}

function occurredAt(pod: KubeObject): Date | undefined {
  let latest: Date | undefined;
  for (const c of statuses(pod)) {
    const d = date(c["state"]?.["running"]?.["startedAt"]) ?? date(c["state"]?.["terminated"]?.["finishedAt"]);
    if (d && (!latest || d > latest)) latest = d;
  }
  return latest;
}

function startedAt(pod: KubeObject, primary: string | undefined): Date | undefined {
  const c = statuses(pod).find((s) => s["name"] === primary);
  return date(c?.["state"]?.["running"]?.["startedAt"]) ?? date(c?.["state"]?.["terminated"]?.["startedAt"]);
}

const retry = (code: string, message: string, kind: "USER" | "SYSTEM"): PodPhaseInfo => ({
  phase: "RetryableFailure",
  reason: message,
  error: { code, message, kind },
});
const permanent = (code: string, message: string): PodPhaseInfo => ({
  phase: "PermanentFailure",
  reason: message,
  error: { code, message, kind: "USER" },
});

function terminationText(name: string, t: Json): string {
  return t["exitCode"] === 0
    ? `\r\n[${name}] terminated with ExitCode 0.`
    : `\r\n[${name}] terminated with exit code (${t["exitCode"]}). Reason [${t["reason"] ?? ""}]. Message: \n${t["message"] ?? ""}.`;
}

function pending(pod: KubeObject, now: Date, grace: PendingGrace): PodPhaseInfo {
  const status = (pod["status"] ?? {}) as Json;
  const created = date(pod.metadata.creationTimestamp) ?? now;
  if (grace.podPendingTimeoutMs > 0 && now.getTime() - created.getTime() > grace.podPendingTimeoutMs)
    return retry("PodPendingTimeout", `pod has been pending for more than ${grace.podPendingTimeoutMs} ms`, "SYSTEM");
  const conditions = (status["conditions"] ?? []) as Json[];
  const scheduled = conditions.find((c) => c["type"] === "PodScheduled");
  if (scheduled?.["status"] === "False")
    return { phase: "Queued", reason: `${scheduled["reason"] ?? "Unschedulable"}:${scheduled["message"] ?? ""}` };
  for (const c of statuses(pod)) {
    const waiting = c["state"]?.["waiting"] as Json | undefined;
    if (!waiting) continue;
    const reason = String(waiting["reason"] ?? "");
    const message = `${reason}:${waiting["message"] ?? ""}`;
    // How long the container has been stuck: since the last condition change (upstream: the Ready condition's).
    const since =
      conditions
        .map((x) => date(x["lastTransitionTime"]))
        .filter((d): d is Date => d !== undefined)
        .sort((a, b) => b.getTime() - a.getTime())[0] ?? created;
    const stuck = now.getTime() - since.getTime();
    switch (reason) {
      case "ContainerCreating":
      case "PodInitializing":
      case "ErrImagePull":
        return { phase: "Initializing", reason: message };
      case "CreateContainerError":
        return stuck > grace.createContainerErrorGraceMs
          ? permanent(reason, message)
          : { phase: "Initializing", reason: message };
      case "CreateContainerConfigError":
      case "InvalidImageName":
        return permanent(reason, message);
      case "ImagePullBackOff":
        return stuck > grace.imagePullBackoffGraceMs
          ? retry(reason, message, "USER")
          : { phase: "Initializing", reason: message };
      default:
        return retry(reason || "UnknownPendingError", message, "SYSTEM");
    }
  }
  return scheduled?.["status"] === "True" || pod["spec"]?.["nodeName"]
    ? { phase: "Initializing", reason: CONTAINERS_BEING_CREATED }
    : { phase: "Queued", reason: WAITING_TO_BE_SCHEDULED };
}

function failed(pod: KubeObject, primary: string | undefined): PodPhaseInfo {
  const status = (pod["status"] ?? {}) as Json;
  let code = String(status["reason"] || "UnknownError");
  let message = String(status["message"] || "Pod failed. No message received from kubernetes.");
  if (SYSTEM_REASONS.has(code)) return retry(INTERRUPTED, message, "SYSTEM");
  let system = code === "UnknownError";
  for (const c of statuses(pod)) {
    const t = terminatedOf(c);
    if (!t) continue;
    const reason = String(t["reason"] ?? "");
    if (reason.includes(OOM)) {
      code = OOM;
      system = false;
    } else if (SIGKILL.includes(t["exitCode"] as number)) {
      code = INTERRUPTED;
      if (c["name"] === primary) system = true;
    } else if (t["exitCode"] !== 0 && c["name"] === primary && code === "UnknownError") {
      // The kubelet recorded why the task's own container failed: that is the task's error, not the platform's.
      code = reason || "Error";
      system = false;
    }
    message += terminationText(String(c["name"]), t);
  }
  return system ? retry(INTERRUPTED, message, "SYSTEM") : retry(code, message, "USER");
}

/** After a successful primary: Running until copilot's uploader (if the pod has one) has ended, then its outcome. */
function uploaderPhase(pod: KubeObject): PodPhaseInfo {
  const name = pod.metadata.annotations?.[COPILOT_UPLOADER_ANNOTATION];
  if (!name) return { phase: "Success" };
  const c = ((pod["status"]?.["containerStatuses"] ?? []) as Json[]).find((s) => s["name"] === name);
  const t = c?.["state"]?.["terminated"] as Json | undefined;
  if (!t) return { phase: "Running", reason: "uploading the outputs" };
  if (t["exitCode"] === 0) return { phase: "Success" };
  return retry("OutputUploadFailed", terminationText(name, t), "SYSTEM");
}

function primaryPhase(pod: KubeObject, primary: string): PodPhaseInfo {
  const c = ((pod["status"]?.["containerStatuses"] ?? []) as Json[]).find((s) => s["name"] === primary);
  if (!c) return { phase: "Running" };
  const t = c["state"]?.["terminated"] as Json | undefined;
  if (!t) return { phase: "Running" };
  const reason = String(t["reason"] ?? "");
  const message = terminationText(primary, t);
  if (reason.includes(OOM)) return retry(OOM, message, "USER");
  if (SIGKILL.includes(t["exitCode"] as number)) return retry(INTERRUPTED, message, "SYSTEM");
  if (t["exitCode"] !== 0) return retry(reason || "Error", message, "USER");
  return uploaderPhase(pod);
}

/** The plugin phase of `pod` at `now`. */
export function podPhase(pod: KubeObject, now: Date, grace: PendingGrace): PodPhaseInfo {
  const primary = pod.metadata.annotations?.[PRIMARY_CONTAINER_ANNOTATION];
  const times = { occurredAt: occurredAt(pod), startedAt: startedAt(pod, primary) };
  const phase = String(pod["status"]?.["phase"] ?? "Pending");
  let info: PodPhaseInfo;
  if (phase !== "Succeeded" && phase !== "Failed" && pod.metadata.deletionTimestamp)
    info = retry("UnexpectedObjectDeletion", "object has been deleted", "SYSTEM");
  else if (phase === "Succeeded")
    info = statuses(pod).some((c) => String(terminatedOf(c)?.["reason"] ?? "").includes(OOM))
      ? retry(OOM, "a container of the pod was OOMKilled", "USER")
      : { phase: "Success" };
  else if (phase === "Failed") info = failed(pod, primary);
  else if (phase === "Pending") info = pending(pod, now, grace);
  else if (primary) info = primaryPhase(pod, primary);
  else {
    const all = (pod["status"]?.["containerStatuses"] ?? []) as Json[];
    info =
      all.length > 0 && all.every((c) => c["state"]?.["terminated"]?.["exitCode"] === 0)
        ? { phase: "Success" }
        : { phase: "Running" };
  }
  return { ...times, ...info };
}
