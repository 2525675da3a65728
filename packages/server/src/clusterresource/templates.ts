// The cluster resource templates (upstream flyteadmin/pkg/clusterresource/controller.go): every `*.yaml` file of one
// directory, in name order, with `{{ key }}` replaced by the namespace, project and domain and by values from the
// configuration, per domain, and from a project-domain's CLUSTER_RESOURCE attributes (most specific wins). A file may
// hold several YAML documents. A variable left without a value is an error for that file, not a literal `{{ x }}` sent
// to the API server.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { invalidArgument, type ClusterResourceValue } from "@aloft/core";
import type { KubeObject } from "@aloft/kube";

export interface Template {
  file: string;
  text: string;
}

export interface RenderedObject {
  /** `<file>#<document index>`: where the object came from, and its key in the applied-checksum cache. */
  source: string;
  object: KubeObject & { apiVersion: string; kind: string };
  /** sha256 of the rendered object: unchanged input, nothing to apply. */
  checksum: string;
}

export interface Target {
  namespace: string;
  project: string;
  domain: string;
}

/** The `*.yaml` files of `dir` in name order ("" = none). */
export async function loadTemplates(dir: string): Promise<Template[]> {
  if (dir === "") return [];
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(join(dir, file), "utf8") })));
}

/** The values of one namespace: every-domain values < this domain's < the project-domain's attributes < the target. */
export function templateValues(
  configured: readonly ClusterResourceValue[],
  attributes: Readonly<Record<string, string>>,
  target: Target,
): Map<string, string> {
  const values = new Map<string, string>();
  for (const v of configured) if (v.domain === undefined || v.domain === "") values.set(v.key, v.value);
  for (const v of configured) if (v.domain === target.domain) values.set(v.key, v.value);
  for (const [k, v] of Object.entries(attributes)) values.set(k, v);
  values.set("namespace", target.namespace);
  values.set("project", target.project);
  values.set("domain", target.domain);
  return values;
}

const VARIABLE = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** The objects of one template for one namespace; INVALID_ARGUMENT naming the file for a missing value or bad YAML. */
export function render(template: Template, values: ReadonlyMap<string, string>): RenderedObject[] {
  const missing = new Set<string>();
  const text = template.text.replace(VARIABLE, (whole, name: string) => {
    const value = values.get(name);
    if (value === undefined) missing.add(name);
    return value ?? whole;
  });
  if (missing.size > 0) {
    throw invalidArgument(
      "clusterresource.missing_value",
      `${template.file}: no value for ${[...missing].map((m) => `{{ ${m} }}`).join(", ")} (clusterResources.templateData or the project-domain's cluster resource attributes)`,
    );
  }
  const out: RenderedObject[] = [];
  for (const [index, doc] of parseAllDocuments(text).entries()) {
    if (doc.errors.length > 0) {
      throw invalidArgument("clusterresource.bad_yaml", `${template.file}: ${doc.errors[0]!.message}`);
    }
    const object = doc.toJS() as Partial<RenderedObject["object"]> | null;
    if (object === null || object === undefined) continue; // an empty document (a trailing `---`)
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string" || !object.metadata?.name) {
      throw invalidArgument(
        "clusterresource.bad_object",
        `${template.file}: document ${index} needs apiVersion, kind and metadata.name`,
      );
    }
    const rendered = object as RenderedObject["object"];
    out.push({
      source: `${template.file}#${index}`,
      object: rendered,
      checksum: createHash("sha256").update(JSON.stringify(rendered)).digest("hex"),
    });
  }
  return out;
}
