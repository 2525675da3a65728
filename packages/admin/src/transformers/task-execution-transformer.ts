// Task execution rows → flyteidl messages (flyteadmin transformers/task_execution.go).
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  TaskExecutionClosureSchema,
  TaskExecutionSchema,
  type TaskExecution,
} from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import {
  ResourceType,
  TaskExecutionIdentifierSchema,
  type TaskExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { TaskExecutionListRow } from "../repositories/task-execution-repo.ts";

export function taskExecutionIdOf(row: TaskExecutionListRow): TaskExecutionIdentifier {
  return create(TaskExecutionIdentifierSchema, {
    taskId: {
      resourceType: ResourceType.TASK,
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
    },
    nodeExecutionId: {
      nodeId: row.node_id,
      executionId: { project: row.execution_project, domain: row.execution_domain, name: row.execution_name },
    },
    retryAttempt: row.retry_attempt,
  });
}

export function toTaskExecution(row: TaskExecutionListRow): TaskExecution {
  return create(TaskExecutionSchema, {
    id: taskExecutionIdOf(row),
    inputUri: row.input_uri,
    closure: fromBinary(TaskExecutionClosureSchema, row.closure),
    isParent: row.is_parent,
  });
}
