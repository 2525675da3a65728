// The split-mode engine's event sink (remote-events.ts) over a programmable transport: events sent while a request is
// in flight go in the next batch in call order, each caller gets its own event's outcome, an admin without
// CreateEvents gets the unary RPCs (one execution's events in order), a failed request fails every event in it as
// the outage it is, and batches stay within their limits. With a whole batch waiting, more requests go at once, and
// none carries an event that would overtake an earlier one of its node (or of its execution's own events) in flight.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import { EventSchema, type EncodedEvents } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { StatusSchema } from "@aloft/idl/google/rpc/status_pb.js";
import {
  EventFailureReasonSchema,
  NodeExecutionEventRequestSchema,
  WorkflowExecutionEventRequestSchema,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import type { NodeExecutionEventRequest } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { createAloftClient } from "@aloft/client";
import { answeringTransport } from "@aloft/client/testing";
import { AloftError, Code } from "@aloft/core";
import { isAlreadyTerminal, isOutage } from "@aloft/engine/testing";
import { aloftErrorOf } from "./remote.ts";
import { MAX_BATCH_EVENTS, MAX_IN_FLIGHT, batchingEventSink, type BatchLimits } from "./remote-events.ts";

type Handler = (method: string, input: unknown) => Promise<unknown>;

/** A transport whose answers `handle` decides (a returned object is the response; a throw fails the call). */
function fakeAdmin(handle: Handler, limits?: BatchLimits) {
  const transport = answeringTransport(({ method, input }) => handle(method.name, input));
  const client = createAloftClient({ transport, retry: { maxAttempts: 1 } });
  return batchingEventSink(client, aloftErrorOf, limits);
}

const node = (execution: string, nodeId: string, phase = NodeExecution_Phase.RUNNING, producerId = "propeller") =>
  create(NodeExecutionEventRequestSchema, {
    event: { id: { executionId: { project: "p", domain: "d", name: execution }, nodeId }, phase, producerId },
  });

/** "execution/node/PHASE" of a node event, for comparing what was sent. */
const label = (req: NodeExecutionEventRequest) =>
  `${req.event?.id?.executionId?.name}/${req.event?.id?.nodeId}/${NodeExecution_Phase[req.event?.phase ?? 0]}`;

/** The events of a CreateEvents request as the sink sends it (each event encoded on its own). */
const eventsOf = (input: unknown) => (input as EncodedEvents).events.map((b) => fromBinary(EventSchema, b));

/** "execution/node/PHASE" of each event of a request; "execution/WORKFLOW/PHASE" for a workflow event. */
const batchLabels = (input: unknown) =>
  eventsOf(input).map((e) =>
    e.event.case === "workflow"
      ? `${e.event.value.event?.executionId?.name}/WORKFLOW/${WorkflowExecution_Phase[e.event.value.event?.phase ?? 0]}`
      : label(e.event.value as NodeExecutionEventRequest),
  );

const ok = () => create(StatusSchema, { code: 0 });

/**
 * A fake admin that holds each request until the test answers it (`answer.get(n)!()`, n in the order requests came,
 * `batches[n]` their events' labels), then gives each event `result(label)`.
 */
function heldAdmin(limits: BatchLimits, result: (label: string) => ReturnType<typeof ok> = ok) {
  const batches: string[][] = [];
  const answer = new Map<number, () => void>();
  const sink = fakeAdmin(async (_method, input) => {
    const labels = batchLabels(input);
    const n = batches.push(labels) - 1;
    await new Promise<void>((r) => answer.set(n, r));
    return { results: labels.map(result) };
  }, limits);
  return { sink, batches, answer };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

test("events sent while a request is in flight go in the next batch, in call order, each with its own outcome", async () => {
  const batches: string[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const terminal = create(EventFailureReasonSchema, {
    reason: { case: "alreadyInTerminalState", value: { currentPhase: "SUCCEEDED" } },
  });
  const sink = fakeAdmin(async (method, input) => {
    assert.equal(method, "CreateEvents");
    const labels = batchLabels(input);
    batches.push(labels);
    if (batches.length === 1) await gate;
    return {
      results: labels.map((l) =>
        l.startsWith("a/dup/")
          ? create(StatusSchema, { code: Code.ALREADY_EXISTS, message: "already exists" })
          : l.startsWith("a/done/")
            ? create(StatusSchema, {
                code: Code.FAILED_PRECONDITION,
                message: "already terminal",
                details: [anyPack(EventFailureReasonSchema, terminal)],
              })
            : ok(),
      ),
    };
  });
  const first = sink.nodeEvent(node("a", "n0", NodeExecution_Phase.QUEUED));
  await until(() => batches.length === 1);
  const later = [
    sink.nodeEvent(node("a", "n0", NodeExecution_Phase.RUNNING)),
    sink.nodeEvent(node("b", "n0")),
    sink.nodeEvent(node("a", "dup")),
    sink.nodeEvent(node("a", "done", NodeExecution_Phase.SUCCEEDED)),
    sink.nodeEvent(node("a", "n0", NodeExecution_Phase.SUCCEEDED)),
  ];
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(batches.length, 1, "nothing else is sent while a request is in flight");
  release();
  await first;
  const outcomes = await Promise.allSettled(later);
  assert.deepEqual(batches, [
    ["a/n0/QUEUED"],
    ["a/n0/RUNNING", "b/n0/RUNNING", "a/dup/RUNNING", "a/done/SUCCEEDED", "a/n0/SUCCEEDED"],
  ]);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ["fulfilled", "fulfilled", "rejected", "rejected", "fulfilled"],
  );
  const dup = (outcomes[2] as PromiseRejectedResult).reason;
  assert.ok(dup instanceof AloftError && dup.code === Code.ALREADY_EXISTS && dup.message === "already exists");
  assert.ok(isAlreadyTerminal((outcomes[3] as PromiseRejectedResult).reason));
});

test("an admin without CreateEvents gets the unary RPCs from then on, one execution's events one after another", async () => {
  const calls: string[] = [];
  const sink = fakeAdmin(async (method, input) => {
    if (method === "CreateEvents") {
      calls.push("CreateEvents");
      throw new ConnectError("unknown service aloft.admin.v1.EventService", ConnectCode.Unimplemented);
    }
    assert.equal(method, "CreateNodeEvent");
    const l = label(create(NodeExecutionEventRequestSchema, input as MessageInitShape<DescMessage>) as never);
    calls.push(`start ${l}`);
    // Different lengths, so that a call not waiting for the one before would overtake it.
    await new Promise((r) => setTimeout(r, l.includes("QUEUED") ? 15 : 1));
    calls.push(`end ${l}`);
    if (l.startsWith("gone/")) throw new ConnectError("no such execution", ConnectCode.NotFound);
    return {};
  });
  const sent = [
    sink.nodeEvent(node("a", "n0", NodeExecution_Phase.QUEUED)),
    sink.nodeEvent(node("a", "n0", NodeExecution_Phase.RUNNING)),
    sink.nodeEvent(node("gone", "n0")),
    sink.nodeEvent(node("a", "n0", NodeExecution_Phase.SUCCEEDED)),
  ];
  const outcomes = await Promise.allSettled(sent);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ["fulfilled", "fulfilled", "rejected", "fulfilled"],
  );
  const gone = (outcomes[2] as PromiseRejectedResult).reason;
  assert.ok(gone instanceof AloftError && gone.code === Code.NOT_FOUND);
  const ofA = calls.filter((c) => c.includes(" a/"));
  assert.deepEqual(ofA, [
    "start a/n0/QUEUED",
    "end a/n0/QUEUED",
    "start a/n0/RUNNING",
    "end a/n0/RUNNING",
    "start a/n0/SUCCEEDED",
    "end a/n0/SUCCEEDED",
  ]);
  await sink.nodeEvent(node("b", "n1"));
  assert.equal(calls.filter((c) => c === "CreateEvents").length, 1, "CreateEvents is not tried again");
  assert.ok(calls.includes("end b/n1/RUNNING"));
});

test("a request that fails fails every event in it as an outage the engine replays; the sink carries on", async () => {
  let down = true;
  const batches: string[][] = [];
  const sink = fakeAdmin(async (_method, input) => {
    batches.push(batchLabels(input));
    if (down) throw new ConnectError("connect ECONNREFUSED 127.0.0.1:8089", ConnectCode.Unavailable);
    return { results: batchLabels(input).map(ok) };
  });
  const outcomes = await Promise.allSettled([
    sink.nodeEvent(node("a", "n0")),
    sink.nodeEvent(node("b", "n0")),
    sink.nodeEvent(node("a", "n1")),
  ]);
  assert.equal(batches.length, 1);
  for (const o of outcomes) {
    assert.equal(o.status, "rejected");
    const e = (o as PromiseRejectedResult).reason;
    assert.ok(e instanceof AloftError && e.code === Code.UNAVAILABLE && isOutage(e), String(e));
  }
  down = false;
  await sink.nodeEvent(node("a", "n0"));
  assert.equal(batches.length, 2);
});

test("a batch holds at most 1,000 events and 1 MiB; a larger event goes alone", async () => {
  const sizes: number[] = [];
  const sink = fakeAdmin(async (_method, input) => {
    const n = (input as EncodedEvents).events.length;
    sizes.push(n);
    return { results: Array.from({ length: n }, ok) };
  });
  await Promise.all(Array.from({ length: 2500 }, (_, i) => sink.nodeEvent(node("a", `n${i}`))));
  assert.deepEqual(sizes, [MAX_BATCH_EVENTS, MAX_BATCH_EVENTS, 500]);
  sizes.length = 0;
  const huge = "x".repeat(1536 * 1024);
  await Promise.all([
    sink.nodeEvent(node("a", "s1")),
    sink.nodeEvent(node("a", "big", NodeExecution_Phase.RUNNING, huge)),
    sink.nodeEvent(node("a", "s2")),
    sink.nodeEvent(node("a", "s3")),
  ]);
  assert.deepEqual(sizes, [1, 1, 2]);
});

test("with a whole batch waiting more requests go at once; a node's events never overtake each other", async () => {
  // One event of the batch fails: only its caller hears of it.
  const { sink, batches, answer } = heldAdmin(
    { maxEvents: 2, maxBytes: 1024 * 1024, maxInFlight: MAX_IN_FLIGHT },
    (l) => (l === "a/n1/QUEUED" ? create(StatusSchema, { code: Code.NOT_FOUND, message: "no such node" }) : ok()),
  );
  const workflow = create(WorkflowExecutionEventRequestSchema, {
    event: { executionId: { project: "p", domain: "d", name: "a" }, phase: WorkflowExecution_Phase.SUCCEEDED },
  });
  const sent = [
    sink.nodeEvent(node("a", "n0", NodeExecution_Phase.QUEUED)),
    sink.nodeEvent(node("a", "n0", NodeExecution_Phase.RUNNING)),
    sink.nodeEvent(node("b", "n0", NodeExecution_Phase.QUEUED)),
    sink.nodeEvent(node("a", "n1", NodeExecution_Phase.QUEUED)),
    sink.nodeEvent(node("b", "n0", NodeExecution_Phase.RUNNING)),
    sink.nodeEvent(node("c", "n0", NodeExecution_Phase.QUEUED)),
    sink.workflowEvent(workflow),
  ];
  for (const p of sent) p.catch(() => {}); // settled below; the failing one is not left unhandled meanwhile
  await until(() => batches.length === 3);
  await new Promise((r) => setTimeout(r, 20));
  // b/n0/RUNNING waits for b/n0/QUEUED's request; a's workflow event for every request holding an event of a.
  assert.deepEqual(batches, [["a/n0/QUEUED", "a/n0/RUNNING"], ["b/n0/QUEUED", "a/n1/QUEUED"], ["c/n0/QUEUED"]]);
  answer.get(1)!();
  await until(() => batches.length === 4);
  assert.deepEqual(batches[3], ["b/n0/RUNNING"]);
  const failed = await Promise.allSettled([sent[2]!, sent[3]!]);
  assert.equal(failed[0].status, "fulfilled");
  assert.equal(failed[1].status, "rejected");
  const e = (failed[1] as PromiseRejectedResult).reason;
  assert.ok(e instanceof AloftError && e.code === Code.NOT_FOUND, String(e));
  answer.get(0)!();
  answer.get(2)!();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(batches.length, 4, "a's workflow event waits while the request with b/n0/RUNNING is unanswered");
  answer.get(3)!();
  await until(() => batches.length === 5);
  assert.deepEqual(batches[4], ["a/WORKFLOW/SUCCEEDED"]);
  answer.get(4)!();
  const outcomes = await Promise.allSettled(sent);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled"],
  );
});

