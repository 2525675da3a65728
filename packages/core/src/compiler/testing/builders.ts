// Test support (not part of the compiler): small constructors for types, tasks, nodes, bindings, workflows.
import { create } from "@bufbuild/protobuf";
import { CompiledTaskSchema, type CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { IdentifierSchema, ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  TypedInterfaceSchema,
  VariableMapSchema,
  type TypedInterface,
  type VariableMap,
} from "@aloft/idl/flyteidl/core/interface_pb.js";
import {
  BindingDataSchema,
  BindingSchema,
  LiteralSchema,
  PrimitiveSchema,
  ScalarSchema,
  type Binding,
  type BindingData,
  type Literal,
  type Primitive,
  type Scalar,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema, type TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { LiteralTypeSchema, SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import {
  NodeSchema,
  WorkflowTemplateSchema,
  type Node,
  type WorkflowTemplate,
} from "@aloft/idl/flyteidl/core/workflow_pb.js";

export const simple = (s: SimpleType): LiteralType => create(LiteralTypeSchema, { type: { case: "simple", value: s } });
export const INT = simple(SimpleType.INTEGER);
export const FLOAT = simple(SimpleType.FLOAT);
export const STR = simple(SimpleType.STRING);
export const BOOL = simple(SimpleType.BOOLEAN);
export const NONE = simple(SimpleType.NONE);
export const STRUCT = simple(SimpleType.STRUCT);

export const listOf = (t: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: "collectionType", value: t } });
export const mapOf = (t: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: "mapValueType", value: t } });
export const unionOf = (...variants: LiteralType[]): LiteralType =>
  create(LiteralTypeSchema, { type: { case: "unionType", value: { variants } } });
export const enumOf = (...values: string[]): LiteralType =>
  create(LiteralTypeSchema, { type: { case: "enumType", value: { values } } });
export const blob = (format: string): LiteralType =>
  create(LiteralTypeSchema, { type: { case: "blob", value: { format } } });

export const id = (resourceType: ResourceType, name: string): Identifier =>
  create(IdentifierSchema, { resourceType, project: "p", domain: "d", name, version: "v1" });

export function vars(v: Record<string, LiteralType>): VariableMap {
  return create(VariableMapSchema, {
    variables: Object.fromEntries(Object.entries(v).map(([k, type]) => [k, { type, description: k }])),
  });
}

export function iface(inputs: Record<string, LiteralType>, outputs: Record<string, LiteralType>): TypedInterface {
  return create(TypedInterfaceSchema, { inputs: vars(inputs), outputs: vars(outputs) });
}

export function task(
  name: string,
  inputs: Record<string, LiteralType>,
  outputs: Record<string, LiteralType>,
): CompiledTask {
  const template: TaskTemplate = create(TaskTemplateSchema, {
    id: id(ResourceType.TASK, name),
    type: "python-task",
    interface: iface(inputs, outputs),
    target: { case: "container", value: { image: "img", args: ["run"] } },
  });
  return create(CompiledTaskSchema, { template });
}

export const promise = (nodeId: string, v: string): BindingData =>
  create(BindingDataSchema, { value: { case: "promise", value: { nodeId, var: v } } });

export const scalarOf = (value: Primitive["value"]): Scalar =>
  create(ScalarSchema, { value: { case: "primitive", value: create(PrimitiveSchema, { value }) } });

export const int = (n: number): BindingData =>
  create(BindingDataSchema, { value: { case: "scalar", value: scalarOf({ case: "integer", value: BigInt(n) }) } });
export const str = (s: string): BindingData =>
  create(BindingDataSchema, { value: { case: "scalar", value: scalarOf({ case: "stringValue", value: s }) } });
export const float = (f: number): BindingData =>
  create(BindingDataSchema, { value: { case: "scalar", value: scalarOf({ case: "floatValue", value: f }) } });
export const list = (...items: BindingData[]): BindingData =>
  create(BindingDataSchema, { value: { case: "collection", value: { bindings: items } } });

export const literalOf = (value: Primitive["value"]): Literal =>
  create(LiteralSchema, { value: { case: "scalar", value: scalarOf(value) } });

export const bind = (v: string, binding: BindingData): Binding => create(BindingSchema, { var: v, binding });

export function taskNode(nodeId: string, taskName: string, inputs: Binding[] = [], upstream: string[] = []): Node {
  return create(NodeSchema, {
    id: nodeId,
    metadata: { name: nodeId },
    inputs,
    upstreamNodeIds: upstream,
    target: { case: "taskNode", value: { reference: { case: "referenceId", value: id(ResourceType.TASK, taskName) } } },
  });
}

export function workflow(
  name: string,
  nodes: Node[],
  inputs: Record<string, LiteralType> = {},
  outputs: Record<string, LiteralType> = {},
  outputBindings: Binding[] = [],
): WorkflowTemplate {
  return create(WorkflowTemplateSchema, {
    id: id(ResourceType.WORKFLOW, name),
    interface: iface(inputs, outputs),
    nodes,
    outputs: outputBindings,
  });
}

export function subWorkflowNode(nodeId: string, name: string, inputs: Binding[] = []): Node {
  return create(NodeSchema, {
    id: nodeId,
    inputs,
    target: {
      case: "workflowNode",
      value: { reference: { case: "subWorkflowRef", value: id(ResourceType.WORKFLOW, name) } },
    },
  });
}

export function launchPlanNode(nodeId: string, name: string, inputs: Binding[] = []): Node {
  return create(NodeSchema, {
    id: nodeId,
    inputs,
    target: {
      case: "workflowNode",
      value: { reference: { case: "launchplanRef", value: id(ResourceType.LAUNCH_PLAN, name) } },
    },
  });
}
