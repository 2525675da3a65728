// aloft.admin.v1.EventService: a split-mode engine's events in batches (packages/idl/protos/aloft/admin/v1). Each
// event goes to the same manager method as its flyteidl RPC (CreateWorkflowEvent / CreateNodeEvent / CreateTaskEvent)
// and is answered on its own: OK, or the code, message and details that RPC would have answered. Within an execution,
// the events of one node, and the execution's own events, are applied in request order (applyPlan); different nodes
// and different executions proceed concurrently. The authentication, authorization and event guard of the flyteidl
// event RPCs apply to the whole call (auth/permissions.ts, middleware/event-guard.ts); the check for unstorable text
// runs per event, so that one bad event fails alone (at once for an event whose wire bytes hold no 0x00 byte: see
// eventsRequestReaders).
import { create, fromBinary, type Message } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import {
  EventService,
  CreateEventsRequestSchema,
  CreateEventsResponseSchema,
  EncodedEventsSchema,
  EventSchema,
  type CreateEventsRequest,
  type Event,
} from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { StatusSchema, type Status } from "@aloft/idl/google/rpc/status_pb.js";
import {
  NodeExecutionEventRequestSchema,
  TaskExecutionEventRequestSchema,
  WorkflowExecutionEventRequestSchema,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { Code, eventExecution, eventNode, invalidArgument, toAloftError, type Logger } from "@aloft/core";
import type { ExecutionManagers } from "../managers/execution-managers.ts";
import type { GroupCommit } from "../repositories/group-commit.ts";
import { findInvalidText, noteDecoded } from "../validation/request-text.ts";
import { bind, type ServiceBinding } from "./rpc.ts";
import type { RequestReader } from "./grpc/large-inputs-reader.ts";

/** Events one CreateEvents call may carry; more is INVALID_ARGUMENT for the whole call. */
export const MAX_EVENTS_PER_REQUEST = 1000;
/** Events applied at once (the unary RPCs' default stream limit per connection). */
const CONCURRENT_EVENTS = 100;

type EventManagers = Pick<ExecutionManagers, "executionEvents" | "nodeEvents" | "taskEvents"> & {
  /** The managers' group commit: counted in progress for a whole request (see createEvents). */
  writes?: Pick<GroupCommit, "enter" | "leave">;
};

const keyOf = (id: WorkflowExecutionIdentifier | undefined) =>
  id ? `${id.project}\u0000${id.domain}\u0000${id.name}` : "";

/**
 * Reads a CreateEvents request on the gRPC fast path event by event (the same messages as decoding it whole), so that
 * each event's own bytes tell whether its text check is needed (noteDecoded). Anything unusual (a malformed event,
 * unknown fields) is decoded whole by `parse`, which answers exactly as before.
 */
const readCreateEvents: RequestReader = async (bytes, parse) => {
  try {
    const encoded = fromBinary(EncodedEventsSchema, bytes);
    if (encoded.$unknown === undefined) {
      const req = create(CreateEventsRequestSchema);
      req.events = encoded.events.map((b) => {
        const e = fromBinary(EventSchema, b);
        // apply checks the event's request (the oneof's value), decoded from these bytes but for its tag and length.
        if (e.event.value) noteDecoded(e.event.value, b);
        return e;
      });
      return req;
    }
  } catch {
    // Decoded whole below, for the error the request has always been answered with.
  }
  return parse(bytes);
};

/** The gRPC server's request readers for this service (grpc-server.ts requestReaders). */
export const eventsRequestReaders: ReadonlyMap<string, RequestReader> = new Map([
  [CreateEventsRequestSchema.typeName, readCreateEvents],
]);

/** Applies one event through its flyteidl RPC's manager method. */
async function apply(m: EventManagers, e: Event): Promise<void> {
  const check = (schema: Parameters<typeof findInvalidText>[0], req: Message) => {
    const found = findInvalidText(schema, req);
    if (found) throw invalidArgument("validation.invalid_text", `invalid value for ${found.path}: ${found.problem}`);
  };
  switch (e.event.case) {
    case "workflow":
      check(WorkflowExecutionEventRequestSchema, e.event.value);
      await m.executionEvents.createWorkflowEvent(e.event.value);
      return;
    case "node":
      check(NodeExecutionEventRequestSchema, e.event.value);
      await m.nodeEvents.createNodeEvent(e.event.value);
      return;
    case "task":
      check(TaskExecutionEventRequestSchema, e.event.value);
      await m.taskEvents.createTaskEvent(e.event.value);
      return;
    default:
      throw invalidArgument("event.missing", "an event names none of workflow, node or task");
  }
}

/** The status an error becomes on the wire, as the unary RPC would answer it (details packed as Any). */
function statusOf(err: unknown): Status {
  const e = toAloftError(err);
  return create(StatusSchema, {
    code: e.code,
    message: e.message,
    details: e.details.map((d) => anyPack(d.schema, d.value)),
  });
}

const OK = () => create(StatusSchema, { code: Code.OK });

/**
 * How a request's events are applied (indices into it): per execution, steps taken one after another; within a step,
 * lanes at once, each in request order. A workflow event is a step of its own, after every earlier event of its
 * execution and before every later one; between workflow events, the events of one node (its node events and its
 * tasks' events) form a lane. So every event of an execution that the order could matter to — same node, or the
 * execution's own phase — is applied in request order, and the engine's concurrent nodes are applied concurrently,
 * as their unary RPCs would be.
 */
export function applyPlan(events: readonly Event[]): number[][][][] {
  // Per execution: its steps, and the lanes by node of its last step while that step is one of node events (a map, so
  // that a batch of a fan-out's events is planned in linear time).
  const executions = new Map<string, { steps: number[][][]; lanes?: Map<string, number[]> }>();
  events.forEach((e, i) => {
    const key = keyOf(eventExecution(e));
    let x = executions.get(key);
    if (!x) executions.set(key, (x = { steps: [] }));
    const node = eventNode(e);
    if (node === undefined) {
      x.steps.push([[i]]);
      x.lanes = undefined;
      return;
    }
    const lane = x.lanes?.get(node);
    if (lane) {
      lane.push(i);
      return;
    }
    if (!x.lanes) {
      x.lanes = new Map();
      x.steps.push([]);
    }
    const added = [i];
    x.lanes.set(node, added);
    x.steps.at(-1)!.push(added);
  });
  return Array.from(executions.values(), (x) => x.steps);
}

/** Runs at most `n` of the functions given to it at once. */
function limiter(n: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

export async function createEvents(m: EventManagers, req: CreateEventsRequest, logger: Logger) {
  if (req.events.length > MAX_EVENTS_PER_REQUEST) {
    throw invalidArgument(
      "event.batch_too_large",
      `a CreateEvents request carries at most ${MAX_EVENTS_PER_REQUEST} events (got ${req.events.length})`,
    );
  }
  const results: Status[] = new Array(req.events.length);
  const limit = limiter(CONCURRENT_EVENTS);
  const applyOne = async (i: number) => {
    try {
      await limit(() => apply(m, req.events[i]!));
      results[i] = OK();
    } catch (err) {
      const status = statusOf(err);
      if (status.code === Code.INTERNAL || status.code === Code.UNKNOWN)
        logger.error({ err, method: "CreateEvents", event: i }, "event failed");
      results[i] = status;
    }
  };
  // The request's events count as in progress from the start: its first event's write would otherwise find no other
  // event in progress and commit alone (SQLite's group commit runs a lone event's write at once), before the next
  // event has even started — two commits for a small batch instead of one (measured: 3,000 commits for 1,500
  // requests of 4 events, 1,500 with this). A request of one event keeps the lone write's fast path.
  const writes = req.events.length > 1 ? m.writes : undefined;
  writes?.enter();
  try {
    await Promise.all(
      applyPlan(req.events).map(async (steps) => {
        for (const lanes of steps) {
          await Promise.all(
            lanes.map(async (lane) => {
              for (const i of lane) await applyOne(i);
            }),
          );
        }
      }),
    );
  } finally {
    writes?.leave();
  }
  return create(CreateEventsResponseSchema, { results });
}

export function eventServiceBinding(m: EventManagers, logger: Logger): ServiceBinding {
  const log = logger.child({ component: "event-service" });
  return bind(EventService, { createEvents: (req) => createEvents(m, req, log) });
}
