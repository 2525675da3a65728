// Gate nodes: an approval passes its bound inputs through, a signal produces one typed output, a sleep has no
// inputs or outputs.
import { create } from "@bufbuild/protobuf";
import {
  TypedInterfaceSchema,
  VariableMapSchema,
  VariableSchema,
  type TypedInterface,
} from "@aloft/idl/flyteidl/core/interface_pb.js";
import { validateBindings } from "../bindings.ts";
import { compileErrors as E, type CompileErrors } from "../errors.ts";
import { emptyInterface } from "../interface.ts";
import type { NodeBuilder, WorkflowBuilder } from "../workflow-builder.ts";

export function gateNodeInterface(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  errs: CompileErrors,
): TypedInterface | undefined {
  const node = nb.node;
  if (node.target.case !== "gateNode") return undefined;
  const cond = node.target.value.condition;
  switch (cond.case) {
    case "approve": {
      // Approving copies the inputs to the outputs: both are the variables discovered from the bindings.
      const empty = create(VariableMapSchema);
      const vars = validateBindings(w, nb, node.inputs, empty, false, "upstream", errs.newScope()).resolved;
      return create(TypedInterfaceSchema, { inputs: vars, outputs: vars });
    }
    case "signal": {
      const signal = cond.value;
      if (!signal.type) {
        errs.collect(E.valueRequired(node.id, "GateNode.Signal.Type"));
        return undefined;
      }
      if (signal.outputVariableName === "") {
        errs.collect(E.valueRequired(node.id, "GateNode.Signal.OutputVariableName"));
        return undefined;
      }
      const output = create(VariableSchema, { type: signal.type });
      return create(TypedInterfaceSchema, {
        inputs: create(VariableMapSchema),
        outputs: { variables: { [signal.outputVariableName]: output } },
      });
    }
    case "sleep":
      return emptyInterface();
    default:
      errs.collect(E.noConditionFound(node.id));
      return undefined;
  }
}
