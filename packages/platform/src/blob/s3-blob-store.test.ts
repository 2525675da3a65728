import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { startExternalS3, startS3, S3RVER_CREDENTIALS, type TestS3 } from "@aloft/testkit";
import { Code } from "@aloft/core";
import { blobStoreContract, rejectsWith } from "@aloft/core/testing";
import { createBlobStore } from "./create-blob-store.ts";
import { S3BlobStore } from "./s3-blob-store.ts";

blobStoreContract("S3 (s3rver)", async () => {
  const s3 = await startS3({ bucket: "contract" });
  const store = await createBlobStore({ dataDir: "/unused", storage: s3.config });
  return {
    store,
    foreignUris: ["s3://other-bucket/x", "s3://contractx/x", "s3://", "file:///tmp/x"],
    // s3rver walks its directory tree ("a/b" before "a-b"); real S3 and MinIO list in byte order.
    listsInByteOrder: false,
    // s3rver rewrites one file in place per PUT, so concurrent PUTs of a key can leave it truncated.
    atomicConcurrentPuts: false,
    cleanup: async () => {
      await store.close();
      await s3.close();
    },
  };
});

// The same contract against a real S3-compatible service when one is configured (see startExternalS3).
if (process.env.ALOFT_TEST_S3_ENDPOINT) {
  blobStoreContract(`S3 (${process.env.ALOFT_TEST_S3_ENDPOINT})`, async () => {
    const s3 = (await startExternalS3())!;
    const store = await createBlobStore({ dataDir: "/unused", storage: s3.config });
    return {
      store,
      foreignUris: ["s3://other-bucket/x", `s3://${s3.bucket}x/x`, "s3://", "file:///tmp/x"],
      cleanup: async () => {
        await store.close();
        await s3.close();
      },
    };
  });
}

describe("S3BlobStore", () => {
  let s3: TestS3;
  let store: S3BlobStore;
  before(async () => {
    s3 = await startS3();
    store = new S3BlobStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: "us-east-1",
      credentials: S3RVER_CREDENTIALS,
      forcePathStyle: true,
    });
  });
  after(async () => {
    await store.close();
    await s3.close();
  });

  it("uses s3://bucket/key URIs", () => {
    assert.equal(store.uri("metadata/admin/p/d/wf/v1"), `s3://${s3.bucket}/metadata/admin/p/d/wf/v1`);
    assert.equal(store.keyOf(`s3://${s3.bucket}/a/b`), "a/b");
    assert.equal(store.keyOf(`s3://${s3.bucket}`), "");
  });

  it("records the content type and an ETag", async () => {
    await store.put("ct/deck.html", "<html></html>", { contentType: "text/html" });
    const head = await store.head("ct/deck.html");
    assert.equal(head?.contentType, "text/html");
    assert.match(head?.etag ?? "", /^[0-9a-f]{32}$/);
  });

  it("streams a body of known length without buffering it", async () => {
    const body = Buffer.alloc(200_000, 7);
    await store.put("sl/k", Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]), {
      contentLength: body.length,
    });
    assert.deepEqual(Buffer.from(await store.get("sl/k")), body);
  });

  it("maps a missing bucket to FAILED_PRECONDITION", async () => {
    const other = new S3BlobStore({
      bucket: "no-such-bucket",
      endpoint: s3.endpoint,
      credentials: S3RVER_CREDENTIALS,
      forcePathStyle: true,
    });
    try {
      await assert.rejects(other.get("k"), rejectsWith(Code.FAILED_PRECONDITION));
      await assert.rejects(other.list(""), rejectsWith(Code.FAILED_PRECONDITION));
    } finally {
      await other.close();
    }
  });

  it("maps a refused connection to UNAVAILABLE", async () => {
    const other = new S3BlobStore({
      bucket: "b",
      endpoint: "http://127.0.0.1:1",
      credentials: S3RVER_CREDENTIALS,
      forcePathStyle: true,
    });
    try {
      await assert.rejects(other.get("k"), rejectsWith(Code.UNAVAILABLE));
    } finally {
      await other.close();
    }
  });

  it("presigns a PUT bound to its Content-MD5 and metadata, and a GET", async () => {
    const body = Buffer.from("fast registration tarball");
    const md5 = createHash("md5").update(body).digest("base64");
    const url = await store.signedUrl("up/p/d/x.tar.gz", {
      method: "PUT",
      expiresInSeconds: 60,
      contentMd5: md5,
      metadata: { "content-md5": md5 },
    });
    const headers = { "Content-MD5": md5, "x-amz-meta-content-md5": md5 };
    // s3rver accepts any signature, so what binds the upload is shown on the URL: Content-MD5 and the metadata are
    // signed headers (S3 refuses a PUT whose headers differ, and checks the body against Content-MD5).
    const signedHeaders = new URL(url).searchParams.get("X-Amz-SignedHeaders")?.split(";") ?? [];
    assert.ok(
      signedHeaders.includes("content-md5") && signedHeaders.includes("x-amz-meta-content-md5"),
      signedHeaders.join(";"),
    );
    assert.equal(new URL(url).searchParams.get("X-Amz-Expires"), "60");
    const ok = await fetch(url, { method: "PUT", body, headers });
    assert.equal(ok.status, 200, await ok.text());
    const head = await store.head("up/p/d/x.tar.gz");
    assert.equal(head?.contentMd5, md5);
    const get = await fetch(await store.signedUrl("up/p/d/x.tar.gz", { method: "GET", expiresInSeconds: 60 }));
    assert.equal(get.status, 200);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), body);
  });
});
