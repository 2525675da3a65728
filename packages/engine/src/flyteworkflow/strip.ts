// Upstream strips interfaces before they go into the FlyteWorkflow (`transformers/k8s/utils.go`): variable
// descriptions, `LiteralType.metadata`, and `annotation` unless it carries `cache-key-metadata`, recursively through
// unions, maps, collections, structured-dataset columns and dataclass structures.
import { clone } from "@bufbuild/protobuf";
import { TypedInterfaceSchema, type TypedInterface } from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";

export function stripInterface(iface: TypedInterface | undefined): TypedInterface | undefined {
  if (!iface) return undefined;
  const out = clone(TypedInterfaceSchema, iface);
  for (const map of [out.inputs, out.outputs]) {
    for (const variable of Object.values(map?.variables ?? {})) {
      variable.description = "";
      if (variable.type) stripTypeInPlace(variable.type);
    }
  }
  return out;
}

function stripTypeInPlace(t: LiteralType): void {
  t.metadata = undefined;
  if (t.annotation && !Object.hasOwn(t.annotation.annotations ?? {}, "cache-key-metadata")) t.annotation = undefined;
  for (const inner of Object.values(t.structure?.dataclassType ?? {})) stripTypeInPlace(inner);
  switch (t.type.case) {
    case "unionType":
      for (const v of t.type.value.variants) stripTypeInPlace(v);
      break;
    case "mapValueType":
    case "collectionType":
      stripTypeInPlace(t.type.value);
      break;
    case "structuredDatasetType":
      for (const c of t.type.value.columns) if (c.literalType) stripTypeInPlace(c.literalType);
      break;
    default:
      break;
  }
}
