// @aloft/client against the in-process platform on SQLite: the same calls over gRPC and over the HTTP gateway
// (binary and JSON), pagination, error codes, a server that is down, and watching an execution to its end.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { Code, type ConnectError } from "@connectrpc/connect";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { create } from "@bufbuild/protobuf";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { createAloftClient, type AloftClient, type AloftClientOptions } from "../src/client.ts";
import { D, EventingExecutor, id, ints, P, registerSquare } from "./fixtures.ts";

let platform: TestPlatform;
const executor = new EventingExecutor();
const clients: AloftClient[] = [];

before(async () => {
  platform = await startTestPlatform({ configurePlugins: (p) => void (p.workflowExecutor = executor) });
  executor.client = open({ protocol: "grpc" });
  await registerSquare(executor.client);
});
after(async () => {
  await executor.settle();
  for (const c of clients) c.close();
  await platform?.close();
});

function open(o: AloftClientOptions): AloftClient {
  const endpoint = o.protocol === "http" ? platform.httpUrl : platform.grpcAddress;
  const c = createAloftClient({ endpoint, insecure: true, ...o });
  clients.push(c);
  return c;
}

const variants: Array<[string, AloftClientOptions]> = [
  ["gRPC", { protocol: "grpc" }],
  ["HTTP binary", { protocol: "http", encoding: "binary" }],
  ["HTTP JSON", { protocol: "http", encoding: "json" }],
];

for (const [label, options] of variants) {
  describe(`client over ${label}`, () => {
    const tag = label.toLowerCase().replace(/\W+/g, "");
    test("register, get, and list every page of projects", async () => {
      const c = open(options);
      for (const n of [1, 2, 3])
        await c.registerProject({ project: { id: `${tag}-${n}`, name: `${tag} ${n}`, description: "d" } });
      const got = await c.getProject({ id: `${tag}-2` });
      assert.equal(got.name, `${tag} 2`);
      const ids: string[] = [];
      for await (const p of c.listAll(
        "listProjects",
        {
          filters: `contains(identifier,${tag}-)`,
          sortBy: create(SortSchema, { key: "identifier", direction: Sort_Direction.ASCENDING }),
        },
        { pageSize: 1 },
      )) {
        ids.push(p.id);
      }
      assert.deepEqual(ids, [`${tag}-1`, `${tag}-2`, `${tag}-3`]);
    });

    test("typed lists with path variables and query parameters; errors keep their gRPC code", async () => {
      const c = open(options);
      const tasks = await c.listTasks({ id: { project: P, domain: D, name: "square" }, limit: 5 });
      assert.deepEqual(
        tasks.tasks.map((t) => t.id?.version),
        ["v1"],
      );
      const lp = await c.getActiveLaunchPlan({ id: { project: P, domain: D, name: "square_lp" } });
      assert.equal(lp.id?.version, "v1");
      await assert.rejects(
        c.getWorkflow({ id: id(ResourceType.WORKFLOW, "nope") }),
        (e: ConnectError) => e.code === Code.NotFound,
      );
      await assert.rejects(
        c.listTasks({ id: { project: P, domain: D }, limit: 0 }),
        (e: ConnectError) => e.code === Code.InvalidArgument,
      );
      // SignalService is reachable through the same client, with its own validation.
      assert.deepEqual(
        (await c.signals.listSignals({ workflowExecutionId: { project: P, domain: D, name: "x" }, limit: 1 })).signals,
        [],
      );
      await assert.rejects(
        c.signals.listSignals({ workflowExecutionId: { project: P, domain: D, name: "x" }, limit: 0 }),
        (e: ConnectError) => e.code === Code.InvalidArgument,
      );
    });

    test("launch and watch an execution to SUCCEEDED, phase by phase", async () => {
      const c = open(options);
      const res = await c.createExecution({
        project: P,
        domain: D,
        spec: { launchPlan: id(ResourceType.LAUNCH_PLAN, "square_lp") },
        inputs: ints({ x: 3, label: "l" }),
      });
      assert.match(res.id?.name ?? "", /^a[a-z0-9]{19}$/, "the client names executions so retries are idempotent");
      const phases: WorkflowExecution_Phase[] = [];
      const done = await c.watchExecution(res.id!, { intervalMs: 5, onPhase: (p) => void phases.push(p) });
      assert.equal(done.closure?.phase, WorkflowExecution_Phase.SUCCEEDED);
      assert.equal(phases.at(-1), WorkflowExecution_Phase.SUCCEEDED);
      assert.equal(new Set(phases).size, phases.length, "each phase is reported once");
      const nodes: string[] = [];
      for await (const n of c.listAll("listNodeExecutions", { workflowExecutionId: res.id }, { pageSize: 2 }))
        nodes.push(n.id?.nodeId ?? "");
      assert.deepEqual(nodes.sort(), ["end-node", "n0", "start-node"]);
    });
  });
}

test("a server that is down answers UNAVAILABLE after the bounded retries", async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  for (const protocol of ["grpc", "http"] as const) {
    const retries: number[] = [];
    const c = createAloftClient({
      endpoint: `127.0.0.1:${port}`,
      insecure: true,
      protocol,
      retry: { maxAttempts: 3 },
      sleep: async () => {},
      onRetry: (e) => void retries.push(e.attempt),
    });
    clients.push(c);
    await assert.rejects(c.getProject({ id: "x" }), (e: ConnectError) => e.code === Code.Unavailable);
    assert.deepEqual(retries, [1, 2], protocol);
  }
});
