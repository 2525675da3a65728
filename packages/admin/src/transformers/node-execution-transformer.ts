// Node execution rows → flyteidl messages (flyteadmin transformers/node_execution.go). Which legacy nodes are parents
// needs a query; the manager decides that and hands the metadata in.
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  NodeExecutionClosureSchema,
  NodeExecutionMetaDataSchema,
  NodeExecutionSchema,
  type NodeExecution,
  type NodeExecutionMetaData,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { NodeExecutionIdentifierSchema, type NodeExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { NodeExecutionRow } from "../repositories/node-execution-repo.ts";
import { LIST_ERROR_MESSAGE_BYTES, trimBytes } from "./execution-transformer.ts";

export function nodeExecutionIdOf(row: NodeExecutionRow): NodeExecutionIdentifier {
  return create(NodeExecutionIdentifierSchema, {
    nodeId: row.node_id,
    executionId: { project: row.execution_project, domain: row.execution_domain, name: row.execution_name },
  });
}

/** The stored metadata (empty when the row has none). */
export function nodeExecutionMetadataOf(row: Pick<NodeExecutionRow, "node_execution_metadata">): NodeExecutionMetaData {
  return row.node_execution_metadata
    ? fromBinary(NodeExecutionMetaDataSchema, row.node_execution_metadata)
    : create(NodeExecutionMetaDataSchema);
}

/** Lists trim error messages (upstream ListExecutionTransformerOptions). */
export function toNodeExecution(row: NodeExecutionRow, metadata: NodeExecutionMetaData, list: boolean): NodeExecution {
  const closure = fromBinary(NodeExecutionClosureSchema, row.closure);
  if (list && closure.outputResult.case === "error") {
    closure.outputResult.value.message = trimBytes(closure.outputResult.value.message, LIST_ERROR_MESSAGE_BYTES);
  }
  return create(NodeExecutionSchema, { id: nodeExecutionIdOf(row), inputUri: row.input_uri, closure, metadata });
}
