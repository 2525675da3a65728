// A split-mode engine's events to a remote admin in batches (aloft.admin.v1.EventService/CreateEvents), each caller
// answered with its own event's result (mapped by aloftErrorOf exactly as the unary RPCs' errors are). The events
// sent while a request is in flight wait for the next one, so a batch holds what arrives meanwhile. A second request
// (up to MAX_IN_FLIGHT) starts only when a whole batch is waiting, and never carries an event that could overtake one
// in flight: an event waits while an earlier event of its node, of its parent node (a child's event names its parent,
// which admin looks up), or of its execution's own (workflow) events, is in a request still unanswered — or for a
// workflow event, any earlier event of its execution. Admin applies those in request order, so the events of a node,
// a child's after its parent's, and an execution's own, arrive in the order they were sent.
// Every event is encoded once (to size the batch) and sent as those bytes (EncodedEvents, CreateEventsRequest on the
// wire).
// An admin that does not serve the RPC (UNIMPLEMENTED: an older version) gets the flyteidl unary RPCs from then on.
// A failed request (admin unreachable past the client's retries and deadline) fails every event in it with that
// error, UNAVAILABLE or DEADLINE_EXCEEDED, which the engine waits out and replays (events are idempotent).
import { create, toBinary } from "@bufbuild/protobuf";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import {
  EncodedEventsSchema,
  EventSchema,
  EventService,
  type Event,
} from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import type { Status } from "@aloft/idl/google/rpc/status_pb.js";
import type { AloftClient } from "@aloft/client";
import type { EventSink } from "@aloft/engine";
import { AloftError, Code, eventExecution, eventNode } from "@aloft/core";

/** At most admin's MAX_EVENTS_PER_REQUEST (packages/admin/src/api/event-service.ts). */
export const MAX_BATCH_EVENTS = 1000;
/** Well under admin's default 4 MiB request limit; a larger single event goes alone (and fails as it would alone). */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** Requests at once, the later ones only when a whole batch is waiting. */
export const MAX_IN_FLIGHT = 4;

export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
  maxInFlight: number;
}

const DEFAULT_LIMITS: BatchLimits = {
  maxEvents: MAX_BATCH_EVENTS,
  maxBytes: MAX_BATCH_BYTES,
  maxInFlight: MAX_IN_FLIGHT,
};

/** CreateEvents with the events already encoded: the same request on the wire. */
const createEncodedEvents = { ...EventService.method.createEvents, input: EncodedEventsSchema };

interface Pending {
  event: Event;
  bytes: Uint8Array;
  /** The execution's key, and the node's (undefined: a workflow event, ordered against its whole execution). */
  execution: string;
  node: string | undefined;
  /** A child node's event: its parent node's key (parentNodeMetadata). */
  parent: string | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The AloftError a per-event status stands for: the ConnectError the unary RPC would have thrown, mapped alike. */
function errorOf(status: Status, mapError: (err: unknown) => unknown): unknown {
  const err = new ConnectError(status.message, status.code as unknown as ConnectCode);
  err.details = status.details.map((d) => ({ type: d.typeUrl.slice(d.typeUrl.lastIndexOf("/") + 1), value: d.value }));
  return mapError(err);
}

/** Events of one execution in some set of requests: how many, how many workflow events, how many per node. */
interface ExecutionLanes {
  total: number;
  workflow: number;
  nodes: Map<string, number>;
}

/** Which executions' and nodes' events a set of requests (or the events held back) holds. */
class Lanes {
  private readonly executions = new Map<string, ExecutionLanes>();

  /** Whether `p` may not go before the events counted here (it would overtake one its admin applies in order). */
  blocks(p: Pending): boolean {
    const ex = this.executions.get(p.execution);
    if (!ex) return false;
    if (ex.workflow > 0 || p.node === undefined) return true;
    return ex.nodes.has(p.node) || (p.parent !== undefined && ex.nodes.has(p.parent));
  }

