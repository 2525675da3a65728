// The type builders, as the `t` namespace: `t.int()`, `t.list(t.string())`, `t.record({...})`…
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { VariableMapSchema, type VariableMap } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { invalidArgument } from "@aloft/core";
import type { TypeMap, ValuesOf } from "./type.ts";

export { int, bigint, float, string, bool, datetime, duration, none } from "./primitives.ts";
export { list, map, enumOf, enumOf as enum, union, optional, record } from "./containers.ts";
export { file, directory, dataset, DATASET_FORMAT, type FileRef, type DirectoryRef, type DatasetRef } from "./blobs.ts";
export type { Type, TypeMap, ValueOf, ValuesOf, JsonCodec } from "./type.ts";

/**
 * A flyteidl VariableMap for an interface side (each variable described by its name).
 * @example
 * ```ts
 * const vars = t.variableMap({ a: t.int(), s: t.string() });   // vars.variables.a.type: INTEGER
 * ```
 */
export function variableMap(types: TypeMap): VariableMap {
  const variables: Record<string, { type: TypeMap[string]["literalType"]; description: string }> = {};
  for (const [k, t] of Object.entries(types)) variables[k] = { type: t.literalType, description: k };
  return create(VariableMapSchema, { variables });
}

/**
 * Values → LiteralMap (every declared variable must be present unless optional); a bad value is INVALID_ARGUMENT
 * naming the variable.
 * @example
 * ```ts
 * const inputs = t.toLiteralMap({ a: t.int(), s: t.string() }, { a: 1, s: "x" });
 * ```
 */
export function toLiteralMap<M extends TypeMap>(types: M, values: ValuesOf<M>, what = "value"): LiteralMap {
  const literals: LiteralMap["literals"] = {};
  for (const [k, t] of Object.entries(types)) {
    const v = (values as Record<string, unknown>)[k];
    if (v === undefined && !t.name.endsWith("?")) throw invalidArgument("sdk.missing_value", `${what} ${k} is missing`);
    try {
      literals[k] = t.toLiteral(v);
    } catch (e) {
      throw invalidArgument("sdk.bad_value", `${what} ${k}: ${(e as Error).message}`);
    }
  }
  return create(LiteralMapSchema, { literals });
}

/**
 * LiteralMap → values (every declared variable must be present unless optional), typed by `types`.
 * @example
 * ```ts
 * const { sum } = t.fromLiteralMap({ sum: t.int() }, outputsLiteralMap);   // sum: number
 * ```
 */
export function fromLiteralMap<M extends TypeMap>(types: M, map: LiteralMap | undefined, what = "value"): ValuesOf<M> {
  const out: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(types)) {
    const l = map?.literals[k];
    if (l === undefined) {
      if (t.name.endsWith("?")) {
        out[k] = null;
        continue;
      }
      throw invalidArgument("sdk.missing_value", `${what} ${k} is missing`);
    }
    try {
      out[k] = t.fromLiteral(l);
    } catch (e) {
      throw invalidArgument("sdk.bad_value", `${what} ${k}: ${(e as Error).message}`);
    }
  }
  return out as ValuesOf<M>;
}
