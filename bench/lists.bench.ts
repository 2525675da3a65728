// Lists at scale: ListExecutions / ListNodeExecutions / ListTaskExecutions through the real gRPC API at 10k, 100k
// and 1M executions (2 node executions and 2 task executions per execution), seeded straight into the database with
// set-based SQL. Each query shape is held against a primary-key GetExecution through the same API in the same run.
// Queries go through admin's managers (--via manager, the default: the figures are the database's and the list
// code's, not gRPC's on a shared 2-core machine) or through the gRPC API (--via grpc).
// Usage: npm run bench:lists [-- --db sqlite,postgres --rows 10000,100000,1000000 --seconds 3 --via manager|grpc]
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { sql, type Kysely } from "kysely";
import { ResourceListRequestSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { WorkflowExecutionGetRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { NodeExecutionListRequestSchema } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { TaskExecutionListRequestSchema } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { postgresAvailability, startTestPlatform } from "@aloft/testkit";
import { D, LAUNCH_PLANS, P, SPAN, T0, seed } from "./lists-seed.ts";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: {
    db: { type: "string", default: "sqlite,postgres" },
    rows: { type: "string", default: "10000,100000,1000000" },
    seconds: { type: "string", default: "3" },
    via: { type: "string", default: "manager" },
  },
});
const SIZES = values.rows.split(",").map(Number);
const BUDGET_MS = Number(values.seconds) * 1000;
interface Stats {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

async function measure(run: (k: number) => Promise<unknown>): Promise<Stats> {
  const samples: number[] = [];
  const deadline = performance.now() + BUDGET_MS;
  await run(0); // warm-up
  for (let k = 0; samples.length < 3 || (performance.now() < deadline && samples.length < 400); k++) {
    const t0 = performance.now();
    await run(k);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: samples[samples.length - 1] ?? 0, n: samples.length };
}

interface Row {
  db: string;
  rows: number;
  shape: string;
  stats: Stats;
  base: number;
}

async function benchOne(dialect: "sqlite" | "postgres", n: number, out: Row[]): Promise<void> {
  const platform = await startTestPlatform({ database: dialect });
  try {
    const db = platform.admin.database.db as Kysely<any>;
    const t0 = performance.now();
    await seed(db, dialect, n);
    const seedS = (performance.now() - t0) / 1000;
    process.stderr.write(`${dialect} ${n}: seeded in ${seedS.toFixed(1)} s\n`);
    const grpc = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
    const m = platform.admin.executions;
    const admin =
      values.via === "grpc"
        ? grpc
        : {
            listExecutions: (r: object) => m.executionQueries.list(create(ResourceListRequestSchema, r)),
            getExecution: (r: object) => m.executionQueries.get(create(WorkflowExecutionGetRequestSchema, r)),
            listNodeExecutions: (r: object) => m.nodeExecutions.list(create(NodeExecutionListRequestSchema, r)),
            listTaskExecutions: (r: object) => m.taskExecutions.list(create(TaskExecutionListRequestSchema, r)),
          };
    const newest = { key: "created_at", direction: Sort_Direction.DESCENDING };
    // Executions of flytesnacks/development: their names, to address node and task executions that exist.
    const names = (
      await sql<{
        n: string;
      }>`select execution_name as n from executions where execution_project = ${P} and execution_domain = ${D} and id % 97 = 0 limit 200`.execute(
        db,
      )
    ).rows.map((r) => r.n);
    const nameAt = (k: number) => names[k % names.length] ?? "e1";
    const list = (filters: string, extra: { token?: string; sortBy?: typeof newest } = {}) =>
      admin.listExecutions({ id: { project: P, domain: D }, limit: 20, sortBy: newest, filters, ...extra });
    const mid = T0 + SPAN / 2;
    const shapes: Array<[string, (k: number) => Promise<unknown>]> = [
      ["exec newest 20 (created_at desc)", () => list("")],
      ["exec eq(phase,FAILED)", () => list("eq(phase,FAILED)")],
      ["exec eq(phase,RUNNING)", () => list("eq(phase,RUNNING)")],
      ["exec value_in(phase,FAILED;ABORTED)", () => list("value_in(phase,FAILED;ABORTED)")],
      ["exec eq(launch_plan.name,…)", (k) => list(`eq(launch_plan.name,lp${k % LAUNCH_PLANS})`)],
      ["exec eq(workflow.name,…)", (k) => list(`eq(workflow.name,wf${k % LAUNCH_PLANS})`)],
      [
        "exec time range (1 day, mid)",
        () => list(`gte(execution_created_at,${iso(mid)})+lte(execution_created_at,${iso(mid + 86_400e6)})`),
      ],
      [
        "exec sorted execution_created_at",
        () => list("", { sortBy: { key: "execution_created_at", direction: Sort_Direction.DESCENDING } }),
      ],
      ["exec page token=<half>", () => list("", { token: String(Math.floor(n / 12)) })],
    ];
    // The token the deep page answers with: what a client paging that far sends next.
    const cursor = (await list("", { token: String(Math.floor(n / 12)) })).token;
    shapes.push(["exec next page (response token)", () => list("", { token: cursor })]);
    shapes.push([
      "node executions of one execution",
      (k) => admin.listNodeExecutions({ workflowExecutionId: { project: P, domain: D, name: nameAt(k) }, limit: 100 }),
    ]);
    shapes.push([
      "node eq(phase,…) of one execution",
      (k) =>
        admin.listNodeExecutions({
          workflowExecutionId: { project: P, domain: D, name: nameAt(k) },
          limit: 100,
          filters: "value_in(phase,SUCCEEDED;FAILED)",
        }),
    ]);
    shapes.push([
      "task executions of one node",
      (k) =>
        admin.listTaskExecutions({
          nodeExecutionId: { executionId: { project: P, domain: D, name: nameAt(k) }, nodeId: "n1" },
          limit: 100,
        }),
    ]);
    const baseline = await measure((k) => admin.getExecution({ id: { project: P, domain: D, name: nameAt(k) } }));
    const rawPk = await measure(
      (k) => sql`select * from executions where id = ${((k * 7919) % n) + 1}`.execute(db) as Promise<unknown>,
    );
    out.push({
      db: dialect,
      rows: n,
      shape: `baseline: GetExecution (pk, ${values.via})`,
      stats: baseline,
      base: baseline.p50,
    });
    out.push({ db: dialect, rows: n, shape: "baseline: raw SQL by id", stats: rawPk, base: baseline.p50 });
    for (const [shape, run] of shapes) {
      const stats = await measure(run);
      out.push({ db: dialect, rows: n, shape, stats, base: baseline.p50 });
      process.stderr.write(`  ${shape}: p50 ${stats.p50.toFixed(1)} ms p99 ${stats.p99.toFixed(1)} ms\n`);
    }
  } finally {
    await platform.close();
  }
}

function iso(micros: number): string {
  return new Date(micros / 1000).toISOString();
}

const rows: Row[] = [];
for (const dialect of values.db.split(",") as Array<"sqlite" | "postgres">) {
  if (dialect === "postgres") {
    const skip = await postgresAvailability();
    if (skip) {
      console.log(`PostgreSQL skipped: ${skip}`);
      continue;
    }
  }
  for (const n of SIZES) await benchOne(dialect, n, rows);
}

const f = (x: number) => x.toFixed(1).padStart(8);
console.log(
  `\nLists at scale (via ${values.via}, limit 20 unless noted; node ${process.version}); ratio = p99 / baseline p50\n`,
);
console.log(
  `${"db".padEnd(9)}${"rows".padStart(9)}  ${"query".padEnd(38)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}${"max ms".padStart(8)}${"n".padStart(5)}${"ratio".padStart(10)}`,
);
for (const r of rows) {
  console.log(
    `${r.db.padEnd(9)}${String(r.rows).padStart(9)}  ${r.shape.padEnd(38)}${f(r.stats.p50)}${f(r.stats.p99)}${f(r.stats.max)}${String(r.stats.n).padStart(5)}${(r.stats.p99 / r.base).toFixed(1).padStart(9)}x`,
  );
}
report(
  "lists",
  rows
    .filter((r) => !r.shape.startsWith("baseline"))
    .map((r) => {
      const pk = rows.find((b) => b.db === r.db && b.rows === r.rows && b.shape.startsWith("baseline: GetExecution"));
      return {
        figure: `${r.shape}, ${r.db} ${r.rows}, p99 (baseline: pk GetExecution p99)`,
        value: r.stats.p99,
        baseline: pk?.stats.p99 ?? 0,
        unit: "ms",
        goal: r.shape.includes("token=") ? "< 50 ms" : "< 20 ms",
      };
    }),
);
