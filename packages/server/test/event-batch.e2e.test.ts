// aloft.admin.v1.EventService/CreateEvents against a real admin (SQLite and PostgreSQL): the events of one execution
// are applied in request order, each event is answered on its own (OK, or the code, message and EventFailureReason
// the unary RPC would have answered), the batch limits, and the split-mode engine's sink (remote.ts) through it and
// against an admin without it.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { EventSchema, type Event } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { EventFailureReasonSchema, type NodeExecutionEventRequest } from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  ResourceType,
  WorkflowExecutionIdentifierSchema,
  type Identifier,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { AloftError, Code } from "@aloft/core";
import type { WorkflowExecutor } from "@aloft/admin";
import { createAloftClient, type AloftClient } from "@aloft/client";
import { isAlreadyTerminal } from "@aloft/engine/testing";
import { remoteEventSink } from "@aloft/server/testing";
import { startTestPlatform, postgresAvailability, type TestPlatform } from "@aloft/testkit";
import { id, intLiteral, registerOneTask, shellTask } from "@aloft/testkit";
import { eventClock, nodeEventRequest, taskEventRequest } from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
const parked: WorkflowExecutor = {
  name: "parked",
  execute: async () => ({ cluster: "propeller" }),
  abort: async () => undefined,
};

const at = eventClock();

const workflowEvent = (exec: WorkflowExecutionIdentifier, phase: WorkflowExecution_Phase): Event =>
  create(EventSchema, {
    event: {
      case: "workflow",
      value: { event: { executionId: exec, producerId: "propeller", phase, occurredAt: at() } },
    },
  });

const nodeEvent = (exec: WorkflowExecutionIdentifier, nodeId: string, phase: NodeExecution_Phase): Event =>
  create(EventSchema, { event: { case: "node", value: nodeEventRequest(exec, nodeId, phase, at()) } });

const taskEvent = (exec: WorkflowExecutionIdentifier, task: Identifier, nodeId: string, phase: TaskExecution_Phase) =>
  create(EventSchema, { event: { case: "task", value: taskEventRequest(exec, task, nodeId, phase, at()) } });

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`CreateEvents (${kind})`, { skip: kind === "postgres" ? await postgresAvailability() : false }, () => {
    let platform: TestPlatform;
    let client: AloftClient;
    let lp: Identifier;
    const task = shellTask(id(ResourceType.TASK, P, D, "noop", "v1"), ["a"], ["o"], "true");
    before(async () => {
      platform = await startTestPlatform({
        database: kind,
        configurePlugins: (p) => (p.workflowExecutor = parked),
        overrides: { server: { maxMessageSizeBytes: 256 * 1024 } },
      });
      client = createAloftClient({ endpoint: `http://${platform.grpcAddress}`, retry: { maxAttempts: 1 } });
      lp = await registerOneTask(client.admin, { project: P, domain: D, name: "noop", task });
    });
    after(async () => {
      client?.close();
      await platform?.close();
    });

    async function newExecution(): Promise<WorkflowExecutionIdentifier> {
      const { id: exec } = await client.admin.createExecution({
        project: P,
        domain: D,
        spec: { launchPlan: lp },
        inputs: { literals: { x: intLiteral(1) } },
      });
      return exec!;
    }

    test("one node's events and its execution's apply in request order; each event answered on its own", async () => {
      const [a, b] = [await newExecution(), await newExecution()];
      const unknown = { ...a, name: "nosuchexecution" };
      const events = [
        workflowEvent(a, WorkflowExecution_Phase.RUNNING),
        workflowEvent(b, WorkflowExecution_Phase.RUNNING),
        nodeEvent(a, "n0", NodeExecution_Phase.QUEUED),
        taskEvent(a, task.id!, "n0", TaskExecution_Phase.RUNNING),
        nodeEvent(b, "n0", NodeExecution_Phase.RUNNING),
        nodeEvent(a, "n0", NodeExecution_Phase.RUNNING),
        taskEvent(a, task.id!, "n0", TaskExecution_Phase.SUCCEEDED),
        nodeEvent(a, "n0", NodeExecution_Phase.SUCCEEDED),
        // Applied after SUCCEEDED (request order): refused as already terminal, alone.
        nodeEvent(a, "n0", NodeExecution_Phase.RUNNING),
        nodeEvent(unknown, "n0", NodeExecution_Phase.RUNNING),
        // Unstorable text fails this event only.
        nodeEvent(b, "bad\u0000node", NodeExecution_Phase.RUNNING),
        create(EventSchema, {}),
      ];
      const { results } = await client.events.createEvents({ events });
      assert.deepEqual(
        results.map((r) => Code[r.code]),
        [
          "OK",
          "OK",
          "OK",
          "OK",
          "OK",
          "OK",
          "OK",
          "OK",
          "FAILED_PRECONDITION",
          "NOT_FOUND",
          "INVALID_ARGUMENT",
          "INVALID_ARGUMENT",
        ],
      );
      const reason = anyUnpack(results[8]!.details[0]!, EventFailureReasonSchema);
      assert.equal(reason?.reason.case, "alreadyInTerminalState");
      assert.match(results[10]!.message, /invalid value for event\.id\.node_id/);
      const n0 = await client.admin.getNodeExecution({ id: { executionId: a, nodeId: "n0" } });
      assert.equal(n0.closure?.phase, NodeExecution_Phase.SUCCEEDED);
      const tasks = await client.admin.listTaskExecutions({
        nodeExecutionId: { executionId: a, nodeId: "n0" },
        limit: 5,
      });
      assert.equal(tasks.taskExecutions[0]?.closure?.phase, TaskExecution_Phase.SUCCEEDED);
      const nb = await client.admin.getNodeExecution({ id: { executionId: b, nodeId: "n0" } });
      assert.equal(nb.closure?.phase, NodeExecution_Phase.RUNNING);
    });

    test("more than 1,000 events, or more bytes than the message limit, fail the whole call", async () => {
      const a = await newExecution();
      const many = Array.from({ length: 1001 }, (_, i) => nodeEvent(a, `n${i}`, NodeExecution_Phase.QUEUED));
      const tooMany = await client.events.createEvents({ events: many }).then(
        () => assert.fail("expected INVALID_ARGUMENT"),
        (e: unknown) => ConnectError.from(e),
      );
      assert.equal(tooMany.code, ConnectCode.InvalidArgument);
      assert.match(tooMany.rawMessage, /at most 1000 events/);
      const big = nodeEvent(a, "n0", NodeExecution_Phase.QUEUED);
      if (big.event.case === "node") big.event.value.event!.producerId = "p".repeat(300 * 1024);
      const tooBig = await client.events.createEvents({ events: [big] }).then(
        () => assert.fail("expected RESOURCE_EXHAUSTED"),
        (e: unknown) => ConnectError.from(e),
      );
      assert.equal(tooBig.code, ConnectCode.ResourceExhausted);
      // Nothing of either was applied.
      const listed = await client.admin.listNodeExecutions({ workflowExecutionId: a, limit: 10 });
      assert.equal(listed.nodeExecutions.length, 0);
    });

    test("the engine's sink: concurrent events in batches, each caller with its own outcome", async () => {
      const sink = remoteEventSink(client);
      const a = await newExecution();
      await sink.workflowEvent(workflowEvent(a, WorkflowExecution_Phase.RUNNING).event.value as never);
      const send = (e: Event) =>
        e.event.case === "node" ? sink.nodeEvent(e.event.value) : sink.taskEvent(e.event.value as never);
      const nodes = Array.from({ length: 20 }, (_, i) => `n${i}`);
      await Promise.all(
        nodes.map(async (n) => {
          for (const phase of [NodeExecution_Phase.QUEUED, NodeExecution_Phase.RUNNING, NodeExecution_Phase.SUCCEEDED])
            await send(nodeEvent(a, n, phase));
        }),
      );
      const outcomes = await Promise.allSettled([
        send(nodeEvent(a, "n0", NodeExecution_Phase.RUNNING)),
        send(nodeEvent(a, "n1", NodeExecution_Phase.SUCCEEDED)),
        send(nodeEvent({ ...a, name: "nosuchexecution" }, "n0", NodeExecution_Phase.RUNNING)),
        send(nodeEvent(a, "n20", NodeExecution_Phase.QUEUED)),
      ]);
      assert.ok(outcomes[0]!.status === "rejected" && isAlreadyTerminal(outcomes[0]!.reason));
      assert.ok(
        outcomes[1]!.status === "rejected" &&
          outcomes[1]!.reason instanceof AloftError &&
          outcomes[1]!.reason.code === Code.ALREADY_EXISTS,
        String(outcomes[1]!.status === "rejected" && outcomes[1]!.reason),
      );
      assert.ok(
        outcomes[2]!.status === "rejected" &&
          outcomes[2]!.reason instanceof AloftError &&
          outcomes[2]!.reason.code === Code.NOT_FOUND,
      );
      assert.equal(outcomes[3]!.status, "fulfilled");
      const listed = await client.admin.listNodeExecutions({ workflowExecutionId: a, limit: 100 });
      assert.equal(listed.nodeExecutions.length, 21);
      assert.equal(listed.nodeExecutions.filter((n) => n.closure?.phase === NodeExecution_Phase.SUCCEEDED).length, 20);
    });
  });
}

