// Registry benchmark: registration cost of the whole flytesnacks fixture set, and list/get costs at 10k and 100k
// registered workflow / launch-plan / task versions. The growth ratio (100k cost / 10k cost) must stay near 1 —
// queries are answered from indexes, not scans. Baseline: the same list query as raw SQL on the same database.
// Usage: npm run bench:registry [-- --sizes 10000,100000 --samples 200]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { TaskSpecSchema } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { LaunchPlanSchema } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { hydrateLaunchPlan, hydrateTaskSpec, hydrateWorkflowSpec } from "@aloft/cli/testing";
import { flytesnacksDir } from "@aloft/testkit";
import { startAloft } from "./child.ts";

const { values } = parseArgs({
  options: { sizes: { type: "string", default: "10000,100000" }, samples: { type: "string", default: "200" } },
});
const SIZES = values.sizes.split(",").map(Number);
const SAMPLES = Number(values.samples);
const FIXTURES = flytesnacksDir();
if (!FIXTURES) throw new Error("flytesnacks fixtures not found (ALOFT_FLYTESNACKS_DIR)");
const P = "flytesnacks";
const D = "development";

const dataDir = mkdtempSync(join(tmpdir(), "aloft-bench-registry-"));
const server = await startAloft(dataDir);
const client = createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.grpcPort}` }));
const files = readdirSync(FIXTURES)
  .filter((f) => /_[123]\.pb$/.test(f))
  .sort();

async function registerSet(version: string): Promise<number> {
  const t = { project: P, domain: D, version };
  let calls = 0;
  for (const f of files) {
    const bytes = readFileSync(join(FIXTURES!, f));
    try {
      if (f.endsWith("_1.pb")) {
        const spec = fromBinary(TaskSpecSchema, bytes);
        hydrateTaskSpec(spec, t);
        await client.createTask({ id: spec.template?.id, spec });
      } else if (f.endsWith("_2.pb")) {
        const spec = fromBinary(WorkflowSpecSchema, bytes);
        hydrateWorkflowSpec(spec, t);
        await client.createWorkflow({ id: spec.template?.id, spec });
      } else {
        const lp = fromBinary(LaunchPlanSchema, bytes);
        hydrateLaunchPlan(lp, t);
        await client.createLaunchPlan({ id: lp.id, spec: lp.spec });
      }
    } catch (err) {
      if (!(err instanceof ConnectError && err.code === Code.AlreadyExists)) throw err;
    }
    calls++;
  }
  return calls;
}

async function time(samples: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(20, samples); i++) await fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < samples; i++) await fn(i);
  return Number(process.hrtime.bigint() - t0) / 1e6 / samples;
}

// Registration: the fixture set, three versions.
const regStart = process.hrtime.bigint();
let regCalls = 0;
for (const v of ["v0", "v1", "v2"]) regCalls += await registerSet(v);
const regMs = Number(process.hrtime.bigint() - regStart) / 1e6 / regCalls;

// Grow the tables by copying the registered rows under new versions (straight into the server's SQLite file).
const sqlite = new Database(join(dataDir, "aloft.db"));
sqlite.pragma("busy_timeout = 10000");
const count = (table: string) => (sqlite.prepare(`select count(*) n from ${table}`).get() as { n: number }).n;
function growTo(table: string, columns: string, target: number) {
  const per = (sqlite.prepare(`select count(*) n from ${table} where version = 'v0'`).get() as { n: number }).n;
  const have = count(table);
  const copies = Math.ceil((target - have) / per);
  if (copies <= 0) return;
  const start = have;
  sqlite
    .prepare(
      `with recursive k(i) as (select ${start} union all select i + 1 from k where i < ${start + copies - 1})
       insert into ${table} (${columns}, version)
       select ${columns}, 'bench-' || k.i from ${table} cross join k where ${table}.version = 'v0'`,
    )
    .run();
}
const sampleWf = (
  sqlite.prepare(`select name from workflows where version = 'v0' order by name limit 1 offset 7`).get() as {
    name: string;
  }
).name;
const rawList = sqlite.prepare(
  `select id, project, domain, name, version, typed_interface, created_at from workflows
   where project = ? and domain = ? and name = ? and deleted_at is null order by created_at desc, id limit 20`,
);

const rows: Array<Record<string, number>> = [];
for (const size of SIZES) {
  growTo(
    "workflows",
    "created_at, updated_at, deleted_at, project, domain, name, typed_interface, remote_closure_identifier, digest, short_description",
    size,
  );
  growTo(
    "launch_plans",
    "created_at, updated_at, deleted_at, project, domain, name, spec, workflow_id, closure, state, digest, schedule_type, launch_condition_type",
    size,
  );
  growTo(
    "tasks",
    "created_at, updated_at, deleted_at, project, domain, name, closure, digest, type, short_description",
    size,
  );
  sqlite.exec("analyze");
  const id = (name: string, version: string, resourceType: ResourceType) => ({
    resourceType,
    project: P,
    domain: D,
    name,
    version,
  });
  rows.push({
    size: count("workflows"),
    "raw SQL list 20 by name": await time(SAMPLES, () => rawList.all(P, D, sampleWf)),
    "ListWorkflows by name, newest 20": await time(SAMPLES, () =>
      client.listWorkflows({ id: { project: P, domain: D, name: sampleWf }, limit: 20, sortBy: { key: "created_at" } }),
    ),
    "ListWorkflows project, filter contains": await time(SAMPLES, () =>
      client.listWorkflows({
        id: { project: P, domain: D },
        limit: 20,
        filters: `contains(name,${sampleWf.slice(-8)})`,
      }),
    ),
    "ListWorkflows page 50 (offset 1000)": await time(SAMPLES, () =>
      client.listWorkflows({ id: { project: P, domain: D }, limit: 20, token: "1000" }),
    ),
    "ListLaunchPlans workflow.name filter": await time(SAMPLES, () =>
      client.listLaunchPlans({ id: { project: P, domain: D }, limit: 20, filters: `eq(workflow.name,${sampleWf})` }),
    ),
    "ListWorkflowIds 20": await time(SAMPLES, () => client.listWorkflowIds({ project: P, domain: D, limit: 20 })),
    "ListTasks by name, 20": await time(SAMPLES, () =>
      client.listTasks({
        id: { project: P, domain: D, name: "core.control_flow.map_task.a_mappable_task" },
        limit: 20,
      }),
    ),
    "GetWorkflow (closure from blob)": await time(SAMPLES, () =>
      client.getWorkflow({ id: id(sampleWf, "v1", ResourceType.WORKFLOW) }),
    ),
    "CreateWorkflow identical (AE)": await time(Math.min(SAMPLES, 50), async () => {
      try {
        await registerOneWorkflow();
      } catch {
        /* ALREADY_EXISTS */
      }
    }),
  });
}

async function registerOneWorkflow() {
  const f = files.find((x) => x.endsWith("_2.pb"))!;
  const spec = fromBinary(WorkflowSpecSchema, readFileSync(join(FIXTURES!, f)));
  hydrateWorkflowSpec(spec, { project: P, domain: D, version: "v1" });
  await client.createWorkflow({ id: spec.template?.id, spec });
}

server.stop();
sqlite.close();
rmSync(dataDir, { recursive: true, force: true });

console.log(`\nRegistry benchmark (SQLite, node ${process.version}, ${SAMPLES} samples per figure)\n`);
console.log(`registration: ${regCalls} calls (fixture set × 3 versions), ${regMs.toFixed(2)} ms per call\n`);
const keys = Object.keys(rows[0]!).filter((k) => k !== "size");
const pad = (s: string, n: number) => s.padEnd(n);
console.log(`${pad("ms per operation", 42) + rows.map((r) => pad(`${r.size} versions`, 18)).join("")}growth`);
for (const k of keys) {
  const first = rows[0]![k]!;
  const last = rows[rows.length - 1]![k]!;
  console.log(`${pad(k, 42) + rows.map((r) => pad(r[k]!.toFixed(3), 18)).join("")}${(last / first).toFixed(2)}x`);
}
const base = rows[rows.length - 1]!;
console.log(
  `\nListWorkflows-by-name vs raw SQL at ${base.size}: ${(base["ListWorkflows by name, newest 20"]! / base["raw SQL list 20 by name"]!).toFixed(1)}x`,
);
