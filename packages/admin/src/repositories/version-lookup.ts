// The one lookup of a registered version by its (project, domain, name, version), shared by the tables that
// hold versions (tasks, workflows, launch plans). Soft-deleted rows are never found.
import type { Kysely, Selectable } from "kysely";
import type { VersionedId } from "@aloft/core";
import { withDbErrors } from "./db-errors.ts";
import type { Schema } from "./schema.ts";

export type VersionedTable = "tasks" | "workflows" | "launch_plans";

/** The live row of one exact version, or undefined. `db` may be a transaction. */
export async function findVersion<T extends VersionedTable>(
  db: Kysely<Schema>,
  table: T,
  id: VersionedId,
): Promise<Selectable<Schema[T]> | undefined> {
  const row = await withDbErrors(() =>
    db
      .selectFrom(table as VersionedTable)
      .selectAll()
      .where("project", "=", id.project)
      .where("domain", "=", id.domain)
      .where("name", "=", id.name)
      .where("version", "=", id.version)
      .where("deleted_at", "is", null)
      .executeTakeFirst(),
  );
  return row as Selectable<Schema[T]> | undefined;
}
