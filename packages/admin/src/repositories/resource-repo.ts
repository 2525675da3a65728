// Persistence of matchable resources (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go). A row applies to every execution whose project, domain, workflow
// and launch plan match its own, "" matching anything; the most specific row is the one with the highest priority.
import type { Kysely, Selectable } from "kysely";
import type { Clock } from "@aloft/core";
import { invalidArgument } from "@aloft/core";
import { withDbErrors } from "./db-errors.ts";
import type { ResourcesTable, Schema } from "./schema.ts";
import { dateToMicros, microsToDate } from "./timestamps.ts";

/** Priorities of the levels (upstream models.ResourcePriority*). */
export const ResourcePriority = {
  project: 5,
  projectDomain: 10,
  workflow: 100,
  launchPlan: 1000,
} as const;

/** Which row(s) a request is about. Empty strings mean "not given". `resourceType` is the enum name. */
export interface ResourceId {
  project: string;
  domain: string;
  workflow: string;
  launchPlan: string;
  resourceType: string;
}

export interface ResourceRow extends ResourceId {
  priority: number;
  /** Serialized flyteidl.admin.MatchingAttributes. */
  attributes: Uint8Array;
  createdAt: Date;
  updatedAt: Date;
}

export type NewResourceRow = Omit<ResourceRow, "createdAt" | "updatedAt">;

/** Upstream prints the key as Go's `%+v` of its ResourceID struct; messages quote it that way. */
export function resourceIdText(id: ResourceId): string {
  return `{Project:${id.project} Domain:${id.domain} Workflow:${id.workflow} LaunchPlan:${id.launchPlan} ResourceType:${id.resourceType}}`;
}

/**
 * The shape rules of a key: a resource type; not both project and domain empty; a workflow or launch plan only
 * within a project; a launch plan only within a workflow.
 */
function isValidKey(id: ResourceId): boolean {
  if (id.resourceType === "") return false;
  if (id.project === "" && id.domain === "") return false;
  if (id.project === "" && (id.workflow !== "" || id.launchPlan !== "")) return false;
  if (id.workflow === "" && id.launchPlan !== "") return false;
  return true;
}

function invalidInput(what: string) {
  return invalidArgument("resource.invalid_input", `missing and/or invalid parameters: ${what}`);
}

export class ResourceRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  /** Inserts the row or replaces the attributes (and priority) of the row with the same key. */
  async upsert(row: NewResourceRow): Promise<void> {
    if (!isValidKey(row)) throw invalidInput(resourceIdText(row));
    if (row.priority === 0) throw invalidInput(`invalid priority ${row.priority} for ${resourceIdText(row)}`);
    const now = dateToMicros(this.clock.now());
    await withDbErrors(() =>
      this.db
        .insertInto("resources")
        .values({
          project: row.project,
          domain: row.domain,
          workflow: row.workflow,
          launch_plan: row.launchPlan,
          resource_type: row.resourceType,
          priority: row.priority,
          attributes: row.attributes,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(["project", "domain", "workflow", "launch_plan", "resource_type"]).doUpdateSet({
            attributes: row.attributes,
            priority: row.priority,
            updated_at: now,
          }),
        )
        .execute(),
    );
  }

  /**
   * The most specific row for the key: rows whose every level is either "" or the given value (a level not given
   * matches only ""), highest priority first. undefined when none.
   */
  async getMostSpecific(id: ResourceId): Promise<ResourceRow | undefined> {
    if (!isValidKey(id)) throw invalidInput(resourceIdText(id));
    const anyOr = (v: string) => (v === "" ? [""] : ["", v]);
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("resources")
        .selectAll()
        .where("resource_type", "=", id.resourceType)
        .where("domain", "in", anyOr(id.domain))
        .where("project", "in", anyOr(id.project))
        .where("workflow", "in", anyOr(id.workflow))
        .where("launch_plan", "in", anyOr(id.launchPlan))
        .orderBy("priority", "desc")
        .orderBy("id", "asc")
        .limit(1)
        .executeTakeFirst(),
    );
    return row ? fromDb(row) : undefined;
  }

  /** Only the project-level row (domain, workflow and launch plan ""), whatever more specific rows exist. */
  async getProjectLevel(project: string, resourceType: string): Promise<ResourceRow | undefined> {
    if (project === "")
      throw invalidInput(resourceIdText({ project, domain: "", workflow: "", launchPlan: "", resourceType }));
    return this.getExact({ project, domain: "", workflow: "", launchPlan: "", resourceType });
  }

  /** The row with exactly this key. */
  async getExact(id: ResourceId): Promise<ResourceRow | undefined> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("resources")
        .selectAll()
        .where("project", "=", id.project)
        .where("domain", "=", id.domain)
        .where("workflow", "=", id.workflow)
        .where("launch_plan", "=", id.launchPlan)
        .where("resource_type", "=", id.resourceType)
        .executeTakeFirst(),
    );
    return row ? fromDb(row) : undefined;
  }

  /** Every row of one resource type, highest priority first (ties in insertion order). */
  async listAll(resourceType: string): Promise<ResourceRow[]> {
    const rows = await withDbErrors(() =>
      this.db
        .selectFrom("resources")
        .selectAll()
        .where("resource_type", "=", resourceType)
        .orderBy("priority", "desc")
        .orderBy("id", "asc")
        .execute(),
    );
    return rows.map(fromDb);
  }

  /**
   * Deletes the rows matching the given levels; a level given as "" is not a condition (upstream deletes with gorm
   * struct conditions, which skip zero values), so deleting a project's row also deletes its more specific rows.
   * Returns how many rows went; deleting nothing is not an error.
   */
  async delete(id: ResourceId): Promise<number> {
    if (id.resourceType === "" || (id.project === "" && id.domain === "")) throw invalidInput(resourceIdText(id));
    let qb = this.db.deleteFrom("resources");
    if (id.project !== "") qb = qb.where("project", "=", id.project);
    if (id.domain !== "") qb = qb.where("domain", "=", id.domain);
    if (id.workflow !== "") qb = qb.where("workflow", "=", id.workflow);
    if (id.launchPlan !== "") qb = qb.where("launch_plan", "=", id.launchPlan);
    if (id.resourceType !== "") qb = qb.where("resource_type", "=", id.resourceType);
    const result = await withDbErrors(() => qb.executeTakeFirst());
    return Number(result.numDeletedRows);
  }
}

function toBytes(v: Uint8Array): Uint8Array {
  // Drivers return Buffers; hand out plain Uint8Arrays.
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

function fromDb(r: Selectable<ResourcesTable>): ResourceRow {
  return {
    project: r.project,
    domain: r.domain,
    workflow: r.workflow,
    launchPlan: r.launch_plan,
    resourceType: r.resource_type,
    priority: Number(r.priority),
    attributes: toBytes(r.attributes),
    createdAt: microsToDate(r.created_at),
    updatedAt: microsToDate(r.updated_at),
  };
}
