// Projects and platform RPCs end to end, through an independent gRPC client and the HTTP gateway,
// on SQLite and on PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { ProjectsSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { adminClient, grpc, healthClient, loadPackage, unary, type GrpcJsClient } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { postgresAvailability } from "@aloft/testkit";

/** grpc-js's generated GetProject, called with metadata so that the response headers can be read back. */
type GetProjectWithMetadata = (
  req: { id: string },
  md: grpc.Metadata,
  cb: (err: Error | null) => void,
) => grpc.ClientUnaryCall;

const S = grpc.status;

async function expectCode(p: Promise<unknown>, code: number, message?: RegExp) {
  await assert.rejects(p, (err: grpc.ServiceError) => {
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.details}`);
    if (message) assert.match(err.details, message);
    return true;
  });
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`projects end to end (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let admin: GrpcJsClient;
    before(async () => {
      platform = await startTestPlatform({ database: kind });
      admin = adminClient(platform.grpcAddress);
    });
    after(async () => {
      admin?.close();
      await platform?.close();
    });

    test("health reports flyteadmin SERVING", async () => {
      const health = healthClient(platform.grpcAddress);
      try {
        const res = await unary<{ status: string }>(health, "Check", { service: "flyteadmin" });
        assert.equal(res.status, "SERVING");
        await expectCode(unary(health, "Check", { service: "nope" }), S.NOT_FOUND);
      } finally {
        health.close();
      }
    });

    test("flytesnacks is seeded and listed with snake_case JSON and emitted defaults", async () => {
      const res = await fetch(`${platform.httpUrl}/api/v1/projects`, { headers: { Accept: "application/json" } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/json");
      const body = (await res.json()) as { projects: Array<Record<string, unknown>>; token: string };
      const snacks = body.projects.find((p) => p.id === "flytesnacks");
      assert.ok(snacks, "flytesnacks listed");
      assert.equal(snacks.name, "flytesnacks");
      assert.equal(snacks.description, "flytesnacks description");
      assert.equal(snacks.state, "ACTIVE");
      assert.equal(snacks.labels, null);
      assert.deepEqual(
        (snacks.domains as Array<{ id: string }>).map((d) => d.id),
        ["development", "staging", "production"],
      );
      assert.equal(body.token, "");
    });

    test("octet-stream returns a binary Projects message; no Accept returns lowerCamelCase", async () => {
      const bin = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        headers: { Accept: "application/octet-stream" },
      });
      assert.equal(bin.headers.get("content-type"), "application/octet-stream");
      const projects = fromBinary(ProjectsSchema, new Uint8Array(await bin.arrayBuffer()));
      assert.ok(projects.projects.some((p) => p.id === "flytesnacks"));
      const res = await fetch(`${platform.httpUrl}/api/v1/domains`);
      const text = await res.text();
      assert.match(text, /"domains"/);
      const ver = (await (await fetch(`${platform.httpUrl}/api/v1/version`)).json()) as Record<
        string,
        Record<string, string>
      >;
      assert.equal(ver.controlPlaneVersion?.Version, "0.0.0-test");
    });

    test("register, get, update and list projects over gRPC with the spec's codes", async () => {
      await unary(admin, "RegisterProject", {
        project: { id: "alpha", name: "Alpha", description: "first", labels: { values: { team: "ml" } } },
      });
      await expectCode(unary(admin, "RegisterProject", { project: { id: "alpha", name: "Alpha" } }), S.ALREADY_EXISTS);
      await expectCode(unary(admin, "RegisterProject", {}), S.INVALID_ARGUMENT, /^missing project$/);
      await expectCode(
        unary(admin, "RegisterProject", { project: { id: "x" } }),
        S.INVALID_ARGUMENT,
        /missing project_name/,
      );
      await expectCode(
        unary(admin, "RegisterProject", { project: { name: "x" } }),
        S.INVALID_ARGUMENT,
        /missing project_id/,
      );
      await expectCode(
        unary(admin, "RegisterProject", { project: { id: "Bad_Id", name: "x" } }),
        S.INVALID_ARGUMENT,
        /invalid project id \[Bad_Id\]/,
      );
      await expectCode(
        unary(admin, "RegisterProject", { project: { id: "d", name: "x", domains: [{ id: "development" }] } }),
        S.INVALID_ARGUMENT,
        /Domains are currently only set system wide/,
      );
      await expectCode(
        unary(admin, "RegisterProject", { project: { id: "longname", name: "n".repeat(65) } }),
        S.INVALID_ARGUMENT,
      );
      await expectCode(
        unary(admin, "RegisterProject", { project: { id: "desc", name: "n", description: "d".repeat(301) } }),
        S.INVALID_ARGUMENT,
      );

      const got = await unary<{
        id: string;
        name: string;
        description: string;
        labels: { values: Record<string, string> };
        domains: unknown[];
      }>(admin, "GetProject", { id: "alpha" });
      assert.equal(got.name, "Alpha");
      assert.equal(got.labels.values.team, "ml");
      assert.equal(got.domains.length, 3);
      await expectCode(unary(admin, "GetProject", { id: "missing" }), S.NOT_FOUND, /project \[missing\] not found/);
      await expectCode(unary(admin, "GetProject", { id: "" }), S.INVALID_ARGUMENT, /missing project_id/);

      // Partial update: empty name/description keep the stored values; state is always written.
      await unary(admin, "UpdateProject", { id: "alpha", description: "changed" });
      const updated = await unary<{ name: string; description: string; state: string }>(admin, "GetProject", {
        id: "alpha",
      });
      assert.deepEqual([updated.name, updated.description, updated.state], ["Alpha", "changed", "ACTIVE"]);
      await expectCode(unary(admin, "UpdateProject", { id: "ghost", name: "g" }), S.NOT_FOUND);

      // Archive hides the project from an unfiltered list; a filter shows it again.
      await unary(admin, "UpdateProject", { id: "alpha", state: "ARCHIVED" });
      const visible = await unary<{ projects: Array<{ id: string }> }>(admin, "ListProjects", {});
      assert.ok(!visible.projects.some((p) => p.id === "alpha"));
      const archived = await unary<{ projects: Array<{ id: string }> }>(admin, "ListProjects", {
        filters: "eq(state,1)",
      });
      assert.deepEqual(
        archived.projects.map((p) => p.id),
        ["alpha"],
      );
    });

    test("list pagination, sorting and bad list parameters", async () => {
      for (const id of ["p-a", "p-b", "p-c"]) await unary(admin, "RegisterProject", { project: { id, name: id } });
      const page1 = await unary<{ projects: Array<{ id: string }>; token: string }>(admin, "ListProjects", {
        limit: 2,
        filters: "contains(identifier,p-)",
        sort_by: { key: "identifier", direction: "ASCENDING" },
      });
      assert.deepEqual(
        page1.projects.map((p) => p.id),
        ["p-a", "p-b"],
      );
      assert.equal(page1.token, "2");
      const page2 = await unary<{ projects: Array<{ id: string }>; token: string }>(admin, "ListProjects", {
        limit: 2,
        token: page1.token,
        filters: "contains(identifier,p-)",
        sort_by: { key: "identifier", direction: "ASCENDING" },
      });
      assert.deepEqual(
        page2.projects.map((p) => p.id),
        ["p-c"],
      );
      assert.equal(page2.token, "");
      const desc = await unary<{ projects: Array<{ id: string }> }>(admin, "ListProjects", {
        filters: "contains(identifier,p-)",
        sort_by: { key: "identifier" },
      });
      assert.deepEqual(
        desc.projects.map((p) => p.id),
        ["p-c", "p-b", "p-a"],
      );

      await expectCode(unary(admin, "ListProjects", { filters: "eq(nope,1)" }), S.INVALID_ARGUMENT);
      await expectCode(unary(admin, "ListProjects", { filters: "garbage" }), S.INVALID_ARGUMENT);
      await expectCode(unary(admin, "ListProjects", { sort_by: { key: "bogus" } }), S.INVALID_ARGUMENT);
      await expectCode(unary(admin, "ListProjects", { token: "abc" }), S.INVALID_ARGUMENT);
      const injection = await unary<{ projects: unknown[] }>(admin, "ListProjects", {
        filters: "eq(identifier,x' OR '1'='1)",
      });
      assert.equal(injection.projects.length, 0);
    });

    test("HTTP errors carry google.rpc.Status with the gateway's status table", async () => {
      const post = (body: string, headers: Record<string, string> = {}) =>
        fetch(`${platform.httpUrl}/api/v1/projects`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", ...headers },
          body,
        });
      const ok = await post(JSON.stringify({ project: { id: "web", name: "Web" } }));
      assert.equal(ok.status, 200);
      const dup = await post(JSON.stringify({ project: { id: "web", name: "Web" } }));
      assert.equal(dup.status, 409);
      assert.equal(((await dup.json()) as { code: number }).code, 6);
      const bad = await post(JSON.stringify({ project: { id: "web", name: "Web" }, bogus: 1 }));
      assert.equal(bad.status, 400);
      const malformed = await post("{not json");
      assert.equal(malformed.status, 400);
      const missingProject = await fetch(`${platform.httpUrl}/api/v1/projects/nope`, {
        headers: { accept: "application/json" },
      });
      assert.equal(missingProject.status, 404);
      assert.deepEqual(await missingProject.json(), { code: 5, message: "project [nope] not found", details: [] });
      const badFilter = await fetch(`${platform.httpUrl}/api/v1/projects?filters=eq(nope,1)`, {
        headers: { accept: "application/json" },
      });
      assert.equal(badFilter.status, 400);
      const badFlyteUrl = await fetch(`${platform.httpUrl}/api/v1/data?flyte_url=flyte://v1/p/d/n/o`, {
        headers: { accept: "application/json" },
      });
      assert.equal(badFlyteUrl.status, 400);
      assert.equal(((await badFlyteUrl.json()) as { code: number }).code, 3);
    });

    test("DataProxyService is served over gRPC (a malformed flyte:// URL is INVALID_ARGUMENT)", async () => {
      const pkg = loadPackage(["flyteidl/service/dataproxy.proto"]);
      const Ctor = ((pkg.flyteidl as Record<string, unknown>).service as Record<string, unknown>)
        .DataProxyService as grpc.ServiceClientConstructor;
      const dataProxy = new Ctor(platform.grpcAddress, grpc.credentials.createInsecure()) as unknown as GrpcJsClient;
      try {
        await expectCode(unary(dataProxy, "GetData", { flyte_url: "flyte://v1/p/d/n/o" }), S.INVALID_ARGUMENT);
      } finally {
        dataProxy.close();
      }
    });

    test("request ids are honoured on both transports", async () => {
      const res = await fetch(`${platform.httpUrl}/api/v1/projects/flytesnacks`, {
        headers: { "x-request-id": "req-123" },
      });
      assert.equal(res.headers.get("x-request-id"), "req-123");
      const md = new grpc.Metadata();
      md.set("x-request-id", "req-456");
      await new Promise<void>((resolve, reject) => {
        const call = (admin as unknown as { GetProject: GetProjectWithMetadata }).GetProject(
          { id: "flytesnacks" },
          md,
          (err: Error | null) => (err ? reject(err) : undefined),
        );
        call.on("metadata", (m: grpc.Metadata) => {
          try {
            assert.deepEqual(m.get("x-request-id"), ["req-456"]);
            resolve();
          } catch (e) {
            reject(e);
          }
        });
      });
    });
  });
}
