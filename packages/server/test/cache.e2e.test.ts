// Task caching end to end in the sandbox: the engine asks admin's data catalog before running a cacheable task and
// fills it after a success, so the same inputs do not run the task twice — on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { create } from "@bufbuild/protobuf";
import {
  CreateDatasetRequestSchema,
  DataCatalog,
  GetDatasetRequestSchema,
} from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { CatalogCacheStatus } from "@aloft/idl/flyteidl/core/catalog_pb.js";
import { postgresAvailability } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { AloftError, Code } from "@aloft/core";
import { remoteAdmin } from "../src/wiring/remote.ts";
import { id, intLiteral, intOf, promise, registerWorkflow, shellTask, taskNode, type Admin } from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
const TERMINAL = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.ABORTED,
  WorkflowExecution_Phase.TIMED_OUT,
]);

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`task caching in the sandbox (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let admin: Admin;
    let catalog: ReturnType<typeof createClient<typeof DataCatalog>>;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "aloft-cache-e2e-"));
      platform = await startTestPlatform({ database: kind, engine: true });
      const transport = createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` });
      admin = createClient(AdminService, transport);
      catalog = createClient(DataCatalog, transport);
    });
    after(async () => {
      await platform?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const runs = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").length : 0);

    async function launch(lp: Identifier, x: number, opts: { overwriteCache?: boolean } = {}) {
      const { id: exId } = await admin.createExecution({
        project: P,
        domain: D,
        spec: { launchPlan: lp, overwriteCache: opts.overwriteCache ?? false },
        inputs: { literals: { x: intLiteral(x) } },
      });
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ex = await admin.getExecution({ id: exId });
        if (TERMINAL.has(ex.closure!.phase)) {
          assert.equal(WorkflowExecution_Phase[ex.closure!.phase], "SUCCEEDED");
          break;
        }
        assert.ok(Date.now() < deadline, `${exId!.name} stuck in ${WorkflowExecution_Phase[ex.closure!.phase]}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const data = await admin.getExecutionData({ id: exId });
      const node = await admin.getNodeExecution({ id: { executionId: exId, nodeId: "n0" } });
      const meta =
        node.closure?.targetMetadata.case === "taskNodeMetadata" ? node.closure.targetMetadata.value : undefined;
      const tasks = await admin.listTaskExecutions({ nodeExecutionId: { executionId: exId, nodeId: "n0" }, limit: 10 });
      return {
        out: intOf(data.fullOutputs, "y"),
        status: meta?.cacheStatus,
        key: meta?.catalogKey,
        taskRuns: tasks.taskExecutions.length,
      };
    }

    async function register(name: string, counter: string, cacheVersion: string) {
      const double = shellTask(
        id(ResourceType.TASK, P, D, name, "v1"),
        ["x"],
        ["y"],
        `echo run >> ${counter}; echo "$(( $(cat /var/inputs/x) * 2 ))" > /var/outputs/y`,
        { cacheVersion },
      );
      return registerWorkflow(admin, {
        project: P,
        domain: D,
        name: `${name}-wf`,
        version: "v1",
        tasks: [double],
        inputs: ["x"],
        nodes: [taskNode("n0", double.id!, { x: promise("start-node", "x") })],
        outputs: { y: promise("n0", "y") },
      });
    }

    test("the first run populates the cache; the same inputs hit it without running the task", async () => {
      const counter = join(dir, "double.runs");
      const lp = await register("cached-double", counter, "1.0");

      const first = await launch(lp, 21);
      assert.equal(first.out, 42);
      assert.equal(CatalogCacheStatus[first.status!], "CACHE_POPULATED");
      assert.equal(runs(counter), 1);

      const second = await launch(lp, 21);
      assert.equal(second.out, 42);
      assert.equal(CatalogCacheStatus[second.status!], "CACHE_HIT");
      assert.equal(second.taskRuns, 0, "a cache hit runs no task");
      assert.equal(runs(counter), 1);
      assert.equal(second.key?.datasetId?.name, "flyte_task-cached-double");
      assert.match(second.key?.datasetId?.version ?? "", /^1\.0-[A-Za-z0-9_-]{8}-[A-Za-z0-9_-]{8}$/);
      assert.match(second.key?.artifactTag?.name ?? "", /^flyte_cached-/);

      // The entry is in admin's catalog, readable by tag over datacatalog.DataCatalog.
      const key = second.key!;
      const artifact = await catalog.getArtifact({
        dataset: { project: P, domain: D, name: key.datasetId!.name, version: key.datasetId!.version },
        queryHandle: { case: "tagName", value: key.artifactTag!.name },
      });
      assert.equal(artifact.artifact?.data.find((d) => d.name === "y")?.value?.value.case, "scalar");
    });

    test("other inputs miss; overwrite_cache reruns and replaces the entry", async () => {
      const counter = join(dir, "other.runs");
      const lp = await register("cached-other", counter, "1.0");
      assert.equal((await launch(lp, 1)).out, 2);
      assert.equal((await launch(lp, 2)).out, 4);
      assert.equal(runs(counter), 2);

      const forced = await launch(lp, 1, { overwriteCache: true });
      assert.equal(forced.out, 2);
      assert.equal(runs(counter), 3, "overwrite_cache runs the task again");
      assert.equal((await launch(lp, 1)).status, CatalogCacheStatus.CACHE_HIT);
      assert.equal(runs(counter), 3);
    });

    test("a split engine's catalog adapter reaches the same service and gets admin's codes as AloftErrors", async () => {
      const connection = remoteAdmin(`http://${platform.grpcAddress}`);
      after(() => connection.close());
      const remote = connection.catalog;
      const dataset = { project: P, domain: D, name: "flyte_task-remote", version: "1.0-abcdefgh-abcdefgh" };
      const get = create(GetDatasetRequestSchema, { dataset });
      const put = create(CreateDatasetRequestSchema, { dataset: { id: dataset } });
      await assert.rejects(
        remote.getDataset(get),
        (e: unknown) => e instanceof AloftError && e.code === Code.NOT_FOUND,
      );
      await remote.createDataset(put);
      await assert.rejects(
        remote.createDataset(put),
        (e: unknown) => e instanceof AloftError && e.code === Code.ALREADY_EXISTS,
      );
      assert.equal((await remote.getDataset(get)).dataset?.id?.name, "flyte_task-remote");
    });
  });
}