test("an admin that does not serve CreateEvents (an older version) gets the flyteidl unary RPCs", async () => {
  // A gRPC server with AdminService only, as an admin before CreateEvents: unknown services answer UNIMPLEMENTED.
  const seen: string[] = [];
  const handler = connectNodeAdapter({
    grpc: true,
    connect: false,
    grpcWeb: false,
    routes: (router) =>
      router.service(AdminService, {
        createNodeEvent: async (req) => {
          seen.push(`node ${req.event?.id?.nodeId} ${NodeExecution_Phase[req.event?.phase ?? 0]}`);
          if (req.event?.id?.nodeId === "dup") throw new ConnectError("already exists", ConnectCode.AlreadyExists);
          return {};
        },
        createWorkflowEvent: async () => {
          seen.push("workflow");
          return {};
        },
      }),
  });
  const server = http2.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const old = createAloftClient({ endpoint: `http://127.0.0.1:${port}`, retry: { maxAttempts: 1 } });
  try {
    const sink = remoteEventSink(old);
    const exec = create(WorkflowExecutionIdentifierSchema, { project: P, domain: D, name: "e" });
    const req = (nodeId: string, phase: NodeExecution_Phase) =>
      nodeEvent(exec, nodeId, phase).event.value as NodeExecutionEventRequest;
    const outcomes = await Promise.allSettled([
      sink.nodeEvent(req("n0", NodeExecution_Phase.QUEUED)),
      sink.nodeEvent(req("dup", NodeExecution_Phase.RUNNING)),
      sink.nodeEvent(req("n0", NodeExecution_Phase.RUNNING)),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    const dup = (outcomes[1] as PromiseRejectedResult).reason;
    assert.ok(dup instanceof AloftError && dup.code === Code.ALREADY_EXISTS);
    await sink.workflowEvent(workflowEvent(exec, WorkflowExecution_Phase.SUCCEEDED).event.value as never);
    assert.deepEqual(seen, ["node n0 QUEUED", "node dup RUNNING", "node n0 RUNNING", "workflow"]);
  } finally {
    old.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
