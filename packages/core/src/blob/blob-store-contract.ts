// The behaviour every BlobStore must have, run once per adapter (local-blob-store.test.ts, s3-blob-store.test.ts).
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { AloftError, Code } from "../errors.ts";
import { compareKeys, getMessage, listAll, putMessage, readAll, type BlobStore } from "./blob-store.ts";

export interface ContractTarget {
  store: BlobStore;
  /** URIs that look plausible but do not belong to this store. */
  foreignUris: string[];
  /**
   * False for emulators that list in their own directory-walk order (s3rver) instead of S3's UTF-8 byte
   * order: the order-sensitive assertions then compare sorted listings.
   */
  listsInByteOrder?: boolean;
  /**
   * False for emulators whose concurrent PUTs of one key can interleave on their disk (s3rver truncates and
   * rewrites the same file). Real S3 replaces objects atomically, and the adapter sends each object in one
   * PutObject; against such an emulator the test only checks that concurrent writers all complete and a
   * later write reads back whole.
   */
  atomicConcurrentPuts?: boolean;
  cleanup(): Promise<void>;
}

export function rejectsWith(code: Code) {
  return (e: unknown) => {
    assert.ok(e instanceof AloftError, `expected an AloftError, got ${String(e)}`);
    assert.equal(e.code, code, `expected code ${Code[code]}, got ${Code[e.code]}: ${e.message}`);
    return true;
  };
}

const BAD_KEYS = [
  "",
  "/abs/key",
  "../up",
  "a/../b",
  "a/..",
  "./a",
  "a/./b",
  "a//b",
  "a/",
  "a\\b",
  "a\u0000b",
  "x".repeat(1025),
];

