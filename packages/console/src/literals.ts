// Literals and literal types as people read them: a type's short name ("list<int>") and a literal as a small tree of
// values, lists, maps, blobs and errors that the page renders (components/literal-view.tsx). Pure: no DOM.
import type { Literal, LiteralType } from "./types.ts";

const SIMPLE_NAMES: Record<string, string> = {
  NONE: "none",
  INTEGER: "int",
  FLOAT: "float",
  STRING: "str",
  BOOLEAN: "bool",
  DATETIME: "datetime",
  DURATION: "duration",
  BINARY: "binary",
  ERROR: "error",
  STRUCT: "struct",
};

/** A literal type's short name: `int`, `list<float>`, `map<str, int>`, `enum(a|b)`, `file`, `int | none`. */
export function typeLabel(t: LiteralType | null | undefined): string {
  if (!t) return "unknown";
  if (t.simple) return SIMPLE_NAMES[t.simple] ?? t.simple.toLowerCase();
  if (t.collection_type) return `list<${typeLabel(t.collection_type)}>`;
  if (t.map_value_type) return `map<str, ${typeLabel(t.map_value_type)}>`;
  if (t.enum_type) return `enum(${(t.enum_type.values ?? []).join("|")})`;
  if (t.union_type) return (t.union_type.variants ?? []).map(typeLabel).join(" | ");
  if (t.blob) return t.blob.dimensionality === "MULTIPART" ? "directory" : "file";
  if (t.structured_dataset_type) return "structured dataset";
  if (t.schema) return "schema";
  return "unknown";
}

export type LiteralView =
  | { kind: "value"; type: string; text: string }
  | { kind: "none" }
  | { kind: "list"; items: LiteralView[] }
  | { kind: "map"; entries: [string, LiteralView][] }
  | { kind: "uri"; type: string; uri: string }
  | { kind: "error"; message: string; node?: string }
  | { kind: "json"; text: string }
  | { kind: "unknown"; text: string };

/** A literal as a tree to render; never throws on shapes it does not know (they show as their JSON). */
export function literalView(l: Literal | null | undefined): LiteralView {
  if (!l) return { kind: "none" };
  if (l.collection) return { kind: "list", items: (l.collection.literals ?? []).map(literalView) };
  if (l.map) {
    const entries = Object.entries(l.map.literals ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { kind: "map", entries: entries.map(([k, v]) => [k, literalView(v)]) };
  }
  if (l.offloaded_metadata) return { kind: "uri", type: "offloaded", uri: l.offloaded_metadata.uri ?? "" };
  const s = l.scalar;
  if (!s) return { kind: "unknown", text: JSON.stringify(l) };
  if (s.primitive) return primitiveView(s.primitive);
  if (s.none_type) return { kind: "none" };
  if (s.error) return { kind: "error", message: s.error.message ?? "", node: s.error.failed_node_id ?? "" };
  if (s.blob) {
    const multipart = s.blob.metadata?.type?.dimensionality === "MULTIPART";
    return { kind: "uri", type: multipart ? "directory" : "file", uri: s.blob.uri ?? "" };
  }
  if (s.structured_dataset) return { kind: "uri", type: "structured dataset", uri: s.structured_dataset.uri ?? "" };
  if (s.schema) return { kind: "uri", type: "schema", uri: s.schema.uri ?? "" };
  if (s.union) return literalView(s.union.value);
  if (s.binary)
    return { kind: "value", type: s.binary.tag || "binary", text: `${(s.binary.value ?? "").length} b64 chars` };
  if (s.generic !== undefined && s.generic !== null) return { kind: "json", text: JSON.stringify(s.generic, null, 2) };
  return { kind: "unknown", text: JSON.stringify(l) };
}

function primitiveView(p: NonNullable<NonNullable<Literal["scalar"]>["primitive"]>): LiteralView {
  if (p.integer !== undefined) return { kind: "value", type: "int", text: String(p.integer) };
  if (p.float_value !== undefined) return { kind: "value", type: "float", text: String(p.float_value) };
  if (p.string_value !== undefined) return { kind: "value", type: "str", text: p.string_value };
  if (p.boolean !== undefined) return { kind: "value", type: "bool", text: p.boolean ? "true" : "false" };
  if (p.datetime !== undefined) return { kind: "value", type: "datetime", text: p.datetime };
  if (p.duration !== undefined) return { kind: "value", type: "duration", text: p.duration };
  return { kind: "unknown", text: JSON.stringify(p) };
}

/** One line for a literal (lists and maps abbreviated), for tables. */
export function literalSummary(view: LiteralView, max = 80): string {
  const text = summarize(view);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function summarize(v: LiteralView): string {
  switch (v.kind) {
    case "value":
      return v.type === "str" ? JSON.stringify(v.text) : v.text;
    case "none":
      return "none";
    case "list":
      return `[${v.items.map(summarize).join(", ")}]`;
    case "map":
      return `{${v.entries.map(([k, x]) => `${k}: ${summarize(x)}`).join(", ")}}`;
    case "uri":
      return v.uri;
    case "error":
      return `error: ${v.message}`;
    case "json":
    case "unknown":
      return v.text.replace(/\s+/g, " ");
  }
}
