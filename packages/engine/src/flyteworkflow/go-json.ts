// Go `encoding/json` of protobuf-go generated structs. Upstream's FlyteWorkflow embeds some flyteidl messages
// without a jsonpb MarshalJSON (the branch `elseFail` error, output aliases, the pod template override, the security
// context, the raw output data config, execution identifiers), so they come out as plain Go structs: proto field
// names as keys (`failed_node_id`), `omitempty` on every field, enums as numbers, 64-bit integers as numbers,
// well-known types as their struct fields, and a oneof as `{"<GoOneofName>": {"<GoFieldName>": value}}` (null when
// unset). `toGoJson` writes that shape and `fromGoJson` reads it back.
import { create, type DescField, type DescMessage, type DescOneof, type MessageShape } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { invalidArgument } from "@aloft/core";

const BAD = "flyteworkflow.invalid";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** protogen's `GoCamelCase`: the Go identifier of a proto field or oneof name (`k8s_service_account` → `K8SServiceAccount`). */
export function goCamelCase(s: string): string {
  let out = "";
  const lower = (c: string | undefined) => c !== undefined && c >= "a" && c <= "z";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "." && lower(s[i + 1])) continue;
    if (c === ".") out += "_";
    else if (c === "_" && (i === 0 || s[i - 1] === ".")) out += "X";
    else if (c === "_" && lower(s[i + 1])) continue;
    else if (c >= "0" && c <= "9") out += c;
    else {
      out += c.toUpperCase();
      while (lower(s[i + 1])) out += s[++i];
    }
  }
  return out;
}

export function toGoJson<D extends DescMessage>(schema: D, message: MessageShape<D>): JsonObject {
  return renderMessage(reflect(schema, message));
}

function renderMessage(m: ReflectMessage): JsonObject {
  const out: JsonObject = {};
  for (const member of m.desc.members) {
    if (member.kind === "oneof") {
      const field = m.oneofCase(member);
      out[goCamelCase(member.name)] = field ? { [goCamelCase(field.name)]: renderField(m, field) } : null;
      continue;
    }
    if (!isNonEmpty(m, member)) continue;
    out[member.name] = renderField(m, member);
  }
  return out;
}

/** Go's `omitempty`: zero scalars, nil messages and empty lists/maps are left out (proto3 `optional` only when unset). */
function isNonEmpty(m: ReflectMessage, field: DescField): boolean {
  if (!m.isSet(field)) return false;
  if (field.fieldKind === "list") return m.get(field).size > 0;
  if (field.fieldKind === "map") return m.get(field).size > 0;
  return true;
}

function renderField(m: ReflectMessage, field: DescField): Json {
  switch (field.fieldKind) {
    case "scalar":
      return renderScalar(field.scalar, m.get(field));
    case "enum":
      return m.get(field) as number;
    case "message":
      return renderMessage(m.get(field) as ReflectMessage);
    case "list": {
      const out: Json[] = [];
      for (const item of m.get(field)) {
        if (field.listKind === "message") out.push(renderMessage(item as ReflectMessage));
        else if (field.listKind === "enum") out.push(item as number);
        else out.push(renderScalar(field.scalar, item));
      }
      return out;
    }
    case "map": {
      const entries = [...m.get(field)].map(([k, v]) => [String(k), v] as const).sort((a, b) => cmp(a[0], b[0]));
      const out: JsonObject = {};
      for (const [k, v] of entries) {
        if (field.mapKind === "message") out[k] = renderMessage(v as ReflectMessage);
        else if (field.mapKind === "enum") out[k] = v as number;
        else out[k] = renderScalar(field.scalar, v);
      }
      return out;
    }
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function renderScalar(type: ScalarType, value: unknown): Json {
  switch (type) {
    case ScalarType.BYTES:
      return Buffer.from(value as Uint8Array).toString("base64");
    case ScalarType.STRING:
    case ScalarType.BOOL:
      return value as string | boolean;
    case ScalarType.FLOAT:
      return shortestFloat32(value as number);
    default:
      return Number(value);
  }
}

/** Go encodes a float32 with the fewest digits that read back as the same float32. */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(v.toPrecision(p));
    if (Math.fround(candidate) === v) return candidate;
  }
  return v;
}

export function fromGoJson<D extends DescMessage>(schema: D, json: Json | undefined): MessageShape<D> {
  const message = create(schema);
  if (json === null || json === undefined) return message;
  fill(reflect(schema, message), json, schema.typeName);
  return message;
}

function fill(m: ReflectMessage, json: Json, path: string): void {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalidArgument(BAD, `${path}: expected an object`);
  }
  const oneofs = new Map<string, DescOneof>(m.desc.oneofs.map((o) => [goCamelCase(o.name), o]));
  for (const [key, value] of Object.entries(json)) {
    const oneof = oneofs.get(key);
    if (oneof) {
      if (value === null) continue;
      if (typeof value !== "object" || Array.isArray(value))
        throw invalidArgument(BAD, `${path}.${key}: expected an object`);
      for (const [name, inner] of Object.entries(value)) {
        const field = oneof.fields.find((f) => goCamelCase(f.name) === name);
        if (!field) throw invalidArgument(BAD, `${path}.${key}: unknown member ${name}`);
        setField(m, field, inner, `${path}.${key}.${name}`);
      }
      continue;
    }
    const field = m.desc.fields.find((f) => f.name === key);
    if (!field) throw invalidArgument(BAD, `${path}: unknown field ${key}`);
    if (value === null) continue;
    setField(m, field, value, `${path}.${key}`);
  }
}

function setField(m: ReflectMessage, field: DescField, value: Json, path: string): void {
  switch (field.fieldKind) {
    case "scalar":
      m.set(field, readScalar(field.scalar, value, path));
      return;
    case "enum":
      m.set(field, Number(value));
      return;
    case "message": {
      const child = reflect(field.message, create(field.message));
      fill(child, value, path);
      m.set(field, child);
      return;
    }
    case "list": {
      if (!Array.isArray(value)) throw invalidArgument(BAD, `${path}: expected a list`);
      const list = m.get(field);
      for (const item of value) {
        if (field.listKind === "message") {
          const child = reflect(field.message, create(field.message));
          fill(child, item, path);
          list.add(child);
        } else if (field.listKind === "enum") list.add(Number(item));
        else list.add(readScalar(field.scalar, item, path));
      }
      return;
    }
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw invalidArgument(BAD, `${path}: expected an object`);
      }
      const map = m.get(field);
      for (const [k, v] of Object.entries(value)) {
        const key = readScalar(field.mapKey, k, path);
        if (field.mapKind === "message") {
          const child = reflect(field.message, create(field.message));
          fill(child, v, path);
          map.set(key, child);
        } else if (field.mapKind === "enum") map.set(key, Number(v));
        else map.set(key, readScalar(field.scalar, v, path));
      }
      return;
    }
  }
}

function readScalar(type: ScalarType, value: Json, path: string): string | boolean | number | bigint | Uint8Array {
  switch (type) {
    case ScalarType.STRING:
      if (typeof value !== "string") throw invalidArgument(BAD, `${path}: expected a string`);
      return value;
    case ScalarType.BOOL:
      return value === true || value === "true";
    case ScalarType.BYTES:
      return new Uint8Array(Buffer.from(String(value), "base64"));
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return BigInt(value as number | string);
    default:
      return Number(value);
  }
}