test("under pipelining every node's events reach admin in the order they were sent", async () => {
  // Many callers that do not wait for their events, random answer delays: the order admin applies them in (request
  // order within a request, requests as they arrive) must keep each node's events, and each execution's own, in order.
  const applied = new Map<string, string[]>();
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const sink = fakeAdmin(
    async (_method, input) => {
      const events = eventsOf(input);
      await new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
      for (const e of events) {
        const v = e.event.value as NodeExecutionEventRequest;
        const key = `${v.event?.id?.executionId?.name}/${v.event?.id?.nodeId}`;
        applied.set(key, [...(applied.get(key) ?? []), v.event!.producerId]);
      }
      return { results: events.map(ok) };
    },
    { maxEvents: 8, maxBytes: 1024 * 1024, maxInFlight: MAX_IN_FLIGHT },
  );
  const sent: Promise<void>[] = [];
  for (let i = 0; i < 400; i++) {
    const exec = `e${Math.floor(random() * 3)}`;
    const nodeId = `n${Math.floor(random() * 4)}`;
    sent.push(sink.nodeEvent(node(exec, nodeId, NodeExecution_Phase.RUNNING, String(i))));
    if (random() < 0.2) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(sent);
  let total = 0;
  for (const [key, seq] of applied) {
    total += seq.length;
    assert.deepEqual(
      seq,
      [...seq].sort((x, y) => Number(x) - Number(y)),
      `events of ${key} out of order`,
    );
  }
  assert.equal(total, 400);
});

test("a child node's event waits while an earlier event of its parent node is unanswered", async () => {
  // Admin looks the parent up when it creates a child's node execution (node-event-manager.ts createFromEvent): a
  // child's first event in a request ahead of its parent's first would be refused (NOT_FOUND).
  const { sink, batches, answer } = heldAdmin({ maxEvents: 1, maxBytes: 1024 * 1024, maxInFlight: MAX_IN_FLIGHT });
  const child = create(NodeExecutionEventRequestSchema, {
    event: {
      id: { executionId: { project: "p", domain: "d", name: "a" }, nodeId: "n0-0-n1" },
      phase: NodeExecution_Phase.QUEUED,
      parentNodeMetadata: { nodeId: "n0" },
    },
  });
  const sent = [
    sink.nodeEvent(node("a", "n0", NodeExecution_Phase.QUEUED)),
    sink.nodeEvent(child),
    sink.nodeEvent(node("a", "n2", NodeExecution_Phase.QUEUED)),
  ];
  await until(() => batches.length === 2);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(batches, [["a/n0/QUEUED"], ["a/n2/QUEUED"]], "the child waits for its parent; n2 does not");
  answer.get(0)!();
  await until(() => batches.length === 3);
  assert.deepEqual(batches[2], ["a/n0-0-n1/QUEUED"]);
  answer.get(1)!();
  answer.get(2)!();
  await Promise.all(sent);
});
