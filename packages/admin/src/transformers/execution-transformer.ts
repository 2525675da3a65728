// Execution rows ⇄ flyteidl messages (flyteadmin transformers/execution.go FromExecutionModel).
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  AbortMetadataSchema,
  ExecutionClosureSchema,
  ExecutionSchema,
  ExecutionSpecSchema,
  SystemMetadataSchema,
  ExecutionMetadataSchema,
  type Execution,
  type ExecutionClosure,
  type ExecutionSpec,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  WorkflowExecutionIdentifierSchema,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { ExecutionRow } from "../repositories/execution-repo.ts";
import { DEFAULT_NAMESPACE_TEMPLATE, namespaceFor } from "@aloft/core";

/** Lists trim error messages to this many bytes (upstream ListExecutionTransformerOptions). */
export const LIST_ERROR_MESSAGE_BYTES = 100;

export const decodeSpec = (row: Pick<ExecutionRow, "spec">): ExecutionSpec => fromBinary(ExecutionSpecSchema, row.spec);
export const decodeClosure = (row: Pick<ExecutionRow, "closure">): ExecutionClosure =>
  fromBinary(ExecutionClosureSchema, row.closure);

export function executionIdOf(
  row: Pick<ExecutionRow, "execution_project" | "execution_domain" | "execution_name">,
): WorkflowExecutionIdentifier {
  return create(WorkflowExecutionIdentifierSchema, {
    project: row.execution_project,
    domain: row.execution_domain,
    name: row.execution_name,
  });
}

/** Truncates to at most `max` bytes of valid UTF-8. */
export function trimBytes(s: string, max: number): string {
  const buf = Buffer.from(s, "utf8");
  if (buf.byteLength <= max) return s;
  let end = max;
  // Back off continuation bytes so that no character is cut in half.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString("utf8");
}

export interface ToExecutionOptions {
  /** Lists: clear spec.inputs and closure.computed_inputs, trim error messages. */
  list?: boolean;
  namespaceTemplate?: string;
}

export function toExecution(row: ExecutionRow, opts: ToExecutionOptions = {}): Execution {
  const spec = decodeSpec(row);
  const closure = decodeClosure(row);
  spec.metadata ??= create(ExecutionMetadataSchema);
  spec.metadata.systemMetadata ??= create(SystemMetadataSchema);
  if (spec.metadata.systemMetadata.namespace === "") {
    spec.metadata.systemMetadata.namespace = namespaceFor(
      opts.namespaceTemplate ?? DEFAULT_NAMESPACE_TEMPLATE,
      row.execution_project,
      row.execution_domain,
    );
  }
  if (closure.phase === WorkflowExecution_Phase.ABORTED && closure.outputResult.case !== "abortMetadata") {
    closure.outputResult = { case: "abortMetadata", value: create(AbortMetadataSchema, { cause: row.abort_cause }) };
  }
  if (opts.list) {
    spec.inputs = undefined;
    closure.computedInputs = undefined;
    if (closure.outputResult.case === "error")
      closure.outputResult.value.message = trimBytes(closure.outputResult.value.message, LIST_ERROR_MESSAGE_BYTES);
  }
  return create(ExecutionSchema, { id: executionIdOf(row), spec, closure });
}
