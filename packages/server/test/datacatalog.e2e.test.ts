// datacatalog.DataCatalog end to end: served by admin on its gRPC port, driven by a connect gRPC client (and one
// independent @grpc/grpc-js client), on SQLite and on PostgreSQL. The platform's clock is manual so that a
// reservation can expire.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create, equals } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ManualClock } from "@aloft/core/testing";
import { LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  ArtifactDataSchema,
  DataCatalog,
  DatasetIDSchema,
  type ArtifactData,
} from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { grpc, loadPackage, unary, type GrpcJsClient } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { postgresAvailability } from "@aloft/testkit";

const T0 = Date.UTC(2025, 5, 1);

const datasetId = (version = "1.0-sig") =>
  create(DatasetIDSchema, { project: "flytesnacks", domain: "development", name: "flyte_task-wf.square", version });

function outputs(n: bigint): ArtifactData[] {
  return [
    create(ArtifactDataSchema, {
      name: "o0",
      value: create(LiteralSchema, {
        value: {
          case: "scalar",
          value: { value: { case: "primitive", value: { value: { case: "integer", value: n } } } },
        },
      }),
    }),
  ];
}

async function expectCode(p: Promise<unknown>, code: Code, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    const e = ConnectError.from(err);
    assert.equal(Code[e.code], Code[code], e.rawMessage);
    if (message) assert.match(e.rawMessage, message);
    return true;
  });
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`datacatalog end to end (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let clock: ManualClock;
    let catalog: Client<typeof DataCatalog>;

    before(async () => {
      clock = new ManualClock(T0);
      platform = await startTestPlatform({ database: kind, clock });
      catalog = createClient(DataCatalog, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
    });
    after(async () => {
      await platform?.close();
    });

    test("datasets, artifacts and tags: create, duplicate, tag, get by tag, missing", async () => {
      await catalog.createDataset({
        dataset: { id: datasetId(), partitionKeys: [], metadata: { keyMap: { "task-version": "v1" } } },
      });
      await expectCode(catalog.createDataset({ dataset: { id: datasetId() } }), Code.AlreadyExists);
      await expectCode(
        catalog.createDataset({ dataset: { id: { project: "p", domain: "d", name: "n" } } }),
        Code.InvalidArgument,
        /missing version/,
      );
      const ds = (await catalog.getDataset({ dataset: datasetId() })).dataset!;
      assert.deepEqual(ds.metadata?.keyMap, { "task-version": "v1" });
      assert.notEqual(ds.id?.UUID, "");
      await expectCode(catalog.getDataset({ dataset: datasetId("missing") }), Code.NotFound);

      await catalog.createArtifact({
        artifact: {
          id: "art-1",
          dataset: datasetId(),
          data: outputs(81n),
          metadata: { keyMap: { "execution-name": "e1" } },
        },
      });
      await expectCode(
        catalog.createArtifact({ artifact: { id: "art-1", dataset: datasetId(), data: outputs(1n) } }),
        Code.AlreadyExists,
      );
      await expectCode(
        catalog.createArtifact({ artifact: { id: "art-2", dataset: datasetId(), data: [] } }),
        Code.InvalidArgument,
        /missing artifactData/,
      );
      await expectCode(
        catalog.createArtifact({ artifact: { id: "art-2", dataset: datasetId("missing"), data: outputs(1n) } }),
        Code.NotFound,
      );
      await catalog.addTag({ tag: { name: "flyte_cached-abc", artifactId: "art-1", dataset: datasetId() } });
      await expectCode(
        catalog.addTag({ tag: { name: "flyte_cached-abc", artifactId: "art-1", dataset: datasetId() } }),
        Code.AlreadyExists,
      );

      const got = (
        await catalog.getArtifact({ dataset: datasetId(), queryHandle: { case: "tagName", value: "flyte_cached-abc" } })
      ).artifact!;
      assert.equal(got.id, "art-1");
      assert.equal(got.data.length, 1);
      assert.ok(equals(ArtifactDataSchema, got.data[0]!, outputs(81n)[0]!));
      assert.deepEqual(got.metadata?.keyMap, { "execution-name": "e1" });
      assert.deepEqual(
        got.tags.map((t) => t.name),
        ["flyte_cached-abc"],
      );
      assert.deepEqual(got.createdAt, timestampFromDate(new Date(T0)));

      await expectCode(
        catalog.getArtifact({ dataset: datasetId(), queryHandle: { case: "tagName", value: "flyte_cached-nope" } }),
        Code.NotFound,
      );
      await expectCode(
        catalog.getArtifact({ dataset: datasetId(), queryHandle: { case: "artifactId", value: "nope" } }),
        Code.NotFound,
      );

      // Cache overwrite: UpdateArtifact by tag replaces the data.
      const updated = await catalog.updateArtifact({
        dataset: datasetId(),
        queryHandle: { case: "tagName", value: "flyte_cached-abc" },
        data: outputs(100n),
      });
      assert.equal(updated.artifactId, "art-1");
      const after = (
        await catalog.getArtifact({ dataset: datasetId(), queryHandle: { case: "artifactId", value: "art-1" } })
      ).artifact!;
      assert.ok(equals(ArtifactDataSchema, after.data[0]!, outputs(100n)[0]!));

      const listed = await catalog.listArtifacts({
        dataset: datasetId(),
        filter: {
          filters: [
            {
              propertyFilter: {
                case: "tagFilter",
                value: { property: { case: "tagName", value: "flyte_cached-abc" } },
              },
            },
          ],
        },
      });
      assert.deepEqual(
        listed.artifacts.map((a) => a.id),
        ["art-1"],
      );
      const datasets = await catalog.listDatasets({
        filter: {
          filters: [
            {
              propertyFilter: { case: "datasetFilter", value: { property: { case: "project", value: "flytesnacks" } } },
            },
          ],
        },
      });
      assert.ok(datasets.datasets.some((d) => d.id?.name === "flyte_task-wf.square"));
    });

    test("reservations: held by A and refused to B, extended by A, taken over once expired, released", async () => {
      const reservationId = { datasetId: datasetId(), tagName: "flyte_cached-xyz" };
      const get = (ownerId: string) =>
        catalog.getOrExtendReservation({ reservationId, ownerId, heartbeatInterval: durationFromMs(2000) });

      const a = (await get("owner-a")).reservation!;
      assert.equal(a.ownerId, "owner-a");
      assert.deepEqual(a.expiresAt, timestampFromDate(new Date(clock.now().getTime() + 6000)));
      clock.advance(3000);
      const refused = (await get("owner-b")).reservation!;
      assert.equal(refused.ownerId, "owner-a", "B is shown A's reservation");
      assert.deepEqual(refused.expiresAt, a.expiresAt);
      const extended = (await get("owner-a")).reservation!;
      assert.deepEqual(extended.expiresAt, timestampFromDate(new Date(clock.now().getTime() + 6000)));

      clock.advance(6001);
      const taken = (await get("owner-b")).reservation!;
      assert.equal(taken.ownerId, "owner-b", "an expired reservation is taken over");
      assert.equal((await get("owner-a")).reservation?.ownerId, "owner-b");

      await catalog.releaseReservation({ reservationId, ownerId: "owner-a" }); // not A's: a no-op, not an error
      assert.equal((await get("owner-c")).reservation?.ownerId, "owner-b");
      await catalog.releaseReservation({ reservationId, ownerId: "owner-b" });
      await catalog.releaseReservation({ reservationId, ownerId: "owner-b" }); // releasing a missing one is fine
      assert.equal((await get("owner-c")).reservation?.ownerId, "owner-c");
      await expectCode(
        catalog.getOrExtendReservation({ reservationId, ownerId: "", heartbeatInterval: durationFromMs(1000) }),
        Code.InvalidArgument,
        /missing ownerID/,
      );
    });

    test("an independent @grpc/grpc-js client reads a cached artifact and gets NOT_FOUND codes", async () => {
      const pkg = loadPackage(["flyteidl/datacatalog/datacatalog.proto"]);
      const Ctor = (pkg.datacatalog as Record<string, grpc.ServiceClientConstructor>).DataCatalog!;
      const client = new Ctor(platform.grpcAddress, grpc.credentials.createInsecure()) as unknown as GrpcJsClient;
      try {
        const id = { project: "flytesnacks", domain: "development", name: "flyte_task-wf.square", version: "1.0-sig" };
        const res = await unary<{
          artifact: {
            id: string;
            data: Array<{ name: string; value: { scalar: { primitive: { integer: string } } } }>;
          };
        }>(client, "GetArtifact", { dataset: id, tag_name: "flyte_cached-abc" });
        assert.equal(res.artifact.id, "art-1");
        assert.equal(res.artifact.data[0]?.value.scalar.primitive.integer, "100");
        await assert.rejects(
          unary(client, "GetArtifact", { dataset: id, tag_name: "missing" }),
          (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND,
        );
      } finally {
        client.close();
      }
    });
  });
}
