// Pod templates (upstream flyteplugins/go/tasks/pluginmachinery/flytek8s/pod_helper.go BuildPodWithSpec /
// MergeBasePodSpecOntoTemplate): the task's pod is laid over a base template. The template's container named `default`
// is the base of every container, the one named `primary` the base of the primary container (over `default`); the
// task's own fields win. Lists of tolerations and volumes are concatenated, node selectors merged.
import type { PodTemplateSpec } from "./config.ts";

type Json = Record<string, any>;

const CONCAT = new Set(["tolerations", "volumes", "imagePullSecrets", "hostAliases"]);
const MERGE = new Set(["nodeSelector"]);

function mergeContainer(base: Json | undefined, over: Json): Json {
  if (base === undefined) return over;
  const out: Json = { ...base, ...over };
  for (const key of ["env", "volumeMounts", "envFrom", "ports"]) {
    if (base[key] || over[key]) out[key] = [...(base[key] ?? []), ...(over[key] ?? [])];
  }
  // Resources are not merged here: the template's are the lowest-priority source of resources.ts.
  out["resources"] = over["resources"];
  if (out["resources"] === undefined) delete out["resources"];
  return out;
}

/** The template's base for a container: its `default` container, then its `primary` one for the primary container. */
export function templateContainer(template: PodTemplateSpec | undefined, primary: boolean): Json | undefined {
  const containers = (template?.spec?.["containers"] ?? []) as Json[];
  const def = containers.find((c) => c["name"] === "default");
  const prim = primary ? containers.find((c) => c["name"] === "primary") : undefined;
  if (!def && !prim) return undefined;
  const merged = { ...(def ?? {}), ...(prim ?? {}) };
  delete merged["name"];
  return merged;
}

/** The task's pod spec laid over the template's spec. */
export function mergeOntoTemplate(template: PodTemplateSpec | undefined, spec: Json, primaryName: string): Json {
  const base = (template?.spec ?? {}) as Json;
  const out: Json = { ...base, ...spec };
  for (const key of CONCAT) if (base[key] || spec[key]) out[key] = [...(base[key] ?? []), ...(spec[key] ?? [])];
  for (const key of MERGE) if (base[key] || spec[key]) out[key] = { ...(base[key] ?? {}), ...(spec[key] ?? {}) };
  out["containers"] = ((spec["containers"] ?? []) as Json[]).map((c) =>
    mergeContainer(templateContainer(template, c["name"] === primaryName), c),
  );
  if (base["initContainers"] || spec["initContainers"]) {
    out["initContainers"] = [
      ...((base["initContainers"] ?? []) as Json[]),
      ...((spec["initContainers"] ?? []) as Json[]),
    ];
  }
  return out;
}
