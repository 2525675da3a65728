// Persistence of the data catalog's datasets, artifacts (with partitions and data) and tags: rows in, rows out.
// The manager (datacatalog-manager.ts) turns rows into datacatalog messages. Reservations: catalog-reservation-repo.ts.
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from "kysely";
import { withDbErrors } from "./db-errors.ts";
import type { Schema } from "./schema.ts";
import { plainBytes } from "./task-repo.ts";
import { dateToMicros, microsToDate } from "./timestamps.ts";
import type { Clock } from "@aloft/core";

/** The identity of a dataset (datacatalog.DatasetID without UUID). */
export interface CatalogDatasetKey {
  project: string;
  name: string;
  domain: string;
  version: string;
  org: string;
}

export interface NewCatalogDatasetRow extends CatalogDatasetKey {
  uuid: string;
  /** Serialized datacatalog.Metadata. */
  metadata: Uint8Array;
  partitionKeys: string[];
}

export interface CatalogDatasetRow extends NewCatalogDatasetRow {
  /** catalog_datasets.id */
  pk: number;
  createdAt: Date;
}

export interface CatalogPartitionRow {
  key: string;
  value: string;
}

export interface NewCatalogArtifactRow {
  artifactId: string;
  /** Serialized datacatalog.Metadata. */
  metadata: Uint8Array;
  /** Serialized datacatalog.Artifact holding only its ArtifactData list. */
  data: Uint8Array;
  partitions: CatalogPartitionRow[];
}

export interface CatalogArtifactRow extends NewCatalogArtifactRow {
  /** catalog_artifacts.id */
  pk: number;
  dataset: CatalogDatasetKey & { uuid: string };
  /** Names of the tags pointing at this artifact, oldest first. */
  tags: string[];
  createdAt: Date;
}

/** Equality filters of ListDatasets; undefined matches anything. */
export type CatalogDatasetFilter = Partial<CatalogDatasetKey>;

/** Equality filters of ListArtifacts; every listed condition must hold. */
export interface CatalogArtifactFilter {
  partitions: CatalogPartitionRow[];
  tags: string[];
  artifactIds: string[];
}

export interface CatalogPage {
  offset: number;
  limit: number;
  /** Order by creation time (then by insertion order). */
  direction: "asc" | "desc";
}

type ArtifactEb = ExpressionBuilder<Schema & { a: Schema["catalog_artifacts"] }, "a">;

