// Type castability (upstream `validators/typing.go` AreTypesCastable): can a value of the upstream type be bound to
// an input of the downstream type? Dispatch is on the downstream type.
import { clone, create, equals } from "@bufbuild/protobuf";
import { isDeepStrictEqual } from "node:util";
import {
  LiteralTypeSchema,
  SchemaType_SchemaColumn_SchemaColumnType as ColumnType,
  SimpleType,
  type LiteralType,
  type SchemaType,
  type StructuredDatasetType,
} from "@aloft/idl/flyteidl/core/types_pb.js";
import { isNoneType, tagOf } from "./literal-types.ts";
import { isJsonSchemaSubtype } from "./json-schema.ts";

const EMPTY = create(LiteralTypeSchema);

export function areTypesCastable(upstream: LiteralType | undefined, downstream: LiteralType | undefined): boolean {
  const up = upstream ?? EMPTY;
  const down = downstream ?? EMPTY;
  // A union with a single variant may stand for that variant.
  if (up.type.case === "unionType" && up.type.value.variants.length === 1) {
    const only = up.type.value.variants[0];
    if (only && castsFrom(down, only)) return true;
  }
  return castsFrom(down, up);
}

function castsFrom(down: LiteralType, up: LiteralType): boolean {
  switch (down.type.case) {
    case "collectionType": {
      if (up.type.case !== "collectionType") return false;
      if (isNoneType(up.type.value)) return true; // an empty list fits any list
      return castsFrom(down.type.value, up.type.value);
    }
    case "mapValueType": {
      if (up.type.case !== "mapValueType") return false;
      if (isNoneType(up.type.value)) return true;
      return castsFrom(down.type.value, up.type.value);
    }
    case "blob": {
      if (up.type.case !== "blob") return false;
      const upFormat = up.type.value.format;
      const downFormat = down.type.value.format;
      return upFormat === "" || downFormat === "" || upFormat === downFormat;
    }
    case "schema":
      return schemaCastsFrom(down.type.value, up);
    case "structuredDatasetType":
      return structuredDatasetCastsFrom(down.type.value, up);
    case "unionType":
      return unionCastsFrom(down.type.value.variants, up);
    default:
      if (isNoneType(down)) return isNoneType(up);
      return trivialCastsFrom(down, up);
  }
}

/** Simple, enum and untyped types: equal once metadata, annotations and structure are ignored. */
function trivialCastsFrom(down: LiteralType, up: LiteralType): boolean {
  // Enums are constrained strings, in both directions.
  if (up.type.case === "enumType" && simpleOf(down) === SimpleType.STRING) return true;
  if (down.type.case === "enumType" && simpleOf(up) === SimpleType.STRING) return true;
  if (tagOf(up) !== "" && tagOf(down) !== tagOf(up)) return false;
  if (simpleOf(up) === SimpleType.STRUCT && simpleOf(down) === SimpleType.STRUCT) {
    // The JSON schema of a dataclass travels in `metadata`; old SDKs omit it, which is accepted.
    if (up.metadata === undefined || down.metadata === undefined) return true;
    return isDeepStrictEqual(up.metadata, down.metadata) || isJsonSchemaSubtype(up.metadata, down.metadata);
  }
  return equals(LiteralTypeSchema, stripped(up), stripped(down));
}

function stripped(t: LiteralType): LiteralType {
  const c = clone(LiteralTypeSchema, t);
  c.structure = undefined;
  c.metadata = undefined;
  c.annotation = undefined;
  return c;
}

/** Go's `GetSimple()`: NONE when the type is not a simple type. */
function simpleOf(t: LiteralType): SimpleType {
  return t.type.case === "simple" ? t.type.value : SimpleType.NONE;
}

function unionCastsFrom(variants: readonly LiteralType[], up: LiteralType): boolean {
  if (up.type.case === "unionType") {
    // Every upstream variant must fit some downstream variant.
    return up.type.value.variants.every((u) => variants.some((d) => areTypesCastable(u, d)));
  }
  // Otherwise exactly one downstream variant must accept the value.
  let matches = 0;
  for (const d of variants) {
    if (areTypesCastable(up, d)) matches++;
    if (matches > 1) return false;
  }
  return matches === 1;
}

function schemaCastsFrom(down: SchemaType, up: LiteralType): boolean {
  if (up.type.case === "schema") return schemaFromSchema(up.type.value, down);
  if (up.type.case !== "structuredDatasetType") return false;
  const sd = up.type.value;
  // A Flyte schema can only be read from parquet.
  if (sd.format !== "" && sd.format.toLowerCase() !== "parquet") return false;
  return schemaFromStructuredDataset(sd, down);
}

function structuredDatasetCastsFrom(down: StructuredDatasetType, up: LiteralType): boolean {
  if (isNoneType(up)) return true; // structured datasets are nullable
  if (up.type.case === "schema") {
    if (down.format !== "" && down.format.toLowerCase() !== "parquet") return false;
    return structuredDatasetFromSchema(up.type.value, down);
  }
  if (up.type.case !== "structuredDatasetType") return false;
  return structuredDatasetFromStructuredDataset(up.type.value, down);
}

function schemaFromSchema(up: SchemaType, down: SchemaType): boolean {
  if (up.columns.length === 0 || down.columns.length === 0) return true;
  const byName = new Map(up.columns.map((c) => [c.name, c.type]));
  return down.columns.every((c) => byName.has(c.name) && byName.get(c.name) === c.type);
}

function structuredDatasetFromStructuredDataset(up: StructuredDatasetType, down: StructuredDatasetType): boolean {
  if (up.format !== "" && down.format !== "" && up.format.toLowerCase() !== down.format.toLowerCase()) return false;
  if (up.columns.length === 0 || down.columns.length === 0) return true;
  const byName = new Map(up.columns.map((c) => [c.name, c.literalType]));
  return down.columns.every((c) => {
    if (!byName.has(c.name)) return false;
    return castsFrom(c.literalType ?? EMPTY, byName.get(c.name) ?? EMPTY);
  });
}

function structuredDatasetFromSchema(up: SchemaType, down: StructuredDatasetType): boolean {
  if (up.columns.length === 0 || down.columns.length === 0) return true;
  const byName = new Map(up.columns.map((c) => [c.name, c.type]));
  return down.columns.every((c) => {
    const t = byName.get(c.name);
    return t !== undefined && columnMatchesSimple(t, simpleOf(c.literalType ?? EMPTY));
  });
}

function schemaFromStructuredDataset(up: StructuredDatasetType, down: SchemaType): boolean {
  if (up.columns.length === 0 || down.columns.length === 0) return true;
  const byName = new Map(up.columns.map((c) => [c.name, simpleOf(c.literalType ?? EMPTY)]));
  return down.columns.every((c) => {
    const t = byName.get(c.name);
    return t !== undefined && columnMatchesSimple(c.type, t);
  });
}

function columnMatchesSimple(column: ColumnType, simple: SimpleType): boolean {
  switch (column) {
    case ColumnType.INTEGER:
      return simple === SimpleType.INTEGER;
    case ColumnType.FLOAT:
      return simple === SimpleType.FLOAT;
    case ColumnType.STRING:
      return simple === SimpleType.STRING;
    case ColumnType.BOOLEAN:
      return simple === SimpleType.BOOLEAN;
    case ColumnType.DATETIME:
      return simple === SimpleType.DATETIME;
    case ColumnType.DURATION:
      return simple === SimpleType.DURATION;
    default:
      return false;
  }
}
