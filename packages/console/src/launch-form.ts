// The launch form's logic: which field each input gets (from a launch plan's parameters) and how the typed text becomes
// a flyteidl Literal in the JSON the HTTP API takes. Pure: no DOM, no React; errors are sentences for the page.
import { typeLabel } from "./literals.ts";
import type { Literal, LiteralType, Parameter, TypedInterface } from "./types.ts";

export type FieldKind = "int" | "float" | "string" | "bool" | "datetime" | "duration" | "enum" | "uri" | "json";

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  type: LiteralType;
  typeLabel: string;
  required: boolean;
  description: string;
  /** The text the field starts with (the parameter's default, or empty). */
  initial: string;
  enumValues: string[];
}

export type Converted = { ok: true; literal: Literal | undefined } | { ok: false; error: string };

/** The fields of a launch form, sorted by name, from a launch plan's expected (or default) inputs. */
export function formFields(parameters: Record<string, Parameter> | null | undefined): FieldSpec[] {
  return Object.entries(parameters ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, p]) => {
      const type = p.var?.type ?? {};
      const kind = fieldKind(type);
      return {
        name,
        kind,
        type,
        typeLabel: typeLabel(type),
        required: p.required === true,
        description: p.var?.description ?? "",
        initial: p.default ? literalToText(kind, type, p.default) : kind === "bool" ? "false" : "",
        enumValues: type.enum_type?.values ?? [],
      };
    });
}

/**
 * A task's inputs as launch parameters: a task has no defaults, so every input is required except an optional one
 * (a union with none), which is left out when empty.
 */
export function taskParameters(iface: TypedInterface | null | undefined): Record<string, Parameter> {
  const out: Record<string, Parameter> = {};
  for (const [name, v] of Object.entries(iface?.inputs?.variables ?? {})) {
    const optional = (v.type?.union_type?.variants ?? []).some((t) => t.simple === "NONE");
    out[name] = { var: v, required: !optional };
  }
  return out;
}

export function fieldKind(t: LiteralType): FieldKind {
  switch (t.simple) {
    case "INTEGER":
      return "int";
    case "FLOAT":
      return "float";
    case "STRING":
      return "string";
    case "BOOLEAN":
      return "bool";
    case "DATETIME":
      return "datetime";
    case "DURATION":
      return "duration";
  }
  if (t.enum_type) return "enum";
  if (t.blob) return "uri";
  return "json";
}

/** Every field's literal, or the first problem of each field (keyed by name). */
export function formToInputs(
  fields: FieldSpec[],
  values: Record<string, string>,
): { literals: Record<string, Literal>; errors: Record<string, string> } {
  const literals: Record<string, Literal> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const text = values[f.name] ?? f.initial;
    if (text.trim() === "" && f.kind !== "string") {
      if (f.required) errors[f.name] = "required";
      continue;
    }
    const r = textToLiteral(f.type, text);
    if (!r.ok) errors[f.name] = r.error;
    else if (r.literal) literals[f.name] = r.literal;
  }
  return { literals, errors };
}

/** The text of one field as a literal of type `t`. */
export function textToLiteral(t: LiteralType, text: string): Converted {
  const kind = fieldKind(t);
  const s = text.trim();
  switch (kind) {
    case "string":
      return ok(prim({ string_value: text }));
    case "int":
      return /^[-+]?\d+$/.test(s) && withinInt64(s)
        ? ok(prim({ integer: String(BigInt(s)) }))
        : fail(`"${s}" is not a whole number (64-bit)`);
    case "float": {
      const n = Number(s);
      return s !== "" && Number.isFinite(n) ? ok(prim({ float_value: n })) : fail(`"${s}" is not a number`);
    }
    case "bool":
      if (s === "true" || s === "false") return ok(prim({ boolean: s === "true" }));
      return fail(`"${s}" is not true or false`);
    case "datetime": {
      const iso = parseDatetime(s);
      return iso ? ok(prim({ datetime: iso })) : fail(`"${s}" is not a date and time (e.g. 2025-01-31T12:00:00Z)`);
    }
    case "duration": {
      const secs = parseDuration(s);
      return secs === undefined
        ? fail(`"${s}" is not a duration (e.g. 90s, 1h30m, 250ms)`)
        : ok(prim({ duration: secs }));
    }
    case "enum": {
      const values = t.enum_type?.values ?? [];
      return values.includes(s) ? ok(prim({ string_value: s })) : fail(`"${s}" is not one of ${values.join(", ")}`);
    }
    case "uri":
      return /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(s)
        ? ok({
            scalar: {
              blob: {
                uri: s,
                metadata: {
                  type: { format: t.blob?.format ?? "", dimensionality: t.blob?.dimensionality ?? "SINGLE" },
                },
              },
            },
          })
        : fail(`"${s}" is not a URI (e.g. s3://bucket/key or file:///path)`);
    case "json": {
      let value: unknown;
      try {
        value = JSON.parse(s);
      } catch (err) {
        return fail(`not valid JSON: ${(err as Error).message}`);
      }
      return jsonToLiteral(t, value, "");
    }
  }
}

