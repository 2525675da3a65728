// Composite types: list, map, enum, union/optional, record (a struct of named fields).
import { create, equals, type JsonValue } from "@bufbuild/protobuf";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { invalidArgument } from "@aloft/core";
import { none } from "./primitives.ts";
import {
  badValue,
  literalType,
  mismatch,
  scalarLiteral,
  scalarOf,
  type JsonCodec,
  type Type,
  type TypeMap,
  type ValuesOf,
} from "./type.ts";

/**
 * A list (flyteidl collection) of `element` values.
 * @example
 * ```ts
 * task({ inputs: { xs: t.list(t.float()) }, outputs: { sum: t.float() } }, async ({ xs }) => ({ sum: xs.reduce((a, b) => a + b, 0) }));
 * ```
 */
export function list<T>(element: Type<T>): Type<T[]> & { element: Type<T> } {
  const name = `list<${element.name}>`;
  return {
    name,
    element,
    literalType: literalType({ type: { case: "collectionType", value: element.literalType } }),
    toLiteral(v) {
      if (!Array.isArray(v)) throw badValue(name, v);
      return create(LiteralSchema, {
        value: { case: "collection", value: { literals: v.map((x) => element.toLiteral(x)) } },
      });
    },
    fromLiteral(l) {
      if (l.value.case !== "collection") throw mismatch(name, l);
      return l.value.value.literals.map((x) => element.fromLiteral(x));
    },
    ...(element.json && {
      json: {
        schema: { type: "array", items: element.json.schema },
        to: (v: T[], where: string) => {
          if (!Array.isArray(v)) throw badValue(where, v);
          return v.map((x, i) => element.json!.to(x, `${where}[${i}]`));
        },
        from: (j: JsonValue, where: string) => {
          if (!Array.isArray(j)) throw badValue(where, j);
          return j.map((x, i) => element.json!.from(x, `${where}[${i}]`));
        },
      },
    }),
  };
}

/**
 * A map from string keys to `value` values (flyteidl map), valued as a `Record<string, T>`.
 * @example
 * ```ts
 * task({ inputs: { scores: t.map(t.float()) }, outputs: { best: t.string() } }, async ({ scores }) => ({
 *   best: Object.entries(scores).sort((a, b) => b[1] - a[1])[0]?.[0] ?? "",
 * }));
 * ```
 */
export function map<T>(value: Type<T>): Type<Record<string, T>> {
  const name = `map<${value.name}>`;
  return {
    name,
    literalType: literalType({ type: { case: "mapValueType", value: value.literalType } }),
    toLiteral(v) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw badValue(name, v);
      const literals: Record<string, Literal> = {};
      for (const [k, x] of Object.entries(v)) literals[k] = value.toLiteral(x);
      return create(LiteralSchema, { value: { case: "map", value: { literals } } });
    },
    fromLiteral(l) {
      if (l.value.case !== "map") throw mismatch(name, l);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(l.value.value.literals)) out[k] = value.fromLiteral(x);
      return out;
    },
    ...(value.json && {
      json: {
        schema: { type: "object", additionalProperties: value.json.schema },
        to: (v: Record<string, T>, where: string) => {
          if (v === null || typeof v !== "object" || Array.isArray(v)) throw badValue(where, v);
          const out: Record<string, JsonValue> = {};
          for (const [k, x] of Object.entries(v)) out[k] = value.json!.to(x, `${where}.${k}`);
          return out;
        },
        from: (j: JsonValue, where: string) => {
          if (j === null || typeof j !== "object" || Array.isArray(j)) throw badValue(where, j);
          const out: Record<string, T> = {};
          for (const [k, x] of Object.entries(j)) out[k] = value.json!.from(x, `${where}.${k}`);
          return out;
        },
      },
    }),
  };
}

/** A string that is none of an enum's symbols, refused with the symbols it may be. */
function notASymbol(what: string, values: readonly string[], value: string): Error {
  const allowed = values.map((v) => JSON.stringify(v)).join(", ");
  return invalidArgument(
    "sdk.enum_value",
    `${what}: ${JSON.stringify(value)} is not one of the allowed values ${allowed}`,
  );
}

