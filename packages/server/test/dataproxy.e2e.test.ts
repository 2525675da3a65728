// DataProxyService end to end: upload locations and the signed URLs behind them, on the local blob store (Aloft
// serves /blobs/ itself) and on S3 (s3rver, presigned by the AWS SDK), over the HTTP gateway and gRPC.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { startS3, type TestS3 } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { grpc, loadPackage, unary, type GrpcJsClient } from "@aloft/testkit";
import { SIGNING_KEY_FILE, loadOrCreateSigningKey } from "../src/signing-key.ts";

const P = "flytesnacks";
const D = "development";
const md5 = (b: Buffer | string) => createHash("md5").update(b).digest();

/** GET with the path exactly as given (no URL normalisation). */
function rawStatus(base: string, path: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const u = new URL(base);
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: "GET" }, (res) => {
      res.resume();
      resolvePromise(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

interface UploadLocation {
  signed_url: string;
  native_url: string;
  expires_at: string;
  headers: Record<string, string>;
}

function gateway(platform: () => TestPlatform) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${platform().httpUrl}${path}`, {
      method,
      headers: { Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}

describe("DataProxy on the local blob store", () => {
  let platform: TestPlatform;
  const clock = new ManualClock(Date.now());
  const api = gateway(() => platform);
  const createUpload = async (body: Record<string, unknown>) => {
    const r = await api("POST", "/api/v1/dataproxy/artifact_urn", { project: P, domain: D, ...body });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as unknown as UploadLocation;
  };

  before(async () => {
    platform = await startTestPlatform({ clock, overrides: { dataProxy: { upload: { maxSizeBytes: 64 } } } });
  });
  after(async () => platform?.close());

  test("upload location: hash-rooted path, Content-MD5 bound, default expiry 1 h; the PUT lands in the store", async () => {
    const body = Buffer.from("print('hello')\n");
    const digest = md5(body);
    const loc = await createUpload({
      content_md5: digest.toString("base64"),
      filename: "code.tar.gz",
      add_content_md5_metadata: true,
    });
    const root = join(platform.config.dataDir, "blobs");
    assert.match(loc.native_url, new RegExp(`^file://${root}/${P}/${D}/[A-Z2-7]{26}======/code\\.tar\\.gz$`));
    assert.ok(loc.signed_url.startsWith(`${platform.httpUrl}/blobs/${P}/${D}/`), loc.signed_url);
    assert.deepEqual(loc.headers, {
      "Content-MD5": digest.toString("base64"),
      "x-amz-meta-content-md5": digest.toString("base64"),
    });
    assert.equal(Date.parse(loc.expires_at), clock.now().getTime() + 3600_000);

    // The raw bytes, as flytekit sends them (no Content-Type).
    const put = await fetch(loc.signed_url, { method: "PUT", body, headers: loc.headers });
    assert.equal(put.status, 200, await put.text());
    assert.deepEqual(readFileSync(new URL(loc.native_url)), body);

    // The same URL reads nothing back: it was signed for PUT.
    assert.equal((await fetch(loc.signed_url)).status, 403);
  });

  test("a refused upload leaves nothing behind: wrong content, missing or different Content-MD5, too big", async () => {
    const body = Buffer.from("the real content");
    const digest = md5(body).toString("base64");
    const loc = await createUpload({ content_md5: digest, filename: "x.bin" });
    const file = new URL(loc.native_url);
    const other = await fetch(loc.signed_url, {
      method: "PUT",
      body: Buffer.from("something else!!"),
      headers: { "Content-MD5": digest },
    });
    assert.equal(other.status, 400);
    assert.match(await other.text(), /BadDigest/);
    const none = await fetch(loc.signed_url, { method: "PUT", body });
    assert.equal(none.status, 403);
    const otherMd5 = await fetch(loc.signed_url, {
      method: "PUT",
      body,
      headers: { "Content-MD5": md5("x").toString("base64") },
    });
    assert.equal(otherMd5.status, 403);
    assert.throws(() => statSync(file), /ENOENT/);

    const big = Buffer.alloc(100, 1);
    const bigLoc = await createUpload({ content_md5: md5(big).toString("base64"), filename: "big.bin" });
    const tooBig = await fetch(bigLoc.signed_url, { method: "PUT", body: big, headers: bigLoc.headers });
    assert.equal(tooBig.status, 413);
    assert.throws(() => statSync(new URL(bigLoc.native_url)), /ENOENT/);
  });

  test("tampered or expired URLs are refused with 403; paths cannot leave the store", async () => {
    const body = Buffer.from("abc");
    const loc = await createUpload({ content_md5: md5(body).toString("base64"), filename: "t.txt", expires_in: "60s" });
    const tampered = new URL(loc.signed_url);
    tampered.pathname = tampered.pathname.replace("t.txt", "u.txt");
    assert.equal((await fetch(tampered, { method: "PUT", body, headers: loc.headers })).status, 403);
    const forged = new URL(loc.signed_url);
    forged.searchParams.set("expires", String(Number(forged.searchParams.get("expires")) + 3600));
    assert.equal((await fetch(forged, { method: "PUT", body, headers: loc.headers })).status, 403);
    // Sent as is (fetch would normalise the dots away). Literal dot segments are redirected to the clean path (outside
    // /blobs/) before any route runs; encoded ones reach the route, where no key may hold "..".
    const query = new URL(loc.signed_url).search;
    assert.equal(await rawStatus(platform.httpUrl, `/blobs/../../etc/passwd${query}`), 301);
    assert.equal(await rawStatus(platform.httpUrl, `/blobs/%2E%2E/%2E%2E/etc/passwd${query}`), 403);
    assert.equal(await rawStatus(platform.httpUrl, `/blobs/${P}/%2E%2E/%2E%2E/%2E%2E/etc/passwd${query}`), 403);
    assert.equal((await fetch(`${platform.httpUrl}/blobs/a`, { method: "DELETE" })).status, 405);

    clock.advance(61_000);
    const expired = await fetch(loc.signed_url, { method: "PUT", body, headers: loc.headers });
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /expired/);
  });

  test("deterministic names: an existing object is rewritten only with a matching hash (ALREADY_EXISTS otherwise)", async () => {
    const body = Buffer.from("v1 of the file");
    const digest = md5(body).toString("base64");
    const loc = await createUpload({ filename_root: "my-root", filename: "f.txt", content_md5: digest });
    assert.ok(loc.native_url.endsWith(`/${P}/${D}/my-root/f.txt`), loc.native_url);
    assert.equal((await fetch(loc.signed_url, { method: "PUT", body, headers: loc.headers })).status, 200);

    await createUpload({ filename_root: "my-root", filename: "f.txt", content_md5: digest });
    const noHash = await api("POST", "/api/v1/dataproxy/artifact_urn", {
      project: P,
      domain: D,
      filename_root: "my-root",
      filename: "f.txt",
    });
    assert.equal(noHash.status, 409);
    assert.match(
      String(noHash.body.message),
      /file already exists at location \[file:\/\/.*\/my-root\/f\.txt\], specify a matching hash/,
    );
    const otherHash = await api("POST", "/api/v1/dataproxy/artifact_urn", {
      project: P,
      domain: D,
      filename_root: "my-root",
      filename: "f.txt",
      content_md5: md5("v2").toString("base64"),
    });
    assert.equal(otherHash.status, 409);
  });

  test("bad requests are INVALID_ARGUMENT with upstream's messages", async () => {
    const bad = async (body: Record<string, unknown>, message: RegExp) => {
      const r = await api("POST", "/api/v1/dataproxy/artifact_urn", body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(String(r.body.message), message);
    };
    const digest = md5("x").toString("base64");
    await bad({ domain: D, content_md5: digest }, /^project and domain are required parameters$/);
    await bad({ project: P, domain: D }, /^content_md5 or filename_root is a required parameter$/);
    await bad(
      { project: P, domain: D, content_md5: digest, expires_in: "7200s" },
      /cannot exceed max allowed expiration/,
    );
    await bad(
      { project: P, domain: D, content_md5: digest, filename: "../x" },
      /filename must be a single path segment/,
    );
    await bad({ project: P, domain: D, content_md5: "AAAA" }, /content_md5 must be the 16 bytes/);
  });

  test("CreateDownloadLocation signs a GET for a native URL of the store; foreign URLs are refused", async () => {
    const body = Buffer.from("download me");
    const loc = await createUpload({ content_md5: md5(body).toString("base64"), filename: "d.txt" });
    assert.equal((await fetch(loc.signed_url, { method: "PUT", body, headers: loc.headers })).status, 200);
    const r = await api(
      "GET",
      `/api/v1/dataproxy/artifact_urn?native_url=${encodeURIComponent(loc.native_url)}&expires_in=120s`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const get = await fetch(String(r.body.signed_url));
    assert.equal(get.status, 200);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), body);
    assert.equal(
      (await fetch(String(r.body.signed_url), { method: "HEAD" })).headers.get("content-length"),
      String(body.length),
    );
    const foreign = await api(
      "GET",
      `/api/v1/dataproxy/artifact_urn?native_url=${encodeURIComponent("s3://elsewhere/x")}`,
    );
    assert.equal(foreign.status, 400);
  });

  test("CreateDownloadLink and GetData validate their input", async () => {
    const undef = await api("POST", "/api/v1/dataproxy/artifact_link", { artifact_type: "ARTIFACT_TYPE_UNDEFINED" });
    assert.equal(undef.status, 400);
    const noSource = await api("POST", "/api/v1/dataproxy/artifact_link", { artifact_type: "ARTIFACT_TYPE_DECK" });
    assert.equal(noSource.status, 400);
    const unknownNode = await api("POST", "/api/v1/dataproxy/artifact_link", {
      artifact_type: "ARTIFACT_TYPE_DECK",
      node_execution_id: { node_id: "n0", execution_id: { project: P, domain: D, name: "nope" } },
    });
    assert.equal(unknownNode.status, 400);
    assert.match(String(unknownNode.body.message), /failed to find node execution/);
    const notFlyte = await api("GET", `/api/v1/data?flyte_url=${encodeURIComponent("s3://x/y")}`);
    assert.equal(notFlyte.status, 400);
    assert.match(String(notFlyte.body.message), /does not start with the correct prefix/);
    const badGrammar = await api("GET", `/api/v1/data?flyte_url=${encodeURIComponent("flyte://v1/p/d/e/n/0/d/x")}`);
    assert.equal(badGrammar.status, 400);
    const deckAttempt = await api("GET", `/api/v1/data?flyte_url=${encodeURIComponent("flyte://v1/p/d/e/n/0/d")}`);
    assert.equal(deckAttempt.status, 400);
    assert.match(String(deckAttempt.body.message), /deck type cannot be specified with a retry attempt/);
    const missingExec = await api(
      "GET",
      `/api/v1/data?flyte_url=${encodeURIComponent(`flyte://v1/${P}/${D}/nope/n0/o`)}`,
    );
    assert.equal(missingExec.status, 404);
  });

  test("the same service over gRPC (an independent grpc-js client)", async () => {
    const pkg = loadPackage(["flyteidl/service/dataproxy.proto"]);
    const Ctor = ((pkg.flyteidl as Record<string, unknown>).service as Record<string, unknown>)
      .DataProxyService as grpc.ServiceClientConstructor;
    const client = new Ctor(platform.grpcAddress, grpc.credentials.createInsecure()) as unknown as GrpcJsClient;
    try {
      const body = Buffer.from("over grpc");
      const res = await unary<UploadLocation>(client, "CreateUploadLocation", {
        project: P,
        domain: D,
        content_md5: md5(body),
        filename: "g.txt",
      });
      assert.equal((await fetch(res.signed_url, { method: "PUT", body, headers: res.headers })).status, 200);
      await assert.rejects(
        unary(client, "CreateUploadLocation", { project: P, domain: D }),
        (e: { code: number }) => e.code === grpc.status.INVALID_ARGUMENT,
      );
    } finally {
      client.close();
    }
  });

  test("the signing key is generated once, kept with mode 0600 and reused", () => {
    const file = join(platform.config.dataDir, SIGNING_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const key = readFileSync(file, "utf8").trim();
    assert.ok(key.length >= 32);
    assert.equal(loadOrCreateSigningKey("", file), key);
    assert.equal(loadOrCreateSigningKey("configured-key", file), "configured-key");
  });
});

