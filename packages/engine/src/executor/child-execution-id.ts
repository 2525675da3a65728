// The child execution a launch-plan node attempt launches: in the parent's project and domain, named
// deterministically (fnv64a of parent execution, unique node id, attempt) so that a repeated launch is AlreadyExists.
// Shared by the launch-plan handler (which creates, polls and aborts it) and node events (which name it).
import { create } from "@bufbuild/protobuf";
import {
  WorkflowExecutionIdentifierSchema,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { fixedLengthUniqueIdForParts } from "@aloft/core";
import type { NodeContext } from "../nodes/handler.ts";

/** The child execution of a launch-plan node attempt. */
export function childExecutionId(n: NodeContext): WorkflowExecutionIdentifier {
  const parent = n.exec.executionId;
  const name = fixedLengthUniqueIdForParts(20, [parent.name, n.uniqueId, String(n.attempt())], "fnv64a");
  return create(WorkflowExecutionIdentifierSchema, { project: parent.project, domain: parent.domain, name });
}
