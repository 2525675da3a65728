// Why a pod waits, from its Kubernetes events (upstream flytepropeller/pkg/controller/nodes/task/k8s: the event watcher
// whose events the plugin manager attaches to the task's phase info as reasons). While the attempt has not started,
// the plugin lists the Warning events of its pod (FailedScheduling from the scheduler; Failed / BackOff of image pulls
// and FailedMount from the kubelet) and reports each distinct `<reason>: <message>` once: the task event that first
// carries it has it in `reasons`, with the phase version bumped so that the event is sent even though the phase is
// unchanged. Repeats (the API server folds them into one Event with a growing `count`) are not reported again.
import type { KubeApi, KubeObject, ResourceType } from "@aloft/kube";
import type { PluginReason } from "../plugin.ts";

const EVENTS: ResourceType = { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true };

/** At most this many distinct reasons are remembered per attempt (and so reported). */
export const MAX_REASONS = 50;
const MAX_TEXT = 1024;

type Json = Record<string, any>;

function when(e: Json): Date {
  const t = e["lastTimestamp"] ?? e["eventTime"] ?? e["firstTimestamp"] ?? e["metadata"]?.["creationTimestamp"];
  return typeof t === "string" ? new Date(t) : new Date(0);
}

/** Events of the same second in the order they were written: by resourceVersion when it is a number (etcd's). */
function order(a: Json, b: Json): number {
  const [x, y] = [Number(a["metadata"]?.["resourceVersion"]), Number(b["metadata"]?.["resourceVersion"])];
  return Number.isFinite(x) && Number.isFinite(y) ? x - y : 0;
}

/** The pod's Warning events as `<reason>: <message>`, oldest first, duplicates folded. */
export async function podWarnings(api: KubeApi, namespace: string, pod: string): Promise<PluginReason[]> {
  const list = await api.list<KubeObject>(EVENTS, {
    namespace,
    fieldSelector: { "involvedObject.kind": "Pod", "involvedObject.name": pod },
  });
  const out = new Map<string, PluginReason>();
  const events = (list.items as Json[])
    .filter((e) => e["type"] === "Warning")
    .sort((a, b) => +when(a) - +when(b) || order(a, b));
  for (const e of events) {
    const text = `${e["reason"] ?? "Warning"}: ${String(e["message"] ?? "").trim()}`.slice(0, MAX_TEXT);
    if (!out.has(text)) out.set(text, { reason: text, occurredAt: when(e) });
  }
  return [...out.values()];
}

/** The reasons not reported yet, and the new list of reported ones. */
export function newReasons(
  all: PluginReason[],
  reported: readonly string[],
): { fresh: PluginReason[]; reported: string[] } {
  const seen = new Set(reported);
  const fresh: PluginReason[] = [];
  const next = [...reported];
  for (const r of all) {
    if (seen.has(r.reason) || next.length >= MAX_REASONS) continue;
    seen.add(r.reason);
    next.push(r.reason);
    fresh.push(r);
  }
  return { fresh, reported: next };
}