  add(p: Pending, by: 1 | -1): void {
    let ex = this.executions.get(p.execution);
    if (!ex) this.executions.set(p.execution, (ex = { total: 0, workflow: 0, nodes: new Map() }));
    ex.total += by;
    if (p.node === undefined) ex.workflow += by;
    else {
      const n = (ex.nodes.get(p.node) ?? 0) + by;
      if (n === 0) ex.nodes.delete(p.node);
      else ex.nodes.set(p.node, n);
    }
    if (ex.total === 0) this.executions.delete(p.execution);
  }
}

/**
 * The engine's EventSink over `client`. `mapError` turns a ConnectError into the AloftError the engine reads
 * (remote.ts aloftErrorOf).
 */
export function batchingEventSink(
  client: AloftClient,
  mapError: (err: unknown) => unknown,
  limits: BatchLimits = DEFAULT_LIMITS,
): EventSink {
  let queue: Pending[] = [];
  let queuedBytes = 0;
  let batched = true;
  let scheduled = false;
  let inFlight = 0;
  const sent = new Lanes();

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
      const list = byExecution.get(p.execution);
      if (list) list.push(p);
      else byExecution.set(p.execution, [p]);
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
      const res = await client.transport.unary(
        createEncodedEvents,
        undefined,
        undefined,
        undefined,
        create(EncodedEventsSchema, { events: batch.map((p) => p.bytes) }),
      );
      ({ results } = res.message);
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

  /**
   * Takes the next batch off the queue, in queue order: as many events as fit the limits (at least one), skipping
   * those that must wait for a request in flight — and every later event that must not overtake one skipped.
   */
  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const held = new Lanes();
    let bytes = 0;
    let full = false;
    for (const p of queue) {
      full ||= batch.length >= limits.maxEvents || (batch.length > 0 && bytes + p.bytes.length > limits.maxBytes);
      if (full) {
        rest.push(p);
        continue;
      }
      if (sent.blocks(p) || held.blocks(p)) {
        rest.push(p);
        held.add(p, 1);
        continue;
      }
      batch.push(p);
      bytes += p.bytes.length;
    }
    queue = rest;
    queuedBytes -= bytes;
    return batch;
  }

  /** Starts requests: one when none is in flight, more while a whole batch is waiting. */
  function dispatch(): void {
    while (queue.length > 0 && inFlight < limits.maxInFlight) {
      if (inFlight > 0 && queue.length < limits.maxEvents && queuedBytes < limits.maxBytes) return;
      const batch = takeBatch();
      if (batch.length === 0) return;
      inFlight++;
      for (const p of batch) sent.add(p, 1);
      void (batched ? sendBatch(batch) : sendUnaryBatch(batch))
        .catch((err: unknown) => {
          const mapped = mapError(err);
          for (const p of batch) p.reject(mapped);
        })
        .finally(() => {
          inFlight--;
          for (const p of batch) sent.add(p, -1);
          schedule();
        });
    }
  }

  /** Dispatches on the next turn, so that the events sent in this one (and by callers just answered) join the batch. */
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      dispatch();
    });
  }

  const send = (event: Event): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const id = eventExecution(event);
      const bytes = toBinary(EventSchema, event);
      queue.push({
        event,
        bytes,
        execution: id ? `${id.project}\u0000${id.domain}\u0000${id.name}` : "",
        node: eventNode(event),
        parent: event.event.case === "node" ? event.event.value.event?.parentNodeMetadata?.nodeId : undefined,
        resolve,
        reject,
      });
      queuedBytes += bytes.length;
      schedule();
    });

  return {
    concurrent: true,
    workflowEvent: (req) => send(create(EventSchema, { event: { case: "workflow", value: req } })),
    nodeEvent: (req) => send(create(EventSchema, { event: { case: "node", value: req } })),
    taskEvent: (req) => send(create(EventSchema, { event: { case: "task", value: req } })),
  };
}
