// Protobuf text format as Go's `proto.Message.String()` renders it (compact prototext), used by the compiler where
// upstream compares or prints messages by their String(): identifier keys, literal-type equality, error messages.
// Go randomly inserts an extra space in this output to discourage byte comparisons; we always emit one space.
import type { DescField, DescMessage, Message } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { IdentifierSchema, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralTypeSchema, SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";

/** Text format of a message; `undefined` renders as the empty string (as Go renders a nil message). */
export function protoText(schema: DescMessage, message: Message | undefined): string {
  if (message === undefined) return "";
  return renderMessage(reflect(schema, message));
}

export function identifierText(id: Identifier | undefined): string {
  return protoText(IdentifierSchema, id);
}

export function literalTypeText(type: LiteralType | undefined): string {
  return protoText(LiteralTypeSchema, type);
}

/** flytestdlib `utils.LiteralTypeToStr`: STRUCT types list their dataclass fields, anything else is the text format. */
export function literalTypeToStr(type: LiteralType | undefined): string {
  if (type === undefined) return "None";
  if (type.type.case === "simple" && type.type.value === SimpleType.STRUCT) {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(type.structure?.dataclassType ?? {})) {
      parts.push(`dataclass_type:{key:${key} value:{${literalTypeToStr(value)}}`);
    }
    return `Simple: STRUCT structure{${parts.join(", ")}}`;
  }
  return literalTypeText(type);
}

function renderMessage(m: ReflectMessage): string {
  const parts: string[] = [];
  for (const field of m.fields) {
    if (!m.isSet(field)) continue;
    parts.push(...renderField(m, field));
  }
  return parts.join(" ");
}

function renderField(m: ReflectMessage, field: DescField): string[] {
  const name = field.name;
  switch (field.fieldKind) {
    case "scalar":
      return [`${name}:${renderScalar(field.scalar, m.get(field))}`];
    case "enum":
      return [`${name}:${renderEnum(field.enum.values, m.get(field) as number)}`];
    case "message":
      return [`${name}:{${renderMessage(m.get(field) as ReflectMessage)}}`];
    case "list": {
      const list = m.get(field);
      const out: string[] = [];
      for (const item of list) {
        out.push(`${name}:${renderValue(field.listKind, field, item)}`);
      }
      return out;
    }
    case "map": {
      const map = m.get(field);
      const entries = [...map].sort((a, b) => compareKeys(a[0], b[0]));
      return entries.map(([key, value]) => {
        const k = renderScalar(field.mapKey, key);
        return `${name}:{key:${k} value:${renderValue(field.mapKind, field, value)}}`;
      });
    }
  }
}

function renderValue(kind: "scalar" | "enum" | "message", field: DescField, value: unknown): string {
  if (kind === "message") return `{${renderMessage(value as ReflectMessage)}}`;
  if (kind === "enum") {
    const values = field.enum?.values ?? [];
    return renderEnum(values, value as number);
  }
  return renderScalar(field.scalar ?? ScalarType.STRING, value);
}

function renderEnum(values: readonly { number: number; name: string }[], n: number): string {
  return values.find((v) => v.number === n)?.name ?? String(n);
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function renderScalar(type: ScalarType, value: unknown): string {
  switch (type) {
    case ScalarType.STRING:
      return quote(Buffer.from(String(value), "utf8"));
    case ScalarType.BYTES:
      return quote(Buffer.from(value as Uint8Array));
    case ScalarType.BOOL:
      return value ? "true" : "false";
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return formatGoFloat(Number(value));
    default:
      return String(value);
  }
}

/** Go `strconv.FormatFloat(v, 'g', -1, 64)` with prototext's nan/inf spelling. */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mantissa = "0", expPart = "0"] = v.toExponential().split("e");
  const exp = Number(expPart);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    const abs = Math.abs(exp);
    return `${mantissa}e${sign}${abs < 10 ? `0${abs}` : abs}`;
  }
  return String(v);
}

function quote(bytes: Buffer): string {
  let out = '"';
  for (const b of bytes) {
    switch (b) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += "\\\\";
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      default:
        if (b < 0x20 || b === 0x7f) out += `\\x${b.toString(16).padStart(2, "0")}`;
        else out += String.fromCharCode(b);
    }
  }
  // Re-decode so multi-byte UTF-8 sequences come out as the characters they encode (Go keeps valid UTF-8 as is).
  return `${Buffer.from(out, "latin1").toString("utf8")}"`;
}
