// The gateway's three marshalers (upstream flyteadmin/pkg/server/service.go): `application/json` (proto names, emit unpopulated, unknown fields
// rejected), `application/octet-stream` (binary protobuf) and the wildcard (lowerCamelCase json names, emit
// unpopulated, unknown fields ignored). JSON output matches protojson's EmitUnpopulated, which — unlike
// protobuf-es' alwaysEmitImplicit — also writes `null` for unset singular message fields outside oneofs.
import {
  create,
  fromBinary,
  ScalarType,
  type DescField,
  fromJsonString,
  toBinary,
  toJson,
  type DescMessage,
  type JsonValue,
  type Message,
  type Registry,
} from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { anyUnpack, type Any } from "@bufbuild/protobuf/wkt";

export interface Marshaler {
  /** Response Content-Type. */
  readonly contentType: string;
  /** Name for logs and tests: "json", "proto" or "wildcard". */
  readonly name: string;
  marshal(schema: DescMessage, message: Message, registry?: Registry): Uint8Array;
  /** Decodes a request body; an empty body (io.EOF upstream) yields an empty message. */
  unmarshal(schema: DescMessage, body: Uint8Array): Message;
}

export const MIME_JSON = "application/json";
export const MIME_PROTO = "application/octet-stream";

export function protoMarshaler(): Marshaler {
  return {
    contentType: MIME_PROTO,
    name: "proto",
    marshal: (schema, message) => toBinary(schema, message),
    unmarshal: (schema, body) => (body.length === 0 ? create(schema) : fromBinary(schema, body)),
  };
}

export interface JsonMarshalerOptions {
  name: string;
  /** Proto field names (`resource_type`) instead of json names (`resourceType`). */
  useProtoFieldName: boolean;
  /** DiscardUnknown: ignore unknown fields and unknown enum names instead of rejecting them. */
  ignoreUnknownFields: boolean;
  /** Resolves google.protobuf.Any both ways. */
  registry: Registry;
  /** Hand-written encoders by message type name, producing exactly the generic output (undefined: use it). */
  encoders?: ReadonlyMap<string, JsonEncoder>;
}

/** The JSON (UTF-8) of one message type written directly; undefined when the generic encoder must answer instead. */
export type JsonEncoder = (message: Message, protoNames: boolean) => Uint8Array | undefined;

export function jsonMarshaler(options: JsonMarshalerOptions): Marshaler {
  return {
    contentType: MIME_JSON,
    name: options.name,
    marshal(schema, message, registry = options.registry) {
      const direct = options.encoders?.get(schema.typeName)?.(message, options.useProtoFieldName);
      if (direct !== undefined) return direct;
      const json = toJson(schema, message, {
        useProtoFieldName: options.useProtoFieldName,
        alwaysEmitImplicit: true,
        registry,
      });
      return Buffer.from(
        JSON.stringify(withNullMessageFields(reflect(schema, message), json, options.useProtoFieldName, registry)),
      );
    },
    unmarshal(schema, body) {
      // Invalid UTF-8 and a byte order mark are errors, as for protojson / encoding/json.
      const text = firstJsonValue(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body));
      if (text === undefined) return create(schema);
      if (!text.startsWith("{"))
        throw new Error(`cannot decode message ${schema.typeName} from JSON: expected an object`);
      return fromJsonString(schema, text, {
        ignoreUnknownFields: options.ignoreUnknownFields,
        registry: options.registry,
      });
    },
  };
}

/**
 * The text of the first JSON value in `text`, as Go's json.Decoder reads it (anything after a complete top-level
 * object or array is ignored); undefined when there is nothing but whitespace (io.EOF upstream, tolerated).
 */
export function firstJsonValue(text: string): string | undefined {
  let start = 0;
  while (start < text.length && " \t\r\n".includes(text[start] as string)) start++;
  if (start === text.length) return undefined;
  const open = text[start];
  if (open !== "{" && open !== "[") return text.slice(start).trimEnd();
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return text.slice(start); // incomplete: let the parser report it
}

/** Well-known types whose JSON form is not an object of their fields; their insides are never walked. */
const SPECIAL_JSON = new Set(
  [
    "Timestamp",
    "Duration",
    "FieldMask",
    "Struct",
    "Value",
    "ListValue",
    "DoubleValue",
    "FloatValue",
    "Int64Value",
    "UInt64Value",
    "Int32Value",
    "UInt32Value",
    "BoolValue",
    "StringValue",
    "BytesValue",
  ].map((n) => `google.protobuf.${n}`),
);
const ANY = "google.protobuf.Any";
const FLOAT_VALUE = "google.protobuf.FloatValue";

