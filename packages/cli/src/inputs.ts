// `--input k=v` and `--inputs-file` values turned into flyteidl literals, checked against the expected input types of a
// launch plan or task: int, float, string, bool, datetime, duration, lists/maps (JSON), structs, enums, unions
// (optional), files and directories (local paths or URIs), structured datasets. Errors name the input and the type.
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromMs, type Duration } from "@bufbuild/protobuf/wkt";
import { parse as parseYaml } from "yaml";
import {
  LiteralMapSchema,
  LiteralSchema,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import { BlobType_BlobDimensionality, SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import type { ParameterMap } from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { VariableMap } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { invalidArgument } from "@aloft/core";

export interface ExpectedInput {
  type: LiteralType;
  /** Required and without a default: must be given. */
  required: boolean;
}

export type ExpectedInputs = Record<string, ExpectedInput>;

export function fromParameterMap(p: ParameterMap | undefined): ExpectedInputs {
  const out: ExpectedInputs = {};
  for (const [name, param] of Object.entries(p?.parameters ?? {})) {
    if (!param.var?.type) continue;
    out[name] = { type: param.var.type, required: param.behavior.case === "required" && param.behavior.value };
  }
  return out;
}

export function fromVariableMap(v: VariableMap | undefined): ExpectedInputs {
  const out: ExpectedInputs = {};
  for (const [name, variable] of Object.entries(v?.variables ?? {}))
    if (variable.type) out[name] = { type: variable.type, required: true };
  return out;
}

/** A readable name for a type: integer, list<float>, map<string, integer>, file, enum{a|b}, optional<string>. */
export function typeName(t: LiteralType | undefined): string {
  const x = t?.type;
  switch (x?.case) {
    case "simple":
      return SimpleType[x.value]?.toLowerCase() ?? "unknown";
    case "collectionType":
      return `list<${typeName(x.value)}>`;
    case "mapValueType":
      return `map<string, ${typeName(x.value)}>`;
    case "blob":
      return x.value.dimensionality === BlobType_BlobDimensionality.MULTIPART ? "directory" : "file";
    case "enumType":
      return `enum{${x.value.values.join("|")}}`;
    case "unionType": {
      const others = x.value.variants.filter((v) => !(v.type.case === "simple" && v.type.value === SimpleType.NONE));
      if (others.length === 1 && others.length < x.value.variants.length) return `optional<${typeName(others[0])}>`;
      return `union<${x.value.variants.map(typeName).join(", ")}>`;
    }
    case "structuredDatasetType":
      return "structured dataset";
    case "schema":
      return "schema";
    default:
      return "unknown";
  }
}

class BadValue extends Error {}

const scalar = (
  value: Literal["value"] extends infer V ? (V extends { case: "scalar"; value: infer S } ? S : never) : never,
) => create(LiteralSchema, { value: { case: "scalar", value } });
const primitive = (value: Record<string, unknown>) =>
  create(LiteralSchema, {
    value: { case: "scalar", value: { value: { case: "primitive", value: { value: value as never } } } },
  });

function parseDuration(s: string): Duration {
  // Go durations (1h30m, 1.5s, 500ms, 2m) or plain seconds.
  const plain = /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : undefined;
  let seconds = plain;
  if (seconds === undefined) {
    const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
    const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
    let total = 0;
    let consumed = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      total += Number(m[1]) * (units[m[2]!] ?? 0);
      consumed = re.lastIndex;
    }
    if (consumed !== s.length || s === "") throw new BadValue("is not a duration (e.g. 90s, 1h30m, 1.5)");
    seconds = total;
  }
  const whole = Math.trunc(seconds);
  return { $typeName: "google.protobuf.Duration", seconds: BigInt(whole), nanos: Math.round((seconds - whole) * 1e9) };
}

/** Lists, maps and structs given on the command line are JSON; from a file they are already values. */
function structured(v: unknown, what: string): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new BadValue(`is not valid JSON for a ${what}`);
  }
}

