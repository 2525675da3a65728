// Small registrable workflows for end-to-end tests: raw-container tasks that run as local shell processes.
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import type { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import type { Execution } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  IdentifierSchema,
  ResourceType,
  type Identifier,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralTypeSchema, SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import {
  TaskTemplateSchema,
  DataLoadingConfig_LiteralMapFormat,
  type TaskTemplate,
} from "@aloft/idl/flyteidl/core/tasks_pb.js";
import {
  ApproveConditionSchema,
  GateNodeSchema,
  NodeSchema,
  SignalConditionSchema,
  WorkflowTemplateSchema,
  type GateNode,
  type Node,
} from "@aloft/idl/flyteidl/core/workflow_pb.js";
import {
  BindingDataSchema,
  LiteralSchema,
  type BindingData,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";

export type Admin = Client<typeof AdminService>;

export const intType = (): LiteralType =>
  create(LiteralTypeSchema, { type: { case: "simple", value: SimpleType.INTEGER } });

export function id(
  resourceType: ResourceType,
  project: string,
  domain: string,
  name: string,
  version: string,
): Identifier {
  return create(IdentifierSchema, { resourceType, project, domain, name, version });
}

/** A raw-container task: `script` runs under `sh -c` with inputs as files in /var/inputs, outputs written to /var/outputs. */
export interface ShellTaskOptions {
  retries?: number;
  timeoutSeconds?: number;
  /** Cache the task's outputs under this cache version (TaskMetadata.discoverable + discovery_version). */
  cacheVersion?: string;
  /** With cacheVersion: one execution at a time computes a given cache entry. */
  cacheSerializable?: boolean;
}

export function shellTask(
  taskId: Identifier,
  inputs: string[],
  outputs: string[],
  script: string,
  opts: ShellTaskOptions = {},
): TaskTemplate {
  const vars = (names: string[]) => Object.fromEntries(names.map((n) => [n, { type: intType(), description: n }]));
  return create(TaskTemplateSchema, {
    id: taskId,
    type: "raw-container",
    metadata: {
      runtime: { version: "1.0.0" },
      retries: { retries: opts.retries ?? 0 },
      ...(opts.timeoutSeconds ? { timeout: create(DurationSchema, { seconds: BigInt(opts.timeoutSeconds) }) } : {}),
      ...(opts.cacheVersion
        ? {
            discoverable: true,
            discoveryVersion: opts.cacheVersion,
            cacheSerializable: opts.cacheSerializable ?? false,
          }
        : {}),
    },
    interface: { inputs: { variables: vars(inputs) }, outputs: { variables: vars(outputs) } },
    target: {
      case: "container",
      value: {
        image: "alpine",
        command: ["sh", "-c", script],
        dataConfig: {
          enabled: true,
          inputPath: "/var/inputs",
          outputPath: "/var/outputs",
          format: DataLoadingConfig_LiteralMapFormat.JSON,
        },
      },
    },
  });
}

export const promise = (nodeId: string, v: string): BindingData =>
  create(BindingDataSchema, { value: { case: "promise", value: { nodeId, var: v } } });

export function taskNode(
  nodeId: string,
  taskId: Identifier,
  bindings: Record<string, BindingData>,
  upstream: string[] = [],
): Node {
  return create(NodeSchema, {
    id: nodeId,
    metadata: { name: nodeId },
    inputs: Object.entries(bindings).map(([v, binding]) => ({ var: v, binding })),
    upstreamNodeIds: upstream,
    target: { case: "taskNode", value: { reference: { case: "referenceId", value: taskId } } },
  });
}

export const intLiteral = (n: number): Literal =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(n) } } } },
    },
  });

export function intOf(map: LiteralMap | undefined, name: string): number | undefined {
  const l = map?.literals[name];
  if (l?.value.case !== "scalar" || l.value.value.value.case !== "primitive") return undefined;
  const p = l.value.value.value.value.value;
  return p.case === "integer" ? Number(p.value) : undefined;
}

/**
 * Registers tasks, a workflow over them and its launch plan (ACTIVE), returning the launch plan id.
 * `nodes` reference the given tasks; the workflow has int inputs `inputs` and outputs bound as `outputs`.
 */
export async function registerWorkflow(
  admin: Admin,
  o: {
    project: string;
    domain: string;
    name: string;
    version: string;
    tasks: TaskTemplate[];
    nodes: Node[];
    inputs: string[];
    outputs: Record<string, BindingData>;
  },
): Promise<Identifier> {
  for (const t of o.tasks) await admin.createTask({ id: t.id, spec: { template: t } });
  const wfId = id(ResourceType.WORKFLOW, o.project, o.domain, o.name, o.version);
  const vars = (names: string[]) => Object.fromEntries(names.map((n) => [n, { type: intType(), description: n }]));
  const template = create(WorkflowTemplateSchema, {
    id: wfId,
    interface: { inputs: { variables: vars(o.inputs) }, outputs: { variables: vars(Object.keys(o.outputs)) } },
    nodes: o.nodes,
    outputs: Object.entries(o.outputs).map(([v, b]) => ({ var: v, binding: b })),
    metadata: {},
  });
  await admin.createWorkflow({ id: wfId, spec: { template } });
  const lpId = id(ResourceType.LAUNCH_PLAN, o.project, o.domain, o.name, o.version);
  await admin.createLaunchPlan({ id: lpId, spec: { workflowId: wfId } });
  return lpId;
}

