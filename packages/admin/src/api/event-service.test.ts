import assert from "node:assert/strict";
import { test } from "node:test";
import { create, equals, fromBinary, toBinary, type Message } from "@bufbuild/protobuf";
import {
  CreateEventsRequestSchema,
  EventSchema,
  type CreateEventsRequest,
  type Event,
} from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { Code, silentLogger } from "@aloft/core";
import { applyPlan, createEvents, eventsRequestReaders } from "./event-service.ts";

const exec = (name: string) => ({ project: "p", domain: "d", name });
const wf = (name: string): Event =>
  create(EventSchema, { event: { case: "workflow", value: { event: { executionId: exec(name) } } } });
const node = (name: string, nodeId: string): Event =>
  create(EventSchema, { event: { case: "node", value: { event: { id: { executionId: exec(name), nodeId } } } } });
const task = (name: string, nodeId: string): Event =>
  create(EventSchema, {
    event: { case: "task", value: { event: { parentNodeExecutionId: { executionId: exec(name), nodeId } } } },
  });

test("one node's events and an execution's own keep request order; other nodes and executions run at once", () => {
  const plan = applyPlan([
    wf("a"), // 0
    node("a", "n0"), // 1
    node("b", "n0"), // 2
    task("a", "n0"), // 3
    node("a", "n1"), // 4
    node("a", "n0"), // 5
    wf("a"), // 6
    node("a", "n1"), // 7
    task("b", "n0"), // 8
  ]);
  assert.deepEqual(plan, [
    // a: its workflow event, then n0's lane beside n1's, then the next workflow event, then n1 again.
    [[[0]], [[1, 3, 5], [4]], [[6]], [[7]]],
    // b: one lane for n0 (its node event, then its task's).
    [[[2, 8]]],
  ]);
});

const readCreateEvents = eventsRequestReaders.get(CreateEventsRequestSchema.typeName)!;
const parseWhole = (b: Uint8Array): Message => fromBinary(CreateEventsRequestSchema, b);

test("read event by event, a request is the one decoded whole; a NUL in any event's text still fails that event alone", async () => {
  const clean = node("a", "n0");
  // An empty occurredAt is a 0x00 length byte on the wire: the text walk runs for this event, and finds nothing.
  const zeroByte = node("a", "n1");
  if (zeroByte.event.case === "node")
    zeroByte.event.value.event!.occurredAt = { $typeName: "google.protobuf.Timestamp", seconds: 0n, nanos: 0 };
  const withNul = node("a", "n2");
  if (withNul.event.case === "node") withNul.event.value.event!.producerId = "pro\u0000peller";
  const wire = toBinary(
    CreateEventsRequestSchema,
    create(CreateEventsRequestSchema, { events: [clean, zeroByte, withNul, task("b", "n0")] }),
  );
  assert.ok(toBinary(EventSchema, zeroByte).includes(0));
  const req = (await readCreateEvents(wire, parseWhole)) as CreateEventsRequest;
  assert.ok(equals(CreateEventsRequestSchema, req, fromBinary(CreateEventsRequestSchema, wire)));

  const applied: string[] = [];
  const record = async (r: { event?: { producerId?: string; id?: { nodeId: string } } }) => {
    applied.push(r.event?.id?.nodeId ?? "task");
  };
  const managers = {
    executionEvents: { createWorkflowEvent: record },
    nodeEvents: { createNodeEvent: record },
    taskEvents: { createTaskEvent: record },
  } as unknown as Parameters<typeof createEvents>[0];
  const res = await createEvents(managers, req, silentLogger());
  assert.deepEqual(
    res.results.map((s) => s.code),
    [Code.OK, Code.OK, Code.INVALID_ARGUMENT, Code.OK],
  );
  assert.match(res.results[2]!.message, /producer_id: contains a NUL character/);
  assert.deepEqual(applied.sort(), ["n0", "n1", "task"]);

  // What its bytes showed clean is not walked again: a string changed after decoding (never done outside this test)
  // goes unseen in the clean event, and is still found in the one whose bytes held a 0x00.
  const again = (await readCreateEvents(wire, parseWhole)) as CreateEventsRequest;
  for (const i of [0, 1]) {
    const e = again.events[i]!;
    if (e.event.case === "node") e.event.value.event!.producerId = "late\u0000";
  }
  const res2 = await createEvents(managers, again, silentLogger());
  assert.deepEqual(
    res2.results.map((s) => s.code),
    [Code.OK, Code.INVALID_ARGUMENT, Code.INVALID_ARGUMENT, Code.OK],
  );
});

test("a request that is not a list of events is decoded whole, for the error it has always had", async () => {
  const malformed = Uint8Array.of(0x0a, 0x05, 0x01);
  await assert.rejects(
    async () => readCreateEvents(malformed, parseWhole),
    (err: Error) => {
      assert.throws(() => parseWhole(malformed), { message: err.message });
      return true;
    },
  );
  // Unknown fields beside the events are kept, as decoding whole keeps them.
  const wire = Uint8Array.of(
    ...toBinary(CreateEventsRequestSchema, create(CreateEventsRequestSchema, { events: [node("a", "n0")] })),
    0x10,
    0x07,
  );
  const req = await readCreateEvents(wire, parseWhole);
  assert.ok(equals(CreateEventsRequestSchema, req as CreateEventsRequest, fromBinary(CreateEventsRequestSchema, wire)));
});

test("a request's events are in progress together from the start, so that none of their writes commits alone", async () => {
  // The managers count their event in progress around it (GroupCommit.enter / leave); a write that finds only its own
  // event in progress commits alone at once on SQLite. Each fake manager notes how many events it saw in progress.
  let inProgress = 0;
  const writes = { enter: () => void inProgress++, leave: () => void inProgress-- };
  const seen: number[] = [];
  const apply = async () => {
    writes.enter();
    try {
      seen.push(inProgress);
      await Promise.resolve();
    } finally {
      writes.leave();
    }
  };
  const managers = {
    executionEvents: { createWorkflowEvent: apply },
    nodeEvents: { createNodeEvent: apply },
    taskEvents: { createTaskEvent: apply },
    writes,
  } as unknown as Parameters<typeof createEvents>[0];

  const req = create(CreateEventsRequestSchema, { events: [node("a", "n0"), node("a", "n1"), task("a", "n2")] });
  const res = await createEvents(managers, req, silentLogger());
  assert.deepEqual(
    res.results.map((s) => s.code),
    [Code.OK, Code.OK, Code.OK],
  );
  assert.ok(
    seen.every((n) => n > 1),
    `events in progress seen by each event: ${seen.join(", ")}`,
  );
  assert.equal(inProgress, 0);

  // One event alone keeps the lone write's fast path.
  seen.length = 0;
  await createEvents(managers, create(CreateEventsRequestSchema, { events: [node("a", "n0")] }), silentLogger());
  assert.deepEqual(seen, [1]);
  assert.equal(inProgress, 0);
});