/**
 * A string enum: `t.enumOf(["a", "b"])` types values as `"a" | "b"` (also `t.enum`).
 * @example
 * ```ts
 * const kind = t.enumOf(["mean", "linear", "quadratic"]);   // Type<"mean" | "linear" | "quadratic">
 * ```
 */
export function enumOf<const V extends readonly string[]>(values: V): Type<V[number]> {
  const name = `enum<${values.join("|")}>`;
  return {
    name,
    literalType: literalType({ type: { case: "enumType", value: { values: [...values] } } }),
    toLiteral(v) {
      if (typeof v === "string" && !values.includes(v)) throw notASymbol(name, values, v);
      if (typeof v !== "string") throw badValue(name, v);
      return scalarLiteral({ value: { case: "primitive", value: { value: { case: "stringValue", value: v } } } });
    },
    fromLiteral(l) {
      const s = scalarOf(l, name);
      const p = s.value.case === "primitive" ? s.value.value.value : undefined;
      if (p?.case !== "stringValue") throw mismatch(name, l);
      // Admin accepts any string for an enum input (as upstream does): a value outside the symbols is refused here.
      if (!values.includes(p.value)) throw notASymbol(name, values, p.value);
      return p.value as V[number];
    },
    json: {
      schema: { type: "string", enum: [...values] },
      to: (v, where) => {
        if (typeof v === "string" && !values.includes(v)) throw notASymbol(where, values, v);
        if (typeof v !== "string") throw badValue(where, v);
        return v;
      },
      from: (j, where) => {
        if (typeof j === "string" && !values.includes(j)) throw notASymbol(where, values, j);
        if (typeof j !== "string") throw badValue(where, j);
        return j as V[number];
      },
    },
  };
}

type UnionValue<V extends readonly Type<any>[]> = V[number] extends Type<infer T> ? T : never;

/**
 * An untagged union of variants (flyteidl UnionType). Each variant carries a structure tag (its name) so that a
 * value's variant is recorded in the literal; a TypeScript value goes to the first variant that accepts it.
 * @example
 * ```ts
 * const idOrName = t.union(t.int(), t.string());   // Type<number | string>
 * ```
 */
export function union<const V extends readonly Type<any>[]>(...variants: V): Type<UnionValue<V>> {
  const name = variants.map((v) => v.name).join(" | ");
  const tagged = variants.map((v) => {
    const lt = create(LiteralTypeSchema, v.literalType);
    lt.structure = {
      $typeName: "flyteidl.core.TypeStructure",
      tag: v.name,
      dataclassType: lt.structure?.dataclassType ?? {},
    };
    return { type: v, literalType: lt };
  });
  return {
    name,
    literalType: literalType({ type: { case: "unionType", value: { variants: tagged.map((x) => x.literalType) } } }),
    toLiteral(v) {
      for (const t of tagged) {
        let inner: Literal;
        try {
          inner = t.type.toLiteral(v);
        } catch {
          continue;
        }
        return scalarLiteral({ value: { case: "union", value: { value: inner, type: t.literalType } } });
      }
      throw badValue(name, v);
    },
    fromLiteral(l) {
      const s = l.value.case === "scalar" ? l.value.value.value : undefined;
      if (s?.case === "union" && s.value.value) {
        const declared = s.value.type;
        const hit = tagged.find(
          (t) =>
            declared && (t.literalType.structure?.tag === declared.structure?.tag || sameType(t.literalType, declared)),
        );
        if (hit) return hit.type.fromLiteral(s.value.value);
        return firstAccepting(s.value.value);
      }
      return firstAccepting(l);
    },
  };
  function firstAccepting(l: Literal): UnionValue<V> {
    for (const t of tagged) {
      try {
        return t.type.fromLiteral(l);
      } catch {
        // next variant
      }
    }
    throw mismatch(name, l);
  }
}

