// Array nodes (map tasks): the interface of the inner node. The SDK normally wraps the mapped variables in
// collections itself; when it says the sub-node kept its original interface, we wrap the outputs and every input
// not listed in `bound_inputs`.
import { clone, create } from "@bufbuild/protobuf";
import {
  TypedInterfaceSchema,
  VariableMapSchema,
  VariableSchema,
  type TypedInterface,
  type VariableMap,
} from "@aloft/idl/flyteidl/core/interface_pb.js";
import { LiteralTypeSchema } from "@aloft/idl/flyteidl/core/types_pb.js";
import { compileErrors as E, type CompileErrors } from "../errors.ts";
import { validateUnderlyingInterface } from "../interface.ts";
import type { NodeBuilder, WorkflowBuilder } from "../workflow-builder.ts";

export function arrayNodeInterface(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  errs: CompileErrors,
): TypedInterface | undefined {
  const target = nb.node.target;
  if (target.case !== "arrayNode") return undefined;
  const inner = target.value.node;
  if (!inner) {
    errs.collect(E.valueRequired("", "Target")); // upstream reports the (empty) id of the missing inner node
    return undefined;
  }
  const r = validateUnderlyingInterface(w, w.nodeBuilder(inner), errs.newScope());
  if (!r.ok || !r.iface) return undefined;
  if (target.value.isOriginalSubNodeInterface !== true) return r.iface;
  return create(TypedInterfaceSchema, {
    inputs: wrapInCollections(r.iface.inputs, new Set(target.value.boundInputs)),
    outputs: wrapInCollections(r.iface.outputs, new Set()),
  });
}

function wrapInCollections(vars: VariableMap | undefined, keep: Set<string>): VariableMap {
  const out = create(VariableMapSchema);
  for (const [name, v] of Object.entries(vars?.variables ?? {})) {
    const copy = clone(VariableSchema, v);
    if (!keep.has(name) && v.type)
      copy.type = create(LiteralTypeSchema, { type: { case: "collectionType", value: v.type } });
    out.variables[name] = copy;
  }
  return out;
}
