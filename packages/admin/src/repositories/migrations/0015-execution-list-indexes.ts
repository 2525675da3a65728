// Lists at scale (bench/lists.bench.ts): ListExecutions' common shapes — newest first in a project-domain, by phase,
// by launch plan or workflow name — each get an index that yields rows already in `created_at` order (the key
// flyteconsole and flytectl sort by), so a page reads ~limit rows whatever the table size. Launch plan and workflow
// names are copied onto the execution (filled from the registered entity at creation, backfilled here): a
// `launch_plan.name` filter then reads one index range instead of joining every version of every launch plan.
import { sql } from "kysely";
import type { AloftMigration } from "./migration.ts";

const INDEXES: Array<[string, string[]]> = [
  // With the columns every ListExecutions also filters on, so that rows skipped by an offset are read from the index.
  [
    "executions_pd_created_id_idx",
    ["execution_project", "execution_domain", "created_at", "id", "state", "deleted_at"],
  ],
  ["executions_pd_phase_created_idx", ["execution_project", "execution_domain", "phase", "created_at", "id"]],
  [
    "executions_pd_launch_plan_created_idx",
    ["execution_project", "execution_domain", "launch_plan_name", "created_at", "id"],
  ],
  [
    "executions_pd_workflow_created_idx",
    ["execution_project", "execution_domain", "workflow_name", "created_at", "id"],
  ],
];

export const executionListIndexes: AloftMigration = {
  name: "0015-execution-list-indexes",
  async up(db) {
    await db.schema.alterTable("executions").addColumn("launch_plan_name", "varchar(255)").execute();
    await db.schema.alterTable("executions").addColumn("workflow_name", "varchar(255)").execute();
    await sql`update executions set launch_plan_name = (select l.name from launch_plans l where l.id = executions.launch_plan_id)
      where launch_plan_id is not null`.execute(db);
    await sql`update executions set workflow_name = (select w.name from workflows w where w.id = executions.workflow_id)
      where workflow_id is not null`.execute(db);
    for (const [name, columns] of INDEXES) {
      await db.schema.createIndex(name).ifNotExists().on("executions").columns(columns).execute();
    }
  },
  async down(db) {
    for (const [name] of INDEXES) await db.schema.dropIndex(name).ifExists().execute();
    await db.schema.alterTable("executions").dropColumn("workflow_name").execute();
    await db.schema.alterTable("executions").dropColumn("launch_plan_name").execute();
  },
};