function isFloat32(field: DescField): boolean {
  const scalar = field.fieldKind === "map" ? field.mapKind === "scalar" && field.scalar : field.scalar;
  return scalar === ScalarType.FLOAT;
}

/**
 * A float32 as protojson writes it: the shortest decimal that reads back to the same float32 (0.9, not
 * 0.8999999761581421, which is what the float64 widening of the same value prints as).
 */
export function float32Json(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  for (let p = 1; p < 9; p++) {
    const candidate = Number(v.toPrecision(p));
    if (Math.fround(candidate) === v) return candidate;
  }
  return Number(v.toPrecision(9));
}

/** Map entries in key order, as protojson writes them (JS still puts integer-like keys first, ascending). */
function sortedKeys(obj: { [k: string]: JsonValue }): { [k: string]: JsonValue } {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function mapNumbers(json: JsonValue, f: (n: number) => number): JsonValue {
  if (typeof json === "number") return f(json);
  if (Array.isArray(json)) return json.map((v) => mapNumbers(v, f));
  if (isJsonObject(json)) return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, mapNumbers(v, f)]));
  return json;
}

function isJsonObject(v: JsonValue | undefined): v is { [k: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The JSON of `msg` with `null` for every unset singular message field outside a oneof (recursively, like
 * protojson's EmitUnpopulated), keys in field declaration order as protojson writes them.
 */
function withNullMessageFields(
  msg: ReflectMessage,
  json: JsonValue,
  protoNames: boolean,
  registry: Registry,
): JsonValue {
  if (msg.desc.typeName === FLOAT_VALUE) return mapNumbers(json, float32Json);
  if (!isJsonObject(json)) return json;
  if (msg.desc.typeName === ANY) {
    const inner = anyUnpack(msg.message as Any, registry);
    const desc = inner && registry.getMessage(inner.$typeName);
    if (!inner || !desc || SPECIAL_JSON.has(desc.typeName) || desc.typeName === ANY) return json;
    return withNullMessageFields(reflect(desc, inner), json, protoNames, registry);
  }
  if (SPECIAL_JSON.has(msg.desc.typeName)) return json;
  const out: { [k: string]: JsonValue } = {};
  const fieldKeys = new Set(msg.fields.map((f) => (protoNames ? f.name : f.jsonName)));
  for (const [k, v] of Object.entries(json)) if (!fieldKeys.has(k)) out[k] = v; // "@type" of an Any
  for (const field of msg.fields) {
    const key = protoNames ? field.name : field.jsonName;
    const value = json[key];
    const set = msg.isSet(field);
    if (field.fieldKind === "message") {
      if (set && value !== undefined)
        out[key] = withNullMessageFields(msg.get(field) as ReflectMessage, value, protoNames, registry);
      else if (!set && field.oneof === undefined) out[key] = null;
    } else if (field.fieldKind === "list" && field.listKind === "message" && set && Array.isArray(value)) {
      const items = [...msg.get(field)] as ReflectMessage[];
      out[key] = value.map((v, i) => (items[i] ? withNullMessageFields(items[i], v, protoNames, registry) : v));
    } else if (field.fieldKind === "map" && field.mapKind === "message" && set && isJsonObject(value)) {
      const entries: { [k: string]: JsonValue } = { ...value };
      for (const [k, item] of msg.get(field).entries()) {
        const v = entries[String(k)];
        if (v !== undefined)
          entries[String(k)] = withNullMessageFields(item as ReflectMessage, v, protoNames, registry);
      }
      out[key] = sortedKeys(entries);
    } else if (value !== undefined) {
      const v = isFloat32(field) ? mapNumbers(value, float32Json) : value;
      out[key] = field.fieldKind === "map" && isJsonObject(v) ? sortedKeys(v) : v;
    } else if (field.fieldKind !== "list" && field.fieldKind !== "map" && field.oneof === undefined && !set) {
      // Explicit presence outside a oneof (proto2 `optional`, editions) is null when unset; proto3 `optional`
      // lives in a synthetic oneof and is skipped, as protojson does.
      if (field.presence === 1 /* EXPLICIT */ && !field.proto.proto3Optional) out[key] = null;
    }
  }
  return out;
}
