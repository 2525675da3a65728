// NUL characters and unpaired surrogates (issue 9 row 7): in a name, a description, a label or a filter value they
// are INVALID_ARGUMENT (gRPC 3, HTTP 400) before the database — on PostgreSQL they failed INTERNAL while SQLite stored
// them. The same answer on both databases and both transports; nothing is stored.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { adminClient, grpc, unary, type GrpcJsClient } from "@aloft/testkit";
import { postgresAvailability } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";

const invalid = (err: grpc.ServiceError) => {
  assert.equal(err.code, grpc.status.INVALID_ARGUMENT, `${err.code} ${err.details}`);
  return true;
};

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`NUL and invalid text are INVALID_ARGUMENT [${kind}]`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let client: GrpcJsClient;
    before(async () => {
      platform = await startTestPlatform({ database: kind });
      client = adminClient(platform.grpcAddress);
    });
    after(async () => {
      client?.close();
      await platform?.close();
    });

    test("gRPC: project description, project name, label value, filter value", async () => {
      await assert.rejects(
        unary(client, "RegisterProject", { project: { id: "nul-desc", name: "n", description: "a\u0000b" } }),
        invalid,
      );
      await assert.rejects(
        unary(client, "RegisterProject", { project: { id: "nul-name", name: "a\u0000b" } }),
        invalid,
      );
      await assert.rejects(
        unary(client, "RegisterProject", {
          project: { id: "nul-label", name: "n", labels: { values: { k: "v\u0000" } } },
        }),
        invalid,
      );
      await assert.rejects(
        unary(client, "ListExecutions", {
          id: { project: "flytesnacks", domain: "development" },
          limit: 10,
          filters: "eq(execution_name,a\u0000b)",
        }),
        (err: grpc.ServiceError) => invalid(err) && /NUL/.test(err.details),
      );
      await assert.rejects(
        unary(client, "ListTasks", {
          id: { project: "flytesnacks", domain: "development" },
          limit: 10,
          filters: "contains(name,\u0000)",
        }),
        invalid,
      );
      const projects = await unary<{ projects: Array<{ id: string }> }>(client, "ListProjects", {});
      assert.deepEqual(
        projects.projects.filter((p) => p.id.startsWith("nul-")),
        [],
      );
    });

    test("HTTP: NUL and a lone surrogate in JSON, and a NUL in a filter query", async () => {
      for (const body of [
        '{"project":{"id":"nul-http","name":"a\\u0000b"}}',
        '{"project":{"id":"sur-http","name":"a\\ud800b"}}',
        '{"project":{"id":"sur2","name":"n","description":"\\udc00"}}',
      ]) {
        const res = await fetch(`${platform.httpUrl}/api/v1/projects`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        assert.equal(res.status, 400, body);
        assert.equal(((await res.json()) as { code: number }).code, 3);
      }
      const list = await fetch(
        `${platform.httpUrl}/api/v1/executions/flytesnacks/development?limit=5&filters=${encodeURIComponent("eq(execution_name,x\u0000)")}`,
      );
      assert.equal(list.status, 400);
      // Ordinary non-ASCII text is fine.
      const ok = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"project":{"id":"utf8-ok","name":"Größe 😀"}}',
      });
      assert.equal(ok.status, 200);
    });
  });
}
