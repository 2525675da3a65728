// The execution an event of a batch (aloft.admin.v1.EventService) belongs to: the engine groups its batches by it,
// admin orders what it applies by it.
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
