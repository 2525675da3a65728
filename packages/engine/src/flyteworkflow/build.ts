// Compiled closure → FlyteWorkflow resource, as upstream's `BuildFlyteWorkflow` (`transformers/k8s/workflow.go`):
// launch inputs validated against the primary interface, interfaces stripped, one WorkflowSpec for the primary and
// each sub-workflow, the tasks map keyed by the text of the task identifier, name and labels from the execution id.
// What admin adds at launch (execution id, acceptedAt, security context, overrides) is `prepareFlyteWorkflow`.
import { clone, create, toJson } from "@bufbuild/protobuf";
import { START_NODE_ID, compileErrorsToAloftError, invalidArgument, validateLaunchInputs } from "@aloft/core";
import type { CompiledTask, CompiledWorkflow, CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { VariableMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { BindingSchema, LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { JsonObject } from "./go-json.ts";
import { fnv1a32, sanitizeLabelValue } from "./k8s-values.ts";
import { buildNodeSpecs, identifierText } from "./node-spec.ts";
import { stripInterface } from "./strip.ts";
import {
  FLYTE_WORKFLOW_API_VERSION,
  FLYTE_WORKFLOW_KIND,
  LABEL_DOMAIN,
  LABEL_EXECUTION_ID,
  LABEL_PROJECT,
  LABEL_SHARD_KEY,
  LABEL_WORKFLOW_NAME,
  SHARD_KEYSPACE_SIZE,
  type ExecutionConfig,
  type FlyteWorkflow,
  type NodeSpec,
  type WorkflowSpec,
} from "./types.ts";

const BAD = "flyteworkflow.invalid";

/** The closure-derived ("static") fields: what `workflowClosureReference` replaces when offloaded. */
export interface StaticFields {
  spec: WorkflowSpec;
  subWorkflows: Record<string, WorkflowSpec>;
  tasks: Record<string, JsonObject>;
}

const zeroResources = () => ({ CPU: "0", Memory: "0", EphemeralStorage: "0", Storage: "0", GPU: "0" });

export function emptyExecutionConfig(): ExecutionConfig {
  return {
    TaskPluginImpls: null,
    MaxParallelism: 0,
    RecoveryExecution: {},
    TaskResources: { Requests: zeroResources(), Limits: zeroResources() },
    Interruptible: null,
    OverwriteCache: false,
    EnvironmentVariables: null,
  };
}

function buildNodes(nodes: readonly Node[], tasks: readonly CompiledTask[]): Record<string, NodeSpec> {
  const out: Record<string, NodeSpec> = {};
  const rendered = new Map<string, string>();
  for (const node of nodes) {
    for (const spec of buildNodeSpecs(node, tasks)) {
      const text = JSON.stringify(spec);
      const existing = rendered.get(spec.id);
      if (existing !== undefined && existing !== text) {
        throw invalidArgument(
          BAD,
          `Value collision [${spec.id}] while flattening node ${node.id}: two different specs share the id`,
        );
      }
      rendered.set(spec.id, text);
      out[spec.id] = spec;
    }
  }
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]!]),
  );
}

const sortedLists = (m: Record<string, { ids: string[] }> | undefined): Record<string, string[] | null> =>
  Object.fromEntries(
    Object.keys(m ?? {})
      .sort()
      .map((k) => [k, m![k]!.ids.length > 0 ? [...m![k]!.ids] : null]),
  );

export function buildWorkflowSpec(wf: CompiledWorkflow, tasks: readonly CompiledTask[]): WorkflowSpec {
  const template = wf.template;
  if (!template) throw invalidArgument(BAD, "Value required [template] (compiled workflow)");
  const iface = stripInterface(template.interface);
  const onFailure = template.failureNode ? buildNodeSpecs(template.failureNode, tasks)[0] : undefined;
  const nodes = buildNodes(template.nodes, tasks);
  const downstream = sortedLists(wf.connections?.downstream);
  const spec: WorkflowSpec = {
    id: `${template.id?.project ?? ""}:${template.id?.domain ?? ""}:${template.id?.name ?? ""}`,
    nodes,
    connections: downstream,
    edges: { downstream, upstream: sortedLists(wf.connections?.upstream) },
  };
  if (onFailure) spec.onFailure = onFailure;
  spec.outputs = toJson(VariableMapSchema, iface?.outputs ?? create(VariableMapSchema)) as JsonObject;
  if (template.outputs.length > 0)
    spec.outputBindings = template.outputs.map((b) => toJson(BindingSchema, b) as JsonObject);
  const policy = template.metadata?.onFailure ?? 0;
  if (policy !== 0) spec.onFailurePolicy = policy;
  return spec;
}

