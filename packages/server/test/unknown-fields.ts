// Unknown fields. kubernetes-models' validators check types, required fields and enums but accept any extra property;
// the API server drops or (with strict field validation) refuses them, so a misspelt field would pass unnoticed. This
// walks an object along the field lists of the models' own type declarations (.d.ts) and names every field the
// Kubernetes API does not have. Maps (labels, resources) accept any key; type aliases (Quantity, IntOrString) and
// opaque types are leaves.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

type TypeRef = { array: TypeRef } | { map: TypeRef } | { file: string } | { leaf: true };
interface Shape {
  fields: Map<string, TypeRef>;
}

const shapes = new Map<string, Shape | null>();

const dtsOf = (spec: string, from?: string): string =>
  (from && spec.startsWith(".") ? resolve(dirname(from), spec) : fileURLToPath(import.meta.resolve(spec))).replace(
    /\.js$/,
    ".d.ts",
  );

/** The first exported interface of a declaration file (the model), or null for a type alias. */
function shapeOf(file: string): Shape | null {
  if (shapes.has(file)) return shapes.get(file)!;
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/^import \{([^}]*)\} from "([^"]+)";/gm))
    for (const name of m[1]!.split(",").map((s) => s.trim())) imports.set(name, m[2]!);
  for (const m of text.matchAll(/^export type \{ (\w+) as (\w+)/gm)) imports.set(m[2]!, file);
  for (const m of text.matchAll(/^export interface (\w+)/gm)) imports.set(m[1]!, file);
  const start = /^export interface \w+(?: extends \w+)? \{\n/m.exec(text);
  if (!start) {
    shapes.set(file, null);
    return null;
  }
  const body = text.slice(start.index + start[0].length, text.indexOf("\n}\n", start.index));
  const shape: Shape = { fields: new Map() };
  shapes.set(file, shape);
  const typeOf = (t: string): TypeRef => {
    const s = t.trim();
    const arr = /^Array<(.+)>$/s.exec(s);
    if (arr) return { array: typeOf(arr[1]!) };
    const map = /^\{\s*\[key: string\]: (.+?);?\s*\}$/s.exec(s);
    if (map) return { map: typeOf(map[1]!) };
    if (/^I\w+$/.test(s)) {
      const spec = imports.get(s);
      if (!spec) throw new Error(`${file}: cannot resolve the type ${s}`);
      return { file: spec === file ? file : dtsOf(spec, file) };
    }
    return { leaf: true };
  };
  // `"name"?: type;` at depth 0; a type may span lines ({ [key: string]: … }).
  let i = 0;
  while (i < body.length) {
    const m = /"([^"]+)"\??:\s*/y;
    m.lastIndex = body.indexOf('"', i);
    if (m.lastIndex < 0) break;
    const hit = m.exec(body);
    if (!hit) break;
    let j = m.lastIndex;
    let depth = 0;
    for (; j < body.length; j++) {
      const c = body[j];
      if (c === "{" || c === "<" || c === "(") depth++;
      if (c === "}" || c === ">" || c === ")") depth--;
      if (c === ";" && depth === 0) break;
    }
    shape.fields.set(hit[1]!, typeOf(body.slice(m.lastIndex, j)));
    i = j + 1;
  }
  return shape;
}

function walk(v: unknown, t: TypeRef, path: string, out: string[]): void {
  if (v === null || typeof v !== "object") return;
  if ("array" in t) {
    if (Array.isArray(v)) for (const [k, x] of v.entries()) walk(x, t.array, `${path}[${k}]`, out);
  } else if ("map" in t) {
    for (const [k, x] of Object.entries(v)) walk(x, t.map, `${path}.${k}`, out);
  } else if ("file" in t) {
    const shape = shapeOf(t.file);
    // An interface without fields is opaque in the models (JSON, RawExtension, JSONSchemaPropsOrArray): anything goes.
    if (!shape || shape.fields.size === 0 || Array.isArray(v)) return;
    for (const [k, x] of Object.entries(v)) {
      const ft = shape.fields.get(k);
      if (!ft) out.push(`${path}.${k}`);
      else walk(x, ft, `${path}.${k}`, out);
    }
  }
}

/** The paths of the fields of a Kubernetes object that its kind does not have (empty when none). */
export function unknownFields(obj: { apiVersion: string; kind: string }): string[] {
  const out: string[] = [];
  walk(obj, { file: dtsOf(`kubernetes-models/${obj.apiVersion}/${obj.kind}`) }, obj.kind, out);
  return out;
}