describe("DataProxy on S3 (s3rver): presigned URLs", () => {
  let s3: TestS3;
  let platform: TestPlatform;
  const api = gateway(() => platform);

  before(async () => {
    s3 = await startS3();
    platform = await startTestPlatform({
      overrides: { storage: s3.config, dataProxy: { upload: { storagePrefix: "uploads" } } },
    });
  });
  after(async () => {
    await platform?.close();
    await s3?.close();
  });

  test("upload through the presigned PUT with the returned headers, read back through CreateDownloadLocation", async () => {
    const body = Buffer.from("s3 content");
    const digest = md5(body).toString("base64");
    const r = await api("POST", "/api/v1/dataproxy/artifact_urn", {
      project: P,
      domain: D,
      content_md5: digest,
      filename: "s.txt",
      add_content_md5_metadata: true,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const loc = r.body as unknown as UploadLocation;
    assert.match(loc.native_url, new RegExp(`^s3://${s3.bucket}/uploads/${P}/${D}/[A-Z2-7=]{32}/s\\.txt$`));
    assert.ok(loc.signed_url.startsWith(`${s3.endpoint}/${s3.bucket}/uploads/`), loc.signed_url);
    assert.match(new URL(loc.signed_url).searchParams.get("X-Amz-SignedHeaders") ?? "", /content-md5/);
    assert.equal((await fetch(loc.signed_url, { method: "PUT", body, headers: loc.headers })).status, 200);

    // The recorded MD5 metadata lets the same deterministic location be asked for again with the same hash.
    const dl = await api("GET", `/api/v1/dataproxy/artifact_urn?native_url=${encodeURIComponent(loc.native_url)}`);
    assert.equal(dl.status, 200);
    const get = await fetch(String(dl.body.signed_url));
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), body);
  });
});

