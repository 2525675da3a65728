// Seeding for bench/lists.bench.ts: launch plans and workflows, then executions (a deterministic spread over
// projects, domains, phases, launch plans and 90 days), two node executions and two task executions per execution,
// all with set-based SQL (generate_series / a recursive CTE), so a million executions take minutes, not hours.
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { sql, type Kysely } from "kysely";
import { ExecutionClosureSchema, ExecutionSpecSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { NodeExecutionClosureSchema } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { TaskExecutionClosureSchema } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";

export const P = "flytesnacks";
export const D = "development";
export const LAUNCH_PLANS = 50;
const PROJECTS = ["flytesnacks", "proj1", "proj2", "proj3", "proj4", "proj5"];
const DOMAINS = ["development", "staging", "production"];
export const T0 = Date.UTC(2026, 0, 1) * 1000; // µs
export const SPAN = 90 * 86_400_000_000; // 90 days in µs

// Phase by hash bucket out of 20: 70 % SUCCEEDED, 15 % FAILED, 5 % RUNNING, 5 % ABORTED, 5 % QUEUED.
const PHASES: Array<[string, number, number]> = [
  ["SUCCEEDED", 0, 13],
  ["FAILED", 14, 16],
  ["RUNNING", 17, 17],
  ["ABORTED", 18, 18],
  ["QUEUED", 19, 19],
];

type Db = Kysely<any>;

/** The same deterministic spread on both databases: project (50 % flytesnacks), domain, phase, launch plan. */
function exprs(dialect: string) {
  const h = "((i * 2654435761) % 4294967291)";
  const div = (a: string, b: number) => (dialect === "postgres" ? `(${a} / ${b})` : `cast(${a} / ${b} as integer)`);
  const proj = `(case when ${h} % 10 < 5 then 0 else ${h} % 10 - 4 end)`;
  const dom = `(${div(h, 10)} % 3)`;
  const bucket = `(${div(h, 30)} % 20)`;
  const lp = `(${div(h, 600)} % ${LAUNCH_PLANS})`;
  const phaseCase = `(case ${PHASES.map(([n, lo, hi]) => `when ${bucket} between ${lo} and ${hi} then '${n}'`).join(" ")} end)`;
  const archived = `(case when ${div(h, 30000)} % 100 = 99 then 1 else 0 end)`;
  return { h, proj, dom, lp, phaseCase, archived };
}

function closureTemplates() {
  const at = timestampFromMs(T0 / 1000);
  const phaseOf: Record<string, WorkflowExecution_Phase> = {
    SUCCEEDED: WorkflowExecution_Phase.SUCCEEDED,
    FAILED: WorkflowExecution_Phase.FAILED,
    RUNNING: WorkflowExecution_Phase.RUNNING,
    ABORTED: WorkflowExecution_Phase.ABORTED,
    QUEUED: WorkflowExecution_Phase.QUEUED,
  };
  const exec = Object.fromEntries(
    PHASES.map(([n]) => [
      n,
      toBinary(
        ExecutionClosureSchema,
        create(ExecutionClosureSchema, {
          phase: phaseOf[n],
          createdAt: at,
          updatedAt: at,
          startedAt: at,
          workflowId: { resourceType: 2, project: P, domain: D, name: "wf", version: "v1" },
        }),
      ),
    ]),
  );
  const spec = toBinary(
    ExecutionSpecSchema,
    create(ExecutionSpecSchema, {
      launchPlan: { resourceType: 3, project: P, domain: D, name: "lp", version: "v1" },
      metadata: { principal: "bench" },
    }),
  );
  const node = toBinary(
    NodeExecutionClosureSchema,
    create(NodeExecutionClosureSchema, { phase: NodeExecution_Phase.SUCCEEDED, createdAt: at, updatedAt: at }),
  );
  const task = toBinary(
    TaskExecutionClosureSchema,
    create(TaskExecutionClosureSchema, { phase: TaskExecution_Phase.SUCCEEDED, createdAt: at, updatedAt: at }),
  );
  return { exec, spec, node, task };
}

async function hasColumn(db: Db, table: string, column: string): Promise<boolean> {
  try {
    await sql`select ${sql.ref(column)} from ${sql.table(table)} where 1 = 0`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** Launch plans and workflows (one version per name in each project-domain), then executions, nodes, tasks. */
export async function seed(db: Db, dialect: string, n: number): Promise<void> {
  // A large page cache while seeding (SQLite's default 2 MB thrashes on the unique keys); the default again after.
  if (dialect === "sqlite") await sql`pragma cache_size = -1000000`.execute(db);
  const t = closureTemplates();
  const e = exprs(dialect);
  const blob = (b: Uint8Array) => (dialect === "postgres" ? sql`cast(${Buffer.from(b)} as bytea)` : sql`${b}`);
  for (const table of ["workflows", "launch_plans"] as const) {
    let id = 1;
    const rows: Record<string, unknown>[] = [];
    for (const project of PROJECTS)
      for (const domain of DOMAINS)
        for (let k = 0; k < LAUNCH_PLANS; k++) {
          const base = { id: id++, created_at: T0, updated_at: T0, project, domain, version: "v1", digest: "" };
          rows.push(
            table === "workflows"
              ? { ...base, name: `wf${k}`, typed_interface: null, remote_closure_identifier: "", short_description: "" }
              : { ...base, name: `lp${k}`, spec: new Uint8Array(), closure: new Uint8Array(), workflow_id: base.id },
          );
        }
    for (let i = 0; i < rows.length; i += 200)
      await db
        .insertInto(table)
        .values(rows.slice(i, i + 200))
        .execute();
  }
  const series =
    dialect === "postgres"
      ? sql`select i::bigint as i from generate_series(1, ${sql.lit(n)}) as s(i)`
      : sql`with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(n)}) select i from s`;
  const lpId = `(1 + (${e.proj} * 3 + ${e.dom}) * ${LAUNCH_PLANS} + ${e.lp})`;
  const names = (await hasColumn(db, "executions", "launch_plan_name"))
    ? { cols: sql`, launch_plan_name, workflow_name`, vals: sql.raw(`, 'lp' || ${e.lp}, 'wf' || ${e.lp}`) }
    : { cols: sql``, vals: sql`` };
  const created = sql.raw(`(${T0} + i * ${Math.floor(SPAN / n)})`);
  const closureSql = sql`(case ${sql.join(
    PHASES.map(([p]) => sql`when ${sql.raw(e.phaseCase)} = ${p} then ${blob(t.exec[p] ?? new Uint8Array())}`),
    sql` `,
  )} end)`;
  await sql`insert into executions (created_at, updated_at, execution_project, execution_domain, execution_name,
      launch_plan_id, workflow_id, phase, closure, spec, started_at, execution_created_at, execution_updated_at,
      state, launch_entity ${names.cols})
    select ${created}, ${created}, ${sql.raw(`(case ${PROJECTS.map((p, k) => `when ${e.proj} = ${k} then '${p}'`).join(" ")} end)`)},
      ${sql.raw(`(case ${DOMAINS.map((d, k) => `when ${e.dom} = ${k} then '${d}'`).join(" ")} end)`)},
      'e' || i, ${sql.raw(lpId)}, ${sql.raw(lpId)}, ${sql.raw(e.phaseCase)}, ${closureSql}, ${blob(t.spec)}, ${created},
      ${created}, ${created}, ${sql.raw(e.archived)}, 'launch_plan' ${names.vals}
    from (${series}) as src`.execute(db);
  await sql`insert into node_executions (created_at, updated_at, execution_project, execution_domain, execution_name,
      node_id, phase, closure, started_at, node_execution_created_at, node_execution_updated_at, event_version)
    select e.created_at + k.j, e.created_at + k.j, e.execution_project, e.execution_domain, e.execution_name,
      'n' || k.j, e.phase, ${blob(t.node)}, e.created_at, e.created_at + k.j, e.created_at + k.j, 1
    from executions e cross join (select 0 as j union all select 1) k`.execute(db);
  await sql`insert into task_executions (created_at, updated_at, project, domain, name, version, execution_project,
      execution_domain, execution_name, node_id, retry_attempt, phase, phase_version, closure, started_at,
      task_execution_created_at, task_execution_updated_at)
    select n.created_at, n.created_at, n.execution_project, n.execution_domain, 't' || n.node_id, 'v1',
      n.execution_project, n.execution_domain, n.execution_name, n.node_id, 0, n.phase, 0, ${blob(t.task)}, n.created_at,
      n.created_at, n.created_at
    from node_executions n`.execute(db);
  if (dialect === "sqlite") await sql`pragma cache_size = -2000`.execute(db);
  // What autovacuum does to an insert-only table on a live server (visibility map for index-only scans).
  await sql.raw(dialect === "postgres" ? "vacuum analyze" : "analyze").execute(db);
}
