// Array node inputs (upstream flytepropeller/pkg/controller/nodes/array/*.go): every input that is a collection and not bound must have the same length N; sub-node i
// gets element i of each of them and every other input as is. Sub-nodes carry their inputs as literal bindings.
import { create } from "@bufbuild/protobuf";
import {
  BindingDataSchema,
  BindingSchema,
  type Binding,
  type BindingData,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";

export class ArrayInputError extends Error {}

export function arraySize(inputs: LiteralMap, bound: readonly string[]): number {
  const boundSet = new Set(bound);
  let size: number | undefined;
  let arrays = 0;
  for (const [name, lit] of Object.entries(inputs.literals)) {
    if (boundSet.has(name) || lit.value.case !== "collection") continue;
    arrays++;
    const n = lit.value.value.literals.length;
    if (size !== undefined && n !== size) {
      throw new ArrayInputError(`input arrays have different lengths: [${name}] has ${n}, expected ${size}`);
    }
    size = n;
  }
  if (arrays > 0) return size!;
  const names = Object.keys(inputs.literals);
  if (names.length > 0 && names.every((v) => boundSet.has(v))) return 1;
  throw new ArrayInputError("no input array provided");
}

export function subNodeBindings(inputs: LiteralMap, bound: readonly string[], index: number): Binding[] {
  const boundSet = new Set(bound);
  return Object.entries(inputs.literals).map(([name, lit]) => {
    const value = !boundSet.has(name) && lit.value.case === "collection" ? lit.value.value.literals[index]! : lit;
    return create(BindingSchema, { var: name, binding: literalBinding(value) });
  });
}

/** A literal as binding data (resolves back to the same literal). */
function literalBinding(lit: Literal): BindingData {
  const v = lit.value;
  switch (v.case) {
    case "scalar":
      return create(BindingDataSchema, { value: { case: "scalar", value: v.value } });
    case "collection":
      return create(BindingDataSchema, {
        value: { case: "collection", value: { bindings: v.value.literals.map(literalBinding) } },
      });
    case "map":
      return create(BindingDataSchema, {
        value: {
          case: "map",
          value: {
            bindings: Object.fromEntries(Object.entries(v.value.literals).map(([k, l]) => [k, literalBinding(l)])),
          },
        },
      });
    case "offloadedMetadata":
      return create(BindingDataSchema, { value: { case: "offloadedMetadata", value: v.value } });
    default:
      return create(BindingDataSchema, {
        value: { case: "scalar", value: { value: { case: "noneType", value: {} } } },
      });
  }
}
