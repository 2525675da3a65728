import assert from "node:assert/strict";
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Code } from "../errors.ts";
import { blobStoreContract, rejectsWith } from "./blob-store-contract.ts";
import { LocalBlobStore } from "./local-blob-store.ts";

async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), "aloft-blob-"));
}

async function inTempRoot(test: (root: string) => Promise<void>): Promise<void> {
  const root = await tempRoot();
  try {
    await test(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

blobStoreContract("local directory", async () => {
  const root = await tempRoot();
  const store = new LocalBlobStore({ root: join(root, "store") });
  return {
    store,
    foreignUris: [`file://${root}/elsewhere/x`, `file://${root}/store-sibling/x`, "file://relative/x", "s3://bucket/x"],
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe("LocalBlobStore", () => {
  it("maps a key to a real file under the root, with a file:/// URI", async () => {
    const root = await tempRoot();
    try {
      const store = new LocalBlobStore({ root });
      await store.put("metadata/propeller/p-d-e/n0/data/inputs.pb", "abc");
      const path = join(root, "metadata/propeller/p-d-e/n0/data/inputs.pb");
      assert.equal(await readFile(path, "utf8"), "abc");
      assert.equal(store.uri("metadata/propeller/p-d-e/n0/data/inputs.pb"), `file://${path}`);
      assert.equal(store.uri(""), `file://${root}/`);
      assert.equal(store.keyOf(`file://${root}`), "");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("reads files another process wrote at the URI path (as flytekit does)", async () => {
    const root = await tempRoot();
    try {
      const store = new LocalBlobStore({ root });
      const uri = store.uri("raw/ab/exec-n0-0/outputs.pb");
      const path = uri.slice("file://".length);
      await mkdir(join(path, ".."), { recursive: true });
      await writeFile(path, new Uint8Array([9, 8, 7]));
      assert.deepEqual(await store.get(store.keyOf(uri)), new Uint8Array([9, 8, 7]));
      assert.deepEqual(
        (await store.list("raw/")).items.map((e) => e.key),
        ["raw/ab/exec-n0-0/outputs.pb"],
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("leaves no temp files behind and never lists in-flight ones", async () => {
    const root = await tempRoot();
    try {
      const store = new LocalBlobStore({ root });
      await Promise.all(Array.from({ length: 5 }, (_, i) => store.put("d/k", `v${i}`)));
      assert.deepEqual(await readdir(join(root, "d")), ["k"]);
      await writeFile(join(root, "d", ".aloft-tmp-deadbeef"), "partial");
      assert.deepEqual(
        (await store.list("d/")).items.map((e) => e.key),
        ["d/k"],
      );
      await assert.rejects(store.put("d/.aloft-tmp-x", "v"), rejectsWith(Code.INVALID_ARGUMENT));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("writes again into a directory removed since it was last written (known directories are re-made)", () =>
    inTempRoot(async (root) => {
      const store = new LocalBlobStore({ root });
      await store.put("g/h/k", "one");
      await rm(join(root, "g"), { recursive: true, force: true });
      await store.put("g/h/k", "two");
      assert.equal(await readFile(join(root, "g/h/k"), "utf8"), "two");
      // A file where the remembered directory was: the same conflict as for a directory never written to.
      await rm(join(root, "g"), { recursive: true, force: true });
      await writeFile(join(root, "g"), "x");
      await assert.rejects(store.put("g/h/k", "three"), rejectsWith(Code.FAILED_PRECONDITION));
      assert.deepEqual(await readdir(root), ["g"]);
    }));

  it("writes and reads large bodies (the asynchronous path) as whole objects too", () =>
    inTempRoot(async (root) => {
      const store = new LocalBlobStore({ root });
      const big = new Uint8Array((1 << 20) + 1).fill(7);
      await store.put("l/k", big);
      await store.put("l/k", "x".repeat((1 << 20) + 1));
      assert.equal((await store.head("l/k"))?.size, (1 << 20) + 1);
      assert.equal(Buffer.from(await store.get("l/k")).toString(), "x".repeat((1 << 20) + 1));
      assert.deepEqual(await readdir(join(root, "l")), ["k"]);
    }));

  it("a failed stream write leaves the old object in place", async () => {
    const root = await tempRoot();
    try {
      const store = new LocalBlobStore({ root });
      await store.put("f/k", "old");
      const { Readable } = await import("node:stream");
      const failing = new Readable({
        read() {
          this.push("new-part");
          this.destroy(new Error("upstream broke"));
        },
      });
      await assert.rejects(store.put("f/k", failing));
      assert.equal(Buffer.from(await store.get("f/k")).toString(), "old");
      assert.deepEqual(await readdir(join(root, "f")), ["k"]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("reports FAILED_PRECONDITION when an object and a directory would share a name", async () => {
    const root = await tempRoot();
    try {
      const store = new LocalBlobStore({ root });
      await store.put("c/file", "x");
      await assert.rejects(store.put("c/file/child", "y"), rejectsWith(Code.FAILED_PRECONDITION));
      await store.put("c/dir/child", "y");
      await assert.rejects(store.put("c/dir", "z"), rejectsWith(Code.FAILED_PRECONDITION));
      await store.delete("c/dir"); // a directory is no object: nothing to delete
      assert.equal(Buffer.from(await store.get("c/dir/child")).toString(), "y");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("writes nothing outside the root for hostile keys", async () => {
    const parent = await tempRoot();
    try {
      const store = new LocalBlobStore({ root: join(parent, "root") });
      for (const key of ["../escape", "a/../../escape", "/tmp/escape"]) {
        await assert.rejects(store.put(key, "x"), rejectsWith(Code.INVALID_ARGUMENT));
      }
      assert.deepEqual(await readdir(parent), []);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it("signs URLs only through an injected signer", async () => {
    const root = await tempRoot();
    try {
      const plain = new LocalBlobStore({ root });
      await assert.rejects(
        plain.signedUrl("a/b", { method: "GET", expiresInSeconds: 60 }),
        rejectsWith(Code.UNIMPLEMENTED),
      );
      const signed = new LocalBlobStore({
        root,
        urlSigner: (key, opts) => `http://127.0.0.1:8088/blob/${key}?m=${opts.method}&e=${opts.expiresInSeconds}`,
      });
      assert.equal(
        await signed.signedUrl("a/b", { method: "PUT", expiresInSeconds: 60 }),
        "http://127.0.0.1:8088/blob/a/b?m=PUT&e=60",
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
