// GetExecutionMetrics on the sandbox (upstream flyteadmin/pkg/manager/impl/metrics_manager.go): a two-node workflow whose first task fails once and is retried runs to
// SUCCEEDED; its span tree over gRPC and over the HTTP gateway has the workflow span, a node span per node, a task span
// per attempt with its run inside it, NODE_RESET between the attempts — on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType, type WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { Span } from "@aloft/idl/flyteidl/core/metrics_pb.js";
import { postgresAvailability } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { id, intLiteral, promise, registerWorkflow, shellTask, taskNode, waitForEnd, type Admin } from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
/** A span with times as epoch microseconds (gRPC and HTTP alike) and a printable label. */
interface Plain {
  label: string;
  start?: number;
  end?: number;
  spans: Plain[];
}

const micros = (t: Timestamp | undefined) => (t ? Number(t.seconds) * 1e6 + Math.floor(t.nanos / 1e3) : undefined);

function fromGrpc(s: Span): Plain {
  const id = s.id;
  const label =
    id.case === "operationId"
      ? id.value
      : id.case === "nodeId"
        ? `node ${id.value.nodeId}`
        : id.case === "taskId"
          ? `task ${id.value.nodeExecutionId?.nodeId}#${id.value.retryAttempt}`
          : id.case === "workflowId"
            ? `workflow ${id.value.name}`
            : "?";
  return { label, start: micros(s.startTime), end: micros(s.endTime), spans: s.spans.map(fromGrpc) };
}

