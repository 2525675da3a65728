// Setting request fields from strings by dotted field path, as grpc-gateway v2's populateFieldValueFromPath /
// parseField: used for path variables (`id.project`) and query parameters (`sort_by.direction=ASCENDING`).
// Each path segment matches a proto name or a json name; unknown names are ignored; values are parsed with Go's
// acceptance rules. Errors are BindingErrors whose messages mirror upstream's.
import { create, fromJson, ScalarType, type DescField, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import {
  DurationSchema,
  FieldMaskSchema,
  StructSchema,
  TimestampSchema,
  ValueSchema,
  BoolValueSchema,
  BytesValueSchema,
  DoubleValueSchema,
  FloatValueSchema,
  Int32ValueSchema,
  Int64ValueSchema,
  StringValueSchema,
  UInt32ValueSchema,
  UInt64ValueSchema,
} from "@bufbuild/protobuf/wkt";
import {
  durationParts,
  parseGoBool,
  parseGoBytes,
  parseGoDuration,
  parseGoFloat,
  parseGoInt,
  parseGoRfc3339,
  parseGoUint,
} from "./go-parse.ts";

export class BindingError extends Error {
  override name = "BindingError";
}

/** The field named `name` (proto name first, then json name) of a message, or undefined. */
export function findField(desc: DescMessage, name: string): DescField | undefined {
  return desc.fields.find((f) => f.name === name) ?? desc.fields.find((f) => f.jsonName === name);
}

/**
 * Sets `values` into the field at `fieldPath` of `msg`, creating intermediate messages. Unknown field names are
 * silently ignored (an extra query parameter); repeated fields take every value, maps take [key, value], singular
 * fields exactly one value.
 */
export function populateFieldFromPath(
  msg: ReflectMessage,
  fieldPath: readonly string[],
  values: readonly string[],
): void {
  if (fieldPath.length === 0) throw new BindingError("no field path");
  if (values.length === 0) throw new BindingError("no value provided");
  populateAt(msg, fieldPath, 0, values);
}

function populateAt(msg: ReflectMessage, fieldPath: readonly string[], i: number, values: readonly string[]): void {
  const name = fieldPath[i] as string;
  const field = findField(msg.desc, name);
  if (field === undefined) return;
  if (field.oneof !== undefined) {
    const current = msg.oneofCase(field.oneof);
    if (current !== undefined && (field.fieldKind !== "message" || current !== field)) {
      throw new BindingError(`field already set for oneof ${JSON.stringify(field.oneof.name)}`);
    }
  }
  if (i < fieldPath.length - 1) {
    if (field.fieldKind !== "message") throw new BindingError(`invalid path: ${JSON.stringify(name)} is not a message`);
    const child = msg.isSet(field) ? (msg.get(field) as ReflectMessage) : reflect(field.message, create(field.message));
    try {
      populateAt(child, fieldPath, i + 1, values);
    } finally {
      msg.set(field, child);
    }
    return;
  }
  switch (field.fieldKind) {
    case "list": {
      const list = msg.get(field);
      for (const value of values) {
        try {
          list.add(parseValue(field, value));
        } catch (err) {
          throw wrap(`parsing list ${JSON.stringify(field.name)}`, err);
        }
      }
      msg.set(field, list);
      return;
    }
    case "map": {
      if (values.length !== 2) {
        throw new BindingError(
          `more than one value provided for key ${JSON.stringify(values[0])} in map ${JSON.stringify(`${field.parent.typeName}.${field.name}`)}`,
        );
      }
      const map = msg.get(field);
      let key: unknown;
      try {
        key = parseScalar(field.mapKey, values[0] as string, false);
      } catch (err) {
        throw wrap(`parsing map key ${JSON.stringify(field.name)}`, err);
      }
      try {
        map.set(key, parseValue(field, values[1] as string));
      } catch (err) {
        throw wrap(`parsing map value ${JSON.stringify(field.name)}`, err);
      }
      msg.set(field, map);
      return;
    }
    default: {
      if (values.length > 1) {
        throw new BindingError(`too many values for field ${JSON.stringify(field.name)}: ${values.join(", ")}`);
      }
      let v: unknown;
      try {
        v = parseValue(field, values[0] as string);
      } catch (err) {
        throw wrap(`parsing field ${JSON.stringify(field.name)}`, err);
      }
      msg.set(field, v);
    }
  }
}

function wrap(prefix: string, err: unknown): BindingError {
  return new BindingError(`${prefix}: ${err instanceof Error ? err.message : String(err)}`);
}

/** Value of one element of `field` (the field itself, a list item or a map value) parsed from a string. */
function parseValue(field: DescField, value: string): unknown {
  const kind =
    field.fieldKind === "list" ? field.listKind : field.fieldKind === "map" ? field.mapKind : field.fieldKind;
  switch (kind) {
    case "enum": {
      const e = field.enum;
      if (e === undefined) throw new BindingError("no enum");
      const byName = e.values.find((v) => v.name === value);
      if (byName) return byName.number;
      if (/^[+-]?[0-9]+$/.test(value)) {
        const n = Number(value);
        if (e.values.some((v) => v.number === n)) return n;
      }
      throw new BindingError(`${JSON.stringify(value)} is not a valid value`);
    }
    case "message": {
      const desc = field.message;
      if (desc === undefined) throw new BindingError("no message");
      return parseMessage(desc, value);
    }
    default: {
      const scalar = field.scalar;
      if (scalar === undefined) throw new BindingError("no scalar");
      return parseScalar(scalar, value, field.fieldKind === "scalar" && field.longAsString);
    }
  }
}

/** Scalars as Go's strconv (ParseInt/ParseUint/ParseFloat/ParseBool, base 10, range-checked) and runtime.Bytes. */
export function parseScalar(scalar: ScalarType, value: string, longAsString: boolean): unknown {
  const long = (v: bigint) => (longAsString ? v.toString() : v);
  switch (scalar) {
    case ScalarType.BOOL:
      return parseGoBool(value);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return Number(parseGoInt(value, 32));
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return long(parseGoInt(value, 64));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return Number(parseGoUint(value, 32));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(parseGoUint(value, 64));
    case ScalarType.FLOAT:
      return parseGoFloat(value, 32);
    case ScalarType.DOUBLE:
      return parseGoFloat(value, 64);
    case ScalarType.STRING:
      return value;
    case ScalarType.BYTES:
      return parseGoBytes(value);
  }
}

const WRAPPERS: Record<string, { schema: DescMessage; scalar: ScalarType }> = Object.fromEntries(
  (
    [
      [DoubleValueSchema, ScalarType.DOUBLE],
      [FloatValueSchema, ScalarType.FLOAT],
      [Int64ValueSchema, ScalarType.INT64],
      [Int32ValueSchema, ScalarType.INT32],
      [UInt64ValueSchema, ScalarType.UINT64],
      [UInt32ValueSchema, ScalarType.UINT32],
      [BoolValueSchema, ScalarType.BOOL],
      [StringValueSchema, ScalarType.STRING],
      [BytesValueSchema, ScalarType.BYTES],
    ] as const
  ).map(([schema, scalar]) => [schema.typeName, { schema, scalar }]),
);

/** The well-known message types a string can set (runtime parseMessage); anything else is an error. */
function parseMessage(desc: DescMessage, value: string): ReflectMessage {
  switch (desc.typeName) {
    case TimestampSchema.typeName:
      return reflect(TimestampSchema, create(TimestampSchema, parseGoRfc3339(value)));
    case DurationSchema.typeName:
      return reflect(DurationSchema, create(DurationSchema, durationParts(parseGoDuration(value))));
    case FieldMaskSchema.typeName:
      return reflect(FieldMaskSchema, create(FieldMaskSchema, { paths: value.split(",") }));
    case ValueSchema.typeName:
      return reflect(ValueSchema, fromJson(ValueSchema, parseJson(value)));
    case StructSchema.typeName:
      return reflect(StructSchema, fromJson(StructSchema, parseJson(value)));
  }
  const wrapper = WRAPPERS[desc.typeName];
  if (wrapper) {
    const msg = create(wrapper.schema);
    const r = reflect(wrapper.schema, msg);
    r.set(wrapper.schema.fields[0] as DescField, parseScalar(wrapper.scalar, value, false));
    return r;
  }
  throw new BindingError(`unsupported message type: ${JSON.stringify(desc.typeName)}`);
}

function parseJson(value: string): JsonValue {
  return JSON.parse(value) as JsonValue;
}
