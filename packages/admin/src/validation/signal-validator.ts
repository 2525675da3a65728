// SignalService request validation (flyteadmin signal_validator.go): the field checks that need no database, with
// upstream's messages. SetSignal's checks against the stored signal (exists, value castable) are in the manager.
import type {
  SignalGetOrCreateRequest,
  SignalListRequest,
  SignalSetRequest,
} from "@aloft/idl/flyteidl/admin/signal_pb.js";
import type { SignalIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { AloftError, missing } from "@aloft/core";
import { validateWorkflowExecutionId } from "./execution-validator.ts";

/** A signal id with its execution id (every field non-empty). */
export type ValidSignalId = SignalIdentifier & { executionId: NonNullable<SignalIdentifier["executionId"]> };

function validateSignalId(id: SignalIdentifier | undefined): asserts id is ValidSignalId {
  if (!id) throw missing("id");
  if (!id.executionId) throw missing("execution_id");
  if (id.signalId === "") throw missing("signal_id");
  validateWorkflowExecutionId(id.executionId);
}

export function validateSignalGetOrCreateRequest(
  req: SignalGetOrCreateRequest,
): asserts req is SignalGetOrCreateRequest & { id: ValidSignalId; type: LiteralType } {
  validateSignalId(req.id);
  if (!req.type) throw missing("type");
}

/** Upstream reports any problem with the execution id as `missing execution_id`; the limit is checked with the list parameters. */
export function validateSignalListRequest(
  req: SignalListRequest,
): asserts req is SignalListRequest & { workflowExecutionId: NonNullable<SignalListRequest["workflowExecutionId"]> } {
  try {
    validateWorkflowExecutionId(req.workflowExecutionId);
  } catch (err) {
    if (err instanceof AloftError) throw missing("execution_id");
    throw err;
  }
}

export function validateSignalSetRequest(
  req: SignalSetRequest,
): asserts req is SignalSetRequest & { id: ValidSignalId; value: Literal } {
  validateSignalId(req.id);
  if (!req.value) throw missing("value");
}
