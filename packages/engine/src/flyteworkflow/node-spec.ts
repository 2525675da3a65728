// Node → NodeSpec as upstream's transformer builds it (`transformers/k8s/node.go`): branch children are flattened
// into the workflow's node map (the branch node first), an array node embeds its sub-node, task references are the
// protobuf text of the task identifier (also the key of the `tasks` map).
import { toJson } from "@bufbuild/protobuf";
import { END_NODE_ID, START_NODE_ID, invalidArgument, protoText } from "@aloft/core";
import type { CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { IdentifierSchema, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { BooleanExpressionSchema } from "@aloft/idl/flyteidl/core/condition_pb.js";
import { BindingSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  ExtendedResourcesSchema,
  K8sPodSchema,
  Resources_ResourceName,
  type Resources,
  type Resources_ResourceEntry,
  type TaskTemplate,
} from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { ErrorSchema } from "@aloft/idl/flyteidl/core/types_pb.js";
import {
  AliasSchema,
  ApproveConditionSchema,
  SignalConditionSchema,
  SleepConditionSchema,
  type IfBlock,
  type Node,
} from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { shortestFloat32, toGoJson, type JsonObject } from "./go-json.ts";
import { canonicalQuantity, goDuration } from "./k8s-values.ts";
import type { BranchNodeSpec, IfBlockSpec, NodeSpec } from "./types.ts";

const BAD = "flyteworkflow.invalid";

export const identifierText = (id: Identifier | undefined): string => protoText(IdentifierSchema, id);

/** Kubernetes resource names of flyteidl's resource entries (`flytek8s.ToK8sResourceList`). */
export const K8S_RESOURCE_NAMES: Partial<Record<Resources_ResourceName, string>> = {
  [Resources_ResourceName.CPU]: "cpu",
  [Resources_ResourceName.MEMORY]: "memory",
  [Resources_ResourceName.STORAGE]: "storage",
  [Resources_ResourceName.EPHEMERAL_STORAGE]: "ephemeral-storage",
  [Resources_ResourceName.GPU]: "nvidia.com/gpu",
};

function resourceList(entries: Resources_ResourceEntry[], nodeId: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const e of entries) {
    let q: string;
    try {
      q = canonicalQuantity(e.value);
    } catch (err) {
      throw invalidArgument(
        BAD,
        `node ${nodeId}: Failed to parse resource as a valid quantity.: ${(err as Error).message}`,
      );
    }
    const name = K8S_RESOURCE_NAMES[e.name];
    if (name !== undefined && q !== "0") out[name] = q;
  }
  const keys = Object.keys(out).sort();
  return keys.length === 0 ? undefined : Object.fromEntries(keys.map((k) => [k, out[k]!]));
}

function resourceRequirements(resources: Resources | undefined, nodeId: string): NodeSpec["resources"] {
  const out: NodeSpec["resources"] = {};
  if (!resources) return out;
  const limits = resourceList(resources.limits, nodeId);
  const requests = resourceList(resources.requests, nodeId);
  if (limits) out.limits = limits;
  if (requests) out.requests = requests;
  return out;
}

function retryAttempts(n: Node, task: TaskTemplate | undefined): number | undefined {
  const nodeRetries = n.metadata?.retries?.retries ?? 0;
  if (nodeRetries !== 0) return nodeRetries + 1;
  const taskRetries = task?.metadata?.retries?.retries ?? 0;
  return taskRetries !== 0 ? taskRetries + 1 : undefined;
}

/** The node's spec followed by the specs of the nodes flattened out of it (branch children). */
export function buildNodeSpecs(n: Node, tasks: readonly CompiledTask[]): NodeSpec[] {
  if (n.id !== START_NODE_ID && n.id !== END_NODE_ID && n.target.case === undefined) {
    throw invalidArgument(BAD, `Value required [target] (node ${n.id})`);
  }
  let task: TaskTemplate | undefined;
  let resources: Resources | undefined;
  // Key order follows upstream's Go struct: id, name, resources, kind, then the kind's own field.
  const spec = { id: n.id } as NodeSpec;
  if (n.metadata?.name) spec.name = n.metadata.name;
  const overrides = n.target.case === "taskNode" ? n.target.value.overrides : undefined;
  if (n.target.case === "taskNode") {
    const key = identifierText(n.target.value.reference.value);
    task = tasks.find((t) => identifierText(t.template?.id) === key)?.template;
    if (!task) throw invalidArgument(BAD, `Reference to task [${key}] not found (node ${n.id})`);
    resources = overrides?.resources;
  }
  spec.resources = resourceRequirements(resources, n.id);
  spec.kind = kindOf(n);
  let children: NodeSpec[] = [];
  switch (n.target.case) {
    case "taskNode":
      spec.task = identifierText(n.target.value.reference.value);
      break;
    case "workflowNode": {
      const ref = n.target.value.reference;
      if (ref.case === "launchplanRef")
        spec.workflow = { launchPlanRefId: toJson(IdentifierSchema, ref.value) as JsonObject };
      else if (ref.case === "subWorkflowRef") spec.workflow = { subWorkflowRef: identifierText(ref.value) };
      else throw invalidArgument(BAD, `Value required [WorkflowNode.Reference] (node ${n.id})`);
      break;
    }
    case "branchNode": {
      const built = buildBranch(n, tasks);
      spec.branch = built.branch;
      children = built.children;
      break;
    }
    case "gateNode": {
      const c = n.target.value.condition;
      if (c.case === "approve")
        spec.gate = { kind: "approve", approve: toJson(ApproveConditionSchema, c.value) as JsonObject };
      else if (c.case === "signal")
        spec.gate = { kind: "signal", signal: toJson(SignalConditionSchema, c.value) as JsonObject };
      else if (c.case === "sleep")
        spec.gate = { kind: "sleep", sleep: toJson(SleepConditionSchema, c.value) as JsonObject };
      break;
    }
    case "arrayNode": {
      const a = n.target.value;
      if (!a.node) throw invalidArgument(BAD, `Value required [node] (array node ${n.id})`);
      const [sub] = buildNodeSpecs(a.node, tasks);
      spec.array = {
        SubNodeSpec: sub ?? null,
        Parallelism: a.parallelismOption.case === "parallelism" ? a.parallelismOption.value : null,
        MinSuccesses: a.successCriteria.case === "minSuccesses" ? a.successCriteria.value : null,
        MinSuccessRatio: a.successCriteria.case === "minSuccessRatio" ? shortestFloat32(a.successCriteria.value) : null,
        ExecutionMode: a.executionMode,
        IsOriginalSubNodeInterface: a.isOriginalSubNodeInterface ?? null,
        DataMode: a.dataMode,
        BoundInputs: a.boundInputs.length > 0 ? [...a.boundInputs] : null,
      };
      break;
    }
    default:
      break;
  }
  if (n.inputs.length > 0) spec.inputBindings = n.inputs.map((b) => toJson(BindingSchema, b) as JsonObject);
  const attempts = retryAttempts(n, task);
  if (attempts !== undefined) spec.retry = { minAttempts: attempts };
  if (n.outputAliases.length > 0) spec.outputAlias = n.outputAliases.map((a) => toGoJson(AliasSchema, a));
  if (overrides?.extendedResources) {
    spec.extendedResources = toJson(ExtendedResourcesSchema, overrides.extendedResources) as JsonObject;
  }
  const timeout = n.metadata?.timeout;
  if (timeout) {
    const nanos = timeout.seconds * 1_000_000_000n + BigInt(timeout.nanos);
    spec.executionDeadline = goDuration(nanos);
    spec.activeDeadline = goDuration(2n * nanos);
  }
  if (n.metadata?.interruptibleValue.case === "interruptible") spec.interruptible = n.metadata.interruptibleValue.value;
  if (overrides?.containerImage) spec.containerImage = overrides.containerImage;
  if (overrides?.podTemplate) spec.podTemplate = toGoJson(K8sPodSchema, overrides.podTemplate);
  return [spec, ...children];
}

function kindOf(n: Node): NodeSpec["kind"] {
  switch (n.target.case) {
    case "taskNode":
      return "task";
    case "workflowNode":
      return "workflow";
    case "branchNode":
      return "branch";
    case "gateNode":
      return "gate";
    case "arrayNode":
      return "array";
    default:
      return n.id === START_NODE_ID ? "start" : n.id === END_NODE_ID ? "end" : "";
  }
}

function ifBlock(
  block: IfBlock | undefined,
  tasks: readonly CompiledTask[],
): { spec: IfBlockSpec; children: NodeSpec[] } {
  if (!block?.thenNode) throw invalidArgument(BAD, "Value required [then_node] (branch)");
  return {
    spec: {
      condition: block.condition ? (toJson(BooleanExpressionSchema, block.condition) as JsonObject) : null,
      then: block.thenNode.id,
    },
    children: buildNodeSpecs(block.thenNode, tasks),
  };
}

function buildBranch(n: Node, tasks: readonly CompiledTask[]): { branch: BranchNodeSpec; children: NodeSpec[] } {
  if (n.target.case !== "branchNode") throw invalidArgument(BAD, `node ${n.id} is not a branch`);
  const ie = n.target.value.ifElse;
  const first = ifBlock(ie?.case, tasks);
  const branch: BranchNodeSpec = { if: first.spec };
  const children = [...first.children];
  if (ie?.default.case === "elseNode") {
    children.push(...buildNodeSpecs(ie.default.value, tasks));
    branch.else = ie.default.value.id;
  } else if (ie?.default.case === "error") {
    branch.elseFail = toGoJson(ErrorSchema, ie.default.value);
  }
  const others = (ie?.other ?? []).map((b) => ifBlock(b, tasks));
  if (others.length > 0) branch.elseIf = others.map((o) => o.spec);
  for (const o of others) children.push(...o.children);
  // Go struct field order: if, elseIf, else, elseFail.
  const ordered: BranchNodeSpec = { if: branch.if };
  if (branch.elseIf) ordered.elseIf = branch.elseIf;
  if (branch.else !== undefined) ordered.else = branch.else;
  if (branch.elseFail) ordered.elseFail = branch.elseFail;
  return { branch: ordered, children };
}
