// The reverse of the transformer: a FlyteWorkflow's spec, sub-workflows and tasks back into a compiled closure the
// engine's executor runs. What the resource does not carry cannot come back, as upstream's propeller never sees it
// either: the workflow version (`spec.id` is project:domain:name), the primary's declared input types (rebuilt
// from the types of the input literals, which is what the launch was validated against), node metadata
// other than name/timeout/retries/interruptible, and `upstream_node_ids` (the connections carry the edges). Nodes
// come back sorted by id; branch children return inside their branch.
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { invalidArgument, literalTypeForLiteral } from "@aloft/core";
import {
  CompiledTaskSchema,
  CompiledWorkflowClosureSchema,
  CompiledWorkflowSchema,
  ConnectionSet_IdListSchema,
  type CompiledWorkflow,
  type CompiledWorkflowClosure,
} from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { BooleanExpressionSchema } from "@aloft/idl/flyteidl/core/condition_pb.js";
import { IdentifierSchema, ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { VariableMapSchema, VariableSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { BindingSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  ExtendedResourcesSchema,
  K8sPodSchema,
  ResourcesSchema,
  Resources_ResourceEntrySchema,
  TaskTemplateSchema,
  type Resources_ResourceName,
} from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { ErrorSchema } from "@aloft/idl/flyteidl/core/types_pb.js";
import {
  AliasSchema,
  ApproveConditionSchema,
  NodeMetadataSchema,
  NodeSchema,
  SignalConditionSchema,
  SleepConditionSchema,
  TaskNodeOverridesSchema,
  WorkflowTemplateSchema,
  type IfBlock,
  type Node,
} from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { fromGoJson } from "./go-json.ts";
import { parseGoDuration } from "./k8s-values.ts";
import { K8S_RESOURCE_NAMES } from "./node-spec.ts";
import type { FlyteWorkflow, IfBlockSpec, NodeSpec, WorkflowSpec } from "./types.ts";

const BAD = "flyteworkflow.invalid";

/** Protobuf text of an Identifier (`resource_type:TASK project:"p" name:"n"`) back to the message. */
export function parseIdentifierText(text: string): Identifier {
  const id = create(IdentifierSchema);
  const re = /\s*([a-z_]+):(?:"((?:[^"\\]|\\.)*)"|([A-Z_0-9]+))/y;
  let at = 0;
  while (at < text.length && text.slice(at).trim() !== "") {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw invalidArgument(BAD, `not an identifier: ${text}`);
    at = re.lastIndex;
    const [, key, quoted, word] = m;
    const value = quoted === undefined ? (word ?? "") : unquote(quoted);
    if (key === "resource_type") {
      const rt = ResourceType[value as keyof typeof ResourceType];
      if (rt === undefined) throw invalidArgument(BAD, `unknown resource type ${value} in ${text}`);
      id.resourceType = rt;
    } else if (key === "project" || key === "domain" || key === "name" || key === "version" || key === "org") {
      id[key] = value;
    } else throw invalidArgument(BAD, `unknown identifier field ${key} in ${text}`);
  }
  return id;
}

function unquote(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== "\\") {
      bytes.push(...Buffer.from(c, "utf8"));
      continue;
    }
    const n = s[++i];
    if (n === "x") {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(({ n: 10, r: 13, t: 9 } as Record<string, number>)[n ?? ""] ?? (n ?? "").charCodeAt(0));
  }
  return Buffer.from(bytes).toString("utf8");
}

const json = (v: unknown) => v as JsonValue;

function resourcesFromK8s(spec: NodeSpec) {
  const entries = (list: Record<string, string> | undefined) =>
    Object.entries(list ?? {}).map(([k8sName, value]) => {
      const found = Object.entries(K8S_RESOURCE_NAMES).find(([, n]) => n === k8sName);
      if (!found) throw invalidArgument(BAD, `node ${spec.id}: unknown resource ${k8sName}`);
      return create(Resources_ResourceEntrySchema, { name: Number(found[0]) as Resources_ResourceName, value });
    });
  const limits = entries(spec.resources?.limits);
  const requests = entries(spec.resources?.requests);
  return limits.length + requests.length > 0 ? create(ResourcesSchema, { limits, requests }) : undefined;
}

