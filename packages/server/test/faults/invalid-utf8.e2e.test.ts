// Invalid UTF-8 inside a string field of a binary protobuf request (issue 9 row 7, second half): over gRPC and over
// the HTTP gateway's binary encodings (application/octet-stream, application/x-protobuf) it is INVALID_ARGUMENT
// (gRPC 3, HTTP 400), the same on SQLite and PostgreSQL, and nothing is stored. protobuf-es verifies UTF-8 in proto3
// strings while decoding, and the server maps connect's "parse binary" INTERNAL to INVALID_ARGUMENT as grpc-go's
// callers see it; this guards both, on the fast path, connect-node's path (a gzip request) and the gateway. Bytes are
// written by hand: no protobuf library would encode such a string.
import assert from "node:assert/strict";
import { connect, constants } from "node:http2";
import { gzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { postgresAvailability } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";

/** A length-delimited field (wire type 2) with a one-byte tag and a length below 128. */
const field = (num: number, payload: Uint8Array) => Uint8Array.from([(num << 3) | 2, payload.length, ...payload]);
const ascii = (s: string) => new TextEncoder().encode(s);

/** ProjectRegisterRequest{project: Project{id, name}} with `name` given as raw bytes. */
const registerProject = (id: string, name: Uint8Array) =>
  field(1, Uint8Array.from([...field(1, ascii(id)), ...field(2, name)]));

/** One unary gRPC call with a raw request body; resolves with grpc-status and grpc-message. */
function rawGrpc(
  address: string,
  path: string,
  message: Uint8Array,
  gzip = false,
): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${address}`);
    session.on("error", reject);
    const payload = gzip ? gzipSync(message) : message;
    const frame = Buffer.alloc(5 + payload.length);
    frame[0] = gzip ? 1 : 0;
    frame.writeUInt32BE(payload.length, 1);
    frame.set(payload, 5);
    const head = {
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: path,
      "content-type": "application/grpc",
      te: "trailers",
    };
    const stream = session.request(gzip ? { ...head, "grpc-encoding": "gzip" } : head);
    let headers: Record<string, unknown> = {};
    stream.on("response", (h) => (headers = { ...h }));
    stream.on("trailers", (t) => (headers = { ...headers, ...t }));
    stream.on("data", () => undefined);
    stream.on("end", () => {
      session.close();
      resolve({
        status: Number(headers["grpc-status"]),
        message: decodeURIComponent(String(headers["grpc-message"] ?? "")),
      });
    });
    stream.on("error", reject);
    stream.end(frame);
  });
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`invalid UTF-8 in binary protobuf is INVALID_ARGUMENT [${kind}]`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await startTestPlatform({ database: kind });
    });
    after(async () => {
      await platform?.close();
    });

    test("gRPC", async () => {
      for (const bad of [[0x61, 0xff, 0x62], [0xc3], [0xed, 0xa0, 0x80] /* an encoded surrogate */]) {
        const res = await rawGrpc(
          platform.grpcAddress,
          "/flyteidl.service.AdminService/RegisterProject",
          registerProject("bad-utf8", Uint8Array.from(bad)),
        );
        assert.equal(res.status, 3, `${bad}: ${res.status} ${res.message}`);
        assert.match(res.message, /utf-8/i);
      }
      // A compressed request takes connect-node's path instead of the unary fast path.
      const gz = await rawGrpc(
        platform.grpcAddress,
        "/flyteidl.service.AdminService/RegisterProject",
        registerProject("bad-gzip", Uint8Array.from([0xff])),
        true,
      );
      assert.equal(gz.status, 3, `gzip: ${gz.status} ${gz.message}`);
      // The same request with valid text is accepted: the check is about the bytes, not the path.
      const ok = await rawGrpc(
        platform.grpcAddress,
        "/flyteidl.service.AdminService/RegisterProject",
        registerProject("good-utf8", ascii("Größe")),
      );
      assert.equal(ok.status, 0, ok.message);
    });

    test("HTTP gateway, application/octet-stream and application/x-protobuf", async () => {
      for (const type of ["application/octet-stream", "application/x-protobuf"]) {
        const res = await fetch(`${platform.httpUrl}/api/v1/projects`, {
          method: "POST",
          headers: { "content-type": type },
          body: registerProject("bad-http", Uint8Array.from([0x61, 0xff])),
        });
        assert.equal(res.status, 400, type);
      }
      const list = await fetch(`${platform.httpUrl}/api/v1/projects`, { headers: { accept: "application/json" } });
      const ids = ((await list.json()) as { projects: Array<{ id: string }> }).projects.map((p) => p.id);
      assert.ok(!ids.includes("bad-utf8") && !ids.includes("bad-http"), ids.join(","));
      assert.ok(ids.includes("good-utf8"));
    });
  });
}