function sameType(a: LiteralType, b: LiteralType): boolean {
  return equals(LiteralTypeSchema, { ...a, structure: undefined }, { ...b, structure: undefined });
}

/**
 * `T | null`: a union of T and NONE. Nodes may leave an optional input unbound.
 * @example
 * ```ts
 * task({ inputs: { limit: t.optional(t.int()) }, outputs: { n: t.int() } }, async ({ limit }) => ({ n: limit ?? 10 }));
 * ```
 */
export function optional<T>(inner: Type<T>): Type<T | null> {
  const u = union(inner, none());
  return {
    ...u,
    name: `${inner.name}?`,
    toLiteral: (v) => u.toLiteral(v === undefined ? null : v),
    ...(inner.json && {
      json: {
        schema: { anyOf: [inner.json.schema, { type: "null" }] },
        to: (v: T | null, where: string) => (v === null || v === undefined ? null : inner.json!.to(v, where)),
        from: (j: JsonValue, where: string) => (j === null ? null : inner.json!.from(j, where)),
      },
    }),
  } as Type<T | null>;
}

/**
 * A record (flytekit's dataclass): a STRUCT with a JSON schema in `metadata` and the field types in
 * `structure.dataclass_type` (so workflows may bind `ref.field("x")`), valued as a google.protobuf.Struct.
 * Fields must be JSON-representable types (primitives, enum, list, map, record, optional).
 * @example
 * ```ts
 * const Model = t.record({ kind: t.string(), error: t.float() }, { name: "Model" });
 * const pick = task({ inputs: { m: Model }, outputs: { error: t.float() } }, async ({ m }) => ({ error: m.error }));
 * // in a workflow: b.call(pick, { m: trained.model }) or bind one field: trained.model.field("error")
 * ```
 */
export function record<const F extends TypeMap>(
  fields: F,
  options: { name?: string } = {},
): Type<ValuesOf<F>> & { fields: F } {
  const name = options.name ?? `record{${Object.keys(fields).join(",")}}`;
  const codecs: Record<string, JsonCodec<any>> = {};
  for (const [k, t] of Object.entries(fields)) {
    if (!t.json)
      throw invalidArgument("sdk.bad_record", `record field ${k}: type ${t.name} cannot be held in a record`);
    codecs[k] = t.json;
  }
  const properties: Record<string, JsonValue> = {};
  for (const [k, c] of Object.entries(codecs)) properties[k] = c.schema;
  const dataclassType: Record<string, LiteralType> = {};
  for (const [k, t] of Object.entries(fields)) dataclassType[k] = t.literalType;
  const json: JsonCodec<ValuesOf<F>> = {
    schema: { type: "object", properties, required: Object.keys(fields) },
    to(v, where) {
      if (v === null || typeof v !== "object") throw badValue(where, v);
      const out: Record<string, JsonValue> = {};
      for (const [k, c] of Object.entries(codecs)) out[k] = c.to((v as Record<string, unknown>)[k], `${where}.${k}`);
      return out;
    },
    from(j, where) {
      if (j === null || typeof j !== "object" || Array.isArray(j)) throw badValue(where, j);
      const out: Record<string, unknown> = {};
      for (const [k, c] of Object.entries(codecs)) out[k] = c.from(j[k] ?? null, `${where}.${k}`);
      return out as ValuesOf<F>;
    },
  };
  const type: Type<ValuesOf<F>> & { fields: F } = {
    json,
    name,
    fields,
    literalType: literalType({
      type: { case: "simple", value: SimpleType.STRUCT },
      metadata: { title: name, type: "object", properties, required: Object.keys(fields), additionalProperties: false },
      structure: { tag: name, dataclassType },
    }),
    toLiteral(v) {
      return scalarLiteral({ value: { case: "generic", value: json.to(v, name) as Record<string, JsonValue> } });
    },
    fromLiteral(l) {
      const s = scalarOf(l, name);
      if (s.value.case !== "generic") throw mismatch(name, l);
      return json.from(s.value.value, name);
    },
  };
  return type;
}
