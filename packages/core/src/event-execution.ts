// The execution and node an event of a batch (aloft.admin.v1.EventService) belongs to: admin orders what it applies by
// them, and the engine's sink keeps a node's events from overtaking each other across requests in flight.
import type { Event } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";

/** The execution `e` names, or undefined when it names none (admin's manager refuses such an event). */
export function eventExecution(e: Event): WorkflowExecutionIdentifier | undefined {
  switch (e.event.case) {
    case "workflow":
      return e.event.value.event?.executionId;
    case "node":
      return e.event.value.event?.id?.executionId;
    case "task":
      return e.event.value.event?.parentNodeExecutionId?.executionId;
    default:
      return undefined;
  }
}

/** The node `e` is about: a node event's own, a task event's running node; undefined for a workflow event. */
export function eventNode(e: Event): string | undefined {
  if (e.event.case === "node") return e.event.value.event?.id?.nodeId ?? "";
  if (e.event.case === "task") return e.event.value.event?.parentNodeExecutionId?.nodeId ?? "";
  return undefined;
}