/** RFC 3339 with up to nanosecond fractions → epoch microseconds. */
function rfc3339Micros(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  assert.ok(m, `timestamp ${text}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? "").padEnd(6, "0").slice(0, 6));
}

/** The gateway's application/json rendering: proto field names, one of the id fields set. */
function fromHttp(s: Record<string, unknown>): Plain {
  const node = s["node_id"] as { node_id: string } | null | undefined;
  const task = s["task_id"] as { node_execution_id: { node_id: string }; retry_attempt: number } | null | undefined;
  const wf = s["workflow_id"] as { name: string } | null | undefined;
  const label =
    typeof s["operation_id"] === "string"
      ? (s["operation_id"] as string)
      : node
        ? `node ${node.node_id}`
        : task
          ? `task ${task.node_execution_id.node_id}#${task.retry_attempt}`
          : wf
            ? `workflow ${wf.name}`
            : "?";
  const spans = (s["spans"] as Record<string, unknown>[] | undefined) ?? [];
  return {
    label,
    start: rfc3339Micros(s["start_time"]),
    end: rfc3339Micros(s["end_time"]),
    spans: spans.map(fromHttp),
  };
}

const labels = (s: Plain) => s.spans.map((c) => c.label);
const child = (s: Plain, label: string) => {
  const c = s.spans.find((x) => x.label === label);
  assert.ok(c, `${label} under ${s.label}: ${labels(s).join(", ")}`);
  return c;
};

/** Every span has start <= end, and node / task / workflow spans lie inside their parent reference span. */
function assertWellFormed(s: Plain, window?: { start: number; end: number }): void {
  assert.ok(s.start !== undefined && s.end !== undefined, `${s.label} has both times`);
  assert.ok(s.start <= s.end, `${s.label}: start ${s.start} > end ${s.end}`);
  const reference = !/^[A-Z_]+$/.test(s.label);
  if (reference && window) {
    assert.ok(
      window.start <= s.start && s.end <= window.end,
      `${s.label} [${s.start}, ${s.end}] outside [${window.start}, ${window.end}]`,
    );
  }
  for (const c of s.spans) assertWellFormed(c, reference ? { start: s.start, end: s.end } : window);
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`GetExecutionMetrics on the sandbox (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let admin: Admin;
    let exId: WorkflowExecutionIdentifier;
    before(async () => {
      platform = await startTestPlatform({ database: kind, engine: true });
      admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
      // n0 fails at once on its first attempt and succeeds on the retry; n1 runs after it. The successful runs last a
      // second so that the engine sees them RUNNING (a process that exits before a look has no started_at, hence
      // no TASK_RUNTIME span — as upstream for a pod never seen running).
      const sum = 'echo "$(( $(cat /var/inputs/a) + $(cat /var/inputs/b) ))" > /var/outputs/sum';
      const flaky = shellTask(
        id(ResourceType.TASK, P, D, "flaky-add", "v1"),
        ["a", "b"],
        ["sum"],
        `if [ "$FLYTE_ATTEMPT_NUMBER" = "0" ]; then echo first attempt fails >&2; exit 1; fi; sleep 1; ${sum}`,
        { retries: 1 },
      );
      const add = shellTask(id(ResourceType.TASK, P, D, "slow-add", "v1"), ["a", "b"], ["sum"], `sleep 1; ${sum}`);
      const lp = await registerWorkflow(admin, {
        project: P,
        domain: D,
        name: "metrics-chain",
        version: "v1",
        tasks: [flaky, add],
        inputs: ["x", "y"],
        nodes: [
          taskNode("n0", flaky.id!, { a: promise("start-node", "x"), b: promise("start-node", "y") }),
          taskNode("n1", add.id!, { a: promise("n0", "sum"), b: promise("n0", "sum") }, ["n0"]),
        ],
        outputs: { total: promise("n1", "sum") },
      });
      const created = await admin.createExecution({
        project: P,
        domain: D,
        spec: { launchPlan: lp },
        inputs: { literals: { x: intLiteral(2), y: intLiteral(3) } },
      });
      exId = created.id!;
      const done = await waitForEnd(admin, exId);
      assert.equal(
        WorkflowExecution_Phase[done.closure!.phase],
        "SUCCEEDED",
        done.closure?.outputResult.case === "error" ? done.closure.outputResult.value.message : "",
      );
    });
    after(async () => platform?.close());

    test("over gRPC: the workflow span, a span per node, a span per attempt with its run inside, NODE_RESET between attempts", async () => {
      const ex = await admin.getExecution({ id: exId });
      const res = await admin.getExecutionMetrics({ id: exId, depth: -1 });
      const root = fromGrpc(res.span!);
      assert.equal(root.label, `workflow ${exId.name}`);
      assert.equal(root.start, micros(ex.closure!.createdAt));
      assert.equal(root.end, micros(ex.closure!.updatedAt));
      assertWellFormed(root);
      assert.deepEqual(labels(root), ["WORKFLOW_SETUP", "node n0", "node n1", "WORKFLOW_TEARDOWN"]);

      const n0 = child(root, "node n0");
      assert.deepEqual(labels(n0), [
        "NODE_TRANSITION",
        "NODE_SETUP",
        "task n0#0",
        "NODE_RESET",
        "task n0#1",
        "NODE_TEARDOWN",
      ]);
      const n1 = child(root, "node n1");
      assert.deepEqual(labels(n1), ["NODE_TRANSITION", "NODE_SETUP", "task n1#0", "NODE_TEARDOWN"]);
      for (const task of [child(n0, "task n0#1"), child(n1, "task n1#0")]) {
        assert.deepEqual(labels(task), ["TASK_SETUP", "TASK_RUNTIME", "TASK_TEARDOWN"], task.label);
        const [setup, run, teardown] = task.spans as [Plain, Plain, Plain];
        assert.ok(
          task.start! <= run.start! && run.end! <= task.end!,
          `${task.label}: run [${run.start}, ${run.end}] outside [${task.start}, ${task.end}]`,
        );
        // The run has a length; how long depends on when a loaded machine gets to look, so no lower bound in time.
        assert.ok(run.end! > run.start!, `${task.label}: the run has no length (${run.end! - run.start!}µs)`);
        assert.deepEqual(
          [setup.start, setup.end, teardown.start, teardown.end],
          [task.start, run.start, run.end, task.end],
          task.label,
        );
      }
      // The failed attempt ended before the engine saw it running, or not: either way it starts with TASK_SETUP.
      assert.equal(labels(child(n0, "task n0#0"))[0], "TASK_SETUP");
      // Spans follow each other in time: the retry starts after the failed attempt ended, n1 after n0.
      const reset = child(n0, "NODE_RESET");
      assert.equal(reset.start, child(n0, "task n0#0").end);
      assert.equal(reset.end, child(n0, "task n0#1").start);
      assert.ok(n0.end! <= n1.start!);

      const shallow = await admin.getExecutionMetrics({ id: exId, depth: 0 });
      assert.deepEqual(fromGrpc(shallow.span!), { ...root, spans: [] });
      const nodesOnly = fromGrpc((await admin.getExecutionMetrics({ id: exId, depth: 2 })).span!);
      assert.deepEqual(labels(child(nodesOnly, "node n0")), [
        "NODE_TRANSITION",
        "NODE_SETUP",
        "NODE_RESET",
        "NODE_TEARDOWN",
      ]);
    });

    test("over HTTP: GET /api/v1/metrics/executions/... answers the same tree as gRPC", async () => {
      const grpcTree = fromGrpc((await admin.getExecutionMetrics({ id: exId, depth: 10 })).span!);
      const res = await fetch(`${platform.httpUrl}/api/v1/metrics/executions/${P}/${D}/${exId.name}?depth=10`, {
        headers: { Accept: "application/json" },
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { span: Record<string, unknown> };
      const httpTree = fromHttp(body.span);
      assert.deepEqual(httpTree, grpcTree);
      assert.deepEqual(labels(httpTree), ["WORKFLOW_SETUP", "node n0", "node n1", "WORKFLOW_TEARDOWN"]);

      const noDepth = await fetch(`${platform.httpUrl}/api/v1/metrics/executions/${P}/${D}/${exId.name}`, {
        headers: { Accept: "application/json" },
      });
      assert.equal(noDepth.status, 200);
      assert.deepEqual(
        fromHttp(((await noDepth.json()) as { span: Record<string, unknown> }).span).spans,
        [],
        "depth defaults to 0",
      );
    });

    test("a request without the execution's name is INVALID_ARGUMENT; an unknown execution is NOT_FOUND (gRPC 5, HTTP 404)", async () => {
      await assert.rejects(
        admin.getExecutionMetrics({ id: { project: P, domain: D, name: "" }, depth: 1 }),
        (e: unknown) => {
          assert.ok(e instanceof ConnectError);
          assert.equal(e.code, Code.InvalidArgument);
          assert.match(e.rawMessage, /missing name/);
          return true;
        },
      );
      await assert.rejects(
        admin.getExecutionMetrics({ depth: 1 }),
        (e: unknown) => e instanceof ConnectError && e.code === Code.InvalidArgument,
      );
      await assert.rejects(
        admin.getExecutionMetrics({ id: { project: P, domain: D, name: "nosuchexec" }, depth: 1 }),
        (e: unknown) => e instanceof ConnectError && e.code === Code.NotFound,
      );
      const res = await fetch(`${platform.httpUrl}/api/v1/metrics/executions/${P}/${D}/nosuchexec?depth=1`, {
        headers: { Accept: "application/json" },
      });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { code: number }).code, 5);
    });
  });
}
