// DataCatalogManager over real repositories, on SQLite and PostgreSQL: upstream datacatalog's codes and semantics.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { create, equals, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate, timestampDate } from "@bufbuild/protobuf/wkt";
import { ManualClock } from "@aloft/core/testing";
import { AloftError, Code } from "@aloft/core";
import { LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  AddTagRequestSchema,
  ArtifactDataSchema,
  CreateArtifactRequestSchema,
  CreateDatasetRequestSchema,
  DatasetIDSchema,
  GetArtifactRequestSchema,
  GetDatasetRequestSchema,
  GetOrExtendReservationRequestSchema,
  ListArtifactsRequestSchema,
  ListDatasetsRequestSchema,
  PaginationOptions_SortOrder,
  ReleaseReservationRequestSchema,
  UpdateArtifactRequestSchema,
  type ArtifactData,
  type DatasetID,
} from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { forEachDatabase } from "@aloft/testkit";
import { CatalogRepo } from "../repositories/catalog-repo.ts";
import { CatalogReservationRepo } from "../repositories/catalog-reservation-repo.ts";
import { CATALOG_TABLES as TABLES } from "../repositories/test-rows.ts";
import { DataCatalogManager } from "./datacatalog-manager.ts";

const T0 = Date.UTC(2024, 0, 1);

type DatasetIdFields = {
  project?: string;
  name?: string;
  domain?: string;
  version?: string;
  UUID?: string;
  org?: string;
};
const dsId = (over: DatasetIdFields = {}): DatasetID =>
  create(DatasetIDSchema, {
    project: "flytesnacks",
    domain: "development",
    name: "flyte_task-my.task",
    version: "1.0-abc",
    ...over,
  });

/** An integer literal, a string literal and an offloaded blob: values that must come back bit for bit. */
function outputs(n: number): ArtifactData[] {
  return [
    create(ArtifactDataSchema, {
      name: "o0",
      value: create(LiteralSchema, {
        value: {
          case: "scalar",
          value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(n) } } } },
        },
      }),
    }),
    create(ArtifactDataSchema, {
      name: "o1",
      value: create(LiteralSchema, {
        value: {
          case: "scalar",
          value: {
            value: {
              case: "blob",
              value: { uri: `s3://bucket/${n}`, metadata: { type: { format: "csv", dimensionality: 0 } } },
            },
          },
        },
        hash: `h${n}`,
      }),
    }),
  ];
}

