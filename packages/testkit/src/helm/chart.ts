// `helm template` for one chart directory, in TypeScript (no helm binary on our machines): values.yaml coalesced with
// the given values and `--set`s, templates/ rendered with .Values .Release .Chart .Capabilities .Template (files whose
// name starts with _ only define), "<no value>" removed, each file split into documents, each document parsed as
// YAML 1.1 (as Kubernetes' YAML reader). crds/ is returned as files (helm template prints them with --include-crds).
// Subcharts, .Files, lookup and values.schema.json are not implemented and fail loudly.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { TemplateError, unsupported } from "./errors.ts";
import { TemplateSet } from "./exec.ts";
import { applySet, coalesce } from "./set.ts";
import { GoStruct, deepCopy, isMap, type GoMap } from "./values.ts";

export interface RenderOptions {
  releaseName: string;
  namespace: string;
  /** Like `-f` files, in order (later wins). */
  values?: GoMap | GoMap[];
  /** Like `--set a.b=c` (typed as Helm types them: 3 is an int64, true a bool). */
  set?: string[];
  /** The cluster version .Capabilities reports. */
  kubeVersion?: string;
}

export interface RenderedDocument {
  /** `aloft/templates/admin.yaml` */
  source: string;
  text: string;
  object: Record<string, unknown>;
}

export interface RenderedChart {
  documents: RenderedDocument[];
  objects: Array<Record<string, unknown>>;
  /** What `helm template` prints (without CRDs). */
  text: string;
  notes: string;
  crds: RenderedDocument[];
  values: GoMap;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? filesUnder(p) : [p];
    });
}

const CHART_FIELDS: Record<string, string> = {
  apiVersion: "APIVersion",
  name: "Name",
  version: "Version",
  kubeVersion: "KubeVersion",
  description: "Description",
  type: "Type",
  keywords: "Keywords",
  home: "Home",
  sources: "Sources",
  maintainers: "Maintainers",
  icon: "Icon",
  appVersion: "AppVersion",
  deprecated: "Deprecated",
  annotations: "Annotations",
};

function chartStruct(meta: GoMap): GoStruct {
  const fields: GoMap = { Deprecated: false };
  for (const go of Object.values(CHART_FIELDS)) fields[go] ??= null;
  for (const k of ["APIVersion", "Name", "Version", "KubeVersion", "Description", "Type", "Home", "Icon", "AppVersion"])
    fields[k] = "";
  for (const [k, v] of Object.entries(meta)) {
    const go = CHART_FIELDS[k];
    if (!go) throw unsupported(`Chart.yaml field ${k}`);
    fields[go] = v;
  }
  return new GoStruct("*chart.Metadata", fields);
}

/** Helm's SplitManifests: documents separated by `---` lines; blank ones dropped. */
function splitDocuments(text: string): string[] {
  return text.split(/(?:^|\s*\n)---\s*/).filter((d) => d.trim() !== "");
}

function parseDocument(source: string, text: string): Record<string, unknown> | null {
  const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: true });
  const doc = Array.isArray(docs) ? docs[0] : docs;
  if (!doc) return null;
  if (doc.errors.length) throw new TemplateError(`YAML parse error on ${source}: ${doc.errors[0]!.message}`);
  const v = doc.toJS();
  if (v === null || v === undefined) return null;
  if (!isMap(v)) throw new TemplateError(`YAML parse error on ${source}: a document is not a mapping`);
  return v as Record<string, unknown>;
}

export function renderChart(chartDir: string, o: RenderOptions): RenderedChart {
  const meta = parseYaml(readFileSync(join(chartDir, "Chart.yaml"), "utf8"), { version: "1.1" }) as GoMap;
  if (meta["apiVersion"] !== "v2") throw unsupported(`Chart.yaml apiVersion ${String(meta["apiVersion"])}`);
  if (meta["dependencies"] || existsSync(join(chartDir, "charts"))) throw unsupported("subcharts (dependencies)");
  if (existsSync(join(chartDir, "values.schema.json"))) throw unsupported("values.schema.json");
  const chartName = String(meta["name"]);
  const valuesFile = join(chartDir, "values.yaml");
  const defaults = existsSync(valuesFile)
    ? ((parseYaml(readFileSync(valuesFile, "utf8"), { version: "1.1" }) as GoMap | null) ?? {})
    : {};
  let user: GoMap = {};
  for (const v of o.values === undefined ? [] : Array.isArray(o.values) ? o.values : [o.values])
    user = coalesce(deepCopy(v), user);
  for (const s of o.set ?? []) applySet(user, s);
  const values = coalesce(user, deepCopy(defaults));

  const kube = o.kubeVersion ?? "v1.31.0";
  const [major, minor] = kube.replace(/^v/, "").split(".");
  const set = new TemplateSet();
  const templatesDir = join(chartDir, "templates");
  const files = filesUnder(templatesDir).map((p) => ({
    name: `${chartName}/${relative(chartDir, p)}`,
    base: relative(templatesDir, p),
    text: readFileSync(p, "utf8"),
  }));
  // Every file is parsed first, so that a define in any file is visible to all.
  const bodies = files.map((f) => ({ ...f, body: set.add(f.name, f.text) }));
  const top = (name: string) =>
    new GoStruct("chartutil.Values", {
      Values: values,
      Release: new GoStruct("chartutil.Release", {
        Name: o.releaseName,
        Namespace: o.namespace,
        IsInstall: true,
        IsUpgrade: false,
        Revision: 1n,
        Service: "Helm",
      }),
      Chart: chartStruct(meta),
      Capabilities: new GoStruct("*chartutil.Capabilities", {
        KubeVersion: new GoStruct("chartutil.KubeVersion", {
          Version: kube,
          Major: major ?? "",
          Minor: minor ?? "",
          GitVersion: kube,
        }),
      }),
      Template: new GoStruct("chartutil.Template", { Name: name, BasePath: `${chartName}/templates` }),
    });

  const documents: RenderedDocument[] = [];
  let notes = "";
  for (const f of bodies) {
    const base = f.base.split("/").pop()!;
    if (base.startsWith("_")) continue;
    const out = set.execute(f.name, f.body, top(f.name)).replaceAll("<no value>", "");
    if (f.base === "NOTES.txt") {
      notes = out;
      continue;
    }
    for (const text of splitDocuments(out)) {
      const object = parseDocument(f.name, text);
      if (object) documents.push({ source: f.name, text, object });
    }
  }
  const crds = filesUnder(join(chartDir, "crds")).flatMap((p) => {
    const source = `${chartName}/${relative(chartDir, p)}`;
    return splitDocuments(readFileSync(p, "utf8")).flatMap((text) => {
      const object = parseDocument(source, text);
      return object ? [{ source, text, object }] : [];
    });
  });
  const text = documents.map((d) => `---\n# Source: ${d.source}\n${d.text.replace(/\n*$/, "")}\n`).join("");
  return { documents, objects: documents.map((d) => d.object), text, notes, crds, values };
}