/** upstream `BuildWfClosureCrdFields`: the spec, sub-workflow specs and tasks of a closure. */
export function buildStaticFields(closure: CompiledWorkflowClosure): StaticFields {
  if (!closure.primary) throw invalidArgument(BAD, "Value required [wfClosure] (root)");
  const tasks = closure.tasks.map((t) => {
    const copy = { ...t };
    if (t.template)
      copy.template = { ...clone(TaskTemplateSchema, t.template), interface: stripInterface(t.template.interface) };
    return copy;
  });
  const taskMap: Record<string, JsonObject> = {};
  for (const t of tasks) {
    if (!t.template) throw invalidArgument(BAD, "Value required [coreTask] (root)");
    const key = identifierText(t.template.id);
    if (key in taskMap) throw invalidArgument(BAD, `Value collision [${key}]: two tasks share the id`);
    taskMap[key] = toJson(TaskTemplateSchema, t.template) as JsonObject;
  }
  const subWorkflows: Record<string, WorkflowSpec> = {};
  for (const sub of closure.subWorkflows)
    subWorkflows[identifierText(sub.template?.id)] = buildWorkflowSpec(sub, tasks);
  return {
    spec: buildWorkflowSpec(closure.primary, tasks),
    subWorkflows: sortKeys(subWorkflows),
    tasks: sortKeys(taskMap),
  };
}

const sortKeys = <T>(m: Record<string, T>): Record<string, T> =>
  Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((k) => [k, m[k]!]),
  );

/**
 * upstream `BuildFlyteWorkflow`. `executionId` absent: a generated name from the workflow id (`generateName`), as
 * upstream does for tests and tools; admin always passes one.
 */
export function buildFlyteWorkflow(
  closure: CompiledWorkflowClosure,
  inputs: LiteralMap | undefined,
  executionId: Pick<WorkflowExecutionIdentifier, "project" | "domain" | "name"> | undefined,
  namespace: string,
): FlyteWorkflow {
  const template = closure.primary?.template;
  if (!template) throw invalidArgument(BAD, "Value required [wfClosure] (root)");
  if (inputs) {
    const errs = validateLaunchInputs(template.interface, inputs);
    if (errs.length > 0) throw compileErrorsToAloftError(errs);
  } else if (Object.keys(template.interface?.inputs?.variables ?? {}).length > 0) {
    throw invalidArgument(BAD, "Value required [inputs] (root)");
  }
  const fields = buildStaticFields(closure);
  let name = "";
  let generateName = "";
  let label: string;
  let project: string;
  let domain: string;
  if (executionId) {
    ({ name, project, domain } = executionId);
    label = name;
  } else {
    const id = template.id;
    const sep = (v: string | undefined) => (v ? `${v}-` : "");
    label = `${sep(id?.project)}${sep(id?.domain)}${id?.name ?? ""}`.slice(0, 32);
    generateName = `${label}-`;
    project = id?.project ?? "";
    domain = id?.domain ?? "";
  }
  const workflowName = fields.spec.id.split(":").length === 3 ? (fields.spec.id.split(":")[2] ?? "") : "";
  const labels = {
    [LABEL_DOMAIN]: domain,
    [LABEL_EXECUTION_ID]: label,
    [LABEL_PROJECT]: project,
    [LABEL_SHARD_KEY]: String(fnv1a32(label) % SHARD_KEYSPACE_SIZE),
    [LABEL_WORKFLOW_NAME]: sanitizeLabelValue(workflowName),
  };
  const startDownstream = fields.spec.edges.downstream[START_NODE_ID];
  if (!(START_NODE_ID in fields.spec.nodes)) {
    throw invalidArgument(BAD, `Bad Node [${START_NODE_ID}], is not defined in the Workflow [${fields.spec.id}]`);
  }
  if (!startDownstream || startDownstream.length === 0) {
    throw invalidArgument(
      BAD,
      `Can't find any node with no input dependencies (workflow ${identifierText(template.id)})`,
    );
  }
  const metadata: FlyteWorkflow["metadata"] = {};
  if (name) metadata.name = name;
  if (generateName) metadata.generateName = generateName;
  if (namespace) metadata.namespace = namespace;
  metadata.labels = labels;
  return {
    kind: FLYTE_WORKFLOW_KIND,
    apiVersion: FLYTE_WORKFLOW_API_VERSION,
    metadata,
    spec: fields.spec,
    inputs: toJson(LiteralMapSchema, inputs ?? create(LiteralMapSchema)) as JsonObject,
    executionId: {},
    tasks: fields.tasks,
    ...(Object.keys(fields.subWorkflows).length > 0 ? { subWorkflows: fields.subWorkflows } : {}),
    "node-defaults": template.metadataDefaults?.interruptible ? { interruptible: true } : {},
    securityContext: {},
    status: { phase: 0 },
    rawOutputDataConfig: {},
    executionConfig: emptyExecutionConfig(),
  };
}

/**
 * The resource as upstream's Go encoder writes it: `JSON.stringify` in the Go struct order above, plus Go's
 * HTML-safe escaping of `<`, `>`, `&` and the two line separators.
 */
export function serializeFlyteWorkflow(wf: FlyteWorkflow): string {
  return JSON.stringify(wf).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
