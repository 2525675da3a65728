// Dataclass compatibility through their JSON schemas (the `metadata` of a STRUCT literal type, as mashumaro
// writes it). Upstream asks a JSON-schema comparison library whether the upstream schema is compatible with the
// downstream one; we implement the structural subset of that question that dataclass schemas use: every value the
// upstream schema admits must be admitted by the downstream schema. Like upstream (whose library does not implement
// it), `additionalProperties` is ignored, so a dataclass with extra fields fits one with fewer.
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

export function isJsonSchemaSubtype(upstream: JsonObject, downstream: JsonObject): boolean {
  return subtype(upstream, downstream, { up: upstream, down: downstream }, 0);
}

interface Roots {
  up: JsonObject;
  down: JsonObject;
}

const MAX_DEPTH = 64;

function subtype(uIn: JsonValue | undefined, dIn: JsonValue | undefined, roots: Roots, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const d = resolve(dIn, roots.down);
  const u = resolve(uIn, roots.up);
  if (d === undefined || d === true || (isObject(d) && Object.keys(d).length === 0)) return true;
  if (d === false) return false;
  if (u === undefined || u === true || !isObject(u) || !isObject(d)) return false;

  const dBranches = arrayOf(d["anyOf"]) ?? arrayOf(d["oneOf"]);
  const uBranches = arrayOf(u["anyOf"]) ?? arrayOf(u["oneOf"]);
  if (uBranches) return uBranches.every((b) => subtype(b, d, roots, depth + 1));
  if (dBranches) return dBranches.some((b) => subtype(u, b, roots, depth + 1));

  const dTypes = typesOf(d);
  const uTypes = typesOf(u);
  if (dTypes) {
    if (!uTypes) return false;
    const accepts = (t: string) => dTypes.includes(t) || (t === "integer" && dTypes.includes("number"));
    if (!uTypes.every(accepts)) return false;
  }

  const dEnum = arrayOf(d["enum"]);
  if (dEnum) {
    const uEnum = arrayOf(u["enum"]);
    if (!uEnum) return false;
    const allowed = new Set(dEnum.map((v) => JSON.stringify(v)));
    if (!uEnum.every((v) => allowed.has(JSON.stringify(v)))) return false;
  }

  if (!objectSubtype(u, d, roots, depth)) return false;
  if (d["items"] !== undefined && !subtype(u["items"], d["items"], roots, depth + 1)) return false;
  return true;
}

function objectSubtype(u: JsonObject, d: JsonObject, roots: Roots, depth: number): boolean {
  const dProps = isObject(d["properties"]) ? d["properties"] : undefined;
  const uProps = isObject(u["properties"]) ? u["properties"] : {};
  const dRequired = strings(d["required"]);
  const uRequired = new Set(strings(u["required"]));
  if (!dRequired.every((k) => uRequired.has(k))) return false;
  if (dProps) {
    for (const [key, dProp] of Object.entries(dProps)) {
      if (key in uProps) {
        if (!subtype(uProps[key], dProp, roots, depth + 1)) return false;
      }
    }
  }
  return true;
}

function resolve(v: JsonValue | undefined, root: JsonObject): JsonValue | undefined {
  let cur = v;
  for (let i = 0; i < 16 && isObject(cur) && typeof cur["$ref"] === "string"; i++) {
    const ref = cur["$ref"];
    if (!ref.startsWith("#/")) return cur;
    let target: JsonValue | undefined = root;
    for (const part of ref.slice(2).split("/")) {
      target = isObject(target) ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    }
    cur = target;
  }
  return cur;
}

function typesOf(o: JsonObject): string[] | undefined {
  const t = o["type"];
  if (typeof t === "string") return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === "string");
  return undefined;
}

function arrayOf(v: JsonValue | undefined): JsonValue[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

function strings(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