function nodeFromSpec(spec: NodeSpec, all: Record<string, NodeSpec>, tasks: Map<string, Identifier>): Node {
  const node = create(NodeSchema, { id: spec.id });
  if (spec.name || spec.executionDeadline || spec.retry || spec.interruptible !== undefined) {
    const md = create(NodeMetadataSchema, { name: spec.name ?? "" });
    if (spec.executionDeadline) {
      const nanos = parseGoDuration(spec.executionDeadline);
      md.timeout = {
        $typeName: "google.protobuf.Duration",
        seconds: nanos / 1_000_000_000n,
        nanos: Number(nanos % 1_000_000_000n),
      };
    }
    if (spec.retry?.minAttempts)
      md.retries = { $typeName: "flyteidl.core.RetryStrategy", retries: spec.retry.minAttempts - 1 };
    if (spec.interruptible !== undefined) md.interruptibleValue = { case: "interruptible", value: spec.interruptible };
    node.metadata = md;
  }
  node.inputs = (spec.inputBindings ?? []).map((b) => fromJson(BindingSchema, json(b)));
  node.outputAliases = (spec.outputAlias ?? []).map((a) => fromGoJson(AliasSchema, a));
  const child = (id: string | null | undefined) => {
    const s = id ? all[id] : undefined;
    if (!s) throw invalidArgument(BAD, `branch ${spec.id}: node ${id} is not in the workflow`);
    return nodeFromSpec(s, all, tasks);
  };
  const block = (b: IfBlockSpec): IfBlock => ({
    $typeName: "flyteidl.core.IfBlock",
    condition: b.condition ? fromJson(BooleanExpressionSchema, json(b.condition)) : undefined,
    thenNode: child(b.then),
  });
  switch (spec.kind) {
    case "task": {
      const ref = tasks.get(spec.task ?? "") ?? parseIdentifierText(spec.task ?? "");
      const overrides = create(TaskNodeOverridesSchema, {
        resources: resourcesFromK8s(spec),
        extendedResources: spec.extendedResources
          ? fromJson(ExtendedResourcesSchema, json(spec.extendedResources))
          : undefined,
        containerImage: spec.containerImage ?? "",
        podTemplate: spec.podTemplate ? fromGoJson(K8sPodSchema, spec.podTemplate) : undefined,
      });
      const hasOverrides =
        overrides.resources || overrides.extendedResources || overrides.containerImage || overrides.podTemplate;
      node.target = {
        case: "taskNode",
        value: {
          $typeName: "flyteidl.core.TaskNode",
          reference: { case: "referenceId", value: ref },
          ...(hasOverrides ? { overrides } : {}),
        },
      };
      break;
    }
    case "workflow": {
      const w = spec.workflow;
      const reference = w?.launchPlanRefId
        ? ({ case: "launchplanRef", value: fromJson(IdentifierSchema, json(w.launchPlanRefId)) } as const)
        : w?.subWorkflowRef
          ? ({ case: "subWorkflowRef", value: parseIdentifierText(w.subWorkflowRef) } as const)
          : undefined;
      if (!reference) throw invalidArgument(BAD, `node ${spec.id}: workflow node without a reference`);
      node.target = { case: "workflowNode", value: { $typeName: "flyteidl.core.WorkflowNode", reference } };
      break;
    }
    case "branch": {
      const b = spec.branch;
      if (!b) throw invalidArgument(BAD, `node ${spec.id}: branch without a branch spec`);
      const ifElse = {
        $typeName: "flyteidl.core.IfElseBlock" as const,
        case: block(b.if),
        other: (b.elseIf ?? []).map(block),
        default: b.else
          ? ({ case: "elseNode", value: child(b.else) } as const)
          : b.elseFail
            ? ({ case: "error", value: fromGoJson(ErrorSchema, b.elseFail) } as const)
            : ({ case: undefined } as const),
      };
      node.target = { case: "branchNode", value: { $typeName: "flyteidl.core.BranchNode", ifElse } };
      break;
    }
    case "gate": {
      const g = spec.gate;
      const condition =
        g?.kind === "approve" && g.approve
          ? ({ case: "approve", value: fromJson(ApproveConditionSchema, json(g.approve)) } as const)
          : g?.kind === "signal" && g.signal
            ? ({ case: "signal", value: fromJson(SignalConditionSchema, json(g.signal)) } as const)
            : g?.kind === "sleep" && g.sleep
              ? ({ case: "sleep", value: fromJson(SleepConditionSchema, json(g.sleep)) } as const)
              : ({ case: undefined } as const);
      node.target = { case: "gateNode", value: { $typeName: "flyteidl.core.GateNode", condition } };
      break;
    }
    case "array": {
      const a = spec.array;
      if (!a?.SubNodeSpec) throw invalidArgument(BAD, `node ${spec.id}: array node without a sub-node`);
      node.target = {
        case: "arrayNode",
        value: {
          $typeName: "flyteidl.core.ArrayNode",
          node: nodeFromSpec(a.SubNodeSpec, all, tasks),
          parallelismOption:
            a.Parallelism === null ? { case: undefined } : { case: "parallelism", value: a.Parallelism },
          successCriteria:
            a.MinSuccesses !== null
              ? { case: "minSuccesses", value: a.MinSuccesses }
              : a.MinSuccessRatio !== null
                ? { case: "minSuccessRatio", value: a.MinSuccessRatio }
                : { case: undefined },
          executionMode: a.ExecutionMode,
          ...(a.IsOriginalSubNodeInterface === null
            ? {}
            : { isOriginalSubNodeInterface: a.IsOriginalSubNodeInterface }),
          dataMode: a.DataMode,
          boundInputs: a.BoundInputs ?? [],
          runAllSubNodes: false,
        },
      };
      break;
    }
    default:
      break;
  }
  return node;
}

