import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AloftError, Code } from "./errors.ts";
import { configFromEnv, defaultConfig, loadConfig } from "./config.ts";

test("defaults are flyteadmin's ports and domains", () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.server.grpcPort, 8089);
  assert.equal(c.server.httpPort, 8088);
  assert.deepEqual(
    c.domains.map((d) => d.id),
    ["development", "staging", "production"],
  );
  assert.deepEqual(c.seedProjects, ["flytesnacks"]);
});

test("file < env < overrides, with type coercion from strings", () => {
  const dir = mkdtempSync(join(tmpdir(), "aloft-config-"));
  const file = join(dir, "c.yaml");
  writeFileSync(file, "server:\n  httpPort: 9000\n  grpcPort: 9001\ndatabase:\n  kind: postgres\n");
  const c = loadConfig({
    file,
    env: { ALOFT_SERVER__GRPC_PORT: "9100", ALOFT_SEED_PROJECTS: "a,b", ALOFT_SERVER__ALLOW_CORS: "false" },
    overrides: { server: { httpPort: "9200" } },
  });
  assert.equal(c.server.httpPort, 9200);
  assert.equal(c.server.grpcPort, 9100);
  assert.equal(c.server.allowCors, false);
  assert.equal(c.database.kind, "postgres");
  assert.deepEqual(c.seedProjects, ["a", "b"]);
});

test("env names map upper snake case with __ between levels", () => {
  const o = configFromEnv({
    ALOFT_DATABASE__POSTGRES_URL: "postgres://x",
    ALOFT_DOMAINS: '[{"id":"dev","name":"dev"}]',
    OTHER: "1",
    ALOFT_ENDPOINT: "x:1",
  });
  assert.deepEqual(o, { database: { postgresUrl: "postgres://x" }, domains: [{ id: "dev", name: "dev" }] });
});

function assertConfigError(fn: () => unknown, pattern: RegExp) {
  assert.throws(
    fn,
    (e: unknown) => e instanceof AloftError && e.code === Code.INVALID_ARGUMENT && pattern.test(e.message),
  );
}

test("bad values name the key and the reason", () => {
  assertConfigError(
    () => loadConfig({ env: { ALOFT_SERVER__HTTP_PORT: "eighty" } }),
    /server\.httpPort: expected a number/,
  );
  assertConfigError(
    () => loadConfig({ env: { ALOFT_SERVER__HTTP_PORT: "70000" } }),
    /server\.httpPort: port 70000 out of range/,
  );
  assertConfigError(
    () => loadConfig({ env: { ALOFT_ENGINE__METRICS_PORT: "-1" } }),
    /engine\.metricsPort: port -1 out of range/,
  );
  assertConfigError(() => loadConfig({ env: {}, overrides: { nope: 1 } }), /nope: unknown key/);
  assertConfigError(() => loadConfig({ env: { ALOFT_SERVER__HTTP_PROT: "1" } }), /server\.httpProt: unknown key/);
  assertConfigError(() => loadConfig({ env: {}, overrides: { database: { kind: "mysql" } } }), /database\.kind/);
  assertConfigError(() => loadConfig({ env: {}, overrides: { domains: [] } }), /domains/);
  assertConfigError(() => loadConfig({ file: "/nonexistent/aloft.yaml", env: {} }), /config file/);
  assert.equal(defaultConfig().storage.kind, "local");
});

test("the engine's metrics port: propeller's profiler port by default, 0 turns it off", () => {
  assert.equal(defaultConfig().engine.metricsPort, 10254);
  assert.equal(loadConfig({ env: { ALOFT_ENGINE__METRICS_PORT: "0" } }).engine.metricsPort, 0);
});

test("the executor is local by default; kubernetes settings are checked as client-go checks its lease timings", () => {
  const c = loadConfig({ env: { ALOFT_EXECUTOR: "kubernetes", ALOFT_KUBERNETES__GC__TTL_HOURS: "5" } });
  assert.equal(loadConfig({ env: {} }).executor, "local");
  assert.equal(c.executor, "kubernetes");
  assert.equal(c.kubernetes.gc.ttlHours, 5);
  assert.equal(c.kubernetes.namespaceTemplate, "{{ project }}-{{ domain }}");
  const bad = (overrides: Record<string, unknown>, key: string) =>
    assert.throws(
      () => loadConfig({ env: {}, overrides }),
      (e: AloftError) => e.code === Code.INVALID_ARGUMENT && e.message.includes(key),
    );
  bad({ executor: "nomad" }, "executor");
  bad({ kubernetes: { leaderElection: { renewDeadlineSeconds: 20 } } }, "kubernetes.leaderElection");
  bad({ kubernetes: { gc: { ttlHours: 24 } } }, "kubernetes.gc.ttlHours");
});
