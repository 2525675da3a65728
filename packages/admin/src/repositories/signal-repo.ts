// Persistence of gate node signals (SignalService): rows in, rows out. The manager turns rows into flyteidl messages.
import type { Kysely, Selectable } from "kysely";
import type { Clock } from "@aloft/core";
import { applyOrder, applyPage, filtersExpression, type Filter, type SortOrder } from "../list/index.ts";
import { withDbErrors } from "./db-errors.ts";
import type { Schema, SignalsTable } from "./schema.ts";
import { plainBytes } from "./task-repo.ts";
import { dateToMicros, microsToDate } from "./timestamps.ts";

/** A signal is identified by its execution and its id within the execution. */
export interface SignalKey {
  project: string;
  domain: string;
  name: string;
  signalId: string;
}

export interface SignalRow extends SignalKey {
  /** Serialized flyteidl.core.LiteralType. */
  type: Uint8Array;
  /** Serialized flyteidl.core.Literal, undefined until set. */
  value: Uint8Array | undefined;
  createdAt: Date;
  updatedAt: Date;
}

export interface SignalListQuery {
  /** Every condition, including the implicit execution filters. */
  filters: Filter[];
  sort?: SortOrder | undefined;
  limit: number;
  offset: number;
}

export class SignalRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  async get(key: SignalKey): Promise<SignalRow | undefined> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("signals")
        .selectAll()
        .where("execution_project", "=", key.project)
        .where("execution_domain", "=", key.domain)
        .where("execution_name", "=", key.name)
        .where("signal_id", "=", key.signalId)
        .where("deleted_at", "is", null)
        .executeTakeFirst(),
    );
    return row ? fromDb(row) : undefined;
  }

  /**
   * Inserts the signal unless one with the same key exists, and returns the stored row: the new one, or the existing
   * one unchanged (whatever its type). Safe under concurrent callers: the insert does nothing on a conflict.
   */
  async getOrCreate(key: SignalKey, type: Uint8Array): Promise<SignalRow> {
    const now = dateToMicros(this.clock.now());
    await withDbErrors(() =>
      this.db
        .insertInto("signals")
        .values({
          execution_project: key.project,
          execution_domain: key.domain,
          execution_name: key.name,
          signal_id: key.signalId,
          type,
          value: null,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .onConflict((oc) =>
          oc.columns(["execution_project", "execution_domain", "execution_name", "signal_id"]).doNothing(),
        )
        .execute(),
    );
    const row = await this.get(key);
    if (!row) throw new Error(`signal ${key.signalId} vanished after its insert`);
    return row;
  }

  /** Sets (or overwrites) the value; false when there is no such signal. */
  async setValue(key: SignalKey, value: Uint8Array): Promise<boolean> {
    const now = dateToMicros(this.clock.now());
    const result = await withDbErrors(() =>
      this.db
        .updateTable("signals")
        .set({ value, updated_at: now })
        .where("execution_project", "=", key.project)
        .where("execution_domain", "=", key.domain)
        .where("execution_name", "=", key.name)
        .where("signal_id", "=", key.signalId)
        .where("deleted_at", "is", null)
        .executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }

  /** Signals matching the filters, in the requested order (then by id), one page. */
  async list(q: SignalListQuery): Promise<SignalRow[]> {
    let qb = this.db
      .selectFrom("signals")
      .selectAll("signals")
      .where("signals.deleted_at", "is", null)
      .where((eb) => filtersExpression(eb, q.filters));
    qb = applyPage(applyOrder(qb, q.sort, "signals"), q.limit, q.offset);
    const rows = await withDbErrors(() => qb.execute());
    return rows.map(fromDb);
  }

  /** Whether the workflow execution the signal would belong to exists. */
  async executionExists(key: Omit<SignalKey, "signalId">): Promise<boolean> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("executions")
        .select("id")
        .where("execution_project", "=", key.project)
        .where("execution_domain", "=", key.domain)
        .where("execution_name", "=", key.name)
        .where("deleted_at", "is", null)
        .executeTakeFirst(),
    );
    return row !== undefined;
  }
}

function fromDb(r: Selectable<SignalsTable>): SignalRow {
  return {
    project: r.execution_project,
    domain: r.execution_domain,
    name: r.execution_name,
    signalId: r.signal_id,
    type: plainBytes(r.type),
    value: r.value === null ? undefined : plainBytes(r.value),
    createdAt: microsToDate(r.created_at),
    updatedAt: microsToDate(r.updated_at),
  };
}
