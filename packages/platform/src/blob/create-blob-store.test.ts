import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { defaultConfig } from "@aloft/core";
import { Code } from "@aloft/core";
import { rejectsWith } from "@aloft/core/testing";
import { createBlobStore } from "./create-blob-store.ts";
import { LocalBlobStore } from "@aloft/core";
import { S3BlobStore } from "./s3-blob-store.ts";

describe("createBlobStore", () => {
  it("builds a local store rooted under dataDir for a relative localRoot", async () => {
    const cfg = { ...defaultConfig(), dataDir: "/var/aloft" };
    const store = await createBlobStore(cfg);
    assert.ok(store instanceof LocalBlobStore);
    assert.equal(store.root, "/var/aloft/blobs");
    assert.equal(store.uri("a/b"), "file:///var/aloft/blobs/a/b");
    const abs = await createBlobStore({ ...cfg, storage: { ...cfg.storage, localRoot: "/srv/blobs" } });
    assert.equal((abs as LocalBlobStore).root, "/srv/blobs");
    const rel = await createBlobStore({ ...cfg, dataDir: "rel-data" });
    assert.equal((rel as LocalBlobStore).root, resolve("rel-data", "blobs"));
  });

  it("builds an S3 store from storage.s3", async () => {
    const cfg = defaultConfig();
    cfg.storage = {
      ...cfg.storage,
      kind: "s3",
      bucket: "my-bucket",
      s3: {
        endpoint: "http://127.0.0.1:9000",
        region: "eu-west-1",
        accessKeyId: "k",
        secretAccessKey: "s",
        forcePathStyle: true,
      },
    };
    const store = await createBlobStore(cfg);
    try {
      assert.ok(store instanceof S3BlobStore);
      assert.equal(store.uri("x"), "s3://my-bucket/x");
      assert.equal(await store.client.config.region(), "eu-west-1");
      assert.equal(store.client.config.forcePathStyle, true);
      const creds = await store.client.config.credentials();
      assert.equal(creds.accessKeyId, "k");
    } finally {
      await store.close();
    }
  });

  it("rejects an incomplete S3 configuration", async () => {
    const cfg = defaultConfig();
    cfg.storage = { ...cfg.storage, kind: "s3", bucket: "" };
    await assert.rejects(createBlobStore(cfg), rejectsWith(Code.INVALID_ARGUMENT));
    cfg.storage = { ...cfg.storage, bucket: "b", s3: { ...cfg.storage.s3, accessKeyId: "only-the-id" } };
    await assert.rejects(createBlobStore(cfg), rejectsWith(Code.INVALID_ARGUMENT));
  });
});
