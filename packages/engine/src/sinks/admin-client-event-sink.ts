// An EventSink over an admin client (`@aloft/client`'s AdminService methods, gRPC or the HTTP gateway): what
// `aloft engine` uses to report to a remote admin. Client errors (ConnectError) become AloftErrors with the same
// code and the EventFailureReason detail, which is all the engine's idempotency rules (§3.5) look at.
import {
  EventFailureReasonSchema,
  type EventFailureReason,
  type NodeExecutionEventRequest,
  type TaskExecutionEventRequest,
  type WorkflowExecutionEventRequest,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { AloftError, Code } from "@aloft/core/errors.ts";
import type { EventSink } from "../ports.ts";

export interface AdminEventClient {
  createWorkflowEvent(req: WorkflowExecutionEventRequest): Promise<unknown>;
  createNodeEvent(req: NodeExecutionEventRequest): Promise<unknown>;
  createTaskEvent(req: TaskExecutionEventRequest): Promise<unknown>;
}

/** The parts of a ConnectError we use (structural: the engine does not depend on the RPC library). */
interface RpcErrorLike {
  code: number;
  rawMessage?: string;
  message: string;
  findDetails?: <D extends DescMessage>(schema: D) => MessageShape<D>[];
}

const isRpcError = (e: unknown): e is RpcErrorLike =>
  typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "number";

export function toAloftEventError(e: unknown): unknown {
  if (e instanceof AloftError || !isRpcError(e)) return e;
  const reasons: EventFailureReason[] = e.findDetails ? e.findDetails(EventFailureReasonSchema) : [];
  const code = e.code in Code ? (e.code as Code) : Code.UNKNOWN;
  return new AloftError(code, "event.rejected", e.rawMessage ?? e.message, {
    cause: e,
    details: reasons.map((value) => ({ schema: EventFailureReasonSchema, value })),
  });
}

export function adminClientEventSink(client: AdminEventClient): EventSink {
  const call = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (e) {
      throw toAloftEventError(e);
    }
  };
  return {
    workflowEvent: (req) => call(() => client.createWorkflowEvent(req)),
    nodeEvent: (req) => call(() => client.createNodeEvent(req)),
    taskEvent: (req) => call(() => client.createTaskEvent(req)),
  };
}
