// A split-mode engine's events to a remote admin in batches (aloft.admin.v1.EventService/CreateEvents): one request in
// flight at a time, the events sent meanwhile queued for the next one, each caller answered with its own event's
// result (mapped by aloftErrorOf exactly as the unary RPCs' errors are). The queue keeps call order and admin applies
// the events of one execution in request order, so the events of an execution arrive in the order they were sent.
// An admin that does not serve the RPC (UNIMPLEMENTED: an older version) gets the flyteidl unary RPCs from then on.
// A failed request (admin unreachable past the client's retries and deadline) fails every event in it with that
// error, UNAVAILABLE or DEADLINE_EXCEEDED, which the engine waits out and replays (events are idempotent).
import { create, toBinary } from "@bufbuild/protobuf";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import { EventSchema, type Event } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import type { Status } from "@aloft/idl/google/rpc/status_pb.js";
import type { AloftClient } from "@aloft/client";
import type { EventSink } from "@aloft/engine";
import { AloftError, Code, eventExecution } from "@aloft/core";

/** At most admin's MAX_EVENTS_PER_REQUEST (packages/admin/src/api/event-service.ts). */
export const MAX_BATCH_EVENTS = 1000;
/** Well under admin's default 4 MiB request limit; a larger single event goes alone (and fails as it would alone). */
export const MAX_BATCH_BYTES = 1024 * 1024;

interface Pending {
  event: Event;
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The AloftError a per-event status stands for: the ConnectError the unary RPC would have thrown, mapped alike. */
function errorOf(status: Status, mapError: (err: unknown) => unknown): unknown {
  const err = new ConnectError(status.message, status.code as unknown as ConnectCode);
  err.details = status.details.map((d) => ({ type: d.typeUrl.slice(d.typeUrl.lastIndexOf("/") + 1), value: d.value }));
  return mapError(err);
}

/** Takes the next batch off the front of the queue: at least one event, then as many as fit the limits. */
function takeBatch(queue: Pending[]): Pending[] {
  let bytes = 0;
  let n = 0;
  while (n < queue.length && n < MAX_BATCH_EVENTS) {
    const next = queue[n]!.bytes;
    if (n > 0 && bytes + next > MAX_BATCH_BYTES) break;
    bytes += next;
    n++;
  }
  return queue.splice(0, n);
}

/**
 * The engine's EventSink over `client`. `mapError` turns a ConnectError into the AloftError the engine reads
 * (remote.ts aloftErrorOf).
 */
export function batchingEventSink(client: AloftClient, mapError: (err: unknown) => unknown): EventSink {
  const queue: Pending[] = [];
  let batched = true;
  let pumping = false;

  /** The flyteidl unary RPC for one event (an older admin). */
  async function sendUnary(e: Event): Promise<void> {
    const admin = client.admin;
    try {
      if (e.event.case === "workflow") await admin.createWorkflowEvent(e.event.value);
      else if (e.event.case === "node") await admin.createNodeEvent(e.event.value);
      else if (e.event.case === "task") await admin.createTaskEvent(e.event.value);
    } catch (err) {
      throw mapError(err);
    }
  }

  /** Unary RPCs, one execution's events one after another, different executions at once. */
  async function sendUnaryBatch(batch: Pending[]): Promise<void> {
    const byExecution = new Map<string, Pending[]>();
    for (const p of batch) {
      const id = eventExecution(p.event);
      const key = id ? `${id.project}\u0000${id.domain}\u0000${id.name}` : "";
      byExecution.set(key, [...(byExecution.get(key) ?? []), p]);
    }
    await Promise.all(
      [...byExecution.values()].map(async (list) => {
        for (const p of list) await sendUnary(p.event).then(p.resolve, p.reject);
      }),
    );
  }

  async function sendBatch(batch: Pending[]): Promise<void> {
    let results: Status[];
    try {
      ({ results } = await client.events.createEvents({ events: batch.map((p) => p.event) }));
    } catch (err) {
      if (ConnectError.from(err).code === ConnectCode.Unimplemented) {
        batched = false;
        return sendUnaryBatch(batch);
      }
      const mapped = mapError(err);
      for (const p of batch) p.reject(mapped);
      return;
    }
    if (results.length !== batch.length) {
      const err = new AloftError(
        Code.UNKNOWN,
        "remote.bad_response",
        `CreateEvents answered ${results.length} results for ${batch.length} events`,
      );
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const status = results[i]!;
      if (status.code === Code.OK) p.resolve();
      else p.reject(errorOf(status, mapError));
    });
  }

  async function pump(): Promise<void> {
    pumping = true;
    try {
      for (;;) {
        // Lets the events sent in this turn (and by callers just answered) join the batch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (queue.length === 0) return;
        const batch = takeBatch(queue);
        await (batched ? sendBatch(batch) : sendUnaryBatch(batch)).catch((err: unknown) => {
          const mapped = mapError(err);
          for (const p of batch) p.reject(mapped);
        });
      }
    } finally {
      pumping = false;
    }
  }

  const send = (event: Event): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      queue.push({ event, bytes: toBinary(EventSchema, event).length, resolve, reject });
      if (!pumping) void pump();
    });

  return {
    workflowEvent: (req) => send(create(EventSchema, { event: { case: "workflow", value: req } })),
    nodeEvent: (req) => send(create(EventSchema, { event: { case: "node", value: req } })),
    taskEvent: (req) => send(create(EventSchema, { event: { case: "task", value: req } })),
  };
}