/** A JSON value as a literal of type `t` (lists, maps, structs, unions and, inside them, any primitive). */
export function jsonToLiteral(t: LiteralType, value: unknown, path: string): Converted {
  const at = path === "" ? "" : ` at ${path}`;
  if (t.collection_type) {
    if (!Array.isArray(value)) return fail(`expected a JSON list${at}`);
    const literals: Literal[] = [];
    for (const [i, v] of value.entries()) {
      const r = jsonToLiteral(t.collection_type, v, `${path}[${i}]`);
      if (!r.ok) return r;
      literals.push(r.literal ?? none());
    }
    return ok({ collection: { literals } });
  }
  if (t.map_value_type) {
    if (!isObject(value)) return fail(`expected a JSON object${at}`);
    const literals: Record<string, Literal> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = jsonToLiteral(t.map_value_type, v, path === "" ? k : `${path}.${k}`);
      if (!r.ok) return r;
      literals[k] = r.literal ?? none();
    }
    return ok({ map: { literals } });
  }
  if (t.simple === "STRUCT")
    return isObject(value) ? ok({ scalar: { generic: value } }) : fail(`expected a JSON object${at}`);
  if (t.simple === "NONE") return value === null ? ok(none()) : fail(`expected null${at}`);
  if (t.union_type) {
    const variants = t.union_type.variants ?? [];
    for (const v of variants) {
      const r = jsonToLiteral(v, value, path);
      if (r.ok) return ok({ scalar: { union: { value: r.literal ?? none(), type: v } } });
    }
    return fail(`${JSON.stringify(value)} matches none of ${typeLabel(t)}${at}`);
  }
  const kind = fieldKind(t);
  if (kind === "json") return fail(`inputs of type ${typeLabel(t)} cannot be given in the form yet${at}`);
  if (kind === "bool" && typeof value !== "boolean") return fail(`expected true or false${at}`);
  if ((kind === "int" || kind === "float") && typeof value !== "number" && typeof value !== "string")
    return fail(`expected a number${at}`);
  if (typeof value === "object" && value !== null) return fail(`expected a ${typeLabel(t)}${at}`);
  const r = textToLiteral(t, String(value));
  return r.ok ? r : fail(`${r.error}${at}`);
}

/** A default literal as the field's starting text (JSON for containers). */
export function literalToText(kind: FieldKind, t: LiteralType, l: Literal): string {
  const p = l.scalar?.primitive;
  if (p) {
    if (p.integer !== undefined) return String(p.integer);
    if (p.float_value !== undefined) return String(p.float_value);
    if (p.string_value !== undefined) return p.string_value;
    if (p.boolean !== undefined) return String(p.boolean);
    if (p.datetime !== undefined) return p.datetime;
    if (p.duration !== undefined) return p.duration;
  }
  if (kind === "uri") return l.scalar?.blob?.uri ?? "";
  if (kind === "json") return JSON.stringify(literalToJson(l, t));
  return "";
}

function literalToJson(l: Literal, t: LiteralType | undefined): unknown {
  if (l.collection) return (l.collection.literals ?? []).map((x) => literalToJson(x, t?.collection_type ?? undefined));
  if (l.map)
    return Object.fromEntries(
      Object.entries(l.map.literals ?? {}).map(([k, x]) => [k, literalToJson(x, t?.map_value_type ?? undefined)]),
    );
  const s = l.scalar;
  if (!s || s.none_type) return null;
  if (s.union) return literalToJson(s.union.value ?? {}, s.union.type ?? undefined);
  if (s.generic !== undefined) return s.generic;
  const p = s.primitive;
  if (p?.integer !== undefined) return Number(p.integer);
  if (p?.float_value !== undefined) return Number(p.float_value);
  if (p?.boolean !== undefined) return p.boolean;
  return p?.string_value ?? p?.datetime ?? p?.duration ?? s.blob?.uri ?? null;
}

/** RFC 3339 in UTC; a date-time without a zone is read as UTC (the form says so). */
export function parseDatetime(s: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:\d{2})?$/i.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2] ?? "00:00:00"}${m[3] ?? "Z"}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const UNITS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };

/** Go-style durations (`1h30m`, `90s`, `1.5s`, `250ms`) or a plain number of seconds, as protobuf JSON (`5400s`). */
export function parseDuration(s: string): string | undefined {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return `${t}s`;
  if (!/^(\d+(\.\d+)?(h|ms|us|µs|ns|m|s))+$/.test(t)) return undefined;
  let seconds = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/g)) seconds += Number(m[1]) * (UNITS[m[2]!] ?? 0);
  const fixed = seconds.toFixed(9).replace(/\.?0+$/, "");
  return `${fixed}s`;
}

function withinInt64(s: string): boolean {
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

const ok = (literal: Literal | undefined): Converted => ({ ok: true, literal });
const fail = (error: string): Converted => ({ ok: false, error });
const prim = (p: NonNullable<NonNullable<Literal["scalar"]>["primitive"]>): Literal => ({ scalar: { primitive: p } });
const none = (): Literal => ({ scalar: { none_type: {} } });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