export function blobStoreContract(name: string, setup: () => Promise<ContractTarget>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let target: ContractTarget;
    let store: BlobStore;
    before(async () => {
      target = await setup();
      store = target.store;
    });
    after(async () => {
      await target.cleanup();
    });

    it("round-trips every byte value, strings as UTF-8, and streams", async () => {
      const binary = new Uint8Array(512).map((_, i) => i % 256);
      await store.put("rt/binary.bin", binary);
      assert.deepEqual(await store.get("rt/binary.bin"), binary);

      await store.put("rt/text.txt", "héllo ✓");
      assert.equal(Buffer.from(await store.get("rt/text.txt")).toString("utf8"), "héllo ✓");

      await store.put("rt/stream.bin", Readable.from([Buffer.from("ab"), Buffer.from("cd")]));
      assert.equal(Buffer.from(await store.get("rt/stream.bin")).toString(), "abcd");

      await store.put("rt/empty", new Uint8Array());
      assert.deepEqual(await store.get("rt/empty"), new Uint8Array());
      assert.equal((await store.head("rt/empty"))?.size, 0);
    });

    it("overwrites an existing object", async () => {
      await store.put("ow/k", "first, longer content");
      await store.put("ow/k", "second");
      assert.equal(Buffer.from(await store.get("ow/k")).toString(), "second");
      assert.equal((await store.head("ow/k"))?.size, 6);
    });

    it("streams an object out", async () => {
      const big = new Uint8Array(1024 * 1024 + 7).map((_, i) => (i * 31) % 251);
      await store.put("st/big.bin", big);
      assert.deepEqual(await readAll(await store.getStream("st/big.bin")), big);
    });

    it("reports NOT_FOUND for absent objects and undefined/false from head/exists", async () => {
      await assert.rejects(store.get("nf/absent"), rejectsWith(Code.NOT_FOUND));
      await assert.rejects(store.getStream("nf/absent"), rejectsWith(Code.NOT_FOUND));
      assert.equal(await store.head("nf/absent"), undefined);
      assert.equal(await store.exists("nf/absent"), false);
      // A "directory" (a prefix of other keys) is not an object.
      await store.put("nf/dir/child", "x");
      await assert.rejects(store.get("nf/dir"), rejectsWith(Code.NOT_FOUND));
      await assert.rejects(store.getStream("nf/dir"), rejectsWith(Code.NOT_FOUND));
      assert.equal(await store.head("nf/dir"), undefined);
    });

    it("heads with size and modification time", async () => {
      await store.put("hd/obj", new Uint8Array([1, 2, 3]));
      const head = await store.head("hd/obj");
      assert.ok(head);
      assert.equal(head.size, 3);
      assert.ok(head.lastModified instanceof Date && !Number.isNaN(head.lastModified.getTime()));
      assert.equal(await store.exists("hd/obj"), true);
    });

    it("deletes idempotently", async () => {
      await store.put("del/k", "v");
      await store.delete("del/k");
      assert.equal(await store.exists("del/k"), false);
      await assert.rejects(store.get("del/k"), rejectsWith(Code.NOT_FOUND));
      await store.delete("del/k");
      await store.delete("del/never-existed");
    });

    it("lists by string prefix in byte order", async () => {
      // Chosen so that byte order differs from directory order: "-" < "." < "/" < "0" < "B" < "a" < "ä".
      const keys = ["ls/a-b", "ls/a.txt", "ls/a/b", "ls/a/c/d", "ls/a0", "ls/B", "ls/ä", "lsx/other"];
      for (const k of keys) await store.put(k, k);
      const expected = keys.filter((k) => k.startsWith("ls/")).sort(compareKeys);
      const ordered = (keys: string[]) => (target.listsInByteOrder === false ? [...keys].sort(compareKeys) : keys);
      const page = await store.list("ls/");
      assert.deepEqual(ordered(page.items.map((e) => e.key)), expected);
      assert.equal(page.next, undefined);
      assert.equal(page.items.find((e) => e.key === "ls/a/c/d")?.size, Buffer.byteLength("ls/a/c/d"));

      assert.deepEqual(ordered((await store.list("ls/a")).items.map((e) => e.key)), [
        "ls/a-b",
        "ls/a.txt",
        "ls/a/b",
        "ls/a/c/d",
        "ls/a0",
      ]);
      assert.deepEqual(
        (await store.list("ls/a/")).items.map((e) => e.key),
        ["ls/a/b", "ls/a/c/d"],
      );
      assert.deepEqual(
        (await store.list("ls/a/c/d")).items.map((e) => e.key),
        ["ls/a/c/d"],
      );
      assert.deepEqual(ordered((await store.list("ls")).items.map((e) => e.key)), [...expected, "lsx/other"]);
      assert.deepEqual((await store.list("ls/zzz")).items, []);
      assert.deepEqual((await store.list("no-such-prefix/")).items, []);

      const all = ordered((await store.list("")).items.map((e) => e.key));
      assert.deepEqual(all, [...all].sort(compareKeys));
      for (const k of keys) assert.ok(all.includes(k), `${k} missing from the full listing`);
    });

    it("pages with limit and startAfter", async () => {
      const keys = ["pg/1", "pg/2/a", "pg/2/b", "pg/3", "pg/4/x/y", "pg/5", "pg/6"];
      for (const k of keys) await store.put(k, "v");
      const seen: string[] = [];
      let startAfter: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.list("pg/", startAfter === undefined ? { limit: 3 } : { limit: 3, startAfter });
        pages++;
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((e) => e.key));
        if (page.next === undefined) break;
        assert.equal(page.next, page.items[page.items.length - 1]?.key);
        startAfter = page.next;
      }
      assert.deepEqual(seen, keys);
      assert.equal(pages, 3);

      assert.deepEqual(
        (await store.list("pg/", { startAfter: "pg/2/a" })).items.map((e) => e.key),
        keys.slice(2),
      );
      assert.deepEqual(
        (await store.list("pg/", { startAfter: "pg/2" })).items.map((e) => e.key),
        keys.slice(1),
      );
      assert.deepEqual((await store.list("pg/", { startAfter: "pg/6" })).items, []);

      const iterated: string[] = [];
      for await (const e of listAll(store, "pg/", 2)) iterated.push(e.key);
      assert.deepEqual(iterated, keys);

      await assert.rejects(store.list("pg/", { limit: 0 }), rejectsWith(Code.INVALID_ARGUMENT));
      await assert.rejects(store.list("pg/", { limit: 1001 }), rejectsWith(Code.INVALID_ARGUMENT));
    });

    it("round-trips keys and prefixes through URIs", async () => {
      for (const key of ["a", "metadata/admin/p/d/wf/v1", "dir/", "with space/ünïcode.pb", ""]) {
        const uri = store.uri(key);
        assert.ok(uri.startsWith(`${store.scheme}://`), uri);
        assert.equal(store.keyOf(uri), key);
      }
      await store.put("uri/obj.pb", "x");
      assert.equal(Buffer.from(await store.get(store.keyOf(store.uri("uri/obj.pb")))).toString(), "x");
    });

    it("rejects foreign and malformed URIs", () => {
      for (const uri of [...target.foreignUris, "gs://bucket/key", "http://example.com/key", "not a uri", ""]) {
        assert.throws(() => store.keyOf(uri), rejectsWith(Code.INVALID_ARGUMENT), uri);
      }
      assert.throws(() => store.keyOf(`${store.uri("")}a/../../escape`), rejectsWith(Code.INVALID_ARGUMENT));
    });

    it("rejects bad keys with INVALID_ARGUMENT", async () => {
      for (const key of BAD_KEYS) {
        const label = JSON.stringify(key.slice(0, 20));
        await assert.rejects(store.put(key, "x"), rejectsWith(Code.INVALID_ARGUMENT), `put ${label}`);
        await assert.rejects(store.get(key), rejectsWith(Code.INVALID_ARGUMENT), `get ${label}`);
        await assert.rejects(store.getStream(key), rejectsWith(Code.INVALID_ARGUMENT), `getStream ${label}`);
        await assert.rejects(store.head(key), rejectsWith(Code.INVALID_ARGUMENT), `head ${label}`);
        await assert.rejects(store.delete(key), rejectsWith(Code.INVALID_ARGUMENT), `delete ${label}`);
      }
      for (const prefix of ["/abs", "../x", "a/../", "a//"]) {
        await assert.rejects(store.list(prefix), rejectsWith(Code.INVALID_ARGUMENT), `list ${prefix}`);
        assert.throws(() => store.uri(prefix), rejectsWith(Code.INVALID_ARGUMENT), `uri ${prefix}`);
      }
    });

    it("keeps each write whole under concurrent writers", async () => {
      const payloads = Array.from({ length: 8 }, (_, i) => new Uint8Array(64 * 1024).fill(i + 1));
      await Promise.all(payloads.map((p) => store.put("cc/k", p)));
      if (target.atomicConcurrentPuts === false) await store.put("cc/k", payloads[7]!);
      const got = await store.get("cc/k");
      assert.equal(got.length, 64 * 1024);
      const first = got[0];
      assert.ok(first !== undefined && first >= 1 && first <= 8);
      assert.ok(
        got.every((b) => b === first),
        "object mixes bytes of different writes",
      );
      const listed = (await store.list("cc/")).items.map((e) => e.key);
      assert.deepEqual(listed, ["cc/k"]);
    });

    it("puts and gets protobuf messages", async () => {
      const msg: LiteralMap = create(LiteralMapSchema, {
        literals: {
          x: {
            value: {
              case: "scalar",
              value: { value: { case: "primitive", value: { value: { case: "integer", value: 42n } } } },
            },
          },
        },
      });
      await putMessage(store, "pb/inputs.pb", LiteralMapSchema, msg);
      const back = await getMessage(store, "pb/inputs.pb", LiteralMapSchema);
      const v = back.literals.x?.value;
      assert.equal(v?.case, "scalar");
      assert.deepEqual(back, msg);
      await assert.rejects(getMessage(store, "pb/absent.pb", LiteralMapSchema), rejectsWith(Code.NOT_FOUND));
      await store.put("pb/garbage.pb", new Uint8Array([0xff, 0xff, 0xff]));
      await assert.rejects(getMessage(store, "pb/garbage.pb", LiteralMapSchema), rejectsWith(Code.INTERNAL));
    });

    it("validates signed URL options before anything else", async () => {
      await assert.rejects(
        store.signedUrl("a", { method: "GET", expiresInSeconds: 0 }),
        rejectsWith(Code.INVALID_ARGUMENT),
      );
      await assert.rejects(
        store.signedUrl("a", { method: "DELETE" as "GET", expiresInSeconds: 60 }),
        rejectsWith(Code.INVALID_ARGUMENT),
      );
      await assert.rejects(
        store.signedUrl("../a", { method: "GET", expiresInSeconds: 60 }),
        rejectsWith(Code.INVALID_ARGUMENT),
      );
    });
  });
}
