// Content digests that ignore map ordering: the message is rendered as JSON with sorted keys, then hashed.
import { createHash } from "node:crypto";
import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value as Record<string, unknown>).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function messageDigest<D extends DescMessage>(schema: D, message: MessageShape<D>): string {
  const json = toJson(schema, message, { useProtoFieldName: true });
  return createHash("sha256").update(canonicalJson(json)).digest("hex");
}

/** A readable field-level diff of two messages (for "different structure already exists" errors). */
export function messageDiff<D extends DescMessage>(
  schema: D,
  before: MessageShape<D>,
  after: MessageShape<D>,
): string[] {
  const a = toJson(schema, before, { useProtoFieldName: true });
  const b = toJson(schema, after, { useProtoFieldName: true });
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (canonicalJson(x) === canonicalJson(y)) return;
    const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObj(x) && isObj(y)) {
      const keys = new Set([...Object.keys(x as object), ...Object.keys(y as object)]);
      for (const k of [...keys].sort())
        walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y) && x.length === y.length) {
      for (const [i, v] of x.entries()) walk(v, y[i], `${path}[${i}]`);
      return;
    }
    out.push(
      `${path || "(root)"}: ${x === undefined ? "<unset>" : JSON.stringify(x)} -> ${y === undefined ? "<unset>" : JSON.stringify(y)}`,
    );
  };
  walk(a, b, "");
  return out;
}
