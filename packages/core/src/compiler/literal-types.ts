// The literal type of a value (upstream `validators/utils.go` LiteralTypeForLiteral and friends).
import { create } from "@bufbuild/protobuf";
import type { Literal, Primitive, Scalar } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  BlobTypeSchema,
  LiteralTypeSchema,
  SchemaTypeSchema,
  SimpleType,
  StructuredDatasetTypeSchema,
  type LiteralType,
} from "@aloft/idl/flyteidl/core/types_pb.js";
import type { Variable } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { literalTypeText } from "./proto-text.ts";

/** flytekit's tag for msgpack-encoded binary scalars (dataclasses, dicts, pydantic models). */
export const MESSAGEPACK = "msgpack";

export const simpleType = (simple: SimpleType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: "simple", value: simple } });

export function literalTypeForPrimitive(primitive: Primitive): LiteralType {
  switch (primitive.value.case) {
    case "integer":
      return simpleType(SimpleType.INTEGER);
    case "floatValue":
      return simpleType(SimpleType.FLOAT);
    case "stringValue":
      return simpleType(SimpleType.STRING);
    case "boolean":
      return simpleType(SimpleType.BOOLEAN);
    case "datetime":
      return simpleType(SimpleType.DATETIME);
    case "duration":
      return simpleType(SimpleType.DURATION);
    default:
      return simpleType(SimpleType.NONE);
  }
}

/** The type of a scalar, or undefined when it cannot be known (unset value, blob without metadata). */
export function literalTypeForScalar(scalar: Scalar): LiteralType | undefined {
  const v = scalar.value;
  switch (v.case) {
    case "primitive":
      return literalTypeForPrimitive(v.value);
    case "blob":
      if (v.value.metadata === undefined) return undefined;
      return create(LiteralTypeSchema, {
        type: { case: "blob", value: v.value.metadata.type ?? create(BlobTypeSchema) },
      });
    case "binary":
      return simpleType(v.value.tag === MESSAGEPACK ? SimpleType.STRUCT : SimpleType.BINARY);
    case "schema":
      return create(LiteralTypeSchema, { type: { case: "schema", value: v.value.type ?? create(SchemaTypeSchema) } });
    case "structuredDataset": {
      const sdType = v.value.metadata?.structuredDatasetType ?? create(StructuredDatasetTypeSchema);
      return create(LiteralTypeSchema, { type: { case: "structuredDatasetType", value: sdType } });
    }
    case "noneType":
      return simpleType(SimpleType.NONE);
    case "error":
      return simpleType(SimpleType.ERROR);
    case "generic":
      return simpleType(SimpleType.STRUCT);
    case "union":
      return create(LiteralTypeSchema, {
        type: { case: "unionType", value: { variants: v.value.type ? [v.value.type] : [] } },
      });
    default:
      return undefined;
  }
}

/** The type of a literal; collections and maps of mixed element types become (sorted) unions. */
export function literalTypeForLiteral(literal: Literal): LiteralType | undefined {
  const v = literal.value;
  switch (v.case) {
    case "scalar":
      return literalTypeForScalar(v.value);
    case "collection":
      return create(LiteralTypeSchema, {
        type: { case: "collectionType", value: literalTypeForLiterals(v.value.literals) },
      });
    case "map":
      return create(LiteralTypeSchema, {
        type: { case: "mapValueType", value: literalTypeForLiterals(Object.values(v.value.literals)) },
      });
    case "offloadedMetadata":
      return v.value.inferredType;
    default:
      return undefined;
  }
}

function literalTypeForLiterals(literals: readonly Literal[]): LiteralType {
  const inner: LiteralType[] = [];
  const seen = new Set<string>();
  let noneType: LiteralType | undefined;
  // Primitive elements (the bulk of a huge list) by their case alone: no type message and no text key per element.
  const primitives = new Set<string>();
  for (const literal of literals) {
    const v = literal.value;
    if (v.case === "scalar" && v.value.value.case === "primitive") {
      const kind = v.value.value.value.value.case ?? "";
      if (primitives.has(kind)) continue;
      primitives.add(kind);
    }
    const t = literalTypeForLiteral(literal) ?? create(LiteralTypeSchema);
    if (literal.value.case === "collection" && literal.value.value.literals.length === 0) {
      // An empty nested collection only contributes when nothing else does.
      noneType = t;
      continue;
    }
    const key = literalTypeText(t);
    if (!seen.has(key)) {
      seen.add(key);
      inner.push(t);
    }
  }
  if (inner.length === 0 && noneType) inner.push(noneType);
  if (inner.length === 0) return simpleType(SimpleType.NONE);
  if (inner.length === 1) return inner[0]!;
  const keyed = inner.map((t) => ({ t, key: literalTypeText(t) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return multipleTypeUnion(keyed.map((k) => k.t));
}

function multipleTypeUnion(types: LiteralType[]): LiteralType {
  const variants: LiteralType[] = [];
  let nested = false;
  for (const t of types) {
    const inner = t.type.case === "collectionType" ? t.type.value : undefined;
    if (inner?.type.case === "unionType") {
      nested = true;
      variants.push(...inner.type.value.variants);
    } else {
      variants.push(t);
    }
  }
  const union = create(LiteralTypeSchema, { type: { case: "unionType", value: { variants } } });
  return nested ? create(LiteralTypeSchema, { type: { case: "collectionType", value: union } }) : union;
}

/** Upstream `ValidateLiteralType`: an unknown type (anywhere down collections/maps) is an error message. */
export function validateLiteralType(type: LiteralType | undefined): string | undefined {
  if (type === undefined) {
    return (
      "got unknown literal type: [<nil>].\n" +
      "Suggested solution: Please update all your Flyte deployment images to the latest version and try again"
    );
  }
  if (type.type.case === "collectionType") return validateLiteralType(type.type.value);
  if (type.type.case === "mapValueType") return validateLiteralType(type.type.value);
  return undefined;
}

/**
 * Upstream `IsOptionalType`: a union with a variant whose `GetSimple()` is NONE. Go's getter returns NONE for any
 * variant that is not a simple type, so e.g. `Union[List[int], str]` also counts as optional; we keep that.
 */
export function isOptionalType(variable: Variable): boolean {
  const t = variable.type;
  if (t?.type.case !== "unionType") return false;
  return t.type.value.variants.some((v) => v.type.case !== "simple" || v.type.value === SimpleType.NONE);
}

export function tagOf(type: LiteralType): string {
  return type.structure?.tag ?? "";
}

export function isNoneType(type: LiteralType | undefined): boolean {
  return type?.type.case === "simple" && type.type.value === SimpleType.NONE;
}
