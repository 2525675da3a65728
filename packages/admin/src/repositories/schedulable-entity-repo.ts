// Persistence of the native scheduler's schedules (upstream flyteadmin/scheduler/repositories/gormimpl/
// schedulable_entity_repo.go). Activation and deactivation run inside the launch plan's state-change transaction
// (they take its handle); the scheduler reads the active rows and records each fire and each firing error.
import type { Kysely, Selectable } from "kysely";
import type { Clock, VersionedId } from "@aloft/core";
import { withDbErrors } from "./db-errors.ts";
import type { SchedulableEntitiesTable, Schema } from "./schema.ts";
import { dateToMicros, microsToDate } from "./timestamps.ts";

export interface SchedulableEntity extends VersionedId {
  /** The cron text of a cron schedule; "" for a fixed rate. */
  cronExpression: string;
  fixedRateValue: number;
  /** flyteidl.admin.FixedRateUnit. */
  unit: number;
  kickoffTimeInputArg: string;
}

export interface SchedulableEntityRow extends SchedulableEntity {
  active: boolean;
  /** When the schedule was last (de)activated: an activation starts the schedule from this instant. */
  updatedAt: Date;
  lastFireAt: Date | undefined;
  lastError: string | undefined;
  lastErrorAt: Date | undefined;
}

export class SchedulableEntityRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  /**
   * Inserts the schedule, or makes the existing row of this version active again with the given schedule. Either
   * way it starts from now: the last fire time and error are cleared (missed times while inactive are not caught up).
   */
  async activate(e: SchedulableEntity, tx: Kysely<Schema> = this.db): Promise<void> {
    const now = dateToMicros(this.clock.now());
    const fields = {
      cron_expression: e.cronExpression,
      fixed_rate_value: e.fixedRateValue,
      unit: e.unit,
      kickoff_time_input_arg: e.kickoffTimeInputArg,
      active: 1,
      last_fire_at: null,
      last_error: null,
      last_error_at: null,
      updated_at: now,
    };
    await withDbErrors(() =>
      tx
        .insertInto("schedulable_entities")
        .values({
          project: e.project,
          domain: e.domain,
          name: e.name,
          version: e.version,
          created_at: now,
          deleted_at: null,
          ...fields,
        })
        .onConflict((oc) => oc.columns(["project", "domain", "name", "version"]).doUpdateSet(fields))
        .execute(),
    );
  }

  /** Marks the schedule inactive; absent rows are fine (upstream: no error). */
  async deactivate(key: VersionedId, tx: Kysely<Schema> = this.db): Promise<void> {
    await withDbErrors(() =>
      tx
        .updateTable("schedulable_entities")
        .set({ active: 0, updated_at: dateToMicros(this.clock.now()) })
        .where("project", "=", key.project)
        .where("domain", "=", key.domain)
        .where("name", "=", key.name)
        .where("version", "=", key.version)
        .execute(),
    );
  }

  /** Every active schedule, or those of one project and domain. */
  async listActive(scope?: { project: string; domain: string }): Promise<SchedulableEntityRow[]> {
    let q = this.db.selectFrom("schedulable_entities").selectAll().where("active", "=", 1);
    if (scope) q = q.where("project", "=", scope.project).where("domain", "=", scope.domain);
    const rows = await withDbErrors(() => q.orderBy("project").orderBy("domain").orderBy("name").execute());
    return rows.map(fromDb);
  }

  async get(key: VersionedId): Promise<SchedulableEntityRow | undefined> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("schedulable_entities")
        .selectAll()
        .where("project", "=", key.project)
        .where("domain", "=", key.domain)
        .where("name", "=", key.name)
        .where("version", "=", key.version)
        .executeTakeFirst(),
    );
    return row ? fromDb(row) : undefined;
  }

  /**
   * Records that `at` was fired (or given up on). Never moves the snapshot backwards: replicas write concurrently and
   * each fire time is recorded by whichever replica launched it (or found it ALREADY_EXISTS). `error` records the
   * schedule's last error (kept, with its time, until the next one or a re-activation).
   */
  async recordFire(key: VersionedId, at: Date, error?: string): Promise<void> {
    const micros = dateToMicros(at);
    await withDbErrors(() =>
      this.db
        .updateTable("schedulable_entities")
        .set(
          error === undefined
            ? { last_fire_at: micros }
            : { last_fire_at: micros, last_error: error, last_error_at: dateToMicros(this.clock.now()) },
        )
        .where("project", "=", key.project)
        .where("domain", "=", key.domain)
        .where("name", "=", key.name)
        .where("version", "=", key.version)
        .where((eb) => eb.or([eb("last_fire_at", "is", null), eb("last_fire_at", "<", micros)]))
        .execute(),
    );
  }

  /**
   * recordFire for many schedules in one transaction (the scheduler's batched snapshot): one UPDATE per fire time
   * (and error) for up to 200 schedules at once — schedules that fire together share their fire time.
   */
  async recordFires(fires: Array<{ key: VersionedId; at: Date; error?: string | undefined }>): Promise<void> {
    const now = dateToMicros(this.clock.now());
    const groups = new Map<string, { micros: number; error: string | undefined; keys: VersionedId[] }>();
    for (const f of fires) {
      const micros = dateToMicros(f.at);
      const g = `${micros}\u0000${f.error ?? ""}\u0000${f.error === undefined ? 0 : 1}`;
      const group = groups.get(g) ?? { micros, error: f.error, keys: [] };
      group.keys.push(f.key);
      groups.set(g, group);
    }
    await withDbErrors(() =>
      this.db.transaction().execute(async (tx) => {
        for (const { micros, error, keys } of groups.values()) {
          for (let i = 0; i < keys.length; i += 200) {
            const chunk = keys.slice(i, i + 200);
            await tx
              .updateTable("schedulable_entities")
              .set(
                error === undefined
                  ? { last_fire_at: micros }
                  : { last_fire_at: micros, last_error: error, last_error_at: now },
              )
              .where((eb) =>
                eb(
                  eb.refTuple("project", "domain", "name", "version"),
                  "in",
                  chunk.map((k) => eb.tuple(k.project, k.domain, k.name, k.version)),
                ),
              )
              .where((eb) => eb.or([eb("last_fire_at", "is", null), eb("last_fire_at", "<", micros)]))
              .execute();
          }
        }
      }),
    );
  }

  /** Records a firing error without moving the snapshot (the fire time will be retried). */
  async recordError(key: VersionedId, error: string): Promise<void> {
    await withDbErrors(() =>
      this.db
        .updateTable("schedulable_entities")
        .set({ last_error: error, last_error_at: dateToMicros(this.clock.now()) })
        .where("project", "=", key.project)
        .where("domain", "=", key.domain)
        .where("name", "=", key.name)
        .where("version", "=", key.version)
        .execute(),
    );
  }
}

function fromDb(r: Selectable<SchedulableEntitiesTable>): SchedulableEntityRow {
  return {
    project: r.project,
    domain: r.domain,
    name: r.name,
    version: r.version,
    cronExpression: r.cron_expression,
    fixedRateValue: Number(r.fixed_rate_value),
    unit: Number(r.unit),
    kickoffTimeInputArg: r.kickoff_time_input_arg,
    active: Number(r.active) === 1,
    updatedAt: microsToDate(r.updated_at),
    lastFireAt: r.last_fire_at === null ? undefined : microsToDate(r.last_fire_at),
    lastError: r.last_error ?? undefined,
    lastErrorAt: r.last_error_at === null ? undefined : microsToDate(r.last_error_at),
  };
}
