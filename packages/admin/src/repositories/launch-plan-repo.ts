// Persistence of launch plans (upstream flyteadmin/pkg/manager/impl/launch_plan_manager.go). Lists always join the launched workflow (upstream does, and
// `workflow.*` filters need it). The one-active-version rule is enforced here and by a partial unique index.
import type { Kysely, Selectable } from "kysely";
import type { Clock } from "@aloft/core";
import type { ProjectDomainName, VersionedId } from "@aloft/core";
import { applyOrder, applyPage, filtersExpression } from "../list/index.ts";
import { isUniqueViolation, translateDbError, withDbErrors } from "./db-errors.ts";
import type { LaunchPlansTable, Schema } from "./schema.ts";
import { dateToMicros, microsToDate } from "./timestamps.ts";
import { findVersion } from "./version-lookup.ts";
import { listNamedEntityIds, toBytes, type EntityListQuery } from "./workflow-repo.ts";

export const LAUNCH_PLAN_INACTIVE = 0;
export const LAUNCH_PLAN_ACTIVE = 1;

export interface LaunchPlanRow extends VersionedId {
  id: number;
  /** Serialized flyteidl.admin.LaunchPlanSpec. */
  spec: Uint8Array;
  /** workflows.id */
  workflowId: number;
  /** Serialized flyteidl.admin.LaunchPlanClosure (expected inputs/outputs only). */
  closure: Uint8Array;
  state: number;
  digest: string;
  scheduleType: string;
  launchConditionType: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewLaunchPlanRow = Omit<LaunchPlanRow, "id" | "createdAt" | "updatedAt">;

/** What an activation changed: the target (now ACTIVE) and the versions it displaced. */
export interface Activation {
  target: LaunchPlanRow;
  formerlyActive: LaunchPlanRow[];
}

/**
 * Runs inside the state-change transaction with that transaction's handle; throwing rolls the change back.
 * (On SQLite the transaction holds the only connection: use `tx`, never another handle, for database work.)
 */
export type ActivationHook = (change: Activation, tx: Kysely<Schema>) => Promise<void>;
export type DeactivationHook = (row: LaunchPlanRow, tx: Kysely<Schema>) => Promise<void>;

/** Concurrent activations of one name: the loser of the unique index race retries and then wins. */
const MAX_ACTIVATION_ATTEMPTS = 5;

export class LaunchPlanRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  /** Inserts a launch plan; a duplicate id is ALREADY_EXISTS. */
  async create(row: NewLaunchPlanRow): Promise<LaunchPlanRow> {
    const now = dateToMicros(this.clock.now());
    const inserted = await withDbErrors(() =>
      this.db
        .insertInto("launch_plans")
        .values({
          project: row.project,
          domain: row.domain,
          name: row.name,
          version: row.version,
          spec: row.spec,
          workflow_id: row.workflowId,
          closure: row.closure,
          state: row.state,
          digest: row.digest,
          schedule_type: row.scheduleType,
          launch_condition_type: row.launchConditionType,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return fromDb(inserted);
  }

  async get(key: VersionedId): Promise<LaunchPlanRow | undefined> {
    return getIn(this.db, key);
  }

  /** Launch plans joined with their workflows; filters may name `workflows.*` columns. */
  async list(q: EntityListQuery): Promise<LaunchPlanRow[]> {
    let qb = this.db
      .selectFrom("launch_plans")
      .innerJoin("workflows", "workflows.id", "launch_plans.workflow_id")
      .selectAll("launch_plans")
      .where("launch_plans.deleted_at", "is", null)
      .where((eb) => filtersExpression(eb, q.filters));
    qb = applyPage(applyOrder(qb, q.sort, "launch_plans"), q.limit, q.offset);
    const rows = await withDbErrors(() => qb.execute());
    return rows.map(fromDb);
  }

  async listIds(q: EntityListQuery): Promise<ProjectDomainName[]> {
    return listNamedEntityIds(this.db, "launch_plans", q);
  }

  /**
   * Makes `key` the one ACTIVE version of its name, in one transaction: other active versions become INACTIVE,
   * then the target ACTIVE, then `hook` runs. undefined when there is no such launch plan. Activating the
   * active version changes nothing and does not call the hook.
   */
  async setActive(key: VersionedId, hook?: ActivationHook): Promise<Activation | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (tx) => {
          const target = await getIn(tx, key);
          if (!target) return undefined;
          if (target.state === LAUNCH_PLAN_ACTIVE) return { target, formerlyActive: [] };
          const now = dateToMicros(this.clock.now());
          const former = await tx
            .updateTable("launch_plans")
            .set({ state: LAUNCH_PLAN_INACTIVE, updated_at: now })
            .where("project", "=", key.project)
            .where("domain", "=", key.domain)
            .where("name", "=", key.name)
            .where("state", "=", LAUNCH_PLAN_ACTIVE)
            .where("id", "<>", target.id)
            .where("deleted_at", "is", null)
            .returningAll()
            .execute();
          await tx
            .updateTable("launch_plans")
            .set({ state: LAUNCH_PLAN_ACTIVE, updated_at: now })
            .where("id", "=", target.id)
            .execute();
          const change: Activation = {
            target: { ...target, state: LAUNCH_PLAN_ACTIVE, updatedAt: microsToDate(now) },
            formerlyActive: former.map(fromDb),
          };
          if (hook) await hook(change, tx);
          return change;
        });
      } catch (err) {
        if (isUniqueViolation(err) && attempt < MAX_ACTIVATION_ATTEMPTS) continue;
        throw translateDbError(err);
      }
    }
  }

  /** Sets `key` INACTIVE (idempotent) and runs `hook` in the same transaction; undefined when absent. */
  async setInactive(key: VersionedId, hook?: DeactivationHook): Promise<LaunchPlanRow | undefined> {
    return withDbErrors(() =>
      this.db.transaction().execute(async (tx) => {
        const target = await getIn(tx, key);
        if (!target) return undefined;
        const now = dateToMicros(this.clock.now());
        await tx
          .updateTable("launch_plans")
          .set({ state: LAUNCH_PLAN_INACTIVE, updated_at: now })
          .where("id", "=", target.id)
          .execute();
        const row = { ...target, state: LAUNCH_PLAN_INACTIVE, updatedAt: microsToDate(now) };
        if (hook) await hook(row, tx);
        return row;
      }),
    );
  }
}

async function getIn(db: Kysely<Schema>, key: VersionedId): Promise<LaunchPlanRow | undefined> {
  const row = await findVersion(db, "launch_plans", key);
  return row ? fromDb(row) : undefined;
}

function fromDb(r: Selectable<LaunchPlansTable>): LaunchPlanRow {
  return {
    id: Number(r.id),
    project: r.project,
    domain: r.domain,
    name: r.name,
    version: r.version,
    spec: toBytes(r.spec) ?? new Uint8Array(),
    workflowId: Number(r.workflow_id),
    closure: toBytes(r.closure) ?? new Uint8Array(),
    state: Number(r.state),
    digest: r.digest,
    scheduleType: r.schedule_type,
    launchConditionType: r.launch_condition_type,
    createdAt: microsToDate(r.created_at),
    updatedAt: microsToDate(r.updated_at),
  };
}