export class CatalogRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  /** ALREADY_EXISTS when a dataset with the same key (or UUID) exists. */
  async createDataset(row: NewCatalogDatasetRow): Promise<void> {
    const now = dateToMicros(this.clock.now());
    await withDbErrors(
      () =>
        this.db
          .insertInto("catalog_datasets")
          .values({
            project: row.project,
            name: row.name,
            domain: row.domain,
            version: row.version,
            org: row.org,
            uuid: row.uuid,
            metadata: row.metadata,
            partition_keys: JSON.stringify(row.partitionKeys),
            created_at: now,
            updated_at: now,
          })
          .execute(),
      `value with matching dataset already exists (${describeDatasetKey(row)})`,
    );
  }

  /** The dataset with this key (and this UUID, when one is given). */
  async getDataset(key: CatalogDatasetKey, uuid = ""): Promise<CatalogDatasetRow | undefined> {
    let q = this.db
      .selectFrom("catalog_datasets")
      .selectAll()
      .where("project", "=", key.project)
      .where("name", "=", key.name)
      .where("domain", "=", key.domain)
      .where("version", "=", key.version)
      .where("org", "=", key.org);
    if (uuid !== "") q = q.where("uuid", "=", uuid);
    const row = await withDbErrors(() => q.executeTakeFirst());
    return row ? datasetFromDb(row) : undefined;
  }

  async listDatasets(filter: CatalogDatasetFilter, page: CatalogPage): Promise<CatalogDatasetRow[]> {
    let q = this.db.selectFrom("catalog_datasets").selectAll();
    for (const column of ["project", "name", "domain", "version", "org"] as const) {
      const v = filter[column];
      if (v !== undefined) q = q.where(column, "=", v);
    }
    q = q.orderBy("created_at", page.direction).orderBy("id", page.direction).limit(page.limit).offset(page.offset);
    const rows = await withDbErrors(() => q.execute());
    return rows.map(datasetFromDb);
  }

  /** Inserts the artifact and its partitions in one transaction; ALREADY_EXISTS for a known (dataset, artifact id). */
  async createArtifact(dataset: CatalogDatasetRow, row: NewCatalogArtifactRow): Promise<void> {
    const now = dateToMicros(this.clock.now());
    await withDbErrors(
      () =>
        this.db.transaction().execute(async (trx) => {
          const inserted = await trx
            .insertInto("catalog_artifacts")
            .values({
              dataset_id: dataset.pk,
              artifact_id: row.artifactId,
              metadata: row.metadata,
              data: row.data,
              created_at: now,
              updated_at: now,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
          if (row.partitions.length > 0) {
            await trx
              .insertInto("catalog_partitions")
              .values(
                row.partitions.map((p, position) => ({
                  artifact_pk: Number(inserted.id),
                  position,
                  key: p.key,
                  value: p.value,
                })),
              )
              .execute();
          }
        }),
      `value with matching artifact already exists (id:"${row.artifactId}" dataset:{${describeDatasetKey(dataset)}})`,
    );
  }

  /** The artifact `artifactId` of the dataset, or (dataset undefined) the first artifact with that id in any dataset. */
  async getArtifact(
    dataset: CatalogDatasetRow | undefined,
    artifactId: string,
  ): Promise<CatalogArtifactRow | undefined> {
    const rows = await this.selectArtifacts(
      (eb) => {
        const byId = eb("a.artifact_id", "=", artifactId);
        return dataset ? eb.and([byId, eb("a.dataset_id", "=", dataset.pk)]) : byId;
      },
      { offset: 0, limit: 1, direction: "asc" },
    );
    return rows[0];
  }

  /** The artifact the tag names; when the name was added to several artifacts, the most recently tagged one. */
  async getArtifactByTag(dataset: CatalogDatasetRow, tagName: string): Promise<CatalogArtifactRow | undefined> {
    const tag = await withDbErrors(() =>
      this.db
        .selectFrom("catalog_tags")
        .select("artifact_pk")
        .where("dataset_id", "=", dataset.pk)
        .where("tag_name", "=", tagName)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .executeTakeFirst(),
    );
    if (!tag) return undefined;
    const rows = await this.selectArtifacts((eb) => eb("a.id", "=", tag.artifact_pk), {
      offset: 0,
      limit: 1,
      direction: "asc",
    });
    return rows[0];
  }

  async listArtifacts(
    dataset: CatalogDatasetRow,
    filter: CatalogArtifactFilter,
    page: CatalogPage,
  ): Promise<CatalogArtifactRow[]> {
    return this.selectArtifacts((eb) => {
      const conditions: Expression<SqlBool>[] = [eb("a.dataset_id", "=", dataset.pk)];
      for (const id of filter.artifactIds) conditions.push(eb("a.artifact_id", "=", id));
      for (const p of filter.partitions) {
        conditions.push(
          eb.exists(
            eb
              .selectFrom("catalog_partitions as p")
              .select(sql.lit(1).as("one"))
              .whereRef("p.artifact_pk", "=", "a.id")
              .where("p.key", "=", p.key)
              .where("p.value", "=", p.value),
          ),
        );
      }
      for (const name of filter.tags) {
        conditions.push(
          eb.exists(
            eb
              .selectFrom("catalog_tags as t")
              .select(sql.lit(1).as("one"))
              .whereRef("t.artifact_pk", "=", "a.id")
              .where("t.tag_name", "=", name),
          ),
        );
      }
      return eb.and(conditions);
    }, page);
  }

  /** Replaces the artifact's data and metadata; false when the artifact no longer exists. */
  async updateArtifact(pk: number, data: Uint8Array, metadata: Uint8Array): Promise<boolean> {
    const now = dateToMicros(this.clock.now());
    const res = await withDbErrors(() =>
      this.db
        .updateTable("catalog_artifacts")
        .set({ data, metadata, updated_at: now })
        .where("id", "=", pk)
        .executeTakeFirst(),
    );
    return Number(res.numUpdatedRows) > 0;
  }

  /** Tags the artifact; ALREADY_EXISTS when this artifact already carries the name. */
  async addTag(dataset: CatalogDatasetRow, tagName: string, artifactPk: number): Promise<void> {
    const now = dateToMicros(this.clock.now());
    await withDbErrors(
      () =>
        this.db
          .insertInto("catalog_tags")
          .values({
            dataset_id: dataset.pk,
            tag_name: tagName,
            artifact_pk: artifactPk,
            created_at: now,
            updated_at: now,
          })
          .execute(),
      `value with matching tag already exists (name:"${tagName}" dataset:{${describeDatasetKey(dataset)}})`,
    );
  }

  /** Artifacts (joined with their dataset) matching `where`, one page, with their partitions and tags. */
  private async selectArtifacts(
    where: (eb: ArtifactEb) => Expression<SqlBool>,
    page: CatalogPage,
  ): Promise<CatalogArtifactRow[]> {
    const rows = await withDbErrors(() =>
      this.db
        .selectFrom("catalog_artifacts as a")
        .innerJoin("catalog_datasets as d", "d.id", "a.dataset_id")
        .select([
          "a.id",
          "a.artifact_id",
          "a.metadata",
          "a.data",
          "a.created_at",
          "d.project",
          "d.name",
          "d.domain",
          "d.version",
          "d.org",
          "d.uuid",
        ])
        .where((eb) => where(eb as unknown as ArtifactEb))
        .orderBy("a.created_at", page.direction)
        .orderBy("a.id", page.direction)
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
    );
    if (rows.length === 0) return [];
    const pks = rows.map((r) => Number(r.id));
    const [partitions, tags] = await withDbErrors(() =>
      Promise.all([
        this.db
          .selectFrom("catalog_partitions")
          .select(["artifact_pk", "key", "value"])
          .where("artifact_pk", "in", pks)
          .orderBy("position")
          .execute(),
        this.db
          .selectFrom("catalog_tags")
          .select(["artifact_pk", "tag_name"])
          .where("artifact_pk", "in", pks)
          .orderBy("created_at")
          .orderBy("id")
          .execute(),
      ]),
    );
    return rows.map((r) => {
      const pk = Number(r.id);
      return {
        pk,
        artifactId: r.artifact_id,
        metadata: plainBytes(r.metadata),
        data: plainBytes(r.data),
        partitions: partitions.filter((p) => Number(p.artifact_pk) === pk).map((p) => ({ key: p.key, value: p.value })),
        tags: tags.filter((t) => Number(t.artifact_pk) === pk).map((t) => t.tag_name),
        dataset: { project: r.project, name: r.name, domain: r.domain, version: r.version, org: r.org, uuid: r.uuid },
        createdAt: microsToDate(r.created_at),
      };
    });
  }
}

/** Go's text rendering of the DatasetID fields, as upstream's messages print them. */
export function describeDatasetKey(k: CatalogDatasetKey): string {
  const parts = [`project:"${k.project}"`, `name:"${k.name}"`, `domain:"${k.domain}"`, `version:"${k.version}"`];
  if (k.org !== "") parts.push(`org:"${k.org}"`);
  return parts.join(" ");
}

function datasetFromDb(r: {
  id: number;
  project: string;
  name: string;
  domain: string;
  version: string;
  org: string;
  uuid: string;
  metadata: Uint8Array;
  partition_keys: string;
  created_at: number;
}): CatalogDatasetRow {
  return {
    pk: Number(r.id),
    project: r.project,
    name: r.name,
    domain: r.domain,
    version: r.version,
    org: r.org,
    uuid: r.uuid,
    metadata: plainBytes(r.metadata),
    partitionKeys: JSON.parse(r.partition_keys) as string[],
    createdAt: microsToDate(r.created_at),
  };
}