describe("CreateDownloadLink of a deck a task wrote (flyteconsole's deck view)", () => {
  let platform: TestPlatform;
  const api = gateway(() => platform);
  before(async () => {
    platform = await startTestPlatform({ engine: true });
  });
  after(async () => platform?.close());

  test("the node's deck is a signed link that downloads the page", async () => {
    const id = (resource_type: string, name: string) => ({ resource_type, project: P, domain: D, name, version: "v1" });
    const task = id("TASK", "decked");
    const ok = (r: { status: number; body: unknown }) => assert.equal(r.status, 200, JSON.stringify(r.body));
    ok(
      await api("POST", "/api/v1/tasks", {
        id: task,
        spec: {
          template: {
            id: task,
            type: "python-task",
            metadata: { runtime: { version: "1.0.0" } },
            interface: { inputs: { variables: {} }, outputs: { variables: {} } },
            container: {
              image: "alpine",
              command: [
                "sh",
                "-c",
                "mkdir -p {{.outputPrefix}} && echo '<h1>a deck</h1>' > {{.outputPrefix}}/deck.html",
              ],
            },
          },
        },
      }),
    );
    ok(
      await api("POST", "/api/v1/executions", { project: P, domain: D, name: "decked-1", spec: { launch_plan: task } }),
    );
    let phase = "";
    for (let i = 0; i < 300 && !["SUCCEEDED", "FAILED"].includes(phase); i++) {
      await new Promise((r) => setTimeout(r, 100));
      phase = String(
        ((await api("GET", `/api/v1/executions/${P}/${D}/decked-1`)).body.closure as { phase: string }).phase,
      );
    }
    assert.equal(phase, "SUCCEEDED");
    const nodes = await api("GET", `/api/v1/node_executions/${P}/${D}/decked-1?limit=10`);
    const node = (nodes.body.node_executions as { id: { node_id: string }; closure: { deck_uri: string } }[]).find(
      (n) => n.closure.deck_uri !== "",
    );
    assert.ok(node, JSON.stringify(nodes.body));
    const link = await api("POST", "/api/v1/dataproxy/artifact_link", {
      artifact_type: "ARTIFACT_TYPE_DECK",
      node_execution_id: { node_id: node.id.node_id, execution_id: { project: P, domain: D, name: "decked-1" } },
    });
    assert.equal(link.status, 200, JSON.stringify(link.body));
    const urls = (link.body.pre_signed_urls as { signed_url: string[] }).signed_url;
    const page = await fetch(urls[0]!);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<h1>a deck<\/h1>/);
  });
});
