// List*Ids and named entities group versions by (project, domain, name) and skip soft-deleted rows: an index that
// covers those four columns answers a page of names from the index alone, in its order, without reading every row.
import type { AloftMigration } from "./migration.ts";

// Not launch_plans: there the index made SQLite drive `ListLaunchPlans` with a `workflow.name` filter from the wrong
// table (6× slower at 100k versions in bench/registry.bench.ts), a more common query than ListLaunchPlanIds.
const TABLES = ["tasks", "workflows"] as const;

export const nameGroupIndexes: AloftMigration = {
  name: "0011-name-group-indexes",
  async up(db) {
    for (const t of TABLES) {
      await db.schema
        .createIndex(`${t}_name_group_idx`)
        .ifNotExists()
        .on(t)
        .columns(["project", "domain", "name", "deleted_at"])
        .execute();
    }
  },
  async down(db) {
    for (const t of TABLES) await db.schema.dropIndex(`${t}_name_group_idx`).ifExists().execute();
  },
};