/** The task of `registerOneTask`: a shell task `<name>-t` running `script` (with `retries`), or `task` as given. */
type OneTask = { script: string; retries?: number } | { task: TaskTemplate };

/**
 * Registers workflow `name` (version v1) around one task: the workflow's int input `x` is the task's input `a`, the
 * task's output `o` is the workflow's output `y`. Returns the launch plan's id.
 */
export async function registerOneTask(
  admin: Admin,
  o: { project: string; domain: string; name: string } & OneTask,
): Promise<Identifier> {
  const task =
    "task" in o
      ? o.task
      : shellTask(id(ResourceType.TASK, o.project, o.domain, `${o.name}-t`, "v1"), ["a"], ["o"], o.script, {
          retries: o.retries,
        });
  return registerWorkflow(admin, {
    project: o.project,
    domain: o.domain,
    name: o.name,
    version: "v1",
    tasks: [task],
    inputs: ["x"],
    nodes: [taskNode("n0", task.id!, { a: promise("start-node", "x") })],
    outputs: { y: promise("n0", "o") },
  });
}

/**
 * `registerOneTask`, then a launch with `x` (and `labels`, `annotations`); returns the execution's id.
 */
export async function launchOneTask(
  admin: Admin,
  o: {
    project: string;
    domain: string;
    name: string;
    x: number;
    /** The execution's labels and annotations. */
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  } & OneTask,
): Promise<WorkflowExecutionIdentifier> {
  const lp = await registerOneTask(admin, o);
  const { id: exec } = await admin.createExecution({
    project: o.project,
    domain: o.domain,
    spec: {
      launchPlan: lp,
      ...(o.labels ? { labels: { values: o.labels } } : {}),
      ...(o.annotations ? { annotations: { values: o.annotations } } : {}),
    },
    inputs: { literals: { x: intLiteral(o.x) } },
  });
  return exec!;
}

const ENDED: ReadonlySet<WorkflowExecution_Phase> = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.ABORTED,
  WorkflowExecution_Phase.TIMED_OUT,
]);

/**
 * Reads the execution every 50 ms until it has ended (SUCCEEDED, FAILED, ABORTED or TIMED_OUT) and returns it as last
 * read; throws, naming the phase it is stuck in, when it has not ended within `timeoutMs`.
 */
export async function waitForEnd(
  admin: Admin,
  exec: WorkflowExecutionIdentifier,
  timeoutMs = 60_000,
): Promise<Execution> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ex = await admin.getExecution({ id: exec });
    if (ENDED.has(ex.closure!.phase)) return ex;
    if (Date.now() > deadline)
      throw new Error(`execution ${exec.name} stuck in ${WorkflowExecution_Phase[ex.closure!.phase]}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A gate node: `approve` passes its bound inputs through once approved, `signal` outputs the signal's value as
 * `outputVariableName`, `sleep` waits.
 */
export function gateNode(
  nodeId: string,
  condition: GateNode["condition"],
  inputs: Record<string, BindingData> = {},
  upstream: string[] = [],
): Node {
  return create(NodeSchema, {
    id: nodeId,
    metadata: { name: nodeId },
    inputs: Object.entries(inputs).map(([v, binding]) => ({ var: v, binding })),
    upstreamNodeIds: upstream,
    target: { case: "gateNode", value: create(GateNodeSchema, { condition }) },
  });
}

/**
 * `gated(x)`: an approve gate `approval` (signal `approve-run`, passing x through) and a signal gate `wait-n` (signal
 * `n`, an integer) in front of a task `add` whose output `total` is x + n. Returns the launch plan id.
 */
export async function registerGatedWorkflow(
  admin: Admin,
  project: string,
  domain: string,
  version = "v1",
): Promise<Identifier> {
  const add = shellTask(
    id(ResourceType.TASK, project, domain, "gated-add", version),
    ["a", "b"],
    ["sum"],
    'echo "$(( $(cat /var/inputs/a) + $(cat /var/inputs/b) ))" > /var/outputs/sum',
  );
  return registerWorkflow(admin, {
    project,
    domain,
    name: "gated",
    version,
    tasks: [add],
    inputs: ["x"],
    nodes: [
      gateNode(
        "approval",
        { case: "approve", value: create(ApproveConditionSchema, { signalId: "approve-run" }) },
        { x: promise("start-node", "x") },
      ),
      gateNode("wait-n", {
        case: "signal",
        value: create(SignalConditionSchema, { signalId: "n", type: intType(), outputVariableName: "n" }),
      }),
      taskNode("add", add.id!, { a: promise("approval", "x"), b: promise("wait-n", "n") }, ["approval", "wait-n"]),
    ],
    outputs: { total: promise("add", "sum") },
  });
}