async function expectCode(p: Promise<unknown>, code: Code, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AloftError, String(e));
    assert.equal(Code[e.code], Code[code], e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

forEachDatabase("DataCatalogManager", (getDb) => {
  let clock: ManualClock;
  let m: DataCatalogManager;
  let uuids: number;

  beforeEach(async () => {
    for (const t of TABLES) await getDb().db.deleteFrom(t).execute();
    clock = new ManualClock(T0);
    uuids = 0;
    m = new DataCatalogManager({
      catalog: new CatalogRepo(getDb().db, clock),
      reservations: new CatalogReservationRepo(getDb().db, clock),
      clock,
      newUuid: () => `uuid-${++uuids}`,
    });
  });

  const createDataset = (id = dsId(), partitionKeys: string[] = [], keyMap: Record<string, string> = {}) =>
    m.createDataset(create(CreateDatasetRequestSchema, { dataset: { id, partitionKeys, metadata: { keyMap } } }));
  type ArtifactFields = {
    dataset?: DatasetID;
    metadata?: { keyMap: Record<string, string> };
    partitions?: Array<{ key: string; value: string }>;
  };
  const createArtifact = (id: string, data = outputs(1), over: ArtifactFields = {}) =>
    m.createArtifact(create(CreateArtifactRequestSchema, { artifact: { id, dataset: dsId(), data, ...over } }));
  const byTag = (tagName: string, dataset = dsId()) =>
    m.getArtifact(create(GetArtifactRequestSchema, { dataset, queryHandle: { case: "tagName", value: tagName } }));
  const byId = (artifactId: string, dataset: DatasetID | undefined = dsId()) =>
    m.getArtifact(
      create(GetArtifactRequestSchema, {
        ...(dataset ? { dataset } : {}),
        queryHandle: { case: "artifactId", value: artifactId },
      }),
    );
  const addTag = (name: string, artifactId: string, dataset = dsId()) =>
    m.addTag(create(AddTagRequestSchema, { tag: { name, artifactId, dataset } }));

  test("CreateDataset / GetDataset: metadata, partition keys and a generated UUID; duplicates and missing ones", async () => {
    await createDataset(dsId(), ["region"], { "task-version": "v1" });
    const got = (await m.getDataset(create(GetDatasetRequestSchema, { dataset: dsId() }))).dataset!;
    assert.ok(equals(DatasetIDSchema, got.id!, dsId({ UUID: "uuid-1" })));
    assert.deepEqual(got.metadata?.keyMap, { "task-version": "v1" });
    assert.deepEqual(got.partitionKeys, ["region"]);
    await expectCode(createDataset(), Code.ALREADY_EXISTS);
    await expectCode(
      m.getDataset(create(GetDatasetRequestSchema, { dataset: dsId({ version: "nope" }) })),
      Code.NOT_FOUND,
      /missing entity of type Dataset/,
    );
    // A given UUID is kept.
    await createDataset(dsId({ version: "2", UUID: "mine" }));
    assert.equal(
      (await m.getDataset(create(GetDatasetRequestSchema, { dataset: dsId({ version: "2" }) }))).dataset?.id?.UUID,
      "mine",
    );
  });

  test("INVALID_ARGUMENT for missing dataset id fields and repeated partition keys", async () => {
    await expectCode(
      m.createDataset(create(CreateDatasetRequestSchema, {})),
      Code.INVALID_ARGUMENT,
      /^missing dataset$/,
    );
    await expectCode(createDataset(dsId({ project: "" })), Code.INVALID_ARGUMENT, /^missing project$/);
    await expectCode(createDataset(dsId({ domain: "" })), Code.INVALID_ARGUMENT, /^missing domain$/);
    await expectCode(createDataset(dsId({ name: "" })), Code.INVALID_ARGUMENT, /^missing name$/);
    await expectCode(createDataset(dsId({ version: "" })), Code.INVALID_ARGUMENT, /^missing version$/);
    await expectCode(createDataset(dsId(), ["a", "a"]), Code.INVALID_ARGUMENT, /not unique/);
    await expectCode(m.getDataset(create(GetDatasetRequestSchema, {})), Code.INVALID_ARGUMENT, /^missing dataset$/);
  });

  test("CreateArtifact + AddTag + GetArtifact by tag and by id return the data exactly as given", async () => {
    await createDataset();
    clock.set(new Date(T0 + 1500));
    await createArtifact("art-1", outputs(7), { metadata: { keyMap: { "execution-name": "e1" } } });
    await addTag("flyte_cached-abc", "art-1");
    for (const res of [await byTag("flyte_cached-abc"), await byId("art-1"), await byId("art-1", undefined)]) {
      const a = res.artifact!;
      assert.equal(a.id, "art-1");
      assert.equal(a.data.length, 2);
      for (const [i, d] of outputs(7).entries()) assert.ok(equals(ArtifactDataSchema, a.data[i]!, d), `data ${i}`);
      assert.deepEqual(a.metadata?.keyMap, { "execution-name": "e1" });
      assert.deepEqual(
        a.tags.map((t) => [t.name, t.artifactId]),
        [["flyte_cached-abc", "art-1"]],
      );
      assert.ok(equals(DatasetIDSchema, a.dataset!, dsId({ UUID: "uuid-1" })));
      assert.deepEqual(timestampDate(a.createdAt!), new Date(T0 + 1500));
    }
  });

  test("CreateArtifact: ALREADY_EXISTS for a repeat, NOT_FOUND without the dataset, INVALID_ARGUMENT without id or data", async () => {
    await createDataset();
    await createArtifact("a1");
    await expectCode(createArtifact("a1", outputs(2)), Code.ALREADY_EXISTS);
    await expectCode(
      createArtifact("a2", outputs(1), { dataset: dsId({ version: "other" }) }),
      Code.NOT_FOUND,
      /Dataset/,
    );
    await expectCode(createArtifact(""), Code.INVALID_ARGUMENT, /^missing artifactID$/);
    await expectCode(createArtifact("a3", []), Code.INVALID_ARGUMENT, /^missing artifactData$/);
    await expectCode(
      createArtifact("a3", outputs(1), { dataset: dsId({ name: "" }) }),
      Code.INVALID_ARGUMENT,
      /^missing name$/,
    );
    await expectCode(
      m.createArtifact(create(CreateArtifactRequestSchema, {})),
      Code.INVALID_ARGUMENT,
      /^missing artifact$/,
    );
    await expectCode(createArtifact("a4", [...outputs(1), ...outputs(2)]), Code.INVALID_ARGUMENT, /duplicate/);
  });

  test("partitions must assign exactly the dataset's keys", async () => {
    await createDataset(dsId(), ["region", "day"]);
    await expectCode(createArtifact("p0"), Code.INVALID_ARGUMENT, /Partition key mismatch/);
    await expectCode(
      createArtifact("p1", outputs(1), {
        partitions: [
          { key: "region", value: "eu" },
          { key: "hour", value: "1" },
        ],
      }),
      Code.INVALID_ARGUMENT,
    );
    await expectCode(
      createArtifact("p2", outputs(1), {
        partitions: [
          { key: "region", value: "eu" },
          { key: "day", value: "" },
        ],
      }),
      Code.INVALID_ARGUMENT,
      /missing partitionValue/,
    );
    await createArtifact("p3", outputs(1), {
      partitions: [
        { key: "day", value: "mon" },
        { key: "region", value: "eu" },
      ],
    });
    assert.deepEqual(
      (await byId("p3")).artifact?.partitions.map((p) => `${p.key}=${p.value}`),
      ["day=mon", "region=eu"],
    );
  });

  test("GetArtifact: NOT_FOUND for a missing artifact, tag or dataset; INVALID_ARGUMENT without a handle", async () => {
    await createDataset();
    await createArtifact("a1");
    await expectCode(byTag("nope"), Code.NOT_FOUND, /missing entity of type Tag/);
    await expectCode(byId("nope"), Code.NOT_FOUND, /missing entity of type Artifact/);
    await expectCode(byTag("t", dsId({ version: "x" })), Code.NOT_FOUND);
    await expectCode(byId("a1", dsId({ version: "x" })), Code.NOT_FOUND);
    await expectCode(
      m.getArtifact(create(GetArtifactRequestSchema, { dataset: dsId() })),
      Code.INVALID_ARGUMENT,
      /one of artifactID\/tagName/,
    );
    await expectCode(byTag(""), Code.INVALID_ARGUMENT, /^missing tagName$/);
    await expectCode(
      m.getArtifact(create(GetArtifactRequestSchema, { queryHandle: { case: "tagName", value: "t" } })),
      Code.INVALID_ARGUMENT,
      /^missing dataset$/,
    );
  });

  test("AddTag: ALREADY_EXISTS on the same artifact; on another artifact the tag moves (newest wins); NOT_FOUND for unknowns", async () => {
    await createDataset();
    await createArtifact("a1", outputs(1));
    await createArtifact("a2", outputs(2));
    await addTag("t", "a1");
    await expectCode(addTag("t", "a1"), Code.ALREADY_EXISTS);
    clock.advance(1000);
    await addTag("t", "a2");
    assert.equal((await byTag("t")).artifact?.id, "a2");
    await expectCode(addTag("t", "missing"), Code.NOT_FOUND, /Artifact/);
    await expectCode(addTag("t", "a1", dsId({ version: "x" })), Code.NOT_FOUND, /Dataset/);
    await expectCode(addTag("", "a1"), Code.INVALID_ARGUMENT, /^missing tagName$/);
    await expectCode(addTag("t", ""), Code.INVALID_ARGUMENT, /^missing artifactID$/);
    await expectCode(m.addTag(create(AddTagRequestSchema, {})), Code.INVALID_ARGUMENT, /^missing tag$/);
  });

  test("UpdateArtifact replaces the data by id or tag; metadata only when given; NOT_FOUND and INVALID_ARGUMENT", async () => {
    await createDataset();
    await createArtifact("a1", outputs(1), { metadata: { keyMap: { k: "old" } } });
    await addTag("t", "a1");
    const res = await m.updateArtifact(
      create(UpdateArtifactRequestSchema, {
        dataset: dsId(),
        queryHandle: { case: "tagName", value: "t" },
        data: outputs(9).slice(0, 1),
      }),
    );
    assert.equal(res.artifactId, "a1");
    let a = (await byId("a1")).artifact!;
    assert.equal(a.data.length, 1);
    assert.ok(equals(ArtifactDataSchema, a.data[0]!, outputs(9)[0]!));
    assert.deepEqual(a.metadata?.keyMap, { k: "old" });
    await m.updateArtifact(
      create(UpdateArtifactRequestSchema, {
        dataset: dsId(),
        queryHandle: { case: "artifactId", value: "a1" },
        data: outputs(3),
        metadata: { keyMap: { k: "new" } },
      }),
    );
    a = (await byTag("t")).artifact!;
    for (const [i, d] of outputs(3).entries()) assert.ok(equals(ArtifactDataSchema, a.data[i]!, d));
    assert.deepEqual(a.metadata?.keyMap, { k: "new" });
    await expectCode(
      m.updateArtifact(
        create(UpdateArtifactRequestSchema, {
          dataset: dsId(),
          queryHandle: { case: "tagName", value: "nope" },
          data: outputs(1),
        }),
      ),
      Code.NOT_FOUND,
    );
    await expectCode(
      m.updateArtifact(
        create(UpdateArtifactRequestSchema, {
          dataset: dsId(),
          queryHandle: { case: "artifactId", value: "nope" },
          data: outputs(1),
        }),
      ),
      Code.NOT_FOUND,
    );
    await expectCode(
      m.updateArtifact(
        create(UpdateArtifactRequestSchema, { dataset: dsId(), queryHandle: { case: "artifactId", value: "a1" } }),
      ),
      Code.INVALID_ARGUMENT,
      /^missing artifactData$/,
    );
  });

  test("ListArtifacts filters by partition and tag, pages with an offset token, orders by creation", async () => {
    await createDataset(dsId(), ["region"]);
    for (const [i, region] of ["eu", "us", "eu"].entries()) {
      clock.set(new Date(T0 + i * 1000));
      await createArtifact(`a${i}`, outputs(i), { partitions: [{ key: "region", value: region }] });
    }
    await addTag("latest", "a2");
    const list = (init: Partial<MessageInitShape<typeof ListArtifactsRequestSchema>> = {}) =>
      m.listArtifacts(create(ListArtifactsRequestSchema, { dataset: dsId(), ...init }));
    const all = await list();
    assert.deepEqual(
      all.artifacts.map((a) => a.id),
      ["a2", "a1", "a0"],
    );
    assert.equal(all.nextToken, "3");
    assert.ok(equals(ArtifactDataSchema, all.artifacts[2]!.data[0]!, outputs(0)[0]!));
    const eu = await list({
      filter: {
        filters: [
          {
            propertyFilter: {
              case: "partitionFilter",
              value: { property: { case: "keyVal", value: { key: "region", value: "eu" } } },
            },
          },
        ],
      },
    });
    assert.deepEqual(
      eu.artifacts.map((a) => a.id),
      ["a2", "a0"],
    );
    const tagged = await list({
      filter: {
        filters: [{ propertyFilter: { case: "tagFilter", value: { property: { case: "tagName", value: "latest" } } } }],
      },
    });
    assert.deepEqual(
      tagged.artifacts.map((a) => a.id),
      ["a2"],
    );
    const p1 = await list({ pagination: { limit: 2, sortOrder: PaginationOptions_SortOrder.ASCENDING } });
    assert.deepEqual([p1.artifacts.map((a) => a.id), p1.nextToken], [["a0", "a1"], "2"]);
    const p2 = await list({
      pagination: { limit: 2, token: p1.nextToken, sortOrder: PaginationOptions_SortOrder.ASCENDING },
    });
    assert.deepEqual([p2.artifacts.map((a) => a.id), p2.nextToken], [["a2"], "3"]);
    await expectCode(list({ pagination: { token: "abc" } }), Code.INVALID_ARGUMENT, /Invalid token value: abc/);
    await expectCode(
      list({
        filter: {
          filters: [
            { propertyFilter: { case: "datasetFilter", value: { property: { case: "project", value: "p" } } } },
          ],
        },
      }),
      Code.INVALID_ARGUMENT,
      /Artifact cannot be filtered by Dataset properties/,
    );
    await expectCode(list({ dataset: dsId({ version: "x" }) }), Code.NOT_FOUND);
  });

  test("ListDatasets filters on project/domain/name/version and pages", async () => {
    for (const [i, v] of ["1", "2", "3"].entries()) {
      clock.set(new Date(T0 + i * 1000));
      await createDataset(dsId({ version: v }));
    }
    await createDataset(dsId({ project: "other" }));
    const list = (init: MessageInitShape<typeof ListDatasetsRequestSchema> = {}) =>
      m.listDatasets(create(ListDatasetsRequestSchema, init));
    const versions = (r: Awaited<ReturnType<typeof list>>) =>
      r.datasets.map((d) => `${d.id?.project}/${d.id?.version}`);
    assert.deepEqual(versions(await list()), ["other/1.0-abc", "flytesnacks/3", "flytesnacks/2", "flytesnacks/1"]);
    const mine = await list({
      filter: {
        filters: [
          { propertyFilter: { case: "datasetFilter", value: { property: { case: "project", value: "flytesnacks" } } } },
        ],
      },
      pagination: { limit: 2 },
    });
    assert.deepEqual([versions(mine), mine.nextToken], [["flytesnacks/3", "flytesnacks/2"], "2"]);
    const byVersion = await list({
      filter: {
        filters: [{ propertyFilter: { case: "datasetFilter", value: { property: { case: "version", value: "2" } } } }],
      },
    });
    assert.deepEqual(versions(byVersion), ["flytesnacks/2"]);
    await expectCode(
      list({
        filter: {
          filters: [{ propertyFilter: { case: "tagFilter", value: { property: { case: "tagName", value: "t" } } } }],
        },
      }),
      Code.INVALID_ARGUMENT,
      /Dataset cannot be filtered by Tag properties/,
    );
    await expectCode(list({ pagination: { token: "-1" } }), Code.INVALID_ARGUMENT);
  });

  test("GetOrExtendReservation: taken, refused to another owner (who sees the holder's), extended, expired and taken over, released", async () => {
    const reservationId = { datasetId: dsId(), tagName: "flyte_cached-abc" };
    const get = (ownerId: string, heartbeatMs = 5000) =>
      m.getOrExtendReservation(
        create(GetOrExtendReservationRequestSchema, {
          reservationId,
          ownerId,
          heartbeatInterval: durationFromMs(heartbeatMs),
        }),
      );
    const release = (ownerId: string) =>
      m.releaseReservation(create(ReleaseReservationRequestSchema, { reservationId, ownerId }));

    const a = (await get("A")).reservation!;
    assert.equal(a.ownerId, "A");
    assert.equal(a.reservationId?.tagName, "flyte_cached-abc");
    assert.ok(equals(DatasetIDSchema, a.reservationId!.datasetId!, dsId()));
    assert.deepEqual(a.expiresAt, timestampFromDate(new Date(T0 + 15_000)), "now + heartbeat × 3");
    assert.deepEqual(a.heartbeatInterval, durationFromMs(5000));

    clock.advance(10_000);
    const refused = (await get("B")).reservation!;
    assert.equal(refused.ownerId, "A");
    assert.deepEqual(refused.expiresAt, timestampFromDate(new Date(T0 + 15_000)));

    const extended = (await get("A")).reservation!;
    assert.deepEqual(extended.expiresAt, timestampFromDate(new Date(T0 + 25_000)));

    clock.advance(15_001); // past A's expiry
    const taken = (await get("B")).reservation!;
    assert.equal(taken.ownerId, "B");
    assert.deepEqual(taken.expiresAt, timestampFromDate(new Date(T0 + 25_001 + 15_000)));
    assert.equal((await get("A")).reservation?.ownerId, "B");

    // A requested heartbeat above the maximum (10s) is capped.
    await release("B");
    const capped = (await get("C", 60_000)).reservation!;
    assert.deepEqual(capped.heartbeatInterval, durationFromMs(10_000));
    assert.deepEqual(capped.expiresAt, timestampFromDate(new Date(T0 + 25_001 + 30_000)));

    // Only the owner releases; releasing what is not there (or not yours) is fine.
    await release("A");
    assert.equal((await get("D")).reservation?.ownerId, "C");
    await release("C");
    await release("C");
    assert.equal((await get("D")).reservation?.ownerId, "D");
  });

  test("reservation requests without id, tag, owner or heartbeat are INVALID_ARGUMENT", async () => {
    const req = (init: MessageInitShape<typeof GetOrExtendReservationRequestSchema>) =>
      m.getOrExtendReservation(create(GetOrExtendReservationRequestSchema, init));
    await expectCode(
      req({ ownerId: "A", heartbeatInterval: durationFromMs(1) }),
      Code.INVALID_ARGUMENT,
      /^missing reservationID$/,
    );
    await expectCode(
      req({ reservationId: { datasetId: dsId(), tagName: "" }, ownerId: "A", heartbeatInterval: durationFromMs(1) }),
      Code.INVALID_ARGUMENT,
      /^missing tagName$/,
    );
    await expectCode(
      req({ reservationId: { datasetId: dsId(), tagName: "t" }, heartbeatInterval: durationFromMs(1) }),
      Code.INVALID_ARGUMENT,
      /^missing ownerID$/,
    );
    await expectCode(
      req({ reservationId: { datasetId: dsId(), tagName: "t" }, ownerId: "A" }),
      Code.INVALID_ARGUMENT,
      /^missing heartbeatInterval$/,
    );
    await expectCode(
      m.releaseReservation(create(ReleaseReservationRequestSchema, { reservationId: { tagName: "t" }, ownerId: "A" })),
      Code.INVALID_ARGUMENT,
      /^missing dataset$/,
    );
  });
});