const idList = (m: Record<string, string[] | null>) =>
  Object.fromEntries(Object.entries(m).map(([k, ids]) => [k, create(ConnectionSet_IdListSchema, { ids: ids ?? [] })]));

function workflowFromSpec(
  spec: WorkflowSpec,
  id: Identifier,
  tasks: Map<string, Identifier>,
  interruptible: boolean,
  inputs?: LiteralMap,
): CompiledWorkflow {
  const children = new Set<string>();
  for (const n of Object.values(spec.nodes)) {
    const b = n.branch;
    if (!b) continue;
    for (const c of [b.if.then, ...(b.elseIf ?? []).map((e) => e.then), b.else]) if (c) children.add(c);
  }
  const nodes = Object.keys(spec.nodes)
    .sort()
    .filter((k) => !children.has(k))
    .map((k) => nodeFromSpec(spec.nodes[k]!, spec.nodes, tasks));
  const template = create(WorkflowTemplateSchema, {
    id,
    interface: {
      ...(inputs ? { inputs: { variables: inputVariables(inputs) } } : {}),
      outputs: fromJson(VariableMapSchema, json(spec.outputs ?? {})),
    },
    nodes,
    outputs: (spec.outputBindings ?? []).map((b) => fromJson(BindingSchema, json(b))),
    metadata: { onFailure: spec.onFailurePolicy ?? 0 },
    metadataDefaults: { interruptible },
  });
  if (spec.onFailure) template.failureNode = nodeFromSpec(spec.onFailure, spec.nodes, tasks);
  return create(CompiledWorkflowSchema, {
    template,
    connections: { downstream: idList(spec.edges.downstream), upstream: idList(spec.edges.upstream) },
  });
}

const inputVariables = (inputs: LiteralMap) =>
  Object.fromEntries(
    Object.entries(inputs.literals).map(([name, literal]) => [
      name,
      create(VariableSchema, { type: literalTypeForLiteral(literal) }),
    ]),
  );

/**
 * The compiled closure the resource's static part describes (it must not be offloaded: resolve it first). `inputs`
 * (the resource's) give the primary workflow its input interface.
 */
export function closureFromStaticPart(wf: FlyteWorkflow, inputs?: LiteralMap): CompiledWorkflowClosure {
  if (!wf.spec || !wf.tasks)
    throw invalidArgument(BAD, "the resource has no spec or tasks (offloaded? resolve it first)");
  const taskIds = new Map<string, Identifier>();
  const tasks = Object.entries(wf.tasks).map(([key, t]) => {
    const template = fromJson(TaskTemplateSchema, json(t));
    if (template.id) taskIds.set(key, template.id);
    return create(CompiledTaskSchema, { template });
  });
  const [project = "", domain = "", name = ""] = wf.spec.id.split(":");
  const interruptible = wf["node-defaults"]?.interruptible ?? false;
  const primaryId = create(IdentifierSchema, { resourceType: ResourceType.WORKFLOW, project, domain, name });
  return create(CompiledWorkflowClosureSchema, {
    primary: workflowFromSpec(wf.spec, primaryId, taskIds, interruptible, inputs),
    subWorkflows: Object.entries(wf.subWorkflows ?? {}).map(([key, s]) =>
      workflowFromSpec(s, parseIdentifierText(key), taskIds, false),
    ),
    tasks,
  });
}
