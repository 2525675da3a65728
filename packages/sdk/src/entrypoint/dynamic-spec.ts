// A dynamic task's body run with the actual input values: the nodes it adds become a DynamicJobSpec (futures.pb) that
// the engine compiles and runs as the node's sub-workflow (upstream flytepropeller/pkg/controller/nodes/dynamic/handler.go).
import { create, toBinary } from "@bufbuild/protobuf";
import { DynamicJobSpecSchema } from "@aloft/idl/flyteidl/core/dynamic_job_pb.js";
import {
  LiteralMapSchema,
  LiteralSchema,
  type BindingData,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import { WorkflowBuilder } from "../authoring/builder.ts";
import type { DynamicDef } from "../authoring/entities.ts";
import type { TaskContext } from "../authoring/task-context.ts";
import { nameEntities, outputBindings, Serializer } from "../serialize/serialize.ts";
import type { ExecuteArgs, ExecuteDeps } from "./execute.ts";

/** A dynamic task either builds nodes (serialized DynamicJobSpec) or returns its outputs directly. */
export type DynamicJobSpecResult = { futures: Uint8Array } | { outputs: LiteralMap };

export async function dynamicJobSpec(
  def: DynamicDef,
  inputs: Record<string, unknown>,
  ctx: TaskContext,
  args: ExecuteArgs,
  deps: ExecuteDeps,
): Promise<DynamicJobSpecResult> {
  const env = deps.env;
  const ser = new Serializer(nameEntities(await deps.load(args.module)), {
    project: env.FLYTE_INTERNAL_TASK_PROJECT ?? ctx.execution.project,
    domain: env.FLYTE_INTERNAL_TASK_DOMAIN ?? ctx.execution.domain,
    version: env.FLYTE_INTERNAL_TASK_VERSION ?? "local",
    module: args.module,
    ...(deps.entrypoint && { entrypoint: deps.entrypoint }),
  });
  const { result, subWorkflows } = ser.collect(() => {
    const b = new WorkflowBuilder(ser, { prefix: "dn" });
    const outs = def.build(b, inputs as never, ctx) as Record<string, unknown>;
    return { nodes: b.nodes, outputs: outputBindings(def.outputs, outs, args.task) };
  });
  if (result.nodes.length === 0) {
    // Nothing to run (as flytekit): the outputs are constants, written as outputs.pb.
    const literals: Record<string, Literal> = {};
    for (const b of result.outputs) literals[b.var] = bindingToLiteral(b.binding!);
    return { outputs: create(LiteralMapSchema, { literals }) };
  }
  const spec = create(DynamicJobSpecSchema, {
    nodes: result.nodes,
    minSuccesses: BigInt(result.nodes.length),
    outputs: result.outputs,
    tasks: [...ser.tasks.values()],
    subworkflows: subWorkflows,
  });
  return { futures: toBinary(DynamicJobSpecSchema, spec) };
}

function bindingToLiteral(b: BindingData): Literal {
  switch (b.value.case) {
    case "scalar":
      return create(LiteralSchema, { value: { case: "scalar", value: b.value.value } });
    case "collection":
      return create(LiteralSchema, {
        value: { case: "collection", value: { literals: b.value.value.bindings.map(bindingToLiteral) } },
      });
    case "map": {
      const literals: Record<string, Literal> = {};
      for (const [k, v] of Object.entries(b.value.value.bindings)) literals[k] = bindingToLiteral(v);
      return create(LiteralSchema, { value: { case: "map", value: { literals } } });
    }
    default:
      throw new Error(`a dynamic task without nodes cannot output a ${b.value.case ?? "empty"} binding`);
  }
}