function localOrUri(v: unknown, kind: string): string {
  if (typeof v !== "string" || v === "") throw new BadValue(`is not a ${kind} path or URI`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return v;
  const path = isAbsolute(v) ? v : resolve(v);
  if (!existsSync(path)) throw new BadValue(`: no such ${kind} ${path}`);
  return path;
}

function toLiteral(t: LiteralType, v: unknown): Literal {
  const x = t.type;
  switch (x.case) {
    case "simple":
      switch (x.value) {
        case SimpleType.INTEGER: {
          const s = typeof v === "number" || typeof v === "bigint" ? String(v) : v;
          if (typeof s !== "string" || !/^[-+]?\d+$/.test(s.trim())) throw new BadValue("is not an integer");
          return primitive({ case: "integer", value: BigInt(s.trim()) });
        }
        case SimpleType.FLOAT: {
          const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
          if (!Number.isFinite(n)) throw new BadValue("is not a number");
          return primitive({ case: "floatValue", value: n });
        }
        case SimpleType.STRING:
          if (typeof v === "object" && v !== null) throw new BadValue("is not a string");
          return primitive({ case: "stringValue", value: String(v) });
        case SimpleType.BOOLEAN: {
          const s = String(v).toLowerCase();
          if (["true", "1", "yes", "y"].includes(s)) return primitive({ case: "boolean", value: true });
          if (["false", "0", "no", "n"].includes(s)) return primitive({ case: "boolean", value: false });
          throw new BadValue("is not a boolean (true or false)");
        }
        case SimpleType.DATETIME: {
          const ms = v instanceof Date ? v.getTime() : typeof v === "string" ? Date.parse(v) : NaN;
          if (Number.isNaN(ms)) throw new BadValue("is not a date-time (RFC 3339, e.g. 2024-01-31T12:00:00Z)");
          return primitive({ case: "datetime", value: timestampFromMs(ms) });
        }
        case SimpleType.DURATION:
          return primitive({ case: "duration", value: parseDuration(String(v).trim()) });
        case SimpleType.NONE:
          if (v !== null && v !== "" && v !== "null" && v !== "none" && v !== undefined)
            throw new BadValue("must be empty (none)");
          return scalar({ value: { case: "noneType", value: {} } } as never);
        case SimpleType.STRUCT: {
          const o = structured(v, "struct");
          if (typeof o !== "object" || o === null || Array.isArray(o)) throw new BadValue("is not a JSON object");
          return scalar({ value: { case: "generic", value: o as JsonObject } } as never);
        }
        default:
          throw new BadValue(`cannot be given for type ${typeName(t)}`);
      }
    case "collectionType": {
      const a = structured(v, "list");
      if (!Array.isArray(a)) throw new BadValue("is not a JSON list");
      return create(LiteralSchema, {
        value: { case: "collection", value: { literals: a.map((e, i) => at(`[${i}]`, () => toLiteral(x.value, e))) } },
      });
    }
    case "mapValueType": {
      const o = structured(v, "map");
      if (typeof o !== "object" || o === null || Array.isArray(o)) throw new BadValue("is not a JSON object");
      const literals = Object.fromEntries(
        Object.entries(o).map(([k, e]) => [k, at(`.${k}`, () => toLiteral(x.value, e))]),
      );
      return create(LiteralSchema, { value: { case: "map", value: { literals } } });
    }
    case "blob": {
      const uri = localOrUri(
        v,
        x.value.dimensionality === BlobType_BlobDimensionality.MULTIPART ? "directory" : "file",
      );
      return scalar({ value: { case: "blob", value: { uri, metadata: { type: x.value } } } } as never);
    }
    case "enumType":
      if (!x.value.values.includes(String(v))) throw new BadValue(`is not one of ${x.value.values.join(", ")}`);
      return primitive({ case: "stringValue", value: String(v) });
    case "unionType": {
      const isNone = (u: LiteralType) => u.type.case === "simple" && u.type.value === SimpleType.NONE;
      // Try non-none variants first, so "" is a string when a string is allowed.
      const ordered = [...x.value.variants.filter((u) => !isNone(u)), ...x.value.variants.filter(isNone)];
      for (const variant of ordered) {
        try {
          return scalar({ value: { case: "union", value: { value: toLiteral(variant, v), type: variant } } } as never);
        } catch (e) {
          if (!(e instanceof BadValue)) throw e;
        }
      }
      throw new BadValue(`matches none of ${typeName(t)}`);
    }
    case "structuredDatasetType":
      return scalar({
        value: {
          case: "structuredDataset",
          value: { uri: localOrUri(v, "dataset"), metadata: { structuredDatasetType: x.value } },
        },
      } as never);
    case "schema":
      return scalar({ value: { case: "schema", value: { uri: localOrUri(v, "schema"), type: x.value } } } as never);
    default:
      throw new BadValue("has a type the CLI cannot build");
  }
}

/** Prefixes a nested position (`[2]`, `.key`) to a BadValue raised inside. */
function at<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BadValue) throw new BadValue(`${where} ${e.message}`.replace(/^(\S+) :/, "$1:"));
    throw e;
  }
}

/** One input value → a literal, or a usage error naming the input, the value and the expected type. */
export function inputLiteral(name: string, type: LiteralType, value: unknown): Literal {
  try {
    return toLiteral(type, value);
  } catch (e) {
    if (!(e instanceof BadValue)) throw e;
    const shown = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
    throw invalidArgument("cli.input", `input ${name} (${typeName(type)}): ${shown} ${e.message}`.replace(/ +:/g, ":"));
  }
}

/** Reads `--inputs-file` (YAML or JSON mapping of input name → value). */
export function readInputsFile(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw invalidArgument(
      "cli.inputs_file",
      err.code === "ENOENT"
        ? `inputs file ${path} does not exist`
        : `inputs file ${path}: ${err.message.split("\n")[0]}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc))
    throw invalidArgument("cli.inputs_file", `inputs file ${path} must map input names to values`);
  return doc as Record<string, unknown>;
}

/** `k=v` pairs (later ones win) over the file's values → a LiteralMap; unknown and missing inputs are usage errors. */
export function buildInputs(
  expected: ExpectedInputs,
  pairs: string[],
  fromFile: Record<string, unknown> = {},
): LiteralMap {
  const values: Record<string, unknown> = { ...fromFile };
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw invalidArgument("cli.input", `--input ${JSON.stringify(p)}: expected name=value`);
    values[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const known = Object.keys(expected).sort();
  const literals: Record<string, Literal> = {};
  for (const [name, value] of Object.entries(values)) {
    const e = expected[name];
    if (!e)
      throw invalidArgument("cli.input", `unknown input ${name} (expected inputs: ${known.join(", ") || "none"})`);
    literals[name] = inputLiteral(name, e.type, value);
  }
  const missing = known.filter((n) => expected[n]?.required && !(n in literals));
  if (missing.length) {
    const list = missing.map((n) => `${n} (${typeName(expected[n]?.type)})`).join(", ");
    throw invalidArgument(
      "cli.input",
      `missing required input${missing.length > 1 ? "s" : ""}: ${list}; pass --input name=value`,
    );
  }
  return create(LiteralMapSchema, { literals });
}
