// Contract tests for CatalogRepo and CatalogReservationRepo, run on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import {
  CatalogRepo,
  type CatalogArtifactFilter,
  type CatalogDatasetRow,
  type CatalogPage,
  type NewCatalogDatasetRow,
} from "./catalog-repo.ts";
import { CatalogReservationRepo, type CatalogReservationKey } from "./catalog-reservation-repo.ts";
import { CATALOG_TABLES as TABLES } from "./test-rows.ts";

const T0 = Date.UTC(2024, 0, 1);

function dataset(name: string, over: Partial<NewCatalogDatasetRow> = {}): NewCatalogDatasetRow {
  return {
    project: "p",
    name,
    domain: "d",
    version: "v1",
    org: "",
    uuid: `uuid-${name}-${over.version ?? "v1"}-${over.org ?? ""}`,
    metadata: new Uint8Array([1, 2]),
    partitionKeys: [],
    ...over,
  };
}

const bytes = (...b: number[]) => new Uint8Array(b);

forEachDatabase("CatalogRepo", (getDb) => {
  let clock: ManualClock;
  let repo: CatalogRepo;
  let reservations: CatalogReservationRepo;

  beforeEach(async () => {
    for (const t of TABLES) await getDb().db.deleteFrom(t).execute();
    clock = new ManualClock(T0);
    repo = new CatalogRepo(getDb().db, clock);
    reservations = new CatalogReservationRepo(getDb().db, clock);
  });

  const mustGet = async (name: string, over: Partial<NewCatalogDatasetRow> = {}): Promise<CatalogDatasetRow> => {
    const d = dataset(name, over);
    const row = await repo.getDataset(d);
    assert.ok(row, `dataset ${name}`);
    return row;
  };

  test("datasets: create, get (by key, key + uuid), duplicate key or uuid is ALREADY_EXISTS, org is part of the key", async () => {
    await repo.createDataset(dataset("a", { partitionKeys: ["region", "day"] }));
    const got = await mustGet("a");
    assert.deepEqual(
      { ...got, pk: 0 },
      { ...dataset("a", { partitionKeys: ["region", "day"] }), pk: 0, createdAt: new Date(T0) },
    );
    assert.ok(!Buffer.isBuffer(got.metadata));
    assert.ok(await repo.getDataset(dataset("a"), got.uuid));
    assert.equal(await repo.getDataset(dataset("a"), "other-uuid"), undefined);
    assert.equal(await repo.getDataset(dataset("a", { version: "v2" })), undefined);
    await assert.rejects(
      repo.createDataset(dataset("a", { uuid: "fresh" })),
      (e: AloftError) => e.code === Code.ALREADY_EXISTS && /dataset already exists/.test(e.message),
    );
    await assert.rejects(
      repo.createDataset(dataset("b", { uuid: got.uuid })),
      (e: AloftError) => e.code === Code.ALREADY_EXISTS,
    );
    await repo.createDataset(dataset("a", { org: "o" }));
    assert.notEqual((await mustGet("a", { org: "o" })).pk, got.pk);
  });

  test("datasets: list filters by columns, orders by creation, pages by offset", async () => {
    for (const [i, name] of ["a", "b", "c"].entries()) {
      clock.set(new Date(T0 + i * 1000));
      await repo.createDataset(dataset(name));
    }
    await repo.createDataset(dataset("a", { version: "v2", domain: "other" }));
    const names = (rows: CatalogDatasetRow[]) => rows.map((r) => `${r.name}/${r.version}`);
    assert.deepEqual(names(await repo.listDatasets({}, { offset: 0, limit: 10, direction: "desc" })), [
      "a/v2",
      "c/v1",
      "b/v1",
      "a/v1",
    ]);
    assert.deepEqual(names(await repo.listDatasets({ domain: "d" }, { offset: 0, limit: 10, direction: "asc" })), [
      "a/v1",
      "b/v1",
      "c/v1",
    ]);
    assert.deepEqual(names(await repo.listDatasets({ name: "a" }, { offset: 1, limit: 10, direction: "desc" })), [
      "a/v1",
    ]);
    assert.deepEqual(names(await repo.listDatasets({ project: "p" }, { offset: 1, limit: 2, direction: "asc" })), [
      "b/v1",
      "c/v1",
    ]);
    assert.deepEqual(await repo.listDatasets({ project: "nope" }, { offset: 0, limit: 10, direction: "asc" }), []);
  });

  test("artifacts: create with partitions, get by id (in the dataset or anywhere), duplicate id is ALREADY_EXISTS", async () => {
    await repo.createDataset(dataset("a", { partitionKeys: ["k1", "k2"] }));
    await repo.createDataset(dataset("b"));
    const a = await mustGet("a");
    const b = await mustGet("b");
    clock.set(new Date(T0 + 5000));
    await repo.createArtifact(a, {
      artifactId: "art1",
      metadata: bytes(9),
      data: bytes(1, 2, 3),
      partitions: [
        { key: "k2", value: "y" },
        { key: "k1", value: "x" },
      ],
    });
    const got = await repo.getArtifact(a, "art1");
    assert.ok(got);
    assert.deepEqual(got.partitions, [
      { key: "k2", value: "y" },
      { key: "k1", value: "x" },
    ]);
    assert.deepEqual(got.data, bytes(1, 2, 3));
    assert.deepEqual(got.metadata, bytes(9));
    assert.deepEqual(got.tags, []);
    assert.deepEqual(got.createdAt, new Date(T0 + 5000));
    assert.deepEqual(got.dataset, { project: "p", name: "a", domain: "d", version: "v1", org: "", uuid: a.uuid });
    assert.equal((await repo.getArtifact(undefined, "art1"))?.pk, got.pk);
    assert.equal(await repo.getArtifact(b, "art1"), undefined);
    await assert.rejects(
      repo.createArtifact(a, { artifactId: "art1", metadata: bytes(), data: bytes(1), partitions: [] }),
      (e: AloftError) => e.code === Code.ALREADY_EXISTS,
    );
    // The same id in another dataset is another artifact.
    await repo.createArtifact(b, { artifactId: "art1", metadata: bytes(), data: bytes(7), partitions: [] });
    assert.deepEqual((await repo.getArtifact(b, "art1"))?.data, bytes(7));
  });

  test("a failed artifact insert leaves no partitions behind", async () => {
    await repo.createDataset(dataset("a"));
    const a = await mustGet("a");
    await assert.rejects(
      repo.createArtifact(a, {
        artifactId: "x",
        metadata: bytes(),
        data: bytes(1),
        partitions: [
          { key: "k", value: "1" },
          { key: "k", value: "2" },
        ],
      }),
      (e: AloftError) => e.code === Code.ALREADY_EXISTS,
    );
    assert.equal(await repo.getArtifact(a, "x"), undefined);
    assert.equal((await getDb().db.selectFrom("catalog_partitions").selectAll().execute()).length, 0);
  });

  test("tags: a repeated (name, artifact) is ALREADY_EXISTS; the name on another artifact wins as the newest", async () => {
    await repo.createDataset(dataset("a"));
    const a = await mustGet("a");
    await repo.createArtifact(a, { artifactId: "one", metadata: bytes(), data: bytes(1), partitions: [] });
    await repo.createArtifact(a, { artifactId: "two", metadata: bytes(), data: bytes(2), partitions: [] });
    const one = (await repo.getArtifact(a, "one"))!;
    const two = (await repo.getArtifact(a, "two"))!;
    assert.equal(await repo.getArtifactByTag(a, "t"), undefined);
    await repo.addTag(a, "t", one.pk);
    assert.equal((await repo.getArtifactByTag(a, "t"))?.artifactId, "one");
    await assert.rejects(repo.addTag(a, "t", one.pk), (e: AloftError) => e.code === Code.ALREADY_EXISTS);
    clock.advance(1000);
    await repo.addTag(a, "t", two.pk);
    await repo.addTag(a, "u", two.pk);
    const byTag = await repo.getArtifactByTag(a, "t");
    assert.equal(byTag?.artifactId, "two");
    assert.deepEqual(byTag?.tags, ["t", "u"]);
  });

  test("artifacts: list filters by partition, tag and id (all must hold), orders and pages", async () => {
    await repo.createDataset(dataset("a", { partitionKeys: ["region"] }));
    const a = await mustGet("a");
    for (const [i, [id, region]] of [
      ["r1", "eu"],
      ["r2", "us"],
      ["r3", "eu"],
    ].entries()) {
      clock.set(new Date(T0 + i * 1000));
      await repo.createArtifact(a, {
        artifactId: id!,
        metadata: bytes(),
        data: bytes(i),
        partitions: [{ key: "region", value: region! }],
      });
    }
    await repo.addTag(a, "latest", (await repo.getArtifact(a, "r3"))!.pk);
    const ids = async (
      filter: Partial<CatalogArtifactFilter>,
      page: CatalogPage = { offset: 0, limit: 10, direction: "desc" },
    ) =>
      (await repo.listArtifacts(a, { partitions: [], tags: [], artifactIds: [], ...filter }, page)).map(
        (r) => r.artifactId,
      );
    assert.deepEqual(await ids({}), ["r3", "r2", "r1"]);
    assert.deepEqual(await ids({}, { offset: 1, limit: 1, direction: "desc" }), ["r2"]);
    assert.deepEqual(await ids({ partitions: [{ key: "region", value: "eu" }] }), ["r3", "r1"]);
    assert.deepEqual(await ids({ partitions: [{ key: "region", value: "eu" }], tags: ["latest"] }), ["r3"]);
    assert.deepEqual(await ids({ tags: ["nope"] }), []);
    assert.deepEqual(await ids({ artifactIds: ["r2"] }), ["r2"]);
    assert.deepEqual(await ids({}, { offset: 0, limit: 10, direction: "asc" }), ["r1", "r2", "r3"]);
  });

  test("updateArtifact replaces data and metadata, and reports a missing row", async () => {
    await repo.createDataset(dataset("a"));
    const a = await mustGet("a");
    await repo.createArtifact(a, { artifactId: "x", metadata: bytes(1), data: bytes(1), partitions: [] });
    const x = (await repo.getArtifact(a, "x"))!;
    assert.equal(await repo.updateArtifact(x.pk, bytes(5, 6), bytes(7)), true);
    const got = (await repo.getArtifact(a, "x"))!;
    assert.deepEqual([got.data, got.metadata], [bytes(5, 6), bytes(7)]);
    assert.equal(await repo.updateArtifact(x.pk + 1000, bytes(1), bytes()), false);
  });

  test("reservations: create once, update only when expired or owned, delete only by the owner", async () => {
    const key: CatalogReservationKey = { project: "p", name: "a", domain: "d", version: "v1", org: "", tagName: "t" };
    const at = (ms: number) => new Date(T0 + ms);
    assert.equal(await reservations.get(key), undefined);
    assert.equal(await reservations.create(key, { ownerId: "A", expiresAt: at(30_000) }), true);
    assert.equal(await reservations.create(key, { ownerId: "B", expiresAt: at(30_000) }), false);
    assert.deepEqual(await reservations.get(key), { ownerId: "A", expiresAt: at(30_000) });
    // B cannot take A's live reservation; A can extend it.
    assert.equal(await reservations.update(key, { ownerId: "B", expiresAt: at(40_000) }, at(10_000)), false);
    assert.equal(await reservations.update(key, { ownerId: "A", expiresAt: at(40_000) }, at(10_000)), true);
    assert.deepEqual(await reservations.get(key), { ownerId: "A", expiresAt: at(40_000) });
    // Once expired, B takes it over.
    assert.equal(await reservations.update(key, { ownerId: "B", expiresAt: at(70_000) }, at(40_000)), true);
    assert.deepEqual(await reservations.get(key), { ownerId: "B", expiresAt: at(70_000) });
    assert.equal(await reservations.delete(key, "A"), false);
    assert.equal(await reservations.delete(key, "B"), true);
    assert.equal(await reservations.get(key), undefined);
    assert.equal(await reservations.update(key, { ownerId: "B", expiresAt: at(70_000) }, at(0)), false);
    // Another tag or org is another reservation.
    assert.equal(await reservations.create({ ...key, tagName: "u" }, { ownerId: "A", expiresAt: at(1) }), true);
    assert.equal(await reservations.create({ ...key, org: "o" }, { ownerId: "A", expiresAt: at(1) }), true);
  });
});
