// Seeding for bench/console.bench.ts: a workflow of N task nodes registered through the public HTTP API (so admin
// compiles a real closure the console draws), one execution of it marked RUNNING with node executions in every phase
// inserted in bulk, and a project-domain of many executions inserted with one set-based SQL statement.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Kysely, sql } from "kysely";
import { ExecutionClosureSchema, ExecutionSpecSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import {
  NodeExecutionClosureSchema,
  NodeExecutionMetaDataSchema,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";

export const P = "flytesnacks";
export const D = "development";
/** The project-domain of the big executions list (its own, so the execution page's project stays small). */
export const LIST_DOMAIN = "staging";

type Db = Kysely<any>;

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

const ident = (resource_type: string, name: string, domain = D) => ({
  resource_type,
  project: P,
  domain,
  name,
  version: "v1",
});

/**
 * Registers `name`: `nodes` task nodes in chains of `depth` (node i waits for node i − 1 of its chain), so the graph is
 * wide and deep like a real fan-out pipeline. Then a launch plan of the same name.
 */
export async function registerWorkflow(base: string, name: string, nodes: number, depth = 50): Promise<void> {
  const task = ident("TASK", `${name}-task`);
  await api(base, "POST", "/api/v1/tasks", {
    id: task,
    spec: {
      template: {
        id: task,
        type: "raw-container",
        metadata: { runtime: { version: "1.0.0" } },
        interface: { inputs: { variables: {} }, outputs: { variables: {} } },
        container: { image: "alpine", command: ["true"] },
      },
    },
  });
  const wf = ident("WORKFLOW", name);
  const template = {
    id: wf,
    interface: { inputs: { variables: {} }, outputs: { variables: {} } },
    nodes: Array.from({ length: nodes }, (_, i) => ({
      id: `n${i}`,
      metadata: { name: `step-${i}` },
      upstream_node_ids: i % depth === 0 ? [] : [`n${i - 1}`],
      task_node: { reference_id: task },
    })),
    outputs: [],
    metadata: {},
  };
  await api(base, "POST", "/api/v1/workflows", { id: wf, spec: { template } });
  await api(base, "POST", "/api/v1/launch_plans", { id: ident("LAUNCH_PLAN", name), spec: { workflow_id: wf } });
}

/**
 * Creates an execution of launch plan `name` (no engine runs it) and marks it RUNNING, as if the engine had started it
 * (or SUCCEEDED with `finished`).
 */
export async function createRunning(base: string, db: Db, lp: string, name: string, finished = false): Promise<void> {
  await api(base, "POST", "/api/v1/executions", {
    project: P,
    domain: D,
    name,
    spec: { launch_plan: ident("LAUNCH_PLAN", lp), metadata: { mode: "MANUAL" } },
    inputs: { literals: {} },
  });
  const key = { p: P, d: D, n: name };
  const row = await db
    .selectFrom("executions")
    .select(["closure"])
    .where("execution_project", "=", key.p)
    .where("execution_domain", "=", key.d)
    .where("execution_name", "=", key.n)
    .executeTakeFirstOrThrow();
  const closure = fromBinary(ExecutionClosureSchema, row.closure as Uint8Array);
  closure.phase = finished ? WorkflowExecution_Phase.SUCCEEDED : WorkflowExecution_Phase.RUNNING;
  closure.startedAt = timestampFromMs(Date.now() - 600_000);
  await db
    .updateTable("executions")
    .set({ phase: WorkflowExecution_Phase[closure.phase], closure: toBinary(ExecutionClosureSchema, closure) })
    .where("execution_project", "=", key.p)
    .where("execution_domain", "=", key.d)
    .where("execution_name", "=", key.n)
    .execute();
}

/** Phase of node i: mostly succeeded, then running, queued, failed, aborted, skipped; the last tenth not started. */
function phaseOf(i: number, n: number): NodeExecution_Phase | undefined {
  if (i >= n * 0.9) return undefined;
  const k = i % 20;
  if (k < 12) return NodeExecution_Phase.SUCCEEDED;
  if (k < 14) return NodeExecution_Phase.RUNNING;
  if (k < 16) return NodeExecution_Phase.QUEUED;
  if (k < 17) return NodeExecution_Phase.FAILED;
  if (k < 18) return NodeExecution_Phase.ABORTED;
  if (k < 19) return NodeExecution_Phase.SKIPPED;
  return NodeExecution_Phase.TIMED_OUT;
}

/**
 * Node executions of `nodes` nodes of execution `name` (start-node included), in bulk; with `finished` every node that
 * ran SUCCEEDED. Returns how many.
 */
export async function seedNodeExecutions(db: Db, name: string, nodes: number, finished = false): Promise<number> {
  const now = Date.now();
  const rows: Record<string, unknown>[] = [];
  const ids = ["start-node", ...Array.from({ length: nodes }, (_, i) => `n${i}`)];
  for (const [i, node_id] of ids.entries()) {
    const seeded = node_id === "start-node" ? NodeExecution_Phase.SUCCEEDED : phaseOf(i - 1, nodes);
    if (seeded === undefined) continue;
    const phase = finished ? NodeExecution_Phase.SUCCEEDED : seeded;
    const startMs = now - 600_000 + i * 100;
    const done = phase !== NodeExecution_Phase.RUNNING && phase !== NodeExecution_Phase.QUEUED;
    const closure = create(NodeExecutionClosureSchema, {
      phase,
      createdAt: timestampFromMs(startMs),
      updatedAt: timestampFromMs(startMs + 2000),
      startedAt: timestampFromMs(startMs),
      ...(done ? { duration: durationFromMs(2000) } : {}),
      ...(phase === NodeExecution_Phase.FAILED
        ? { outputResult: { case: "error" as const, value: { code: "USER:Boom", message: `step ${i} failed` } } }
        : {}),
    });
    const us = startMs * 1000;
    rows.push({
      created_at: us,
      updated_at: us,
      execution_project: P,
      execution_domain: D,
      execution_name: name,
      node_id,
      phase: NodeExecution_Phase[phase],
      closure: toBinary(NodeExecutionClosureSchema, closure),
      // As the engine records it: GetExecutionMetrics matches node executions to the workflow's nodes by spec node id.
      node_execution_metadata: toBinary(
        NodeExecutionMetaDataSchema,
        create(NodeExecutionMetaDataSchema, { specNodeId: node_id }),
      ),
      started_at: us,
      node_execution_created_at: us,
      node_execution_updated_at: us + 2_000_000,
      event_version: 1,
    });
  }
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto("node_executions")
      .values(rows.slice(i, i + 500))
      .execute();
  return rows.length;
}

/** `n` SUCCEEDED executions of launch plan `lp` in P/LIST_DOMAIN, one a minute back from now, in one statement. */
export async function seedExecutions(db: Db, lp: string, n: number): Promise<void> {
  const lpRow = await db
    .selectFrom("launch_plans")
    .select(["id", "workflow_id"])
    .where("project", "=", P)
    .where("domain", "=", D)
    .where("name", "=", lp)
    .executeTakeFirstOrThrow();
  const at = Date.now() - n * 60_000;
  const closure = toBinary(
    ExecutionClosureSchema,
    create(ExecutionClosureSchema, {
      phase: WorkflowExecution_Phase.SUCCEEDED,
      createdAt: timestampFromMs(at),
      updatedAt: timestampFromMs(at),
      startedAt: timestampFromMs(at),
      duration: durationFromMs(42_000),
      workflowId: { resourceType: 2, project: P, domain: D, name: lp, version: "v1" },
    }),
  );
  const spec = toBinary(
    ExecutionSpecSchema,
    create(ExecutionSpecSchema, {
      launchPlan: { resourceType: 3, project: P, domain: D, name: lp, version: "v1" },
      metadata: { principal: "bench" },
    }),
  );
  const t = sql.raw(`(${at * 1000} + i * 60000000)`);
  const series = sql`with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(n)}) select i from s`;
  await sql`insert into executions (created_at, updated_at, execution_project, execution_domain, execution_name,
      launch_plan_id, workflow_id, phase, closure, spec, started_at, execution_created_at, execution_updated_at, state,
      launch_entity, launch_plan_name, workflow_name)
    select ${t}, ${t}, ${P}, ${LIST_DOMAIN}, 'x' || i, ${lpRow.id}, ${lpRow.workflow_id}, 'SUCCEEDED', ${closure},
      ${spec}, ${t}, ${t}, ${t}, 0, 'launch_plan', ${lp}, ${lp}
    from (${series}) as src`.execute(db);
  await sql`analyze`.execute(db);
}
