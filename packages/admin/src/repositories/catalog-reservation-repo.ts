// Persistence of data catalog reservations (datacatalog.Reservation). Races between owners are settled by the
// database: create does nothing when a row exists, update only takes an expired row or one the caller owns.
import type { Kysely } from "kysely";
import type { Clock } from "@aloft/core";
import type { CatalogDatasetKey } from "./catalog-repo.ts";
import { withDbErrors } from "./db-errors.ts";
import type { Schema } from "./schema.ts";
import { dateToMicros, microsToDate } from "./timestamps.ts";

export interface CatalogReservationKey extends CatalogDatasetKey {
  tagName: string;
}

export interface CatalogReservationRow {
  ownerId: string;
  expiresAt: Date;
}

export class CatalogReservationRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  async get(key: CatalogReservationKey): Promise<CatalogReservationRow | undefined> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("catalog_reservations")
        .select(["owner_id", "expires_at"])
        .where("project", "=", key.project)
        .where("name", "=", key.name)
        .where("domain", "=", key.domain)
        .where("version", "=", key.version)
        .where("org", "=", key.org)
        .where("tag_name", "=", key.tagName)
        .executeTakeFirst(),
    );
    return row ? { ownerId: row.owner_id, expiresAt: microsToDate(row.expires_at) } : undefined;
  }

  /** Inserts the reservation; false (and no change) when one already exists for the key. */
  async create(key: CatalogReservationKey, reservation: CatalogReservationRow): Promise<boolean> {
    const now = dateToMicros(this.clock.now());
    const res = await withDbErrors(() =>
      this.db
        .insertInto("catalog_reservations")
        .values({
          project: key.project,
          name: key.name,
          domain: key.domain,
          version: key.version,
          org: key.org,
          tag_name: key.tagName,
          owner_id: reservation.ownerId,
          expires_at: dateToMicros(reservation.expiresAt),
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.columns(["project", "name", "domain", "version", "org", "tag_name"]).doNothing())
        .executeTakeFirst(),
    );
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Gives the reservation to `reservation.ownerId` when it has expired at `now` or is already theirs; false (and no
   * change) otherwise, including when the row is gone.
   */
  async update(key: CatalogReservationKey, reservation: CatalogReservationRow, now: Date): Promise<boolean> {
    const res = await withDbErrors(() =>
      this.db
        .updateTable("catalog_reservations")
        .set({
          owner_id: reservation.ownerId,
          expires_at: dateToMicros(reservation.expiresAt),
          updated_at: dateToMicros(this.clock.now()),
        })
        .where("project", "=", key.project)
        .where("name", "=", key.name)
        .where("domain", "=", key.domain)
        .where("version", "=", key.version)
        .where("org", "=", key.org)
        .where("tag_name", "=", key.tagName)
        .where((eb) => eb.or([eb("expires_at", "<=", dateToMicros(now)), eb("owner_id", "=", reservation.ownerId)]))
        .executeTakeFirst(),
    );
    return Number(res.numUpdatedRows) > 0;
  }

  /** Deletes the reservation if `ownerId` holds it; false when there was none to delete. */
  async delete(key: CatalogReservationKey, ownerId: string): Promise<boolean> {
    const res = await withDbErrors(() =>
      this.db
        .deleteFrom("catalog_reservations")
        .where("project", "=", key.project)
        .where("name", "=", key.name)
        .where("domain", "=", key.domain)
        .where("version", "=", key.version)
        .where("org", "=", key.org)
        .where("tag_name", "=", key.tagName)
        .where("owner_id", "=", ownerId)
        .executeTakeFirst(),
    );
    return Number(res.numDeletedRows) > 0;
  }
}
