import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { TaskExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { AloftError, Code } from "@aloft/core";
import { builders as b } from "@aloft/core/testing";
import { MemoryCatalog } from "../testing/memory-catalog.ts";
import { lookupCache, putCache, releaseCache, reserveCache } from "./catalog-client.ts";
import { catalogKeyOf, type CatalogKey } from "./catalog-key.ts";

const int = (n: number): Literal => b.literalOf({ case: "integer", value: BigInt(n) });
const str = (s: string): Literal => b.literalOf({ case: "stringValue", value: s });

function keyFor(outputs: Record<string, typeof b.INT>, x = 1): CatalogKey {
  const t = b.task("t", { x: b.INT }, outputs).template!;
  t.metadata = { discoverable: true, discoveryVersion: "1" } as never;
  return catalogKeyOf(t, create(LiteralMapSchema, { literals: { x: int(x) } }));
}

const source = (exec: string) =>
  create(TaskExecutionIdentifierSchema, {
    taskId: { project: "p", domain: "d", name: "t", version: "v7" },
    nodeExecutionId: { nodeId: "n0", executionId: { project: "p", domain: "d", name: exec } },
    retryAttempt: 2,
  });

const outputs = (literals: Record<string, Literal>) => create(LiteralMapSchema, { literals });

test("put then lookup: a hit with the outputs, the tag and the source execution; other inputs miss", async () => {
  const catalog = new MemoryCatalog();
  const key = keyFor({ o: b.INT });
  assert.deepEqual(await lookupCache(catalog, key), { hit: false });
  const put = await putCache(catalog, key, outputs({ o: int(5) }), source("e1"), false);
  assert.equal(put.status, "POPULATED");
  const r = await lookupCache(catalog, key);
  assert.ok(r.hit);
  assert.deepEqual(r.outputs.literals["o"], int(5));
  assert.equal(r.metadata.artifactTag?.name, put.metadata?.artifactTag?.name);
  assert.ok(r.metadata.sourceExecution.case === "sourceTaskExecution");
  const src = r.metadata.sourceExecution.value;
  assert.equal(src.taskId?.version, "v7");
  assert.equal(src.retryAttempt, 2);
  assert.equal(src.nodeExecutionId?.executionId?.name, "e1");
  assert.deepEqual(await lookupCache(catalog, keyFor({ o: b.INT }, 2)), { hit: false });
});

test("a second put of the same key (a concurrent population) is still POPULATED: dataset and tag ALREADY_EXISTS are fine", async () => {
  const catalog = new MemoryCatalog();
  const key = keyFor({ o: b.INT });
  assert.equal((await putCache(catalog, key, outputs({ o: int(5) }), source("e1"), false)).status, "POPULATED");
  assert.equal((await putCache(catalog, key, outputs({ o: int(5) }), source("e2"), false)).status, "POPULATED");
  assert.equal(catalog.calls.createDataset, 2);
  assert.equal(catalog.calls.addTag, 2);
});

test("a put failing anywhere is PUT_FAILURE, never an exception", async () => {
  for (const op of ["createDataset", "createArtifact", "addTag"] as const) {
    const catalog = new MemoryCatalog();
    catalog.fail = (o) => (o === op ? new AloftError(Code.INTERNAL, "test.fail", "no") : undefined);
    const r = await putCache(catalog, keyFor({ o: b.INT }), outputs({ o: int(5) }), source("e1"), false);
    assert.equal(r.status, "PUT_FAILURE", op);
  }
});

test("an artifact that does not fit the task outputs is an error, not a miss", async () => {
  const catalog = new MemoryCatalog();
  await putCache(catalog, keyFor({ o: b.INT }), outputs({ o: str("five") }), source("e1"), false);
  await assert.rejects(
    lookupCache(catalog, keyFor({ o: b.INT })),
    (e) => e instanceof AloftError && e.code === Code.FAILED_PRECONDITION,
  );
  const other = new MemoryCatalog();
  await putCache(other, keyFor({ o: b.INT }), outputs({ o: int(1), extra: int(2) }), source("e1"), false);
  await assert.rejects(lookupCache(other, keyFor({ o: b.INT })), /2 values/);
});

test("lookup errors other than NOT_FOUND propagate", async () => {
  const catalog = new MemoryCatalog();
  catalog.fail = (op) => (op === "getArtifact" ? new AloftError(Code.UNAVAILABLE, "test.down", "down") : undefined);
  await putCache(catalog, keyFor({ o: b.INT }), outputs({ o: int(5) }), source("e1"), false);
  await assert.rejects(
    lookupCache(catalog, keyFor({ o: b.INT })),
    (e) => e instanceof AloftError && e.code === Code.UNAVAILABLE,
  );
});

test("reservations: one owner at a time, extended by its owner, taken over once lapsed, released by its owner only", async () => {
  let now = 1_000_000;
  const catalog = new MemoryCatalog(() => now);
  const key = keyFor({ o: b.INT });
  assert.equal(await reserveCache(catalog, key, "a", 1000), "ACQUIRED");
  assert.equal(await reserveCache(catalog, key, "b", 1000), "EXISTS");
  now += 2000;
  assert.equal(await reserveCache(catalog, key, "a", 1000), "ACQUIRED", "extended");
  now += 2500;
  assert.equal(await reserveCache(catalog, key, "b", 1000), "EXISTS", "still within 3 heartbeats of the extension");
  now += 1000;
  assert.equal(await reserveCache(catalog, key, "b", 1000), "ACQUIRED", "lapsed: taken over");
  await releaseCache(catalog, key, "a");
  assert.equal(await reserveCache(catalog, key, "c", 1000), "EXISTS", "a cannot release b's reservation");
  await releaseCache(catalog, key, "b");
  assert.equal(await reserveCache(catalog, key, "c", 1000), "ACQUIRED");
});
