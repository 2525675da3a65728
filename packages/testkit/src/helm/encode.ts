// Helm's toYaml (sigs.k8s.io/yaml: through JSON, so keys sorted; yaml.v2's block style with list items not indented
// under their key; the trailing newline trimmed) and toJson (encoding/json: sorted keys, HTML characters escaped).
// Scalars that would read back as something else are double-quoted; the parsed result is what matters.
import { parse } from "yaml";
import { TemplateError } from "./errors.ts";
import { GoStruct, isMap, sortedKeys, typeName } from "./values.ts";

function jsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TemplateError(`json: unsupported value: ${n}`);
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? BigInt(n).toString() : String(n);
}

function plainSafe(s: string): boolean {
  if (!/^[A-Za-z0-9_./][A-Za-z0-9_./=+@ -]*$/.test(s) || s.endsWith(" ") || s.includes(" #")) return false;
  try {
    return parse(s, { version: "1.1" }) === s && parse(s) === s;
  } catch {
    return false;
  }
}

function scalar(v: unknown): string | undefined {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (typeof v === "number") return jsonNumber(v);
  if (typeof v === "string") return plainSafe(v) ? v : JSON.stringify(v);
  if (v instanceof GoStruct) throw new TemplateError(`toYaml of a ${v.typeName} is not supported by this renderer`);
  if (Array.isArray(v) && v.length === 0) return "[]";
  if (isMap(v) && Object.keys(v).length === 0) return "{}";
  return undefined;
}

function block(v: unknown, indent: string): string[] {
  if (Array.isArray(v)) {
    const lines: string[] = [];
    for (const item of v) {
      const one = scalar(item);
      if (one !== undefined) {
        lines.push(`${indent}- ${one}`);
        continue;
      }
      const inner = block(item, `${indent}  `);
      lines.push(`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1));
    }
    return lines;
  }
  const m = v as Record<string, unknown>;
  const lines: string[] = [];
  for (const k of sortedKeys(m)) {
    const key = plainSafe(k) ? k : JSON.stringify(k);
    const x = m[k];
    const one = scalar(x);
    if (one !== undefined) lines.push(`${indent}${key}: ${one}`);
    else lines.push(`${indent}${key}:`, ...block(x, Array.isArray(x) ? indent : `${indent}  `));
  }
  return lines;
}

export function toYaml(v: unknown): string {
  const one = scalar(v);
  return one !== undefined ? one : block(v, "").join("\n");
}

export function toJson(v: unknown): string {
  const enc = (x: unknown): string => {
    if (x === null || x === undefined) return "null";
    if (typeof x === "boolean" || typeof x === "bigint") return String(x);
    if (typeof x === "number") return jsonNumber(x);
    if (typeof x === "string") return JSON.stringify(x).replace(/[<>&\u2028\u2029]/g, hex);
    if (Array.isArray(x)) return `[${x.map(enc).join(",")}]`;
    if (isMap(x))
      return `{${sortedKeys(x)
        .map((k) => `${enc(k)}:${enc(x[k])}`)
        .join(",")}}`;
    throw new TemplateError(`toJson of a ${typeName(x)} is not supported by this renderer`);
  };
  return enc(v);
}

const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
